#include "stage0/pods.h"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "actool/aci.h"
#include "common/duration.h"
#include "common/fs.h"
#include "common/stage1_abi.h"
#include "spec/manifest.h"
#include "stage0/go_json.h"

namespace rkt::stage0 {
namespace {

using Json = nlohmann::ordered_json;

// An exit status as rkt prints it: a number (it was written by stage1 as one); nullopt for text
// that is not one, printed as it is.
std::optional<int64_t> exit_code(const std::string& code) {
  char* end = nullptr;
  long v = std::strtol(code.c_str(), &end, 10);
  if (end == code.c_str() || *end != '\0') return std::nullopt;
  return v;
}

}  // namespace

bool PodInfo::exited() const {
  return state == PodState::Exited || state == PodState::ExitedGarbage || state == PodState::ExitedDeleting ||
         state == PodState::Garbage || state == PodState::Deleting || state == PodState::AbortedPrepare;
}

bool PodInfo::ready() const { return state == PodState::Running && !pid.empty(); }

std::string PodInfo::networks_text() const {
  std::string out;
  for (const auto& n : networks) out += (out.empty() ? "" : ", ") + n.name + ":ip4=" + n.ip;
  return out;
}

namespace {

void apps_of_manifest(PodInfo& v) {
  v.apps.clear();
  if (!v.manifest) return;
  stage1_abi::PodSummary brief;
  brief_manifest(*v.manifest, &brief);
  v.apps = std::move(brief.apps);
  v.user_annotations = std::move(brief.user_annotations);
  v.user_labels = std::move(brief.user_labels);
}

// Fills `v` from the pod's summary when it is as far along as the pod's state (stage1_abi.h):
// the same answer as the pod's files, from one read.
bool from_summary(PodInfo& v, PodDetail detail) {
  auto s = stage1_abi::read_pod_summary(v.ref.path);
  if (!s) return false;
  bool ran = v.state == PodState::Running || v.state == PodState::Exited || v.state == PodState::ExitedGarbage ||
             v.state == PodState::ExitedDeleting || v.state == PodState::Garbage || v.state == PodState::Deleting;
  if (v.state == PodState::Running ? s->pid.empty() : ran && !s->exited) return false;
  if ((detail == PodDetail::Apps && s->apps_listed) || (detail == PodDetail::Listing && s->apps_listed && s->details)) {
    v.apps = std::move(s->apps);
    v.user_annotations = std::move(s->user_annotations);
    v.user_labels = std::move(s->user_labels);
  } else {
    auto m = spec::parse_pod_manifest(s->manifest, v.ref.path + "/" + stage1_abi::kPodManifest);
    if (!m) return false;
    v.manifest = std::move(*m);
    apps_of_manifest(v);
  }
  v.created_ns = s->created_ns > 0 ? s->created_ns : mtime_ns(v.ref.path + "/pod-created");
  if (v.ref.phase == PodPhase::ExitedGarbage || v.ref.phase == PodPhase::Garbage) v.gc_marked_ns = mtime_ns(v.ref.path);
  if (!s->pid.empty()) {
    v.pid = s->pid;
    v.started_ns = s->started_ns > 0 ? s->started_ns : mtime_ns(v.ref.path + "/" + stage1_abi::kPodPid);
  }
  if (s->networks &&
      (v.state == PodState::Running || v.state == PodState::Exited || v.state == PodState::ExitedGarbage)) {
    v.networks = s->nets_listed ? std::move(s->nets) : stage1_abi::read_net_info(v.ref.path);
  }
  if (v.state != PodState::Running) v.app_exit_codes = s->exit_codes;
  return true;
}

}  // namespace

std::string shown_image_name(const spec::RuntimeApp& app) {
  std::string n = app.image.name.value_or("");
  if (const std::string* v = spec::find_label(app.image.labels, "version")) n += ":" + *v;
  return n;
}

void brief_manifest(const spec::PodManifest& manifest, stage1_abi::PodSummary* into) {
  std::map<std::string, const spec::Volume*> volumes;
  for (const auto& vol : manifest.volumes) volumes[vol.name] = &vol;
  into->apps.clear();
  for (const auto& app : manifest.apps) {
    AppBrief a{app.name, app.image.id, shown_image_name(app), {}, {}, {}};
    for (const auto& m : app.mounts) {
      auto it = volumes.find(m.volume);
      const spec::Volume* vol = m.app_volume ? &*m.app_volume : it != volumes.end() ? it->second : nullptr;
      a.mounts.push_back({m.volume, m.path, vol ? vol->source : "", vol && vol->read_only.value_or(false)});
    }
    if (app.app) {
      a.user_annotations = app.app->user_annotations;
      a.user_labels = app.app->user_labels;
    }
    into->apps.push_back(std::move(a));
  }
  into->user_annotations = manifest.user_annotations;
  into->user_labels = manifest.user_labels;
  into->apps_listed = into->details = true;
}

Result<PodInfo> pod_info(const PodRef& ref, PodDetail detail) {
  PodInfo v;
  v.ref = ref;
  auto state = pod_state(ref);
  RKT_TRY(state);
  v.state = *state;
  if (from_summary(v, detail)) return v;
  std::string manifest_path = ref.path + "/" + stage1_abi::kPodManifest;
  if (auto text = read_file(manifest_path, spec::kMaxManifestBytes)) {
    auto m = spec::parse_pod_manifest(*text, manifest_path);
    if (m) v.manifest = std::move(*m);
  }
  apps_of_manifest(v);
  v.created_ns = mtime_ns(ref.path + "/pod-created");
  if (ref.phase == PodPhase::ExitedGarbage || ref.phase == PodPhase::Garbage) v.gc_marked_ns = mtime_ns(ref.path);
  std::string pid_path = ref.path + "/" + stage1_abi::kPodPid;
  v.started_ns = mtime_ns(pid_path);
  if (auto pid = read_file(pid_path, 64)) v.pid = pid->substr(0, pid->find('\n'));
  if (v.state == PodState::Running || v.state == PodState::Exited || v.state == PodState::ExitedGarbage) {
    v.networks = stage1_abi::read_net_info(ref.path);
  }
  if (v.manifest && v.state != PodState::Running) {
    for (const auto& app : v.manifest->apps) {
      if (auto code = read_file(ref.path + "/" + stage1_abi::kAppStatusDir + "/" + app.name, 64))
        v.app_exit_codes[app.name] = code->substr(0, code->find('\n'));
    }
  }
  return v;
}

Result<std::vector<PodInfo>> list_pod_info(const std::string& data_dir, PodDetail detail) {
  auto pods = list_pods(data_dir);
  RKT_TRY(pods);
  std::vector<PodInfo> read;
  read.reserve(pods->size());
  for (const auto& p : *pods) {
    if (auto v = pod_info(p, detail)) read.push_back(std::move(*v));
  }
  // Sorted by index: a PodInfo (with its manifest) is moved once, not at every swap.
  std::vector<size_t> order(read.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return read[a].created_ns < read[b].created_ns; });
  std::vector<PodInfo> out;
  out.reserve(read.size());
  for (size_t i : order) out.push_back(std::move(read[i]));
  return out;
}

