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

  /// Every cgroup directory a pod of these apps gets, deepest first (the order they are removed
  /// in): the apps', stage1's own leaf (v2, below a cgroup other than the root), the pod's. Known
  /// before any is made, so that the record gc reads can be written first.
  std::vector<std::string> pod_dirs(const std::string& uuid, const std::vector<std::string>& apps) const;

  /// Creates the pod's cgroup and gives it the controllers the apps' limits need, on every
  /// hierarchy. On cgroup v2 below the root, this process first moves into the pod's leaf
  /// "_stage1" (a v2 cgroup that gives controllers to its children holds no processes), and a
  /// controller the starting cgroup was not delegated, or cannot give because other processes
  /// share it, is an error that says so; the pids controller is taken only when available.
  Status create_pod(const std::string& uuid, const std::vector<CgroupLimits>& apps);

  /// Creates the app's cgroup below the pod's and writes its limits.
  Result<AppCgroup> create_app(const std::string& uuid, const std::string& app, const CgroupLimits& limits);

  /// The pod's cgroup below the starting one, for the record (<pod>/subcgroup).
  std::string pod_relative(const std::string& uuid) const { return "rkt-" + uuid; }

  /// Removes what create_pod and create_app made (the apps' cgroups must be empty). The leaf this
  /// process sits in stays, for gc to remove once it has exited.
  Status remove_pod(const std::string& uuid, const std::vector<std::string>& apps);

 private:
  struct Hierarchy {
    std::string controller;  ///< "" for v2
    std::string base;        ///< the directory of this process's cgroup
  };
  /// v2 below the root: stage1 sits in a leaf of the pod's cgroup.
  bool stage1_leaf() const { return unified_ && !hierarchies_.empty() && hierarchies_[0].base != root_; }
  bool unified_ = false;
  std::string root_;
  std::vector<Hierarchy> hierarchies_;
};

/// stage1's own cgroup in the pod's on v2 ('_' keeps it apart from every app name).
inline constexpr const char* kStage1Leaf = "_stage1";

/// Whether the kernel OOM-killed a process of the app's cgroup.
bool oom_killed(const AppCgroup& cg);

}  // namespace rkt::stage1
