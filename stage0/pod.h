#pragma once

// Pods from stage0's side: the pod manifest assembled from images and command-line options, the
// pod directory prepared for stage1, and the exec of stage1. See docs/stage-interface.md.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/pod.h"
#include "common/stage1_abi.h"
#include "spec/types.h"
#include "stage0/store.h"

namespace rkt::stage0 {

/// What is asked of one app, typed: the image to run and what replaces the image's own settings.
/// Empty or absent members keep what the image says.
struct AppRequest {
  std::string image;                             ///< as the user gave it: a file, URL, name or ID (see parse_image_ref)
  std::string signature;                         ///< the image's signature file, when the image is a file
  std::string name;                              ///< the app's name in the pod; empty: from the image's name
  std::string exec;                              ///< replaces exec[0]; must be absolute
  std::optional<std::vector<std::string>> args;  ///< replace exec[1:]
  std::string working_dir, user, group;
  std::optional<std::vector<int64_t>> supplementary_gids;
  spec::Environment environment;  ///< over every other source
  struct Mount {
    std::string volume, target;
  };
  std::vector<Mount> mounts;
  bool readonly_rootfs = false;
  /// Replace the image's isolators of the same kind (a capability or seccomp set replaces both
  /// its retain and remove forms).
  spec::Isolators isolators;
  spec::Annotations annotations;
  std::map<std::string, std::string> user_labels, user_annotations;
};

/// What is asked of the pod as a whole.
struct PodRequest {
  std::vector<spec::Volume> volumes;
  spec::Environment inherited_environment;  ///< below the images' own (--inherit-env)
  spec::Environment environment;            ///< over the images' own (--set-env-file, --set-env)
  std::map<std::string, std::string> user_labels, user_annotations;
  std::vector<spec::ExposedPort> ports;  ///< host ports forwarded to apps' ports (--port)
};

/// What stage1 needs at run time: the contract's own type.
using RuntimeConfig = stage1_abi::RuntimeConfig;

/// Checks the network list (rkt's --net syntax; see stage1_abi::parse_net_list).
Status check_network(const std::string& net);

struct ResolvedApp {
  AppRequest request;
  std::string image_key;
};

/// Builds and validates the pod manifest from the images in the store and what was asked.
Result<spec::PodManifest> build_pod_manifest(const Store& store, const std::vector<ResolvedApp>& apps,
                                             const PodRequest& pod,
                                             const std::function<void(const std::string&)>& warn);

struct PreparedPod {
  std::string uuid;
  PodLock lock;
  /// The stage1 run entrypoint relative to the pod directory (it stays valid when the pod moves
  /// to run/); empty: exec_stage1 looks it up in the pod's stage1 manifest.
  std::string run_entry = {};
  /// Non-empty: the pod registers with the metadata service under this token (--mds-register)
  /// before stage1 starts; the runtime configuration carries the same token.
  std::string mds_token = {};
};

struct PrepareOptions {
  std::string data_dir;
  std::string stage1_image;  ///< path of the stage1 ACI (used when stage1_key is empty)
  std::string stage1_key;    ///< a stage1 image already in the store
  bool no_overlay = false;
  std::string uuid_file_save;
};

/// Creates the pod directory in prepare/ (locked), filled for stage1. On failure nothing of the
/// pod is left.
Result<PreparedPod> prepare_pod(Store& store, const spec::PodManifest& manifest, const RuntimeConfig& rc,
                                const PrepareOptions& options);

/// The stage1 image rkt uses by default: beside the binary in a build tree, else installed.
std::string default_stage1_image();
/// Where the installed stage1 images are (the default image's directory).
std::string default_stage1_images_dir();

/// Moves a prepared pod to run/ and execs its stage1 there. Returns only on failure.
Error exec_stage1(const std::string& data_dir, PreparedPod pod, PodPhase from, bool debug);

/// Starts, on a thread, the wait that stage1's first move of a process into a cgroup would
/// otherwise make in the middle of a pod's start: a write to `cgroup.procs` waits for an RCU grace
/// period (the kernel's cgroup_threadgroup_rwsem, 10 to 30 ms on an idle VM), and moves made
/// within a grace period of an earlier one's end do not wait. The thread moves this process into
/// the cgroup it is already in (no change on the host), so the wait overlaps stage0's work;
/// exec_stage1 joins it before stage1 starts. Best effort: nothing is reported.
void start_cgroup_grace_period();

}  // namespace rkt::stage0
