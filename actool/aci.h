#pragma once

// App Container Images (spec/aci.md): a tar archive, optionally compressed, holding `manifest`
// and `rootfs/`. Reading validates the structure and treats the archive as hostile; writing is
// reproducible: the same tree gives the same bytes.

#include <string>

#include "common/error.h"
#include "common/fs.h"
#include "spec/types.h"

namespace rkt::aci {

enum class Compression { None, Gzip, Bzip2, Xz, Zstd };

/// Tells the compression of a file from its first bytes; None for a plain tar or anything else.
Compression detect_compression(const std::string& head);

/// Whether the first bytes look like an image archive (a compressed stream or a tar header).
bool looks_like_archive(const std::string& head);

struct ArchiveContents {
  std::string manifest_json;  ///< the manifest exactly as stored
  spec::ImageManifest manifest;
};

/// Reads and validates an image archive: exactly one `manifest` (a regular file, at most
/// spec::kMaxManifestBytes) that is a valid image manifest, a `rootfs` directory, every other
/// entry under `rootfs/`, no absolute or `..` paths, no duplicates, hard links inside rootfs.
Result<ArchiveContents> read_archive(const std::string& path);

/// Reads only the manifest of an image archive (stopping at it), to learn an image's name
/// before its signature owner is checked. The manifest is validated; the rest is not read.
/// `what` names the image in errors (the path by default).
Result<spec::ImageManifest> read_manifest_only(const std::string& path, const std::string& what = "");

/// Validates an image layout directory (`manifest` and `rootfs/`, nothing else).
Result<spec::ImageManifest> validate_layout(const std::string& dir);

enum class OwnerRoot { No, Yes };

struct WriteOptions {
  Compression compression = Compression::Gzip;
  OwnerRoot owner_root = OwnerRoot::No;
  Overwrite overwrite = Overwrite::No;
};

/// Builds an image from a layout directory. Entries are sorted; uid/gid are numeric (0 with
/// OwnerRoot::Yes), user and group names, access and change times are not stored, mtimes are
/// whole seconds, hard links and extended attributes are kept. The output appears atomically.
Status build(const std::string& layout_dir, const std::string& out, const WriteOptions& options);

/// Copies the image at `in` to `out` with its manifest replaced by `manifest_json` (already
/// validated by the caller). `in` and `out` may be the same path.
Status replace_manifest(const std::string& in, const std::string& out, const std::string& manifest_json,
                        const WriteOptions& options);

}  // namespace rkt::aci
