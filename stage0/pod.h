#pragma once

// Pods from stage0's side: the pod manifest assembled from images and command-line options, the
// pod directory prepared for stage1, and the exec of stage1. See docs/stage-interface.md.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/pod.h"
#include "common/stage1_abi.h"
#include "spec/types.h"
#include "stage0/store.h"

namespace rkt::stage0 {

/// Options of one app, from the flags after its image (or before all images).
struct AppOptions {
  std::string image;
  std::vector<std::string> args;  ///< after "--"
  bool has_args = false;
  std::string exec, name, working_dir, user, group, supplementary_gids;
  std::vector<std::string> environment, mounts, annotations, user_labels, user_annotations;
  bool readonly_rootfs = false;
  std::string memory, cpu, cpu_shares, caps_retain, caps_remove, seccomp, oom_score_adj, signature;
};

/// Options of the pod as a whole.
struct PodOptions {
  std::vector<std::string> volumes;  ///< --volume
  std::vector<std::string> set_env;  ///< --set-env K=V
  std::string set_env_file;
  bool inherit_env = false;
  std::vector<std::string> annotations, user_labels, user_annotations;
};

/// What stage1 needs at run time: the contract's own type.
using RuntimeConfig = stage1_abi::RuntimeConfig;

/// Checks the network choice: host and none; rkt's contained networking is not available.
Status check_network(const std::string& net);

struct ResolvedApp {
  AppOptions options;
  std::string image_key;
};

/// Builds and validates the pod manifest.
Result<spec::PodManifest> build_pod_manifest(const Store& store, const std::vector<ResolvedApp>& apps,
                                             const PodOptions& pod, const std::function<void(const std::string&)>& warn);

struct PreparedPod {
  std::string uuid;
  PodLock lock;
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

/// Moves a prepared pod to run/ and execs its stage1 there. Returns only on failure.
Error exec_stage1(const std::string& data_dir, PreparedPod pod, PodPhase from, bool debug);

}  // namespace rkt::stage0
