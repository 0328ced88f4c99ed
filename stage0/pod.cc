#include "stage0/pod.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/crash_point.h"
#include "common/duration.h"
#include "common/fs.h"
#include "common/proc_cgroup.h"
#include "common/stage1_abi.h"
#include "spec/manifest.h"
#include "spec/names.h"
#include "spec/ports.h"
#include "stage0/mds.h"
#include "stage0/pods.h"

extern char** environ;  // handed on to stage1

namespace rkt::stage0 {
namespace {

// Isolators that replace one another: a set given for an app replaces the image's set of the
// same kind, whether retain or remove.
std::string isolator_family(const std::string& name) {
  if (name == spec::kIsolatorCapsRetain || name == spec::kIsolatorCapsRemove) return "capabilities";
  if (name == spec::kIsolatorSeccompRetain || name == spec::kIsolatorSeccompRemove) return "seccomp";
  return name;
}

std::string default_app_name(const std::string& image_name) {
  std::string base = image_name.substr(image_name.rfind('/') + 1);
  std::string out;
  for (char c : base)
    out += (std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                                                        : '-');
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "app" : out;
}

void apply_app_request(spec::App& a, const AppRequest& o) {
  if (!o.exec.empty()) {
    a.exec = {o.exec};
    if (o.args) a.exec.insert(a.exec.end(), o.args->begin(), o.args->end());
  } else if (o.args && !a.exec.empty()) {
    a.exec.resize(1);
    a.exec.insert(a.exec.end(), o.args->begin(), o.args->end());
  }
  if (!o.working_dir.empty()) a.working_directory = o.working_dir;
  if (!o.user.empty()) a.user = o.user;
  if (!o.group.empty()) a.group = o.group;
  if (o.supplementary_gids) a.supplementary_gids = *o.supplementary_gids;
  for (const auto& iso : o.isolators) {
    std::string family = isolator_family(iso.name);
    std::erase_if(a.isolators, [&](const spec::Isolator& i) { return isolator_family(i.name) == family; });
    a.isolators.push_back(iso);
  }
  for (const auto& [k, v] : o.user_labels) a.user_labels[k] = v;
  for (const auto& [k, v] : o.user_annotations) a.user_annotations[k] = v;
}

}  // namespace

Status check_network(const std::string& net) {
  RKT_TRY(stage1_abi::parse_net_list(net));
  return ok();
}

Result<spec::PodManifest> build_pod_manifest(const Store& store, const std::vector<ResolvedApp>& apps,
                                             const PodRequest& pod,
                                             const std::function<void(const std::string&)>& warn) {
  spec::PodManifest pm;
  pm.ac_version = std::string(spec::kAppcVersion);
  std::set<std::string> volume_names;
  for (const auto& v : pod.volumes) {
    if (!volume_names.insert(v.name).second) return Error(Errc::Usage, "volume " + quote(v.name) + " given twice");
    pm.volumes.push_back(v);
  }
  std::set<std::string> names;
  for (const auto& ra : apps) {
    const AppRequest& req = ra.request;
    auto info = store.info(ra.image_key);
    RKT_TRY(info);
    const spec::ImageManifest& im = info->manifest;
    spec::RuntimeApp app;
    app.name = req.name.empty() ? default_app_name(im.name) : req.name;
    if (std::string msg = spec::check_ac_name(app.name); !msg.empty())
      return Error(Errc::Usage, "app name " + quote(app.name) + ": " + msg);
    if (!names.insert(app.name).second) {
      return Error(Errc::Usage, "two apps are named " + quote(app.name) + ": give one of them --name");
    }
    app.image.id = ra.image_key;
    app.image.name = im.name;
    app.image.labels = im.labels;
    spec::App a = im.app.value_or(spec::App{});
    if (!im.app) {
      if (req.exec.empty()) return Error(Errc::Usage, "image " + quote(im.name) + " has no app: give --exec for it");
      a.user = "0";
      a.group = "0";
    }
    // The environment, lowest precedence first.
    spec::Environment env = pod.inherited_environment;
    for (const auto& e : a.environment) spec::set_env(env, e.name, e.value);
    for (const auto& e : pod.environment) spec::set_env(env, e.name, e.value);
    for (const auto& e : req.environment) spec::set_env(env, e.name, e.value);
    a.environment = env;
    apply_app_request(a, req);
    app.read_only_root_fs = req.readonly_rootfs;
    std::set<std::string> mounted;
    for (const auto& m : req.mounts) {
      if (!volume_names.count(m.volume)) {
        return Error(Errc::Usage,
                     "app " + quote(app.name) + ": mount of " + quote(m.target) + ": no volume " + quote(m.volume));
      }
      app.mounts.push_back({m.volume, m.target, std::nullopt});
      mounted.insert(m.volume);
    }
    // As rkt: the pod manifest has the --mount's only; stage1 gives each other mount point of
    // the image the pod's volume of its name, or an implicit empty volume "<app>-<mount point>"
    // (seeded with the image's content there for a Docker image).
    for (const auto& mp : a.mount_points) {
      if (mounted.count(mp.name) || volume_names.count(mp.name)) continue;
      warn("no volume for mount point " + quote(mp.name) + " of app " + quote(app.name) +
           ": an implicit empty volume " + quote(app.name + "-" + mp.name) + " is used (give --volume " + mp.name +
           ",kind=host,source=PATH)");
    }
    app.annotations = req.annotations;
    app.app = std::move(a);
    pm.apps.push_back(std::move(app));
  }
  pm.user_labels = pod.user_labels;
  pm.user_annotations = pod.user_annotations;
  pm.ports = pod.ports;
  // The manifest is validated like any other: what was asked cannot make an invalid one.
  auto valid = spec::parse_pod_manifest(spec::to_json(pm), "the pod manifest built from the command line");
  RKT_TRY(valid);
  RKT_TRY_WRAP(spec::forwarded_ports(*valid), "--port");
  return valid;
}

std::string default_stage1_image() {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    std::string dir(exe);
    if (size_t slash = dir.rfind('/'); slash != std::string::npos) dir.resize(slash);
    std::string build_tree = dir + "/../stage1/stage1.aci";
    if (::access(build_tree.c_str(), R_OK) == 0) return build_tree;
  }
  return RKT_STAGE1_DEFAULT;
}

