#pragma once

// The content-addressed image store under <dir>/cas, with rkt's layout where it matters:
//   blob/sha512/<2 hex>/sha512-<64 hex>            the uncompressed image tar
//   imageManifest/sha512/<2 hex>/sha512-<64 hex>   its manifest
//   tree/deps-sha512-<64 hex>/rootfs               the rendered tree (dependencies applied)
//   index/<key>                                    the commit record: import time, size and,
//                                                  for an image without dependencies, its tree's ID
//   name/<name, '/' as "%2f">/<key>                its name and labels, for lookups by name (an
//                                                  index, built from the manifests when missing)
//   lastused/<key>                                 its mtime is the last use
//   remote/<url, escaped>                          what a URL gave last time (ETag, max-age); the
//                                                  SHA-256 of the URL names the record of a long one
//   layer/<algorithm>/<hex>                        a registry's layer blob, by its digest
//   layertree/<sha256 hex>                         a tree of layers applied, by the chain ID of
//                                                  those layers (hard links, never written in place)
//   layerref/<key>                                 the layer blobs and layer trees the image was
//                                                  made from ("sha256:<hex>", "tree:<hex>")
//   tmp/                                           staging, on the same filesystem
// The key is "sha512-" and the first 64 hex digits of the SHA-512 of the uncompressed tar.
//
// Crash consistency without a database: every file is written to tmp/ and renamed into place,
// and the index record is written last. An image is in the store when its index record is;
// anything else a SIGKILL leaves behind is unreferenced and removed by `rkt image gc`. Two
// processes importing the same image rename identical content onto the same names: one blob.
// The name record is written before the index record, and removed after it: every image in the
// store has one, and one whose image is not (a crash) is skipped, then swept.
//
// Commands that start pods read the store without loading libcrypto or libarchive: the name
// index finds an image by name without parsing every manifest, the index record holds the tree
// ID that would otherwise be hashed, and each record is read once per process (info() caches).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "spec/types.h"
#include "stage0/extract.h"

namespace rkt::stage0 {

struct ImageInfo {
  std::string key;
  spec::ImageManifest manifest;
  int64_t import_time_ns = 0;
  int64_t last_used_ns = 0;
  uint64_t size = 0;          ///< of the uncompressed tar
  std::string tree_id;        ///< of an image without dependencies, as recorded at import ("": not recorded)
  std::string manifest_json;  ///< the manifest's bytes, as stored
};

struct RemoteInfo {
  std::string url;
  std::string signature_url;
  std::string etag;
  std::string key;
  int64_t max_age_s = 0;
  int64_t download_time_ns = 0;
};

class Store {
 public:
  /// Opens (creating as needed) the store under the rkt data directory `data_dir`.
  static Result<Store> open(const std::string& data_dir);

  /// Imports an image file of any supported compression, in one streaming pass: decompress,
  /// hash, write the blob and extract the tree. Returns the key. Nothing is left behind on
  /// failure. `what` names the image in errors.
  Result<std::string> import(const std::string& path, const std::string& what);
  /// What an imported file is to the store: the caller's, or a copy rkt made in the staging
  /// directory (a download, the copy of a verified source, a converted image), which import
  /// empties once read, so that the commit's flush does not write out a file about to go.
  enum class Input { Kept, Scratch };
  /// The same from an open file, read once from its current offset: the bytes hashed, stored
  /// and unpacked are the bytes read. Works for pipes and FIFOs. `added`, when given, tells
  /// whether the image is new to the store (false: it was stored already). A Scratch input
  /// must be open for writing.
  Result<std::string> import(int fd, const std::string& what, bool* added = nullptr, Input input = Input::Kept);

  /// Copies an image source (read once, from its current offset) into the store's staging
  /// directory, which only rkt writes, so that the signature is checked on, and the image
  /// imported from, the very same bytes. Bounded by `limits.max_bytes`.
  Result<TempFile> copy_in(int fd, const std::string& what) const;
  /// The store's staging directory (only rkt writes there; on the store's filesystem), with the
  /// staging lock held (see hold_staging).
  Result<std::string> staging_dir() const;
  /// Takes the staging lock, shared, for the rest of this process (it is not inherited across
  /// exec): while any process holds it, sweep() (image gc) leaves staging_dir() and the files of
  /// imports not yet indexed alone. Everything that stages takes it first.
  Status hold_staging() const;

