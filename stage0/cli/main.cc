// rkt: the App Container runtime's command line. No daemon: every command does its work and
// exits. Exit status: a run passes the app's status through; every failure of rkt itself is 254;
// `rkt` alone prints usage and exits 2.

#include <iostream>
#include <string>
#include <vector>

#include "common/fs.h"
#include "stage0/cli/commands.h"

namespace rkt::stage0 {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"cat-manifest", "Print the manifest of a pod", "rkt cat-manifest [--pretty-print] UUID|--uuid-file=FILE",
       cmd_cat_manifest},
      {"enter", "Run a command in a running app, confined exactly as the app",
       "rkt enter [--app=NAME] UUID [CMD [ARGS...]]\n\nThe command (default /bin/bash) joins the app's cgroup and\n"
       "namespaces and gets its user, capabilities, no_new_privs and seccomp filter.",
       cmd_enter},
      {"export", "Export an exited app's root, with its changes, as an image",
       "rkt export [--app=NAME] [--overwrite] UUID OUT.aci", cmd_export},
      {"fetch", "Fetch images into the store, verified",
       "rkt fetch [--signature=FILE.asc] [--full] [--pull-policy=never|new|update] IMAGE...\n\n"
       "IMAGE is a file (./app.aci, file:///app.aci), an http(s) URL, or an image name\n"
       "(example.com/app:1.0,os=linux) found by appc discovery. The image's detached signature\n"
       "(IMAGE.asc) must be made by a key trusted for its name (see rkt trust).",
       cmd_fetch},
      {"gc", "Remove exited pods, failed prepares and expired prepared pods",
       "rkt gc [--grace-period=30m] [--expire-prepared=24h] [--mark-only]", cmd_gc},
      {"help", "Help about any command", "rkt help [COMMAND]", nullptr},
      {"image", "Operate on the images in the store",
       "rkt image list [--fields=...] [--sort=FIELD] [--order=asc|desc] [--full] [--no-legend] [--format=json|json-pretty]\n"
       "  rkt image rm IMAGE...\n"
       "  rkt image cat-manifest [--pretty-print] IMAGE\n"
       "  rkt image export [--overwrite] IMAGE OUT.aci\n"
       "  rkt image extract|render [--rootfs-only] [--overwrite] IMAGE DIR\n"
       "  rkt image verify IMAGE...\n"
       "  rkt image gc [--grace-period=24h]\n\n"
       "IMAGE is an image ID (or an unambiguous prefix of one) or name[:version].",
       cmd_image},
      {"list", "List pods", "rkt list [--full] [--no-legend] [--format=json|json-pretty]", cmd_list},
      {"prepare", "Prepare a pod to run later with run-prepared",
       "rkt prepare [pod flags] IMAGE [app flags] [-- ARGS... ---] [IMAGE ...]\n\nPrints the pod's UUID.",
       cmd_prepare},
      {"run", "Run images in a pod",
       "rkt run [pod flags] IMAGE [app flags] [-- ARGS... [---]] [IMAGE ...]\n\n"
       "Pod flags: --net=host|none --hostname --dns --dns-search --dns-opt --dns-domain --hosts-entry\n"
       "  --volume --set-env --set-env-file --inherit-env --uuid-file-save --interactive --no-overlay\n"
       "  --stage1-path|--stage1-name|--stage1-hash --pull-policy --pod-manifest\n"
       "App flags (after an image, or before all images for every app): --exec --name --working-dir\n"
       "  --user --group --supplementary-gids --environment --mount --readonly-rootfs --memory --cpu\n"
       "  --cpu-shares --caps-retain --caps-remove --seccomp --oom-score-adj --annotation --user-label\n"
       "  --user-annotation --signature\n\n"
       "The exit status is the app's (the first failing app's, in a pod of several); 254 when rkt fails.",
       cmd_run},
      {"rm", "Remove exited or prepared pods at once", "rkt rm UUID...|--uuid-file=FILE", cmd_rm},
      {"run-prepared", "Run a prepared pod",
       "rkt run-prepared [--net] [--dns...] [--hostname] [--hosts-entry] [--interactive] UUID", cmd_run_prepared},
      {"status", "Show the status of a pod",
       "rkt status [--wait[=DURATION]] [--wait-ready[=DURATION]] [--format=json|json-pretty] UUID|--uuid-file=FILE",
       cmd_status},
      {"stop", "Stop running pods", "rkt stop [--force] UUID...|--uuid-file=FILE", cmd_stop},
      {"trust", "Trust a key for image signature verification",
       "rkt trust [--prefix=PREFIX | --root] [--skip-fingerprint-review] [--insecure-allow-http] [KEY...]\n\n"
       "KEY is a file or an https URL; with --prefix and no KEY, the keys are found by appc discovery.",
       cmd_trust},
      {"version", "Print the version and exit", "rkt version", cmd_version},
  };
  return kCommands;
}

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
  if (!c) return std::move(c).error();
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

int main(int argc, char** argv) { return rkt::stage0::run(argc, argv); }