std::string default_stage1_images_dir() {
  std::string image = RKT_STAGE1_DEFAULT;
  return image.substr(0, image.rfind('/'));
}

namespace {

// Imports the stage1 image, reusing the earlier import while the file is unchanged. The file is
// opened once: the stamp that says "unchanged" and the bytes imported come from the same open
// file, and the stamp has the inode and its change time, which no user can set back.
Result<std::string> stage1_key(Store& store, const std::string& path) {
  std::string what = "stage1 " + quote(path);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return sys_error(what);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys_error(what);
  char abs[PATH_MAX];
  std::string url = "stage1:" + std::string(::realpath(path.c_str(), abs) ? abs : path.c_str());
  auto ts = [](const timespec& t) { return std::to_string(t.tv_sec) + "." + std::to_string(t.tv_nsec); };
  std::string stamp = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + ts(st.st_mtim) + ":" +
                      ts(st.st_ctim) + ":" + std::to_string(st.st_size);
  auto cached = store.remote(url);
  if (S_ISREG(st.st_mode) && cached && *cached && (*cached)->etag == stamp && store.info((*cached)->key)) {
    return (*cached)->key;
  }
  auto key = store.import(fd.get(), what);
  if (!key) return key;
  if (S_ISREG(st.st_mode)) (void)store.put_remote({url, "", stamp, *key, 0, now_ns()});
  return key;
}

// The pod's summary as prepared: its manifest, its apps as `rkt list` shows them, and the time it
// was created (stage1_abi.h).
stage1_abi::PodSummary first_summary(const std::string& pod, const spec::PodManifest& manifest,
                                     const std::string& text) {
  stage1_abi::PodSummary s;
  s.manifest = text;
  s.created_ns = mtime_ns(pod + "/pod-created");
  brief_manifest(manifest, &s);
  // The app lines hold these as they are: a newline in one (an image's version label) leaves
  // the apps out, to be read from the manifest.
  for (const auto& a : s.apps) {
    if ((a.name + a.image_id + a.image_name).find('\n') != std::string::npos) s.apps_listed = s.details = false;
  }
  if (!s.apps_listed) s.apps.clear();
  return s;
}

}  // namespace

