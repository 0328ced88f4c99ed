#pragma once

// `rkt run` and `rkt prepare` as one library call: fetch (or find) every app's image, build the
// pod manifest from what was asked (or take a given one), choose the stage1 image and prepare
// the pod directory. The command line only turns flags into a PrepareRequest.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "stage0/fetch.h"
#include "stage0/keystore.h"
#include "stage0/pod.h"
#include "stage0/store.h"

namespace rkt::stage0 {

/// Which stage1 image runs the pod, as rkt chooses it: at most one of the flags; none: the one
/// stage1.d names (by name and version from the store, else from its location), else the
/// default. A file in the default stage1 images directory (or the default image) is used as it
/// is; any other location is fetched, with its signature verified as an app image's is.
struct Stage1Choice {
  std::string path;         ///< --stage1-path: an image file
  std::string url;          ///< --stage1-url: a URL (file, http, https, docker) or a path
  std::string from_dir;     ///< --stage1-from-dir: a file name in the stage1 images directory
  std::string name;         ///< --stage1-name: an image in the store, by name
  std::string hash;         ///< --stage1-hash: an image in the store, by ID
  std::string images_dir;   ///< paths.d's "stage1-images"; empty: default_stage1_images_dir()
  Stage1Config configured;  ///< stage1.d's
};

struct PrepareRequest {
  std::string data_dir;
  std::vector<AppRequest> apps;
  std::string pod_manifest;  ///< --pod-manifest: a file to run instead of building one from apps
  PodRequest pod;
  RuntimeConfig runtime;
  Stage1Choice stage1;
  FetchOptions fetch;  ///< for the apps' images; AppRequest::signature applies per app
  bool no_overlay = false;
  std::string uuid_file_save;
};

/// Prepares a pod for the request (locked, in prepare/). Nothing of the pod is left on failure.
Result<PreparedPod> prepare(Store& store, const Keystore& keystore, const PrepareRequest& request);

/// Runs a prepared pod (UUID or unique prefix) in the foreground. The runtime settings given now
/// replace those of prepare time, except that insecure options add to them. Returns only on
/// failure.
Error run_prepared(const std::string& data_dir, const std::string& uuid, RuntimeConfig runtime, bool debug);

/// Resolves an image already in the store: an ID (or a prefix of one) or a name[:version][,labels].
Result<std::string> resolve_image(const Store& store, const std::string& arg);

}  // namespace rkt::stage0
