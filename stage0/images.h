#pragma once

// The `rkt image` operations over the store that are more than one Store call: JSON listing,
// export (streamed), extract and render to a directory, and image gc.

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "stage0/store.h"

namespace rkt::stage0 {

/// "name:version", as rkt shows an image.
std::string display_name(const spec::ImageManifest& m);

/// rkt's JSON of `rkt image list --format=json`.
std::string images_json(const std::vector<ImageInfo>& images, bool pretty);

/// Writes the image's stored tar to `out`, streamed (never whole in memory); `out` appears
/// complete or not at all.
Status export_image(const Store& store, const std::string& key, const std::string& out, bool overwrite);

/// Writes the image's tree into `dir` (its rootfs/ and manifest, or the root filesystem alone),
/// with its dependencies applied (render) or only its own files (extract). Nothing is left on
/// failure.
struct UnpackOptions {
  bool render = false;
  bool rootfs_only = false;
  bool overwrite = false;
};
Status unpack_image(const Store& store, const std::string& key, const std::string& dir, const UnpackOptions& options);

struct ImageGcReport {
  std::vector<std::string> removed;  ///< image keys
  size_t swept = 0;                  ///< unreferenced store entries removed
};

/// Removes images not used for `grace_period_ns`, except those that pods use, the stage1 image
/// and what kept images depend on; then sweeps what no index record refers to.
Result<ImageGcReport> collect_images(Store& store, const std::string& data_dir, int64_t grace_period_ns);

}  // namespace rkt::stage0