namespace {

// rkt's appStateFromPod: apps of an immutable pod share its state.
const char* app_state(PodState s) {
  switch (s) {
    case PodState::Prepared:
      return "created";
    case PodState::Running:
      return "running";
    case PodState::Exited:
    case PodState::ExitedGarbage:
    case PodState::ExitedDeleting:
    case PodState::Garbage:
    case PodState::Deleting:
      return "exited";
    default:
      return "unknown";
  }
}

void write_map(GoJsonWriter& w, const char* key, const std::map<std::string, std::string>& m) {
  if (m.empty()) return;
  w.key(key);
  w.begin_object();
  for (const auto& [k, v] : m) {
    w.key(k);
    w.value(v);
  }
  w.end_object();
}

// One v1 Pod, written as it goes (a list of a thousand pods builds no document).
void write_v1_pod(GoJsonWriter& w, const PodInfo& v) {
  w.begin_object();
  w.key("name");
  w.value(v.ref.uuid);
  w.key("state");
  w.value(state_name(v.state));
  if (!v.networks.empty()) {
    w.key("networks");
    w.begin_array();
    for (const auto& n : v.networks) {
      w.begin_object();
      for (const auto& [k, val] : {std::pair<const char*, const std::string*>{"netName", &n.name},
                                   {"netConf", &n.conf},
                                   {"pluginPath", &n.plugin},
                                   {"ifName", &n.ifname},
                                   {"ip", &n.ip},
                                   {"args", &n.args},
                                   {"mask", &n.mask}}) {
        w.key(k);
        w.value(*val);
      }
      w.end_object();
    }
    w.end_array();
  }
  if (!v.apps.empty()) {
    w.key("app_names");
    w.begin_array();
    for (const auto& app : v.apps) w.value(app.name);
    w.end_array();
    w.key("apps");
    w.begin_array();
    for (const auto& app : v.apps) {
      auto code = v.app_exit_codes.find(app.name);
      bool exited = code != v.app_exit_codes.end();
      w.begin_object();
      w.key("name");
      w.value(app.name);
      w.key("state");
      w.value(exited ? "exited" : app_state(v.state));
      if (v.created_ns) {
        w.key("created_at");
        w.value(v.created_ns);
      }
      if (v.started_ns) {
        w.key("started_at");
        w.value(v.started_ns);
      }
      if (v.gc_marked_ns) {
        w.key("finished_at");
        w.value(v.gc_marked_ns);
      }
      if (exited) {
        w.key("exit_code");
        if (auto n = exit_code(code->second)) {
          w.value(*n);
        } else {
          w.value(code->second);
        }
      }
      w.key("image_id");
      w.value(app.image_id);
      if (!app.mounts.empty()) {
        w.key("mounts");
        w.begin_array();
        for (const auto& m : app.mounts) {
          w.begin_object();
          w.key("name");
          w.value(m.volume);
          w.key("container_path");
          w.value(m.path);
          w.key("host_path");
          w.value(m.host_path);
          w.key("read_only");
          w.value(m.read_only);
          w.end_object();
        }
        w.end_array();
      }
      write_map(w, "user_annotations", app.user_annotations);
      write_map(w, "user_labels", app.user_labels);
      w.end_object();
    }
    w.end_array();
  }
  if (v.created_ns) {
    w.key("created_at");
    w.value(v.created_ns / 1000000000);
  }
  if (v.started_ns) {
    w.key("started_at");
    w.value(v.started_ns / 1000000000);
  }
  write_map(w, "user_annotations", v.user_annotations);
  write_map(w, "user_labels", v.user_labels);
  w.end_object();
}

}  // namespace

