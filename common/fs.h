#pragma once

// Small file helpers shared by every stage. They return errors naming the file at fault.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

namespace rkt {

/// Reads a whole regular file, refusing files larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, size_t max_bytes);

enum class Overwrite { No, Yes };
/// Sync: the data is on disk before the rename (store records). NoSync: only the rename is atomic
/// (files that a crash makes moot anyway, such as those of a pod being prepared).
enum class Durability { Sync, NoSync };

/// Writes `data` to a temporary file beside `path` and renames it into place, so a reader sees
/// either the old file or the complete new one. With Durability::Sync the file and then its
/// directory are fsynced: once this returns, the new file survives a power cut. With
/// Overwrite::No an existing `path` is an AlreadyExists error and is left untouched.
Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode, Overwrite overwrite,
                         Durability durability = Durability::Sync);

/// Makes the names created, renamed or removed in directory `dir` durable (fsync of the directory).
Status sync_dir(const std::string& dir);
/// Flushes everything written to the filesystem that holds `path` (syncfs): one call that makes a
/// whole tree of files durable, such as a rendered image or a prepared pod, before a rename
/// publishes it.
Status sync_filesystem(const std::string& path);

/// Creates a directory and its missing parents (like mkdir -p).
Status make_dirs(const std::string& path, mode_t mode);

/// Removes a directory tree without following symlinks or crossing into other mounts.
/// A missing path is not an error.
Status remove_tree(const std::string& path);

/// Opens `path` as seen from inside the directory `root_fd` (openat2 with RESOLVE_IN_ROOT):
/// "..", absolute symlinks and absolute paths all stay inside that root, and magic links such
/// as /proc/self/fd/N are refused. For paths inside an image or app rootfs (hostile content).
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, mode_t mode = 0);

/// Copies the contents of the directory `src_dir` into the directory `dst_dir`, both open,
/// without following any symlink: directories, regular files (their bytes), symlinks (as
/// symlinks) and FIFOs, each with its owner, mode and modification time; sockets and device
/// nodes are left out. Hard links become separate files. `what` names the source in errors.
Status copy_tree(int src_dir, int dst_dir, const std::string& what);
/// The same, but every regular file, symlink and FIFO is a hard link to the source's (both on
/// one filesystem), so only directories are new: neither tree may then be written in place,
/// only by replacing names. `bytes` and `entries`, when given, get the size of the regular files
/// and the number of entries linked or made.
Status link_tree(int src_dir, int dst_dir, const std::string& what, uint64_t* bytes = nullptr,
                 uint64_t* entries = nullptr);

/// Owns a file name and unlinks it once, unless released. Move-only.
class TempFile {
 public:
  TempFile() = default;
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(TempFile&& o) noexcept : path_(std::exchange(o.path_, {})) {}
  TempFile& operator=(TempFile&& o) noexcept {
    if (this != &o) {
      reset();
      path_ = std::exchange(o.path_, {});
    }
    return *this;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { reset(); }

  const std::string& path() const { return path_; }
  void reset();
  /// Keeps the file (it was renamed into place): the destructor no longer unlinks it.
  void release() { path_.clear(); }

 private:
  std::string path_;
};

/// Copies what remains of the open file `src_fd` (a regular file, a pipe or a FIFO: it is read
/// once, from its current offset to its end) into a new file in `dir` that only this process
/// created (O_EXCL, mode 0600), refusing more than `max_bytes`. The copy is what the caller
/// verifies and uses, so a source that others can replace or rewrite cannot change under it.
/// `what` names the source in errors.
Result<TempFile> copy_to_private_file(int src_fd, const std::string& dir, uint64_t max_bytes, const std::string& what);

/// Reads what remains of an open file, refusing more than `max_bytes`.
Result<std::string> read_fd(int fd, size_t max_bytes, const std::string& what);

/// The names in a directory, sorted, without "." and ".."; a missing directory is empty.
Result<std::vector<std::string>> list_directory(const std::string& dir);

/// Splits at every `sep` ("a,,b" gives "a", "", "b").
std::vector<std::string> split(const std::string& s, char sep);

/// Splits a relative path from hostile input (a tar entry name) into its components, dropping
/// empty and "." ones. False, with *why set, when it is absolute or has a ".." component.
bool split_relative_path(const std::string& path, std::vector<std::string>* parts, std::string* why);

/// A random suffix (16 hex digits) for a temporary name; creating it with O_EXCL still decides.
std::string random_suffix();

/// Bytes as lowercase hex digits.
std::string to_hex(const unsigned char* data, size_t n);

/// Quotes a string for an error message: "like this", with control bytes escaped.
std::string quote(const std::string& s);

}  // namespace rkt
