#pragma once

// Garbage collection of pods, with no daemon: the phase of a pod is the directory it sits in and
// a live pod holds its lock, so gc only probes locks and renames. Exited pods (unlocked in run/)
// are marked into exited-garbage/, failed prepares and expired prepared pods into garbage/;
// after the grace period each is locked, what stage1 left on the host (cgroups, mounts) is
// removed, then its files. Every step is a rename or an idempotent removal: gc can be killed at
// any point and run again, and two gc at once never remove a pod twice.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/pod.h"

namespace rkt::gc {

struct Options {
  int64_t grace_period_ns = int64_t{30} * 60 * 1000000000;       ///< --grace-period (30m)
  int64_t expire_prepared_ns = int64_t{24} * 3600 * 1000000000;  ///< --expire-prepared (24h)
  bool mark_only = false;                                        ///< --mark-only
  /// Called for each pod about to be torn down (the metadata service's unregistration: stage0's,
  /// so that gc needs no client of its own). Pods are swept by several threads at once: it is
  /// called from any of them.
  std::function<void(const PodRef&)> before_teardown;
};

struct Report {
  struct Marked {
    std::string uuid;
    PodState from;  ///< Exited, AbortedPrepare, Embryo, or Prepared (expired)
  };
  std::vector<Marked> marked;        ///< pods moved to a garbage phase
  std::vector<std::string> removed;  ///< UUIDs whose files are gone
  std::vector<std::string> errors;   ///< one message per pod that could not be handled
};

/// One gc pass over the data directory.
Result<Report> collect(const std::string& data_dir, const Options& options);

/// Removes a pod that no process holds (rkt rm): what stage1 left on the host, then its files.
/// The pod must be in a non-running state; running pods are refused.
Status remove_pod(const std::string& data_dir, const PodRef& pod,
                  const std::function<void(const PodRef&)>& before_teardown = {});

}  // namespace rkt::gc
