#pragma once

// The on-disk pod lifecycle, shared by stage0, stage1 and gc. A pod is a directory
// <dir>/pods/<phase>/<uuid>; its phase is the directory it sits in and changes by rename(2).
// A live pod is a held exclusive flock on <pod>/lock (a regular file, never a directory fd:
// an fd that reaches the host directory must not be able to leak into a container).
//
//   embryo/    created by stage0, being filled
//   prepare/   stage0 is preparing it (locked)
//   prepared/  ready for run-prepared (unlocked)
//   run/       running: locked by stage1 for the pod's whole life; unlocked = exited
//   exited-garbage/, garbage/   marked by gc, removed after the grace period

#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "common/unique_fd.h"

namespace rkt {

enum class PodPhase { Embryo, Prepare, Prepared, Run, ExitedGarbage, Garbage };

const char* phase_dir(PodPhase phase);

/// <data_dir>/pods/<phase>/<uuid>
std::string pod_path(const std::string& data_dir, PodPhase phase, const std::string& uuid);

/// A new random (version 4) UUID in canonical form.
Result<std::string> new_pod_uuid();

enum class LockMode { Exclusive, Shared };
enum class Wait { Yes, No };

/// An flock on <pod>/lock. Its lifetime is the lock's lifetime.
class PodLock {
 public:
  /// Creates the lock file if `create`; Errc::Busy-like failure (EWOULDBLOCK) with Wait::No.
  static Result<PodLock> acquire(const std::string& pod, LockMode mode, Wait wait, bool create = false);

  int fd() const { return fd_.get(); }
  /// Hands the fd on across execve: clears FD_CLOEXEC and gives up ownership.
  int release_to_exec();

 private:
  explicit PodLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

/// Whether a pod's lock is held by a live process (probes with a non-blocking shared lock).
Result<bool> pod_is_locked(const std::string& pod);

/// Renames the pod from one phase directory to another (creating the target phase directory).
/// With Durability::Sync, as rkt at each transition a command reports: the pod's files are flushed
/// first and the new name is made durable after, so a power cut leaves the pod complete in its new
/// phase or untouched in its old one.
Status move_pod(const std::string& data_dir, const std::string& uuid, PodPhase from, PodPhase to,
                Durability durability = Durability::NoSync);

struct PodRef {
  std::string uuid;
  PodPhase phase;
  std::string path;
};

/// Finds a pod by its UUID or a unique prefix of it, in any phase.
Result<PodRef> find_pod(const std::string& data_dir, const std::string& uuid_prefix);

/// Every pod on disk.
Result<std::vector<PodRef>> list_pods(const std::string& data_dir);

/// What `rkt list` and `rkt status` call a pod: its phase, refined by whether it is locked.
/// rkt's pod states. Deleting and ExitedDeleting are garbage whose lock a collector (gc, rm)
/// holds while it removes the pod.
enum class PodState {
  Embryo,
  Preparing,
  AbortedPrepare,
  Prepared,
  Running,
  Exited,
  ExitedGarbage,
  ExitedDeleting,
  Garbage,
  Deleting
};

const char* state_name(PodState state);

/// The state of a pod, probing its lock once (an error when the probe fails: never a guess).
/// `locked`, when given, receives what the probe saw.
Result<PodState> pod_state(const PodRef& pod, bool* locked = nullptr);

/// Whether the pod is in a state where it may still have processes (running or preparing).
bool is_live(PodState state);

}  // namespace rkt