Result<PreparedPod> prepare_pod(Store& store, const spec::PodManifest& manifest, const RuntimeConfig& rc,
                                const PrepareOptions& options) {
  auto uuid = new_pod_uuid();
  RKT_TRY(uuid);
  if (!options.uuid_file_save.empty()) {
    // The bare UUID, no newline: clients read the file raw (Nomad 0.6, rktlet), as rkt wrote it.
    RKT_TRY_WRAP(write_file_atomic(options.uuid_file_save, *uuid, 0644, Overwrite::Yes, Durability::NoSync),
                 "--uuid-file-save");
  }
  const std::string& dir = options.data_dir;
  // The pod appears in embryo/ already locked: it is made under a name gc ignores, locked, then
  // renamed to its UUID, so no collector ever sees it unlocked.
  std::string embryo_dir = dir + "/pods/" + phase_dir(PodPhase::Embryo);
  std::string hidden = embryo_dir + "/.new-" + *uuid;
  RKT_TRY(make_dirs(hidden, 0750));
  auto lock = PodLock::acquire(hidden, LockMode::Exclusive, Wait::No, true);
  if (!lock) {
    (void)remove_tree(hidden);
    return std::move(lock).error();
  }
  std::string embryo = pod_path(dir, PodPhase::Embryo, *uuid);
  if (::rename(hidden.c_str(), embryo.c_str()) != 0) {
    Error e = sys_error("creating pod " + quote(embryo));
    (void)remove_tree(hidden);
    return e;
  }
  crash_point("prepare-embryo");
  if (Status s = move_pod(dir, *uuid, PodPhase::Embryo, PodPhase::Prepare); !s) {
    (void)remove_tree(embryo);
    return std::move(s).error();
  }
  std::string pod = pod_path(dir, PodPhase::Prepare, *uuid);
  std::string run_entry;
  auto fill = [&]() -> Status {
    RKT_TRY(write_file_atomic(pod + "/pod-created", "", 0644, Overwrite::No, Durability::NoSync));
    std::string manifest_text = spec::to_json(manifest, spec::Pretty::Yes) + "\n";
    RKT_TRY(write_file_atomic(pod + "/pod", manifest_text, 0640, Overwrite::No, Durability::NoSync));
    RKT_TRY(stage1_abi::write_pod_summary(pod, first_summary(pod, manifest, manifest_text)));
    if (Status s = stage1_abi::write_runtime_config(pod, rc, false); !s) return s;
    crash_point("prepare-filling");
    auto s1 =
        options.stage1_key.empty() ? stage1_key(store, options.stage1_image) : Result<std::string>(options.stage1_key);
    RKT_TRY(s1);
    auto s1_tree = store.render(*s1);
    RKT_TRY(s1_tree);
    RKT_TRY(write_file_atomic(pod + "/stage1TreeStoreID", s1_tree->substr(s1_tree->rfind('/') + 1) + "\n", 0640,
                              Overwrite::No, Durability::NoSync));
    for (const auto& app : manifest.apps) {
      std::string info = pod + "/appsinfo/" + app.name;
      RKT_TRY(make_dirs(info, 0750));
      auto tree = store.render(app.image.id);
      RKT_TRY_WRAP(tree, "app " + quote(app.name));
      store.touch(app.image.id);
      auto im = store.info(app.image.id);
      RKT_TRY(im);
      RKT_TRY(write_file_atomic(info + "/manifest", im->manifest_json, 0640, Overwrite::No, Durability::NoSync));
      RKT_TRY(write_file_atomic(info + "/treeStoreID", tree->substr(tree->rfind('/') + 1) + "\n", 0640, Overwrite::No,
                                Durability::NoSync));
      std::string rootfs = pod + "/apps/" + app.name + "/rootfs";
      RKT_TRY(make_dirs(rootfs, 0755));
      std::string lower;
      if (options.no_overlay) {
        RKT_TRY(store.unpack_to(app.image.id, rootfs, Store::WithDependencies::Yes));
      } else {
        lower = *tree + "/rootfs";
        for (const char* d : {"upper", "work"}) {
          RKT_TRY(make_dirs(pod + "/overlay/" + app.name + "/" + d, 0755));
        }
      }
      RKT_TRY(write_file_atomic(info + "/lower", lower, 0640, Overwrite::No, Durability::NoSync));
    }
    for (const auto& v : manifest.volumes) {
      if (v.kind != "empty") continue;
      std::string vd = pod + "/volumes/" + v.name;
      RKT_TRY(make_dirs(vd, 0755));
      ::chmod(vd.c_str(), static_cast<mode_t>(std::strtol(v.mode.value_or("0755").c_str(), nullptr, 8)));
      if (::chown(vd.c_str(), static_cast<uid_t>(v.uid.value_or(0)), static_cast<gid_t>(v.gid.value_or(0))) != 0) {
        return sys_error("setting the owner of volume " + quote(v.name));
      }
    }
    if (!options.no_overlay)
      (void)write_file_atomic(pod + "/overlay-prepared", "", 0640, Overwrite::Yes, Durability::NoSync);
    // The stage1 image, recorded in the pod: its entrypoints are found from the pod alone.
    auto s1_info = store.info(*s1);
    RKT_TRY(s1_info);
    if (Status s = stage1_abi::write_stage1(pod, s1_info->manifest_json, *s1_tree + "/rootfs"); !s) return s;
    auto entry = stage1_abi::find_entrypoint(pod, stage1_abi::Entrypoint::Run);
    RKT_TRY(entry);
    run_entry = entry->substr(pod.size() + 1);
    return ok();
  };
  if (Status s = fill(); !s) {
    (void)remove_tree(pod);
    return std::move(s).error().wrap("preparing pod " + *uuid);
  }
  return PreparedPod{*uuid, std::move(*lock), run_entry};
}

