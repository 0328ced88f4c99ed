#pragma once

// The rules every reader of an App Container Image archive applies to its entries, in one place
// for actool (validate, cat-manifest, patch) and stage0's extraction alike. Entries are hostile:
// a name is split into components without trusting it (no absolute paths, no ".."), and only
// `manifest`, `rootfs` and what is under `rootfs/` may be in an image. Errors name the image
// (`what`, already quoted) and the entry.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::aci {

struct ImageEntry {
  enum class Kind { Manifest, Rootfs, InRootfs } kind;
  std::string name;               ///< normalized: "manifest", "rootfs", "rootfs/etc/passwd"
  std::vector<std::string> path;  ///< for InRootfs: the components below rootfs
};

/// Classifies a tar entry name (null for an entry without one).
Result<ImageEntry> classify_entry(const char* raw_name, const std::string& what);

/// The path below rootfs that a hard link entry `entry` points to; refused unless it is inside.
Result<std::vector<std::string>> hard_link_target(const char* link, const std::string& entry, const std::string& what);

/// The manifest entry must be a regular file of at most spec::kMaxManifestBytes. `type` is the
/// entry's file type (AE_IFREG for a regular file, which is S_IFREG).
Status check_manifest_entry(mode_t type, int64_t size, const std::string& what);

}  // namespace rkt::aci
