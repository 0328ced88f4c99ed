// rkt: the App Container runtime's command line. No daemon: every command does its work and
// exits. Exit status: a run passes the app's status through; every failure of rkt itself is 254;
// `rkt` alone prints usage and exits 2.

#include <iostream>
#include <string>
#include <vector>

#include "common/fs.h"
#include "stage0/cli/commands.h"

namespace rkt::stage0 {

namespace {

void print_usage(std::ostream& out) {
  out << "rkt - the App Container runtime\n\n"
      << "Usage:\n  rkt [global flags] COMMAND [flags] [args]\n\nCommands:\n";
  for (const auto& c : commands()) {
    std::string name = c.name;
    name.resize(16, ' ');
    out << "  " << name << c.summary << "\n";
  }
  GlobalOptions g;
  FlagSet fs("rkt");
  add_global_flags(fs, g);
  out << "\nGlobal flags:\n" << fs.usage() << "\nRun 'rkt help COMMAND' for more about a command.\n";
}

// Finds a command by name or by a unique prefix of one ("rkt ver" is "rkt version").
Result<const Command*> find_command(const std::string& name) {
  std::vector<const Command*> matches;
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
    if (std::string(c.name).rfind(name, 0) == 0) matches.push_back(&c);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return Error(Errc::Usage, "unknown command " + quote(name) + " (see 'rkt help')");
  std::string names;
  for (const Command* c : matches) names += (names.empty() ? "" : ", ") + std::string(c->name);
  return Error(Errc::Usage, "command " + quote(name) + " is ambiguous: " + names);
}

Result<int> help(const std::vector<std::string>& args) {
  if (args.empty()) {
    print_usage(std::cout);
    return 0;
  }
  auto c = find_command(args[0]);
  RKT_TRY(c);
  std::cout << (*c)->summary << "\n\nUsage:\n  " << (*c)->usage << "\n";
  return 0;
}

int report(const Error& e, bool debug) {
  if (debug) {
    std::cerr << "rkt: error chain:\n" << e.chain();
  } else {
    std::cerr << "rkt: " << e.message() << "\n";
  }
  return kExitRuntimeFailure;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  GlobalOptions g;
  FlagSet global("");
  add_global_flags(global, g);
  auto pos = global.parse(args, FlagSet::Interspersed::No);
  if (!pos) return report(pos.error(), g.debug);
  if (pos->empty()) {
    print_usage(g.help ? std::cout : std::cerr);
    return g.help ? 0 : 2;
  }
  if (Status s = finish_global_flags(g); !s) return report(s.error(), g.debug);
  auto cmd = find_command((*pos)[0]);
  if (!cmd) return report(cmd.error(), g.debug);
  std::vector<std::string> rest(pos->begin() + 1, pos->end());
  Result<int> rc = 0;
  if (std::string((*cmd)->name) == "help") {
    rc = help(rest);
  } else if (g.help || (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h"))) {
    rc = help({(*cmd)->name});
  } else {
    rc = (*cmd)->run(g, rest);
    if (rc) {
      if (Status s = finish_global_flags(g); !s) return report(s.error(), g.debug);
    }
  }
  if (!rc) return report(rc.error(), g.debug);
  return *rc;
}

}  // namespace
}  // namespace rkt::stage0

int main(int argc, char** argv) { return rkt::guarded_main("rkt", rkt::stage0::run, argc, argv); }
