// rkt run, rkt prepare and rkt run-prepared. Flags before the first image apply to the pod (or
// to every app); flags after an image apply to that app; "--" starts the app's arguments and
// "---" ends them.

#include <unistd.h>

#include <iostream>

#include "common/fs.h"
#include "spec/manifest.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pod.h"

namespace rkt::stage0 {
namespace {

void add_app_flags(FlagSet& fs, AppOptions& a) {
  fs.add_string("exec", &a.exec, "the executable to run instead of the image's");
  fs.add_string("name", &a.name, "the app's name in the pod");
  fs.add_string("working-dir", &a.working_dir, "the app's working directory");
  fs.add_string("user", &a.user, "the app's user: a number, a name in the image's /etc/passwd, or a file's path");
  fs.add_string("group", &a.group, "the app's group: a number, a name in the image's /etc/group, or a file's path");
  fs.add_string("supplementary-gids", &a.supplementary_gids, "comma-separated supplementary gids");
  fs.add_list("environment", &a.environment, "NAME=VALUE for the app's environment");
  fs.add_list("mount", &a.mounts, "volume=NAME,target=PATH");
  fs.add_bool("readonly-rootfs", &a.readonly_rootfs, "mount the app's root filesystem read-only");
  fs.add_string("memory", &a.memory, "memory limit (e.g. 50M)");
  fs.add_string("cpu", &a.cpu, "cpu limit (e.g. 500m)");
  fs.add_string("cpu-shares", &a.cpu_shares, "relative cpu weight");
  fs.add_string("caps-retain", &a.caps_retain, "capabilities to keep, comma-separated");
  fs.add_string("caps-remove", &a.caps_remove, "capabilities to drop, comma-separated");
  fs.add_string("cap-retain", &a.caps_retain, "deprecated: --caps-retain");
  fs.add_string("cap-remove", &a.caps_remove, "deprecated: --caps-remove");
  fs.add_string("seccomp", &a.seccomp, "mode=retain|remove[,errno=E],SYSCALL,...");
  fs.add_string("oom-score-adj", &a.oom_score_adj, "oom_score_adj of the app");
  fs.add_list("annotation", &a.annotations, "NAME=VALUE annotation of the app");
  fs.add_list("user-label", &a.user_labels, "NAME=VALUE");
  fs.add_list("user-annotation", &a.user_annotations, "NAME=VALUE");
  fs.add_string("signature", &a.signature, "the image's signature file");
}

struct PodFlags {
  PodOptions pod;
  RuntimeConfig rc;
  std::string uuid_file_save, stage1_path, stage1_name, stage1_hash, pull_policy = "new", pod_manifest, ipc;
  bool no_overlay = false, quiet = false, mds_register = false, private_users = false;
};

void add_runtime_flags(FlagSet& fs, RuntimeConfig& rc, std::string& ipc, bool& mds) {
  fs.add_string("net", &rc.net, "host, none (contained networks are not available)");
  fs.add_list("dns", &rc.dns, "a name server, \"host\" or \"none\"");
  fs.add_list("dns-search", &rc.dns_search, "a DNS search domain");
  fs.add_list("dns-opt", &rc.dns_opt, "a resolv.conf option");
  fs.add_string("dns-domain", &rc.dns_domain, "the DNS domain");
  fs.add_list("hosts-entry", &rc.hosts_entries, "IP=HOSTNAME for /etc/hosts, or \"host\"");
  fs.add_string("hostname", &rc.hostname, "the pod's hostname (default rkt-UUID)");
  fs.add_string("ipc", &ipc, "auto, private or parent");
  fs.add_bool("interactive", &rc.interactive, "give the app the terminal (one app only)");
  fs.add_bool("mds-register", &mds, "register with the metadata service (not available)");
}

void add_pod_flags(FlagSet& fs, PodFlags& p, bool run) {
  fs.add_list("volume", &p.pod.volumes, "NAME,kind=host,source=PATH[,readOnly=B][,recursive=B] or NAME,kind=empty[,mode=M][,uid=U][,gid=G]");
  fs.add_list("set-env", &p.pod.set_env, "NAME=VALUE for every app");
  fs.add_string("set-env-file", &p.pod.set_env_file, "a file of NAME=VALUE lines for every app");
  fs.add_bool("inherit-env", &p.pod.inherit_env, "pass rkt's environment to the apps");
  fs.add_string("uuid-file-save", &p.uuid_file_save, "write the pod's UUID to this file");
  fs.add_bool("no-overlay", &p.no_overlay, "copy the images instead of overlaying them");
  fs.add_string("stage1-path", &p.stage1_path, "the stage1 image file to use");
  fs.add_string("stage1-name", &p.stage1_name, "the stage1 image, by name, from the store");
  fs.add_string("stage1-hash", &p.stage1_hash, "the stage1 image, by ID, from the store");
  fs.add_string("pull-policy", &p.pull_policy, "never, new or update");
  fs.add_string("pod-manifest", &p.pod_manifest, "run this pod manifest instead of building one");
  fs.add_bool("private-users", &p.private_users, "run in a user namespace (not available)");
  fs.add_list("user-label", &p.pod.user_labels, "NAME=VALUE label of the pod");
  fs.add_list("user-annotation", &p.pod.user_annotations, "NAME=VALUE annotation of the pod");
  if (!run) fs.add_bool("quiet", &p.quiet, "print only the UUID");
}

Status require_root(const char* cmd) {
  if (::geteuid() != 0) return Error(Errc::Usage, std::string(cmd) + ": cannot run as unprivileged user");
  return ok();
}

Result<PreparedPod> prepare_from_args(GlobalOptions& g, const std::vector<std::string>& args, bool run, PodFlags& p) {
  const char* cmd = run ? "rkt run" : "rkt prepare";
  if (Status s = require_root(cmd); !s) return std::move(s).error();
  FlagSet fs(cmd);
  add_global_flags(fs, g);
  add_pod_flags(fs, p, run);
  if (run) add_runtime_flags(fs, p.rc, p.ipc, p.mds_register);
  AppOptions defaults;
  FlagSet app_defaults(cmd);
  add_app_flags(app_defaults, defaults);
  // Pod flags and flags for every app may come before the first image.
  size_t i = 0;
  for (;;) {
    auto stop = fs.parse_leading(args, i);
    if (!stop) {
      auto as_app = app_defaults.parse_leading(args, i);
      if (!as_app || *as_app == i) return std::move(stop).error();
      i = *as_app;
      continue;
    }
    if (*stop == i) {
      auto as_app = app_defaults.parse_leading(args, i);
      if (!as_app) return std::move(as_app).error();
      if (*as_app == i) break;
      i = *as_app;
      continue;
    }
    i = *stop;
  }
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (p.private_users) return Error(Errc::Unsupported, "--private-users is not available in this build");
  if (p.mds_register) return Error(Errc::Unsupported, "--mds-register: the metadata service is not available in this build");
  if (run) {
    if (Status s = check_network(p.rc.net); !s) return std::move(s).error();
  }
  if (!p.ipc.empty()) {
    if (p.ipc != "auto" && p.ipc != "private" && p.ipc != "parent") {
      return Error(Errc::Usage, "--ipc=" + p.ipc + ": must be auto, private or parent");
    }
    p.rc.ipc = p.ipc;
  }
  std::vector<AppOptions> apps;
  while (i < args.size()) {
    if (args[i] == "---" || args[i] == "--") return Error(Errc::Usage, quote(args[i]) + " must follow an image");
    AppOptions app = defaults;
    app.image = args[i++];
    FlagSet afs(cmd);
    add_app_flags(afs, app);
    auto stop = afs.parse_leading(args, i);
    if (!stop) return std::move(stop).error().wrap("image " + quote(app.image));
    i = *stop;
    if (i < args.size() && args[i] == "--") {
      app.has_args = true;
      for (++i; i < args.size() && args[i] != "---"; ++i) app.args.push_back(args[i]);
      if (i < args.size()) ++i;
    }
    apps.push_back(std::move(app));
  }
  if (apps.empty() && p.pod_manifest.empty()) return Error(Errc::Usage, std::string(cmd) + " needs at least one image");
  if (!p.pod_manifest.empty() && !apps.empty()) return Error(Errc::Usage, "--pod-manifest cannot be combined with images");
  if (!p.pod_manifest.empty()) {
    // As rkt: with a pod manifest, only flags that do not change it are allowed.
    for (const char* f : {"volume", "set-env", "set-env-file", "inherit-env", "user-label", "user-annotation",
                          "stage1-name", "stage1-hash"}) {
      if (fs.seen(f)) return Error(Errc::Usage, std::string("conflicting flags: --pod-manifest and --") + f);
    }
    for (const char* f : {"exec", "user", "group", "environment", "mount", "memory", "cpu", "caps-retain", "caps-remove",
                          "seccomp", "name", "working-dir"}) {
      if (app_defaults.seen(f)) return Error(Errc::Usage, std::string("conflicting flags: --pod-manifest and --") + f);
    }
  }
  if (p.rc.interactive && apps.size() > 1) return Error(Errc::Usage, "--interactive needs exactly one image");

  auto store = open_store(g);
  if (!store) return std::move(store).error();
  auto opts = fetch_options(g);
  if (!opts) return std::move(opts).error();
  auto policy = parse_pull_policy(p.pull_policy);
  if (!policy) return std::move(policy).error();
  opts->policy = *policy;
  p.rc.insecure_paths = g.insecure.paths;
  p.rc.insecure_capabilities = g.insecure.capabilities;
  p.rc.insecure_seccomp = g.insecure.seccomp;

  spec::PodManifest manifest;
  if (!p.pod_manifest.empty()) {
    auto text = read_file(p.pod_manifest, spec::kMaxManifestBytes);
    if (!text) return std::move(text).error();
    auto pm = spec::parse_pod_manifest(*text, p.pod_manifest);
    if (!pm) return std::move(pm).error();
    for (auto& app : pm->apps) {
      auto key = store->resolve(app.image.id);
      if (!key) return std::move(key).error().wrap("app " + quote(app.name));
      app.image.id = *key;
      if (!app.app) {
        auto info = store->info(*key);
        if (!info || !info->manifest.app) return Error(Errc::InvalidManifest, "app " + quote(app.name) + " has no app section");
        app.app = info->manifest.app;
      }
    }
    manifest = std::move(*pm);
  } else {
    Keystore ks = open_keystore(g);
    std::vector<ResolvedApp> resolved;
    for (const auto& app : apps) {
      FetchOptions fo = *opts;
      fo.signature = app.signature;
      Fetcher fetcher(*store, ks, fo);
      auto key = fetcher.fetch(app.image);
      if (!key) return std::move(key).error().wrap("fetching image " + quote(app.image));
      resolved.push_back({app, *key});
    }
    auto pm = build_pod_manifest(*store, resolved, p.pod, warn);
    if (!pm) return std::move(pm).error();
    manifest = std::move(*pm);
  }
  PrepareOptions po;
  po.data_dir = g.dir;
  po.no_overlay = p.no_overlay;
  po.uuid_file_save = p.uuid_file_save;
  po.stage1_image = p.stage1_path.empty() ? default_stage1_image() : p.stage1_path;
  if (!p.stage1_hash.empty() || !p.stage1_name.empty()) {
    auto key = !p.stage1_hash.empty() ? store->resolve(p.stage1_hash) : resolve_image(*store, p.stage1_name);
    if (!key) return std::move(key).error().wrap("stage1");
    po.stage1_key = *key;
  }
  return prepare_pod(*store, manifest, p.rc, po);
}

}  // namespace

Result<int> cmd_run(GlobalOptions& g, const std::vector<std::string>& args) {
  PodFlags p;
  auto pod = prepare_from_args(g, args, true, p);
  if (!pod) return std::move(pod).error();
  return exec_stage1(g.dir, std::move(*pod), PodPhase::Prepare, g.debug);
}

Result<int> cmd_prepare(GlobalOptions& g, const std::vector<std::string>& args) {
  PodFlags p;
  auto pod = prepare_from_args(g, args, false, p);
  if (!pod) return std::move(pod).error();
  if (Status s = move_pod(g.dir, pod->uuid, PodPhase::Prepare, PodPhase::Prepared); !s) return std::move(s).error();
  std::cout << pod->uuid << "\n";
  return 0;
}

Result<int> cmd_run_prepared(GlobalOptions& g, const std::vector<std::string>& args) {
  if (Status s = require_root("rkt run-prepared"); !s) return std::move(s).error();
  FlagSet fs("rkt run-prepared");
  add_global_flags(fs, g);
  RuntimeConfig rc;
  std::string ipc;
  bool mds = false;
  add_runtime_flags(fs, rc, ipc, mds);
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (pos->size() != 1) return Error(Errc::Usage, "rkt run-prepared needs one pod UUID");
  if (mds) return Error(Errc::Unsupported, "--mds-register: the metadata service is not available in this build");
  if (!ipc.empty()) {
    if (ipc != "auto" && ipc != "private" && ipc != "parent") return Error(Errc::Usage, "--ipc=" + ipc + ": must be auto, private or parent");
    rc.ipc = ipc;
  }
  auto ref = find_pod(g.dir, (*pos)[0]);
  if (!ref) return std::move(ref).error();
  if (ref->phase != PodPhase::Prepared) {
    return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is not prepared (it is in " + phase_dir(ref->phase) + ")");
  }
  auto lock = PodLock::acquire(ref->path, LockMode::Exclusive, Wait::No);
  if (!lock) return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is being run by another process");
  // The runtime settings given now replace those of prepare time.
  auto old = stage1_abi::read_runtime_config(ref->path);
  if (!old) return std::move(old).error();
  rc.insecure_paths = g.insecure.paths || old->insecure_paths;
  rc.insecure_capabilities = g.insecure.capabilities || old->insecure_capabilities;
  rc.insecure_seccomp = g.insecure.seccomp || old->insecure_seccomp;
  if (Status s = check_network(rc.net); !s) return std::move(s).error();
  if (Status s = stage1_abi::write_runtime_config(ref->path, rc, true); !s) return std::move(s).error();
  PreparedPod pod{ref->uuid, std::move(*lock)};
  // Of two run-prepared at once, the rename decides: the loser finds the pod gone.
  Error e = exec_stage1(g.dir, std::move(pod), PodPhase::Prepared, g.debug);
  if (e.sys_errno() == ENOENT) return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is already running");
  return e;
}

}  // namespace rkt::stage0
