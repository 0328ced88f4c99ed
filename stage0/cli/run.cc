// rkt run, rkt prepare and rkt run-prepared. Flags before the first image apply to the pod (or
// to every app); flags after an image apply to that app; "--" starts the app's arguments and
// "---" ends them.

#include <unistd.h>

#include <iostream>

#include "common/crash_point.h"
#include "common/fs.h"
#include "spec/manifest.h"
#include "spec/names.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/cli/run_flags.h"
#include "stage0/mds.h"
#include "stage0/pod.h"

namespace rkt::stage0 {
namespace {

// The flags that end up in the runtime configuration, with those that need checking first.
struct RuntimeFlags {
  RuntimeConfig rc;
  std::vector<std::string> nets;
  std::string ipc;
  bool mds_register = false;
  stage1_abi::NetMode net_mode = stage1_abi::NetMode::Contained;  ///< set by finish_runtime_flags
};

// --dns, --dns-search, --dns-opt, --dns-domain and --hosts-entry, with rkt 1.30's checks and
// messages (parseDNSFlags): lists split at commas, addresses checked, "host" and "none" alone.
Status check_dns_flags(RuntimeConfig& rc) {
  std::vector<std::string> servers;
  std::string magic;
  for (const auto& d : rc.dns) {
    if (d == "host" || d == "none") {
      if (rc.dns.size() > 1) return Error(Errc::Usage, "no other --dns options allowed when --dns=" + d + " is passed");
      magic = d;
      servers = {d};
      break;
    }
    for (const auto& ip : split(d, ',')) {
      if (!spec::check_ip(ip).empty()) return Error(Errc::Usage, "Invalid IP passed to --dns: " + ip);
      servers.push_back(ip);
    }
  }
  rc.dns = servers;
  if (!magic.empty() && (!rc.dns_search.empty() || !rc.dns_opt.empty() || !rc.dns_domain.empty())) {
    return Error(Errc::Usage, "Cannot call --dns-opt, --dns-search, or --dns-domain with --dns=" + magic);
  }
  std::vector<std::string> entries;
  bool host = false;
  for (const auto& e : rc.hosts_entries) {
    if (e == "host") {
      host = true;
      continue;
    }
    for (const auto& one : split(e, ',')) {
      size_t eq = one.find('=');
      if (eq == std::string::npos) return Error(Errc::Usage, "Did not understand --hosts-entry " + one);
      if (!spec::check_ip(one.substr(0, eq)).empty()) {
        return Error(Errc::Usage, "Invalid IP passed to --hosts-entry: " + one.substr(0, eq));
      }
      entries.push_back(one);
    }
  }
  if (host && !entries.empty()) return Error(Errc::Usage, "cannot pass --hosts-entry=host with multiple hosts-entries");
  if (host) entries = {"host"};
  rc.hosts_entries = entries;
  return ok();
}

// Checks them and completes rc.
Status finish_runtime_flags(RuntimeFlags& r, const GlobalOptions& g) {
  // The runtime configuration is JSON, as manifests are.
  std::vector<std::string> texts = {r.rc.hostname, r.rc.dns_domain};
  for (const auto* list : {&r.rc.dns, &r.rc.dns_search, &r.rc.dns_opt, &r.rc.hosts_entries, &r.nets}) {
    texts.insert(texts.end(), list->begin(), list->end());
  }
  for (const auto& t : texts) {
    if (!spec::valid_utf8(t)) return Error(Errc::Usage, "the flag value " + quote(t) + " is not valid UTF-8");
  }
  RKT_TRY(check_dns_flags(r.rc));
  if (!r.nets.empty()) {
    // Repeated flags add to one list, as rkt's NetList.Set (a name in two flags is a duplicate).
    r.rc.net = r.nets[0];
    for (size_t i = 1; i < r.nets.size(); ++i) r.rc.net += "," + r.nets[i];
  }
  auto nets = stage1_abi::parse_net_list(r.rc.net);
  RKT_TRY(nets);
  r.net_mode = stage1_abi::net_mode(*nets);
  if (r.mds_register) {
    if (r.net_mode == stage1_abi::NetMode::None) {
      return Error(Errc::Usage,
                   "--mds-register flag does not work with --net=none. Please use 'host', 'default' or an equivalent "
                   "network");
    }
    auto token = mds::new_token();
    RKT_TRY(token);
    r.rc.mds_token = *token;
  }
  if (!r.ipc.empty()) {
    if (r.ipc != "auto" && r.ipc != "private" && r.ipc != "parent")
      return Error(Errc::Usage, "--ipc=" + r.ipc + ": must be auto, private or parent");
    r.rc.ipc = r.ipc;
  }
  r.rc.local_config = g.local_config;
  r.rc.insecure_paths = g.insecure.paths;
  r.rc.insecure_capabilities = g.insecure.capabilities;
  r.rc.insecure_seccomp = g.insecure.seccomp;
  return ok();
}

struct RunFlags {
  PodFlags pod;
  RuntimeFlags runtime;
  std::string uuid_file_save, pull_policy = "new", pod_manifest;
  Stage1Choice stage1;
  bool no_overlay = false, quiet = false, private_users = false;
};

void add_runtime_flags(FlagSet& fs, RuntimeFlags& r) {
  RuntimeConfig& rc = r.rc;
  fs.add_list("net", &r.nets, "networks to join: NAME[:CNI_ARGS],... (default), or host, none, all", "default");
  fs.add_list("dns", &rc.dns, "a name server, \"host\" or \"none\"");
  fs.add_list("dns-search", &rc.dns_search, "a DNS search domain");
  fs.add_list("dns-opt", &rc.dns_opt, "a resolv.conf option");
  fs.add_string("dns-domain", &rc.dns_domain, "the DNS domain");
  fs.add_list("hosts-entry", &rc.hosts_entries, "IP=HOSTNAME for /etc/hosts, or \"host\"");
  fs.add_string("hostname", &rc.hostname, "the pod's hostname (default rkt-UUID)");
  fs.add_string("ipc", &r.ipc, "auto, private or parent");
  fs.add_bool("interactive", &rc.interactive, "give the app the terminal (one app only)");
  fs.add_bool("mds-register", &r.mds_register, "register the pod with the metadata service (AC_METADATA_URL)");
}

void add_pod_flags(FlagSet& fs, RunFlags& p, bool run) {
  fs.add_list("volume", &p.pod.volumes,
              "NAME,kind=host,source=PATH[,readOnly=B][,recursive=B] or NAME,kind=empty[,mode=M][,uid=U][,gid=G]");
  fs.add_list("set-env", &p.pod.set_env, "NAME=VALUE for every app");
  fs.add_string("set-env-file", &p.pod.set_env_file, "a file of NAME=VALUE lines for every app");
  fs.add_bool("inherit-env", &p.pod.inherit_env, "pass rkt's environment to the apps");
  fs.add_string("uuid-file-save", &p.uuid_file_save, "write the pod's UUID to this file");
  fs.add_bool("no-overlay", &p.no_overlay, "copy the images instead of overlaying them");
  fs.add_string("stage1-url", &p.stage1.url, "URL to an image to use as stage1");
  fs.add_string("stage1-path", &p.stage1.path, "absolute or relative path to an image to use as stage1");
  fs.add_string("stage1-name", &p.stage1.name, "name of an image to use as stage1");
  fs.add_string("stage1-hash", &p.stage1.hash, "hash of an image to use as stage1");
  fs.add_string("stage1-from-dir", &p.stage1.from_dir,
                "filename of an image in stage1 images directory to use as stage1");
  fs.add_string("pull-policy", &p.pull_policy, "never, new or update");
  fs.add_string("pod-manifest", &p.pod_manifest, "run this pod manifest instead of building one");
  fs.add_bool("private-users", &p.private_users, "run in a user namespace (not available)");
  fs.add_list("user-label", &p.pod.user_labels, "NAME=VALUE label of the pod");
  fs.add_list("user-annotation", &p.pod.user_annotations, "NAME=VALUE annotation of the pod");
  fs.add_list("port", &p.pod.ports, "NAME:[HOSTIP:]HOSTPORT: forward a host port to the app port NAME");
  if (!run) fs.add_bool("quiet", &p.quiet, "print only the UUID");
}

Result<PreparedPod> prepare_from_args(GlobalOptions& g, const std::vector<std::string>& args, bool run, RunFlags& p) {
  const char* cmd = run ? "rkt run" : "rkt prepare";
  RKT_TRY(require_root(cmd));
  // Before the first image: global and pod flags, and app flags that apply to every app (an
  // extension of rkt's syntax, where only --mount may come there). Where a pod flag and an app flag
  // share a name (--user-label, --user-annotation), the pod's is meant here.
  AppFlags defaults;
  FlagSet fs(cmd);
  add_app_flags(fs, defaults);
  add_global_flags(fs, g);
  add_pod_flags(fs, p, run);
  if (run) add_runtime_flags(fs, p.runtime);
  auto leading = fs.parse_leading(args, 0);
  RKT_TRY(leading);
  size_t i = *leading;
  // As rkt's parser: between images, the command's whole flag set applies (global and pod flags
  // for the pod, app flags for the image just before them); "-- ARGS ---" are the image's arguments.
  std::vector<AppFlags> apps;
  while (i < args.size()) {
    if (args[i] == "---") {  // rkt ignores a stray terminator
      ++i;
      continue;
    }
    if (args[i] == "--") return Error(Errc::Usage, "an image is required before any app arguments");
    AppFlags app = defaults;
    app.image = args[i++];
    FlagSet afs(cmd);
    add_global_flags(afs, g);
    add_pod_flags(afs, p, run);
    if (run) add_runtime_flags(afs, p.runtime);
    add_app_flags(afs, app);
    for (;;) {
      auto stop = afs.parse_leading(args, i);
      RKT_TRY_WRAP(stop, "image " + quote(app.image));
      i = *stop;
      if (i < args.size() && args[i] == "---") {
        ++i;
        continue;
      }
      if (i >= args.size() || args[i] != "--") break;
      if (app.has_args)
        return Error(Errc::Usage, "image " + quote(app.image) + ": only one set of app arguments allowed");
      app.has_args = true;
      for (++i; i < args.size() && args[i] != "---"; ++i) app.args.push_back(args[i]);
      if (i < args.size()) ++i;
    }
    apps.push_back(std::move(app));
  }
  RKT_TRY(finish_global_flags(g));
  if (p.private_users) return Error(Errc::Unsupported, "--private-users is not available in this build");
  RKT_TRY(finish_runtime_flags(p.runtime, g));
  if (run && !p.pod.ports.empty()) {
    auto mode = p.runtime.net_mode;
    if (mode == stage1_abi::NetMode::None)
      return Error(Errc::Usage, "--port flag does not work with 'none' networking");
    if (mode == stage1_abi::NetMode::Host)
      return Error(Errc::Usage, "--port flag does not work with 'host' networking");
  }
  if (apps.empty() && p.pod_manifest.empty()) return Error(Errc::Usage, std::string(cmd) + " needs at least one image");
  if (!p.pod_manifest.empty() && !apps.empty())
    return Error(Errc::Usage, "--pod-manifest cannot be combined with images");
  if (!p.pod_manifest.empty()) {
    // As rkt: with a pod manifest, only flags that do not change it are allowed.
    for (const char* f :
         {"volume", "set-env", "set-env-file", "inherit-env", "user-label", "user-annotation", "port"}) {
      if (fs.seen(f)) return Error(Errc::Usage, std::string("conflicting flags: --pod-manifest and --") + f);
    }
    for (const char* f : {"exec", "user", "group", "environment", "mount", "memory", "cpu", "caps-retain",
                          "caps-remove", "seccomp", "name", "working-dir"}) {
      if (fs.seen(f)) return Error(Errc::Usage, std::string("conflicting flags: --pod-manifest and --") + f);
    }
  }
  if (p.runtime.rc.interactive && apps.size() > 1) return Error(Errc::Usage, "--interactive needs exactly one image");

  PrepareRequest req;
  req.data_dir = g.dir;
  for (const auto& a : apps) {
    auto app = app_request(a);
    RKT_TRY_WRAP(app, "image " + quote(a.image));
    req.apps.push_back(std::move(*app));
  }
  auto pod = pod_request(p.pod);
  RKT_TRY(pod);
  req.pod = std::move(*pod);
  req.pod_manifest = p.pod_manifest;
  req.runtime = p.runtime.rc;
  std::string stage1_flag;
  for (const auto& [f, v] : {std::pair<const char*, const std::string*>{"stage1-url", &p.stage1.url},
                             {"stage1-path", &p.stage1.path},
                             {"stage1-name", &p.stage1.name},
                             {"stage1-hash", &p.stage1.hash},
                             {"stage1-from-dir", &p.stage1.from_dir}}) {
    if (v->empty()) continue;
    if (!stage1_flag.empty())
      return Error(Errc::Usage, "flags --" + std::string(f) + " and --" + stage1_flag + " are mutually exclusive");
    stage1_flag = f;
  }
  auto config = g.config();
  RKT_TRY_WRAP(config, "cannot get configuration");
  req.stage1 = p.stage1;
  req.stage1.images_dir = (*config)->stage1_images_dir;
  req.stage1.configured = (*config)->stage1;
  auto opts = fetch_options(g);
  RKT_TRY(opts);
  auto policy = parse_pull_policy(p.pull_policy);
  RKT_TRY(policy);
  opts->policy = *policy;
  req.fetch = std::move(*opts);
  req.no_overlay = p.no_overlay;
  req.uuid_file_save = p.uuid_file_save;

  // The flags are good: from here on a pod starts, and the wait of its first cgroup move with it.
  if (run) start_cgroup_grace_period();
  auto store = open_store(g);
  RKT_TRY(store);
  return prepare(*store, open_keystore(g), req);
}

}  // namespace

Result<int> cmd_run(GlobalOptions& g, const std::vector<std::string>& args) {
  RunFlags p;
  auto pod = prepare_from_args(g, args, true, p);
  RKT_TRY(pod);
  pod->mds_token = p.runtime.rc.mds_token;
  return exec_stage1(g.dir, std::move(*pod), PodPhase::Prepare, g.debug);
}

Result<int> cmd_prepare(GlobalOptions& g, const std::vector<std::string>& args) {
  RunFlags p;
  auto pod = prepare_from_args(g, args, false, p);
  RKT_TRY(pod);
  crash_point("prepare-filled");
  // Reported prepared: durable before the UUID is printed.
  RKT_TRY(move_pod(g.dir, pod->uuid, PodPhase::Prepare, PodPhase::Prepared, Durability::Sync));
  std::cout << pod->uuid << "\n";
  return 0;
}

Result<int> cmd_run_prepared(GlobalOptions& g, const std::vector<std::string>& args) {
  RKT_TRY(require_root("rkt run-prepared"));
  FlagSet fs("rkt run-prepared");
  RuntimeFlags r;
  add_runtime_flags(fs, r);
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->size() != 1) return Error(Errc::Usage, "rkt run-prepared needs one pod UUID");
  RKT_TRY(finish_runtime_flags(r, g));
  start_cgroup_grace_period();
  return run_prepared(g.dir, (*pos)[0], r.rc, g.debug);
}

}  // namespace rkt::stage0