  /// Renders the tree of `key` with its dependencies (which must be in the store) and returns
  /// the tree directory (holding rootfs/). Already rendered trees are returned as they are.
  Result<std::string> render(const std::string& key);

  enum class WithDependencies { No, Yes };
  /// Writes the image's tree into the empty directory `rootfs` (with its dependencies and
  /// pathWhitelist applied, or the image's own files only).
  Status unpack_to(const std::string& key, const std::string& rootfs, WithDependencies deps) const;

  /// Re-hashes the blob of `key` and checks that it still matches the key.
  Status verify(const std::string& key) const;

  /// Resolves a full key or an unambiguous prefix of one ("sha512-0123abcd").
  Result<std::string> resolve(const std::string& id) const;

  /// The most recently imported image named `name` whose labels include all of `labels` (an
  /// image without os or arch labels matches any). Reads the name index: only that name's records.
  Result<std::optional<std::string>> find(const std::string& name, const spec::Labels& labels) const;

  /// The image's records, read once per Store (later calls answer from memory).
  Result<ImageInfo> info(const std::string& key) const;
  Result<std::vector<ImageInfo>> list() const;

  /// Removes an image: index record first, then its blob, manifest and trees.
  Status remove(const std::string& key);

  /// Records a use of the image (for `image list` and `image gc`).
  void touch(const std::string& key) const;

  std::string blob_path(const std::string& key) const;
  std::string manifest_path(const std::string& key) const;
  /// The tree directory of an image that has no dependencies, or of its dependency chain.
  Result<std::string> tree_dir(const std::string& key) const;
  const std::string& cas() const { return cas_; }

  Result<std::optional<RemoteInfo>> remote(const std::string& url) const;
  Status put_remote(const RemoteInfo& info) const;

  /// Where registry layer blobs are kept by digest (<algorithm>/<hex>), so that an update of an
  /// image downloads only the layers it does not have. Blobs are linked in from staging_dir()
  /// after their digest is checked, and checked again when used.
  std::string layer_cache() const { return cas_ + "/layer"; }
  /// Where the trees of layers applied are kept by their chain ID (hex), so that an update of an
  /// image's top layers applies only those; on the staging directory's filesystem.
  std::string layer_trees() const { return cas_ + "/layertree"; }
  /// Records the layer blobs ("sha256:<hex>") and layer trees ("tree:<hex>") image `key` was made
  /// from: they are kept while it is.
  Status put_layer_refs(const std::string& key, const std::vector<std::string>& digests) const;

  /// Removes what no index record refers to: staging leftovers, blobs, manifests, trees and
  /// layer blobs. Returns the number of entries removed; 0, removing nothing, while another
  /// process stages (holds the staging lock).
  Result<size_t> sweep();

  ExtractLimits limits;

 private:
  explicit Store(std::string cas) : cas_(std::move(cas)) {}
  Result<std::vector<std::string>> render_order(const std::string& key) const;
  Result<std::string> tree_id(const std::vector<std::string>& chain) const;
  /// tree_id, or the ID recorded at import for an image without dependencies.
  Result<std::string> chain_tree_id(const std::vector<std::string>& chain) const;
  std::string name_dir(const std::string& name) const;
  Status put_name_record(const std::string& key, const spec::ImageManifest& manifest) const;
  /// Builds name/ from every image's manifest, for a store written before the index existed.
  Status build_name_index() const;
  std::string remote_path(const std::string& url) const;
  Status unpack_chain(const std::vector<std::string>& order, const std::string& key, const std::string& rootfs) const;
  /// Removes layer blobs and trees that no image's layerref record names (and records of removed
  /// images).
  Result<size_t> sweep_layers() const;

  /// The staging lock, exclusive without waiting; an invalid fd when another process stages.
  Result<UniqueFd> lock_out_staging() const;

  std::string cas_;
  mutable UniqueFd staging_lock_;
  mutable std::map<std::string, ImageInfo> infos_;
};

/// The short form of a key shown to users: "sha512-" and 12 hex digits.
std::string short_key(const std::string& key);

/// Lowercase hex SHA-512 / SHA-256 of a string.
std::string sha512_hex(const std::string& data);
std::string sha256_hex(const std::string& data);

}  // namespace rkt::stage0
