#pragma once

// The lines of /proc/<pid>/cgroup ("ID:CONTROLLERS:PATH"), for stage1, which makes a pod's
// cgroups below its own, and for stage0, which moves itself into its own cgroup to start the
// grace period a pod's first cgroup move waits for.

#include <string>
#include <vector>

namespace rkt {

struct ProcCgroup {
  std::vector<std::string> controllers;  ///< empty for cgroup v2 ("0::PATH")
  std::string path;                      ///< relative to the hierarchy's root, from '/'
};

/// The entries of a /proc/<pid>/cgroup text; malformed lines are skipped.
std::vector<ProcCgroup> parse_proc_cgroup(const std::string& text);

}  // namespace rkt
