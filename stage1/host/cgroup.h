#pragma once

// cgroups for pods: one cgroup per pod with one sub-cgroup per app, on cgroup v2 or on v1
// hierarchies (memory, cpu, pids), nested under the cgroup stage1 itself runs in, so a pod stays
// inside the limits of whoever started rkt (a systemd unit, a CI job). The root directory is a
// parameter: tests point it at a fake tree. Runs in stage1 on the host.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::stage1 {

struct CgroupLimits {
  std::optional<int64_t> memory_bytes;  ///< resource/memory limit
  std::optional<int64_t> cpu_millis;    ///< resource/cpu limit, in millicores
  std::optional<int64_t> cpu_shares;    ///< os/linux/cpu-shares
  int64_t pids_max = 16384;             ///< a cap on processes, against fork bombs
};

/// The limits an app's isolators ask for.
CgroupLimits limits_from_isolators(const spec::Isolators& isolators);

struct AppCgroup {
  std::vector<std::string> procs_files;  ///< a process joins by writing "0" to each
  std::vector<std::string> dirs;         ///< removed when the pod ends
  std::string oom_events;                ///< memory.events (v2) or memory.oom_control (v1)
};

class Cgroups {
 public:
  /// Detects the layout under `root` and where this process sits, from the contents of
  /// /proc/self/cgroup.
  static Result<Cgroups> detect(const std::string& root, const std::string& self_cgroup);

  bool unified() const { return unified_; }

  /// Creates the pod's cgroup (once) and the app's beneath it, and writes its limits.
  Result<AppCgroup> create_app(const std::string& uuid, const std::string& app, const CgroupLimits& limits);

  /// The pod's cgroup below the starting one, for the record (<pod>/subcgroup).
  std::string pod_relative(const std::string& uuid) const { return "rkt-" + uuid; }

  /// The pod's cgroup directories (one per hierarchy).
  std::vector<std::string> pod_dirs(const std::string& uuid) const;

  /// Removes the apps' cgroups and the pod's (they must be empty).
  Status remove_pod(const std::string& uuid, const std::vector<AppCgroup>& apps);

 private:
  struct Hierarchy {
    std::string controller;  ///< "" for v2
    std::string base;        ///< the directory of this process's cgroup
  };
  bool unified_ = false;
  std::vector<Hierarchy> hierarchies_;
};

/// Whether the kernel OOM-killed a process of the app's cgroup.
bool oom_killed(const AppCgroup& cg);

}  // namespace rkt::stage1
