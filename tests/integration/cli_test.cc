// The rkt command line: global flags, version, help, and the exit status and one-line message
// of runtime failures.

#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt::test {
namespace {

TEST(RktCli, VersionNamesRktAndAppc) {
  auto r = run_command({rkt_binary(), "version"});
  EXPECT_EQ(r.exit_code, 0);
  // What Nomad's rkt driver parses: `rkt [vV]ersion[:]? (\d[.\d]+)` >= 1.27.0 and an appc version.
  EXPECT_EQ(r.out.rfind("rkt Version: 1.30.0\nappc Version: 0.8.11\n", 0), 0u) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(RktCli, GlobalFlagsBetweenImageAndItsSubcommand) {
  // rktlet's image calls: rkt image --dir=D --debug=false list ...
  TempDir tmp;
  auto r = run_command({rkt_binary(), "image", "--dir=" + tmp.path(), "--debug=false", "list", "--no-legend",
                        "--fields=id,name", "--full"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(::access((tmp / "cas").c_str(), F_OK), -1) << "the --dir given before the subcommand is used";
  auto bad = run_command({rkt_binary(), "image", "--dir=" + tmp.path(), "frobnicate"});
  EXPECT_EQ(bad.exit_code, 254);
  EXPECT_NE(bad.err.find("unknown command \"image frobnicate\""), std::string::npos) << bad.err;
}

TEST(RktCli, UniquePrefixesSelectACommand) {
  auto r = run_command({rkt_binary(), "vers"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("rkt Version: "), std::string::npos);
}

TEST(RktCli, NoCommandPrintsUsageAndExits2) {
  auto r = run_command({rkt_binary()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Usage:"), std::string::npos);
}

TEST(RktCli, HelpListsCommandsAndGlobalFlags) {
  auto r = run_command({rkt_binary(), "help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"version", "--dir", "--insecure-options", "--local-config", "--system-config", "--debug"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  auto one = run_command({rkt_binary(), "help", "version"});
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("rkt version"), std::string::npos);
  auto flag = run_command({rkt_binary(), "version", "--help"});
  EXPECT_EQ(flag.exit_code, 0);
  EXPECT_NE(flag.out.find("Usage:"), std::string::npos);
}

TEST(RktCli, FailuresExit254WithOneLineNamingTheCause) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"no-such-command"}, "rkt: unknown command \"no-such-command\" (see 'rkt help')\n"},
      {{"--insecure-options=everything", "version"}, "rkt: --insecure-options: unknown option \"everything\""},
      {{"version", "--no-such-flag"}, "rkt: rkt version: unknown flag \"--no-such-flag\"\n"},
      {{"--dir"}, "rkt: flag --dir needs a value\n"},
      {{"version", "extra"}, "rkt: rkt version takes no arguments\n"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {rkt_binary()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 254) << c.message;
    EXPECT_EQ(r.err.rfind(c.message, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
}

TEST(RktCli, DebugShowsTheChain) {
  auto r = run_command({rkt_binary(), "--debug", "version", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.err.find("rkt: error chain:\nrkt version\n  unknown flag \"--no-such-flag\"\n"), std::string::npos)
      << r.err;
}

TEST(RktCli, GlobalFlagsAreAcceptedAfterTheCommand) {
  auto r = run_command({rkt_binary(), "version", "--dir=/tmp/nowhere", "--debug", "--insecure-options=image"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// As rkt: without --dir, paths.d's data directory; a broken configuration is an error naming its
// file; `rkt config` prints what was read.
TEST(RktCli, TheDataDirectoryComesFromPathsDWithoutDir) {
  TempDir tmp;
  ASSERT_EQ(::mkdir((tmp / "paths.d").c_str(), 0755), 0);
  write_file(tmp / "paths.d/p.json", R"({"rktKind":"paths","rktVersion":"v1","data":")" + (tmp / "data") + "\"}");
  auto r = run_command({rkt_binary(), "--local-config=" + tmp.path(), "image", "list", "--no-legend"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(::access((tmp / "data/cas").c_str(), F_OK), 0) << "the store is in paths.d's data directory";
  auto given = run_command(
      {rkt_binary(), "--local-config=" + tmp.path(), "--dir=" + (tmp / "other"), "image", "list", "--no-legend"});
  EXPECT_EQ(given.exit_code, 0) << given.err;
  EXPECT_EQ(::access((tmp / "other/cas").c_str(), F_OK), 0) << "--dir wins";
  auto printed = run_command({rkt_binary(), "--local-config=" + tmp.path(), "config"});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find("\t\t\t\"data\": \"" + (tmp / "data") + "\",\n"), std::string::npos) << printed.out;

  write_file(tmp / "paths.d/p.json", R"({"rktKind":"paths","rktVersion":"v1","data":"relative"})");
  auto bad = run_command({rkt_binary(), "--local-config=" + tmp.path(), "list"});
  EXPECT_EQ(bad.exit_code, 254);
  EXPECT_NE(bad.err.find("cannot get configuration: config file \"" + (tmp / "paths.d/p.json") +
                         "\": data directory must be an absolute path"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace rkt::test
