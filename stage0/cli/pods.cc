// The pod commands: list, status, stop, rm, gc and cat-manifest. No daemon: each reads the pod
// directories, probing locks for liveness.

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "actool/aci.h"
#include "common/duration.h"
#include "common/fs.h"
#include "common/stage1_abi.h"
#include "gc/gc.h"
#include "spec/manifest.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {
namespace {

struct PodView {
  PodRef ref;
  PodState state;
  std::optional<spec::PodManifest> manifest;
  int64_t created = 0, started = 0;
  std::string pid;
  std::map<std::string, std::string> app_status;  // app -> exit code
};

Result<PodView> view(const PodRef& ref) {
  PodView v{ref, PodState::Garbage, std::nullopt, 0, 0, "", {}};
  auto state = pod_state(ref);
  if (!state) return std::move(state).error();
  v.state = *state;
  if (auto text = read_file(ref.path + "/pod", spec::kMaxManifestBytes)) {
    auto m = spec::parse_pod_manifest(*text, ref.path + "/pod");
    if (m) v.manifest = std::move(*m);
  }
  v.created = mtime_ns(ref.path + "/pod-created");
  v.started = mtime_ns(ref.path + "/pid");
  if (auto pid = read_file(ref.path + "/pid", 64)) v.pid = pid->substr(0, pid->find('\n'));
  if (v.manifest && v.state != PodState::Running) {
    for (const auto& app : v.manifest->apps) {
      if (auto code = read_file(ref.path + "/status/" + app.name, 64)) v.app_status[app.name] = code->substr(0, code->find('\n'));
    }
  }
  return v;
}

Result<std::string> uuid_argument(const std::vector<std::string>& pos, const std::string& uuid_file, const char* cmd) {
  if (!uuid_file.empty()) {
    if (!pos.empty()) return Error(Errc::Usage, std::string(cmd) + ": give a UUID or --uuid-file, not both");
    auto text = read_file(uuid_file, 4096);
    if (!text) return std::move(text).error().wrap("--uuid-file");
    std::string u = text->substr(0, text->find_first_of("\n \t"));
    if (u.empty()) return Error(Errc::Usage, "--uuid-file " + quote(uuid_file) + " is empty");
    return u;
  }
  if (pos.size() != 1) return Error(Errc::Usage, std::string(cmd) + " needs one pod UUID (or --uuid-file)");
  return pos[0];
}

std::string image_name(const spec::RuntimeApp& app) {
  std::string n = app.image.name.value_or("");
  if (const std::string* v = spec::find_label(app.image.labels, "version")) n += ":" + *v;
  return n;
}

Result<int> pods_list(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt list");
  add_global_flags(fs, g);
  bool full = false, no_legend = false;
  std::string format;
  fs.add_bool("full", &full, "full UUIDs, image IDs and times");
  fs.add_bool("no-legend", &no_legend, "no header line");
  fs.add_string("format", &format, "json or json-pretty");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (!pos->empty()) return Error(Errc::Usage, "rkt list takes no arguments");
  auto pods = list_pods(g.dir);
  if (!pods) return std::move(pods).error();
  std::vector<PodView> views;
  for (const auto& p : *pods) {
    auto v = view(p);
    if (v) views.push_back(std::move(*v));  // a pod removed meanwhile is skipped
  }
  std::sort(views.begin(), views.end(), [](const PodView& a, const PodView& b) { return a.created < b.created; });
  if (!format.empty()) {
    if (format != "json" && format != "json-pretty") return Error(Errc::Usage, "--format must be json or json-pretty");
    std::string out = "[";
    for (size_t i = 0; i < views.size(); ++i) {
      const auto& v = views[i];
      out += std::string(i ? "," : "") + "{\"name\":" + spec::json_string(v.ref.uuid) + ",\"state\":" +
             spec::json_string(state_name(v.state)) + ",\"networks\":[],\"app_names\":[";
      std::string apps;
      if (v.manifest) {
        for (size_t a = 0; a < v.manifest->apps.size(); ++a) {
          const auto& app = v.manifest->apps[a];
          out += std::string(a ? "," : "") + spec::json_string(app.name);
          std::string app_state = v.state == PodState::Running ? "running" : v.app_status.count(app.name) ? "exited" : "created";
          apps += std::string(a ? "," : "") + "{\"name\":" + spec::json_string(app.name) + ",\"state\":" +
                  spec::json_string(app_state) + ",\"image_id\":" + spec::json_string(app.image.id) +
                  (v.app_status.count(app.name) ? ",\"exit_code\":" + v.app_status.at(app.name) : "") + "}";
        }
      }
      out += "],\"apps\":[" + apps + "],\"created_at\":" + std::to_string(v.created);
      if (v.started) out += ",\"started_at\":" + std::to_string(v.started);
      out += "}";
    }
    out += "]";
    if (format == "json-pretty") out = *spec::pretty_print_json(out);
    std::cout << out << "\n";
    return 0;
  }
  int64_t now = now_ns();
  auto when = [&](int64_t t) { return t == 0 ? std::string() : full ? format_time(t) : humanize_since(t, now); };
  if (!no_legend) {
    std::cout << "UUID\tAPP\tIMAGE NAME\t" << (full ? "IMAGE ID\t" : "") << "STATE\tCREATED\tSTARTED\tNETWORKS\n";
  }
  for (const auto& v : views) {
    std::string uuid = full ? v.ref.uuid : v.ref.uuid.substr(0, 8);
    std::vector<const spec::RuntimeApp*> apps;
    if (v.manifest) {
      for (const auto& a : v.manifest->apps) apps.push_back(&a);
    }
    if (apps.empty()) apps.push_back(nullptr);
    for (size_t i = 0; i < apps.size(); ++i) {
      const auto* a = apps[i];
      std::cout << (i == 0 ? uuid : "") << "\t" << (a ? a->name : "-") << "\t" << (a ? image_name(*a) : "-") << "\t";
      if (full) std::cout << (a ? short_key(a->image.id) : "-") << "\t";
      if (i == 0) {
        std::cout << state_name(v.state) << "\t" << when(v.created) << "\t" << when(v.started) << "\t";
      } else {
        std::cout << "\t\t\t";
      }
      std::cout << "\n";
    }
  }
  return 0;
}

Result<int> pods_status(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt status");
  add_global_flags(fs, g);
  std::string uuid_file, wait, wait_ready, format;
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  fs.add_string("wait", &wait, "wait for the pod to exit (true, or a duration: 10s)");
  fs.add_string("wait-ready", &wait_ready, "wait for the pod to be running (true, or a duration)");
  fs.add_string("format", &format, "json or json-pretty");
  // "--wait" alone means "forever".
  std::vector<std::string> a = args;
  for (auto& x : a) {
    if (x == "--wait") x = "--wait=true";
    if (x == "--wait-ready") x = "--wait-ready=true";
  }
  auto pos = fs.parse(a);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  auto uuid = uuid_argument(*pos, uuid_file, "rkt status");
  if (!uuid) return std::move(uuid).error();
  auto deadline = [](const std::string& w) -> Result<int64_t> {
    if (w.empty() || w == "false") return int64_t{-1};
    if (w == "true") return int64_t{0};
    auto d = parse_duration(w);
    if (!d) return std::move(d).error();
    return now_ns() + *d;
  };
  auto until_exit = deadline(wait);
  if (!until_exit) return std::move(until_exit).error();
  auto until_ready = deadline(wait_ready);
  if (!until_ready) return std::move(until_ready).error();
  for (;;) {
    auto ref = find_pod(g.dir, *uuid);
    if (!ref) return std::move(ref).error();
    auto v = view(*ref);
    if (!v) return std::move(v).error();
    bool exited = v->state == PodState::Exited || v->state == PodState::ExitedGarbage ||
                  v->state == PodState::Garbage || v->state == PodState::AbortedPrepare;
    bool ready = v->state == PodState::Running && !v->pid.empty();
    bool waiting = (*until_exit >= 0 && !exited) || (*until_ready >= 0 && !ready && !exited);
    int64_t limit = std::max(*until_exit, *until_ready);
    if (waiting && (limit == 0 || now_ns() < limit)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (waiting) return Error(Errc::Generic, "pod " + ref->uuid + ": timed out waiting");
    if (format == "json" || format == "json-pretty") {
      std::string out = "{\"name\":" + spec::json_string(ref->uuid) + ",\"state\":" + spec::json_string(state_name(v->state)) +
                        ",\"created_at\":" + std::to_string(v->created) +
                        (v->started ? ",\"started_at\":" + std::to_string(v->started) : "") + ",\"apps\":[";
      bool first = true;
      for (const auto& [name, code] : v->app_status) {
        out += std::string(first ? "" : ",") + "{\"name\":" + spec::json_string(name) + ",\"exit_code\":" + code + "}";
        first = false;
      }
      out += "]}";
      std::cout << (format == "json-pretty" ? *spec::pretty_print_json(out) : out) << "\n";
      return 0;
    }
    if (!format.empty()) return Error(Errc::Usage, "--format must be json or json-pretty");
    std::cout << "state=" << state_name(v->state) << "\n";
    if (v->created) std::cout << "created=" << format_time(v->created) << "\n";
    if (v->started) std::cout << "started=" << format_time(v->started) << "\n";
    if (v->state == PodState::Running || exited) std::cout << "networks=\n";
    if (!v->pid.empty()) std::cout << "pid=" << v->pid << "\n";
    std::cout << "exited=" << (exited ? "true" : "false") << "\n";
    if (v->manifest) {
      for (const auto& app : v->manifest->apps) {
        if (v->app_status.count(app.name)) std::cout << "app-" << app.name << "=" << v->app_status.at(app.name) << "\n";
      }
    }
    return 0;
  }
}

Result<std::vector<std::string>> uuids(const std::vector<std::string>& pos, const std::string& uuid_file, const char* cmd) {
  if (!uuid_file.empty()) {
    auto u = uuid_argument({}, uuid_file, cmd);
    if (!u) return std::move(u).error();
    std::vector<std::string> out = pos;
    out.push_back(*u);
    return out;
  }
  if (pos.empty()) return Error(Errc::Usage, std::string(cmd) + " needs pod UUIDs (or --uuid-file)");
  return pos;
}

Result<int> pods_stop(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt stop");
  add_global_flags(fs, g);
  bool force = false;
  std::string uuid_file;
  fs.add_bool("force", &force, "kill the pod at once (SIGKILL) instead of stopping it");
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  auto list = uuids(*pos, uuid_file, "rkt stop");
  if (!list) return std::move(list).error();
  bool failed = false;
  for (const auto& u : *list) {
    auto ref = find_pod(g.dir, u);
    auto state = ref ? pod_state(*ref) : Result<PodState>(std::move(ref).error());
    if (!state) {
      std::cerr << "rkt: " << state.error().message() << "\n";
      failed = true;
      continue;
    }
    if (*state != PodState::Running) {
      std::cerr << "pod " << quote(ref->uuid) << " is already stopped\n";
      continue;
    }
    // The pod's stage1 knows how to stop it (its stop entrypoint).
    auto entry = stage1_abi::find_entrypoint(ref->path, stage1_abi::Entrypoint::Stop);
    std::vector<std::string> stop_args;
    if (force) stop_args.push_back("--force");
    stop_args.push_back(ref->uuid);
    auto rc = entry ? stage1_abi::run_entrypoint(*entry, ref->path, stop_args) : Result<int>(std::move(entry).error());
    if (!rc || *rc != 0) {
      std::cerr << "rkt: stopping pod " << quote(ref->uuid) << ": "
                << (rc ? "the stage1 stop entrypoint failed" : rc.error().message()) << "\n";
      failed = true;
      continue;
    }
    std::cout << quote(ref->uuid) << "\n";
  }
  if (failed) return Error(Errc::Generic, "not every pod could be stopped");
  return 0;
}

Result<int> pods_rm(GlobalOptions& g, const std::vector<std::string>& args) {
  if (::geteuid() != 0) return Error(Errc::Usage, "rkt rm: cannot run as unprivileged user");
  FlagSet fs("rkt rm");
  add_global_flags(fs, g);
  std::string uuid_file;
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  auto list = uuids(*pos, uuid_file, "rkt rm");
  if (!list) return std::move(list).error();
  bool failed = false;
  for (const auto& u : *list) {
    auto ref = find_pod(g.dir, u);
    Status s = ref ? gc::remove_pod(g.dir, *ref) : Status(std::move(ref).error());
    if (!s) {
      std::cerr << "rkt: " << s.error().message() << "\n";
      failed = true;
      continue;
    }
    std::cout << quote(ref->uuid) << "\n";
  }
  if (failed) return Error(Errc::Generic, "not every pod could be removed");
  return 0;
}

Result<int> pods_gc(GlobalOptions& g, const std::vector<std::string>& args) {
  if (::geteuid() != 0) return Error(Errc::Usage, "rkt gc: cannot run as unprivileged user");
  FlagSet fs("rkt gc");
  add_global_flags(fs, g);
  std::string grace = "30m", expire = "24h";
  bool mark_only = false;
  fs.add_string("grace-period", &grace, "how long exited pods stay marked before removal");
  fs.add_string("expire-prepared", &expire, "how long prepared pods may wait to be run");
  fs.add_bool("mark-only", &mark_only, "only mark pods as garbage");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (!pos->empty()) return Error(Errc::Usage, "rkt gc takes no arguments");
  gc::Options o;
  auto gp = parse_duration(grace);
  if (!gp) return std::move(gp).error().wrap("--grace-period");
  auto ep = parse_duration(expire);
  if (!ep) return std::move(ep).error().wrap("--expire-prepared");
  o.grace_period_ns = *gp;
  o.expire_prepared_ns = *ep;
  o.mark_only = mark_only;
  auto r = gc::collect(g.dir, o);
  if (!r) return std::move(r).error();
  for (const auto& u : r->marked) std::cout << "Moving pod " << quote(u) << " to garbage\n";
  for (const auto& u : r->removed) std::cout << "Garbage collecting pod " << quote(u) << "\n";
  for (const auto& e : r->errors) std::cerr << "rkt: " << e << "\n";
  if (!r->errors.empty()) return Error(Errc::Generic, std::to_string(r->errors.size()) + " pod(s) could not be collected");
  return 0;
}

Result<int> pods_cat_manifest(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt cat-manifest");
  add_global_flags(fs, g);
  bool pretty = true;
  std::string uuid_file;
  fs.add_bool("pretty-print", &pretty, "indent the JSON");
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  auto uuid = uuid_argument(*pos, uuid_file, "rkt cat-manifest");
  if (!uuid) return std::move(uuid).error();
  auto ref = find_pod(g.dir, *uuid);
  if (!ref) return std::move(ref).error();
  auto text = read_file(ref->path + "/pod", spec::kMaxManifestBytes);
  if (!text) return std::move(text).error();
  auto out = pretty ? spec::pretty_print_json(*text) : Result<std::string>(*text);
  if (!out) return std::move(out).error();
  std::cout << *out << "\n";
  return 0;
}

Result<int> pods_enter(GlobalOptions& g, const std::vector<std::string>& args) {
  if (::geteuid() != 0) return Error(Errc::Usage, "rkt enter: cannot run as unprivileged user");
  FlagSet fs("rkt enter");
  add_global_flags(fs, g);
  std::string app;
  fs.add_string("app", &app, "the app to enter (needed when the pod has several)");
  auto pos = fs.parse(args, FlagSet::Interspersed::No);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (pos->empty()) return Error(Errc::Usage, "rkt enter needs a pod UUID");
  auto ref = find_pod(g.dir, (*pos)[0]);
  if (!ref) return std::move(ref).error();
  std::vector<std::string> cmd(pos->begin() + 1, pos->end());
  if (cmd.empty()) cmd.push_back("/bin/bash");
  // As rkt: wait for the pod to have started (its pid file), and give up if it exits.
  for (int i = 0;; ++i) {
    auto state = pod_state(*ref);
    if (!state) return std::move(state).error();
    if (*state != PodState::Running) return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is not running");
    if (::access((ref->path + "/pid").c_str(), F_OK) == 0) break;
    if (i > 200) return Error(Errc::Generic, "pod " + ref->uuid + " did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto entry = stage1_abi::find_entrypoint(ref->path, stage1_abi::Entrypoint::Enter);
  if (!entry) return std::move(entry).error();
  std::vector<std::string> argv_s = {*entry};
  if (!app.empty()) argv_s.push_back("--app=" + app);
  argv_s.push_back(ref->uuid);
  argv_s.push_back("--");
  argv_s.insert(argv_s.end(), cmd.begin(), cmd.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::chdir(ref->path.c_str()) != 0) return sys_error("entering pod directory " + quote(ref->path));
  ::execv(argv[0], argv.data());
  return sys_error("executing the stage1 enter entrypoint " + quote(argv_s[0]));
}

Result<int> pods_export(GlobalOptions& g, const std::vector<std::string>& args) {
  if (::geteuid() != 0) return Error(Errc::Usage, "rkt export: cannot run as unprivileged user");
  FlagSet fs("rkt export");
  add_global_flags(fs, g);
  std::string app;
  bool overwrite = false;
  fs.add_string("app", &app, "the app to export (needed when the pod has several)");
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (pos->size() != 2) return Error(Errc::Usage, "rkt export needs a pod UUID and OUT.aci");
  auto ref = find_pod(g.dir, (*pos)[0]);
  if (!ref) return std::move(ref).error();
  auto state = pod_state(*ref);
  if (!state) return std::move(state).error();
  if (*state != PodState::Exited && *state != PodState::ExitedGarbage) {
    return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is " + state_name(*state) + ": only exited pods can be exported");
  }
  auto v = view(*ref);
  if (!v || !v->manifest) return Error(Errc::InvalidManifest, "pod " + ref->uuid + " has no readable manifest");
  if (app.empty()) {
    if (v->manifest->apps.size() != 1) return Error(Errc::Usage, "pod " + ref->uuid + " has several apps: give --app");
    app = v->manifest->apps[0].name;
  }
  std::string info = ref->path + "/appsinfo/" + app;
  auto manifest = read_file(info + "/manifest", spec::kMaxManifestBytes);
  if (!manifest) return std::move(manifest).error().wrap("app " + quote(app));
  auto lower = read_file(info + "/lower", 4096);
  if (!lower) return std::move(lower).error().wrap("app " + quote(app));
  auto store = open_store(g);
  if (!store) return std::move(store).error();
  // The app's root as it was left: its overlay, read-only (the upper dir as the top lower
  // layer), mounted in a mount namespace of this process's own that dies with it.
  std::string layout = store->cas() + "/tmp/export-" + ref->uuid + "-" + std::to_string(::getpid());
  if (Status s = make_dirs(layout + "/rootfs", 0755); !s) return std::move(s).error();
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      ::umount2((dir + "/rootfs").c_str(), MNT_DETACH);
      (void)remove_tree(dir);
    }
  } cleanup{layout};
  if (Status s = write_file_atomic(layout + "/manifest", *manifest, 0644, Overwrite::Yes, Durability::NoSync); !s) {
    return std::move(s).error();
  }
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return sys_error("creating a private mount namespace for the export");
  }
  std::string rootfs = layout + "/rootfs";
  int rc;
  if (lower->empty()) {
    std::string copy = ref->path + "/apps/" + app + "/rootfs";
    rc = ::mount(copy.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
  } else {
    std::string opts = "lowerdir=" + ref->path + "/overlay/" + app + "/upper:" + *lower;
    rc = ::mount("overlay", rootfs.c_str(), "overlay", MS_RDONLY, opts.c_str());
  }
  if (rc != 0) return sys_error("mounting the root of app " + quote(app));
  aci::WriteOptions o;
  o.overwrite = overwrite ? Overwrite::Yes : Overwrite::No;
  if (Status s = aci::build(layout, (*pos)[1], o); !s) return std::move(s).error().wrap("exporting app " + quote(app));
  return 0;
}

}  // namespace

Result<int> cmd_export(GlobalOptions& g, const std::vector<std::string>& a) { return pods_export(g, a); }
Result<int> cmd_enter(GlobalOptions& g, const std::vector<std::string>& a) { return pods_enter(g, a); }
Result<int> cmd_list(GlobalOptions& g, const std::vector<std::string>& a) { return pods_list(g, a); }
Result<int> cmd_status(GlobalOptions& g, const std::vector<std::string>& a) { return pods_status(g, a); }
Result<int> cmd_stop(GlobalOptions& g, const std::vector<std::string>& a) { return pods_stop(g, a); }
Result<int> cmd_rm(GlobalOptions& g, const std::vector<std::string>& a) { return pods_rm(g, a); }
Result<int> cmd_gc(GlobalOptions& g, const std::vector<std::string>& a) { return pods_gc(g, a); }
Result<int> cmd_cat_manifest(GlobalOptions& g, const std::vector<std::string>& a) { return pods_cat_manifest(g, a); }

}  // namespace rkt::stage0
