#include "stage1/host/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "common/fs.h"
#include "common/proc_cgroup.h"

namespace rkt::stage1 {
namespace {

Status write_value(const std::string& path, const std::string& value) {
  // cgroup files are written in place (no temporary file and rename).
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return sys_error("opening " + quote(path));
  bool ok = std::fputs(value.c_str(), f) >= 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return sys_error("writing " + quote(value) + " to " + quote(path));
  return rkt::ok();
}

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

Status mkdir_one(const std::string& p) {
  if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return sys_error("creating cgroup " + quote(p));
  return rkt::ok();
}

}  // namespace

CgroupLimits limits_from_isolators(const spec::Isolators& isolators) {
  CgroupLimits l;
  for (const auto& iso : isolators) {
    if (iso.name == spec::kIsolatorMemory) {
      if (const auto* r = std::get_if<spec::ResourceValue>(&iso.value); r && r->limit)
        l.memory_bytes = r->limit->ceil_value();
    } else if (iso.name == spec::kIsolatorCpu) {
      if (const auto* r = std::get_if<spec::ResourceValue>(&iso.value); r && r->limit)
        l.cpu_millis = r->limit->ceil_milli_value();
    } else if (iso.name == spec::kIsolatorCpuShares) {
      if (const auto* v = std::get_if<int64_t>(&iso.value)) l.cpu_shares = *v;
    }
  }
  return l;
}

Result<Cgroups> Cgroups::detect(const std::string& root, const std::string& self_cgroup) {
  Cgroups cg;
  cg.root_ = root;
  auto entries = parse_proc_cgroup(self_cgroup);
  if (exists(root + "/cgroup.controllers")) {
    cg.unified_ = true;
    for (const auto& [ctrls, path] : entries) {
      if (ctrls.empty()) cg.hierarchies_.push_back({"", root + (path == "/" ? "" : path)});
    }
    if (cg.hierarchies_.empty())
      return Error(Errc::Unsupported, "cgroup v2 at " + quote(root) + " but no 0:: entry in /proc/self/cgroup");
    return cg;
  }
  for (const char* ctrl : {"memory", "cpu", "pids"}) {
    std::string mount = root + "/" + ctrl;
    if (!exists(mount + "/cgroup.procs")) continue;
    for (const auto& [ctrls, path] : entries) {
      if (std::find(ctrls.begin(), ctrls.end(), ctrl) != ctrls.end())
        cg.hierarchies_.push_back({ctrl, mount + (path == "/" ? "" : path)});
    }
  }
  if (cg.hierarchies_.empty())
    return Error(Errc::Unsupported, "no cgroup v2 and no memory, cpu or pids hierarchy under " + quote(root));
  return cg;
}

std::vector<std::string> Cgroups::pod_dirs(const std::string& uuid, const std::vector<std::string>& apps) const {
  std::vector<std::string> out;
  for (const auto& h : hierarchies_) {
    std::string pod = h.base + "/" + pod_relative(uuid);
    for (const auto& a : apps) out.push_back(pod + "/" + a);
    if (stage1_leaf()) out.push_back(pod + "/" + kStage1Leaf);
    out.push_back(pod);
  }
  return out;
}

namespace {

std::vector<std::string> words_of(const std::string& path) {
  std::vector<std::string> out;
  auto text = read_file(path, 4096);
  std::istringstream in(text ? *text : "");
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& w) {
  return std::find(v.begin(), v.end(), w) != v.end();
}

}  // namespace

Status Cgroups::create_pod(const std::string& uuid, const std::vector<CgroupLimits>& apps) {
  for (const auto& h : hierarchies_) RKT_TRY(mkdir_one(h.base + "/" + pod_relative(uuid)));
  if (!unified_) return ok();
  const std::string& base = hierarchies_[0].base;
  std::string pod = base + "/" + pod_relative(uuid);
  if (stage1_leaf()) {
    // A cgroup that holds processes and gives threaded controllers (cpu, pids) to its children is
    // a thread root, whose children take no processes: what an earlier pod enabled here and no
    // pod uses any more is given back first.
    for (const auto& c : words_of(base + "/cgroup.subtree_control"))
      (void)write_value(base + "/cgroup.subtree_control", "-" + c);
    if (auto left = words_of(base + "/cgroup.subtree_control"); !left.empty()) {
      std::string list;
      for (const auto& c : left) list += (list.empty() ? "" : " ") + c;
      return Error(Errc::Unsupported, "cgroup " + quote(base) + " that rkt runs in also gives controllers (" + list +
                                          ") to cgroups below it, so on cgroup v2 it cannot hold a pod: another pod "
                                          "started from it may still be running, or not yet collected (rkt gc)");
    }
    std::string leaf = pod + "/" + kStage1Leaf;
    RKT_TRY(mkdir_one(leaf));
    RKT_TRY_WRAP(write_value(leaf + "/cgroup.procs", std::to_string(::getpid())), "moving stage1 into its cgroup");
  }
  std::vector<std::string> needed;
  for (const auto& l : apps) {
    if (l.memory_bytes && !has(needed, "memory")) needed.push_back("memory");
    if ((l.cpu_millis || l.cpu_shares) && !has(needed, "cpu")) needed.push_back("cpu");
  }
  std::vector<std::string> offered = words_of(base + "/cgroup.controllers");
  for (const auto& c : needed) {
    if (!has(offered, c)) {
      return Error(Errc::Unsupported, "cgroup " + quote(base) + " that rkt runs in has no " + c +
                                          " controller, which the pod's limits need: the cgroup above it did not "
                                          "delegate it (a systemd unit needs Delegate=yes)");
    }
  }
  // Other processes in the starting cgroup (a shell, a job runner) keep it from giving any
  // controller: memory is refused outright, and cpu or pids would make it a thread root, whose
  // children take no processes. The root cgroup is exempt.
  auto procs = read_file(base + "/cgroup.procs", 1 << 20);
  bool shared = stage1_leaf() && procs && procs->find_first_not_of(" \n") != std::string::npos;
  if (shared && !needed.empty()) {
    return Error(Errc::Unsupported, "cgroup " + quote(base) + " that rkt runs in cannot give the pod its " + needed[0] +
                                        " controller: other processes share that cgroup (on cgroup v2 only a cgroup "
                                        "without processes gives controllers to its children); run rkt alone in a "
                                        "cgroup, as a systemd unit with Delegate=yes does");
  }
  std::vector<std::string> wanted = needed;
  if (has(offered, "pids") && !shared) wanted.push_back("pids");  // the default cap on processes, where it can be had
  std::vector<std::string> enabled = words_of(base + "/cgroup.subtree_control");
  for (const auto& c : wanted) {
    bool required = has(needed, c);
    if (!has(enabled, c)) {
      Status s = write_value(base + "/cgroup.subtree_control", "+" + c);
      if (!s && !required) continue;
      RKT_TRY_WRAP(s, "enabling the " + c + " controller for pod " + uuid + " in " + quote(base));
    }
    Status s = write_value(pod + "/cgroup.subtree_control", "+" + c);
    if (!s && required) return std::move(s).error().wrap("enabling the " + c + " controller for pod " + uuid);
  }
  return ok();
}

Result<AppCgroup> Cgroups::create_app(const std::string& uuid, const std::string& app, const CgroupLimits& l) {
  AppCgroup out;
  for (const auto& h : hierarchies_) {
    std::string dir = h.base + "/" + pod_relative(uuid) + "/" + app;
    RKT_TRY(mkdir_one(dir));
    out.dirs.push_back(dir);
    out.procs_files.push_back(dir + "/cgroup.procs");
    auto set = [&](const std::string& file, const std::string& value) -> Status {
      if (!exists(dir + "/" + file)) {
        return Error(Errc::Unsupported, "cgroup " + quote(dir) + " has no " + file + " to set " + value);
      }
      return write_value(dir + "/" + file, value);
    };
    Status s;
    if (unified_) {
      if (l.memory_bytes) s = set("memory.max", std::to_string(*l.memory_bytes));
      if (s && l.cpu_millis) s = set("cpu.max", std::to_string(*l.cpu_millis * 100) + " 100000");
      // cpu.shares (2..262144) to cpu.weight (1..10000), as systemd and crun convert it.
      if (s && l.cpu_shares) s = set("cpu.weight", std::to_string(1 + ((*l.cpu_shares - 2) * 9999) / 262142));
      if (s && exists(dir + "/pids.max")) s = set("pids.max", std::to_string(l.pids_max));
      out.oom_events = dir + "/memory.events";
    } else if (h.controller == "memory") {
      if (l.memory_bytes) s = set("memory.limit_in_bytes", std::to_string(*l.memory_bytes));
      out.oom_events = dir + "/memory.oom_control";
    } else if (h.controller == "cpu") {
      if (l.cpu_millis) {
        s = set("cpu.cfs_period_us", "100000");
        if (s) s = set("cpu.cfs_quota_us", std::to_string(*l.cpu_millis * 100));
      }
      if (s && l.cpu_shares) s = set("cpu.shares", std::to_string(*l.cpu_shares));
    } else if (h.controller == "pids") {
      s = set("pids.max", std::to_string(l.pids_max));
    }
    RKT_TRY_WRAP(s, "app " + quote(app));
  }
  if (l.memory_bytes && out.oom_events.empty()) {
    return Error(Errc::Unsupported,
                 "app " + quote(app) + " has a memory limit but no memory cgroup controller is available");
  }
  return out;
}

Status Cgroups::remove_pod(const std::string& uuid, const std::vector<std::string>& apps) {
  Status result;
  if (stage1_leaf()) {
    // The apps' cgroups, then the controllers back where they came from, so that this process
    // can return to the cgroup it started in and leave nothing behind (what fails is gc's).
    const std::string& base = hierarchies_[0].base;
    std::string pod = base + "/" + pod_relative(uuid);
    for (const auto& a : apps) (void)::rmdir((pod + "/" + a).c_str());
    for (const auto& c : words_of(pod + "/cgroup.subtree_control"))
      (void)write_value(pod + "/cgroup.subtree_control", "-" + c);
    for (const auto& c : words_of(base + "/cgroup.subtree_control"))
      (void)write_value(base + "/cgroup.subtree_control", "-" + c);
    if (words_of(base + "/cgroup.subtree_control").empty())
      (void)write_value(base + "/cgroup.procs", std::to_string(::getpid()));
  }
  for (const auto& d : pod_dirs(uuid, apps)) {
    if (::rmdir(d.c_str()) == 0 || errno == ENOENT) continue;
    // This process's own leaf, and the pod's cgroup above it: gc's, once this process is gone.
    if (errno == EBUSY && stage1_leaf()) continue;
    if (result) result = sys_error("removing cgroup " + quote(d));
  }
  return result;
}

bool oom_killed(const AppCgroup& cg) {
  if (cg.oom_events.empty()) return false;
  auto text = read_file(cg.oom_events, 1 << 16);
  if (!text) return false;
  std::istringstream in(*text);
  std::string key;
  long long value = 0;
  while (in >> key >> value) {
    if (key == "oom_kill" && value > 0) return true;
  }
  return false;
}

}  // namespace rkt::stage1