namespace {
// The thread that waits out the grace period; joined before stage1 is executed, or at exit.
std::jthread grace_period;
}  // namespace

void start_cgroup_grace_period() {
  if (grace_period.joinable()) return;
  auto self = read_file("/proc/self/cgroup", 1 << 16);
  if (!self) return;
  // The cgroup.procs of this process's own cgroup on the first hierarchy that has one (v2 at
  // /sys/fs/cgroup, or v1 memory or pids): the lock is one for every hierarchy.
  UniqueFd procs;
  for (const auto& [controllers, path] : parse_proc_cgroup(*self)) {
    if (procs.valid()) break;
    if (path.empty() || path[0] != '/' || path.find("/..") != std::string::npos) continue;  // another namespace's
    std::string dir = controllers.empty() ? "/sys/fs/cgroup" : "";
    for (const char* c : {"memory", "pids"}) {
      if (std::find(controllers.begin(), controllers.end(), c) != controllers.end())
        dir = "/sys/fs/cgroup/" + std::string(c);
    }
    if (!dir.empty())
      procs.reset(::open((dir + (path == "/" ? "" : path) + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  }
  if (!procs.valid()) return;
  // "0" is the writer's process, already in this cgroup: the move changes nothing.
  grace_period = std::jthread([fd = std::move(procs)] {
    ssize_t unused = ::write(fd.get(), "0", 1);
    (void)unused;
  });
}

Error exec_stage1(const std::string& data_dir, PreparedPod pod, PodPhase from, bool debug) {
  // Nothing is flushed on the way to stage1 (as rkt, whose run syncs no file): stage1 flushes the
  // exited pod's records once, before `rkt run` returns its status (stage1_abi::flush_pod). A
  // power cut before that leaves a pod that reported nothing: unlocked, it reads as exited or
  // aborted, and gc removes it. A prepared pod's files were flushed when `rkt prepare` reported
  // it; only its move is made durable, so that it cannot run twice.
  if (from != PodPhase::Run) RKT_TRY(move_pod(data_dir, pod.uuid, from, PodPhase::Run));
  if (from == PodPhase::Prepared) {
    RKT_TRY_WRAP(sync_dir(data_dir + "/pods/" + phase_dir(PodPhase::Run)), "pod " + pod.uuid);
  }
  crash_point("run-moved");
  std::string dir = pod_path(data_dir, PodPhase::Run, pod.uuid);
  if (::chdir(dir.c_str()) != 0) return sys_error("entering pod " + quote(dir));
  if (!pod.mds_token.empty()) RKT_TRY(mds::register_pod(mds::kSocket, dir, pod.uuid, pod.mds_token));
  // The entrypoint prepare_pod found, or (for run-prepared) the one the pod's stage1 names.
  auto entry = pod.run_entry.empty() ? stage1_abi::find_entrypoint(dir, stage1_abi::Entrypoint::Run)
                                     : Result<std::string>(dir + "/" + pod.run_entry);
  RKT_TRY(entry);
  int fd = pod.lock.release_to_exec();
  std::string lock_env = "RKT_LOCK_FD=" + std::to_string(fd);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    if (std::string(*e).rfind("RKT_LOCK_FD=", 0) != 0) env_s.push_back(*e);
  }
  env_s.push_back(lock_env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {*entry};
  if (debug) args.push_back("--debug");
  args.push_back(pod.uuid);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // execve would wait for the thread as it ends every other: the wait is made here, in plain sight.
  if (grace_period.joinable()) grace_period.join();
  ::execve(argv[0], argv.data(), envp.data());
  return sys_error("executing stage1 " + quote(*entry));
}

}  // namespace rkt::stage0