// json-pretty is json.MarshalIndent(v, "", "\t"), rkt's choice.
std::string pods_json(const std::vector<PodInfo>& pods, bool pretty) {
  GoJsonWriter w(pretty ? GoIndent::Tab : GoIndent::None);
  w.begin_array();
  for (const auto& v : pods) write_v1_pod(w, v);
  w.end_array();
  return w.take();
}

std::string pod_status_json(const PodInfo& v, bool pretty) {
  GoJsonWriter w(pretty ? GoIndent::Tab : GoIndent::None);
  write_v1_pod(w, v);
  return w.take();
}

Result<std::string> pod_manifest_text(const PodRef& ref) {
  return read_file(ref.path + "/" + stage1_abi::kPodManifest, spec::kMaxManifestBytes);
}

Result<StopResult> stop_pod(const PodRef& ref, bool force) {
  auto state = pod_state(ref);
  RKT_TRY(state);
  if (*state == PodState::Exited || *state == PodState::ExitedGarbage) return StopResult::AlreadyStopped;
  if (*state != PodState::Running) return StopResult::NotRunning;
  auto entry = stage1_abi::find_entrypoint(ref.path, stage1_abi::Entrypoint::Stop);
  RKT_TRY_WRAP(entry, "stopping pod " + quote(ref.uuid));
  std::vector<std::string> args;
  if (force) args.push_back("--force");
  args.push_back(ref.uuid);
  auto rc = stage1_abi::run_entrypoint(*entry, ref.path, args);
  RKT_TRY_WRAP(rc, "stopping pod " + quote(ref.uuid));
  if (*rc != 0) return Error(Errc::Generic, "stopping pod " + quote(ref.uuid) + ": the stage1 stop entrypoint failed");
  return StopResult::Stopped;
}

