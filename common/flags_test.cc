#include "common/flags.h"

#include <gtest/gtest.h>

namespace rkt {
namespace {

TEST(Flags, ParsesEveryForm) {
  FlagSet fs("test");
  std::string dir = "/var/lib/rkt";
  bool debug = false, quiet = true;
  std::vector<std::string> envs;
  fs.add_string("dir", &dir, "data dir");
  fs.add_bool("debug", &debug, "debug");
  fs.add_bool("quiet", &quiet, "quiet");
  fs.add_list("set-env", &envs, "env");
  auto pos = fs.parse({"--dir", "/tmp/x", "a", "--debug", "--quiet=false", "--set-env=A=1", "-set-env", "B=2", "b",
                       "--", "--not-a-flag"});
  ASSERT_TRUE(pos) << pos.error().message();
  EXPECT_EQ(*pos, (std::vector<std::string>{"a", "b", "--not-a-flag"}));
  EXPECT_EQ(dir, "/tmp/x");
  EXPECT_TRUE(debug);
  EXPECT_FALSE(quiet);
  EXPECT_EQ(envs, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_TRUE(fs.seen("dir"));
  EXPECT_FALSE(FlagSet("x").seen("dir"));
}

TEST(Flags, StopsAtFirstPositionalWhenAsked) {
  FlagSet fs("rkt");
  bool debug = false;
  fs.add_bool("debug", &debug, "debug");
  auto pos = fs.parse({"--debug", "run", "--debug=false", "img"}, FlagSet::Interspersed::No);
  ASSERT_TRUE(pos);
  EXPECT_EQ(*pos, (std::vector<std::string>{"run", "--debug=false", "img"}));
  EXPECT_TRUE(debug);
}

TEST(Flags, ParseLeadingStopsAtPositionalsAndSeparators) {
  FlagSet fs("rkt run");
  std::string exec;
  bool ro = false;
  fs.add_string("exec", &exec, "");
  fs.add_bool("readonly-rootfs", &ro, "");
  std::vector<std::string> args = {"img1", "--exec", "/bin/sh", "--readonly-rootfs", "--", "-c", "x", "---", "img2"};
  auto stop = fs.parse_leading(args, 1);
  ASSERT_TRUE(stop);
  EXPECT_EQ(*stop, 4u);
  EXPECT_EQ(exec, "/bin/sh");
  EXPECT_TRUE(ro);
  EXPECT_EQ(*fs.parse_leading(args, 8), 8u) << "an image is not a flag";
}

TEST(Flags, ErrorsNameTheFlag) {
  FlagSet fs("rkt fetch");
  bool full = false;
  std::string sig;
  fs.add_bool("full", &full, "");
  fs.add_string("signature", &sig, "");
  auto unknown = fs.parse({"--nope"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "rkt fetch: unknown flag \"--nope\"");
  EXPECT_EQ(unknown.error().code(), Errc::Usage);
  auto missing = fs.parse({"--signature"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "rkt fetch: flag --signature needs a value");
  auto bad = fs.parse({"--full=maybe"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "rkt fetch: invalid value \"maybe\" for flag --full");
}

TEST(Flags, AListFlagWithANoValueDefaultTakesNoNextArgument) {
  std::vector<std::string> nets;
  FlagSet fs("rkt run");
  fs.add_list("net", &nets, "networks", "default");
  auto pos = fs.parse({"--net", "image.aci", "--net=a:K=V"});
  ASSERT_TRUE(pos) << pos.error().message();
  EXPECT_EQ(*pos, std::vector<std::string>{"image.aci"});
  EXPECT_EQ(nets, (std::vector<std::string>{"default", "a:K=V"}));
  auto stop = fs.parse_leading({"--net", "image.aci"}, 0);
  ASSERT_TRUE(stop);
  EXPECT_EQ(*stop, 1u);
}

}  // namespace
}  // namespace rkt
