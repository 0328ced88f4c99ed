#pragma once

// Extraction of an image's rootfs from its tar stream, treating every entry as hostile. Runs in
// stage0, on the host, into a private staging directory.
//
// Policy:
//   - entry names are relative to the image root; absolute names and ".." are refused;
//   - nothing is ever created or written through a symlink: every parent directory is opened
//     component by component with O_NOFOLLOW, so a symlink planted by an earlier entry (or a
//     dependency) cannot redirect a later one; the final component is created with O_EXCL;
//   - hard links must point at an earlier non-directory entry inside the same root;
//   - character and block devices are not created (the pod gets its own /dev); FIFOs are;
//   - owners, modes (setuid and setgid included), mtimes and extended attributes are kept when
//     running as root; otherwise files belong to the caller and setuid/setgid bits are dropped;
//   - the total size of file data and the number of entries are bounded, so a decompression
//     bomb ends in an error rather than a full disk.

#include <archive.h>

#include <cstdint>
#include <functional>
#include <string>

#include "common/error.h"

namespace rkt::stage0 {

struct ExtractLimits {
  uint64_t max_bytes = uint64_t{64} << 30;
  uint64_t max_entries = 4'000'000;
  std::string max_bytes_reason;  ///< why max_bytes is what it is, for the error (empty: the default)

  std::string bytes_exceeded() const {
    return "unpacked size exceeds the limit of " + std::to_string(max_bytes) + " bytes" +
           (max_bytes_reason.empty() ? "" : " (" + max_bytes_reason + ")");
  }
};

struct ExtractStats {
  uint64_t bytes = 0;
  uint64_t entries = 0;
  uint64_t skipped_devices = 0;
};

/// Called for the `manifest` entry with its bytes (at most spec::kMaxManifestBytes).
using ManifestSink = std::function<Status(std::string)>;

/// Reads every entry of the open tar `a` and recreates `rootfs/...` under the directory
/// `root_fd`. Entries outside rootfs/ other than `manifest` are refused. `what` names the image
/// in errors. On error the root may hold a partial tree: the caller owns it and removes it.
Status extract_rootfs(archive* a, int root_fd, const std::string& what, const ExtractLimits& limits,
                      const ManifestSink& manifest, ExtractStats* stats);

/// Applies one OCI/Docker layer, the open tar `a`, over the tree under `root_fd` (which holds
/// the layers below), with the policy above and the layer rules of the OCI image spec: names are
/// relative to the image root ("./" and "/" prefixes allowed); an entry replaces what a lower
/// layer had at its path (a directory over a directory keeps its children); ".wh.NAME" removes
/// NAME of the lower layers and "DIR/.wh..wh..opq" every lower child of DIR, wherever they come
/// in the tar, never what this layer adds; a path twice in one layer is an error; hard links may
/// point at files of lower layers.
Status apply_layer(archive* a, int root_fd, const std::string& what, const ExtractLimits& limits, ExtractStats* stats);

}  // namespace rkt::stage0