Error enter_pod(const PodRef& ref, const std::string& app, const std::vector<std::string>& cmd) {
  // As rkt: wait for the pod to have started (its pid file), and give up if it exits.
  for (int i = 0;; ++i) {
    auto state = pod_state(ref);
    RKT_TRY(state);
    if (*state != PodState::Running) return Error(Errc::InvalidArgument, "pod " + ref.uuid + " is not running");
    if (::access((ref.path + "/" + stage1_abi::kPodPid).c_str(), F_OK) == 0) break;
    if (i > 200) return Error(Errc::Generic, "pod " + ref.uuid + " did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto entry = stage1_abi::find_entrypoint(ref.path, stage1_abi::Entrypoint::Enter);
  RKT_TRY(entry);
  std::vector<std::string> argv_s = {*entry};
  if (!app.empty()) argv_s.push_back("--app=" + app);
  argv_s.push_back(ref.uuid);
  argv_s.push_back("--");
  argv_s.insert(argv_s.end(), cmd.begin(), cmd.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::chdir(ref.path.c_str()) != 0) return sys_error("entering pod directory " + quote(ref.path));
  ::execv(argv[0], argv.data());
  return sys_error("executing the stage1 enter entrypoint " + quote(argv_s[0]));
}

Status export_app(const Store& store, const PodRef& ref, const std::string& app_name, const std::string& out,
                  bool overwrite) {
  auto v = pod_info(ref);
  RKT_TRY(v);
  if (v->state != PodState::Exited && v->state != PodState::ExitedGarbage) {
    return Error(Errc::InvalidArgument,
                 "pod " + ref.uuid + " is " + state_name(v->state) + ": only exited pods can be exported");
  }
  if (!v->manifest) return Error(Errc::InvalidManifest, "pod " + ref.uuid + " has no readable manifest");
  std::string app = app_name;
  if (app.empty()) {
    if (v->manifest->apps.size() != 1) return Error(Errc::Usage, "pod " + ref.uuid + " has several apps: give --app");
    app = v->manifest->apps[0].name;
  }
  std::string info = ref.path + "/appsinfo/" + app;
  auto manifest = read_file(info + "/manifest", spec::kMaxManifestBytes);
  RKT_TRY_WRAP(manifest, "app " + quote(app));
  auto lower = read_file(info + "/lower", 4096);
  RKT_TRY_WRAP(lower, "app " + quote(app));
  // The app's root as it was left: its overlay, read-only (the upper dir as the top lower
  // layer), mounted in a mount namespace of this process's own that dies with it.
  std::string layout = store.cas() + "/tmp/export-" + ref.uuid + "-" + std::to_string(::getpid());
  if (Status s = make_dirs(layout + "/rootfs", 0755); !s) return s;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      ::umount2((dir + "/rootfs").c_str(), MNT_DETACH);
      (void)remove_tree(dir);
    }
  } cleanup{layout};
  if (Status s = write_file_atomic(layout + "/manifest", *manifest, 0644, Overwrite::Yes, Durability::NoSync); !s)
    return s;
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return sys_error("creating a private mount namespace for the export");
  }
  std::string rootfs = layout + "/rootfs";
  int rc;
  if (lower->empty()) {
    std::string copy = ref.path + "/apps/" + app + "/rootfs";
    rc = ::mount(copy.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
  } else {
    std::string opts = "lowerdir=" + ref.path + "/overlay/" + app + "/upper:" + *lower;
    rc = ::mount("overlay", rootfs.c_str(), "overlay", MS_RDONLY, opts.c_str());
  }
  if (rc != 0) return sys_error("mounting the root of app " + quote(app));
  aci::WriteOptions o;
  o.overwrite = overwrite ? Overwrite::Yes : Overwrite::No;
  RKT_TRY_WRAP(aci::build(layout, out, o), "exporting app " + quote(app));
  return ok();
}

}  // namespace rkt::stage0
