#pragma once

// actool patch-manifest: edits of an image manifest, as appc's actool and rkt's tests use them.

#include <string>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::aci {

struct PatchOptions {
  std::string manifest_file_json;  ///< --manifest: replace the whole manifest (no other edit)
  std::string name;                ///< --name
  std::string exec;                ///< --exec: split at spaces
  std::string user;                ///< --user
  std::string group;               ///< --group
  std::string supplementary_gids;  ///< --supplementary-groups: comma-separated
  std::string capability;          ///< --capability: retain set, comma-separated
  std::string revoke_capability;   ///< --revoke-capability: remove set, comma-separated
  std::string mounts;              ///< --mounts: name=N,path=P[,readOnly=B] separated by ':'
  std::string ports;               ///< --ports: name=N,protocol=P,port=N[,count=N][,socketActivated=B] by ':'
  std::string isolators;           ///< --isolators: NAME[,key=value...] separated by ':'
  std::string seccomp_mode;        ///< --seccomp-mode: retain|remove[,errno=E]
  std::string seccomp_set;         ///< --seccomp-set: comma-separated syscalls
};

/// Applies the edits to `m` and returns the new manifest as JSON, validated.
Result<std::string> patch_manifest(spec::ImageManifest m, const PatchOptions& opts);

}  // namespace rkt::aci
