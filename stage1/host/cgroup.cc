#include "stage1/host/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "common/fs.h"

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
  std::istringstream in(self_cgroup);
  std::string line;
  std::vector<std::pair<std::string, std::string>> entries;  // controllers, path
  while (std::getline(in, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    entries.emplace_back(line.substr(a + 1, b - a - 1), line.substr(b + 1));
  }
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
      std::istringstream names(ctrls);
      std::string n;
      bool match = false;
      while (std::getline(names, n, ',')) match |= n == ctrl;
      if (match) cg.hierarchies_.push_back({ctrl, mount + (path == "/" ? "" : path)});
    }
  }
  if (cg.hierarchies_.empty())
    return Error(Errc::Unsupported, "no cgroup v2 and no memory, cpu or pids hierarchy under " + quote(root));
  return cg;
}

Result<AppCgroup> Cgroups::create_app(const std::string& uuid, const std::string& app, const CgroupLimits& l) {
  AppCgroup out;
  for (const auto& h : hierarchies_) {
    std::string pod = h.base + "/" + pod_relative(uuid);
    RKT_TRY(mkdir_one(pod));
    if (unified_) {
      // Controllers must be enabled on the way down; the starting cgroup may refuse (it may hold
      // processes, or not own the controllers): the pod then gets what is available.
      for (const std::string& dir : {h.base, pod}) {
        for (const char* c : {"+memory", "+cpu", "+pids"}) (void)write_value(dir + "/cgroup.subtree_control", c);
      }
    }
    std::string dir = pod + "/" + app;
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

std::vector<std::string> Cgroups::pod_dirs(const std::string& uuid) const {
  std::vector<std::string> out;
  for (const auto& h : hierarchies_) out.push_back(h.base + "/" + pod_relative(uuid));
  return out;
}

Status Cgroups::remove_pod(const std::string& uuid, const std::vector<AppCgroup>& apps) {
  Status result;
  for (const auto& a : apps) {
    for (const auto& d : a.dirs) {
      if (::rmdir(d.c_str()) != 0 && errno != ENOENT && result) result = sys_error("removing cgroup " + quote(d));
    }
  }
  for (const auto& h : hierarchies_) {
    std::string pod = h.base + "/" + pod_relative(uuid);
    if (::rmdir(pod.c_str()) != 0 && errno != ENOENT && result) result = sys_error("removing cgroup " + quote(pod));
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
