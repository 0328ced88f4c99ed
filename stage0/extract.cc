#include "stage0/extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actool/image_rules.h"
#include "common/fs.h"
#include "common/libarchive.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"

namespace rkt::stage0 {
namespace {

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

// A name inside a layer: relative to the image root, "./" and "/" prefixes allowed.
Result<std::vector<std::string>> layer_path(const char* raw_name, const std::string& what, const char* role) {
  std::string raw = raw_name ? raw_name : "";
  size_t start = raw.find_first_not_of('/');
  std::vector<std::string> parts;
  std::string why;
  if (start == std::string::npos || !split_relative_path(raw.substr(start), &parts, &why)) {
    if (why.empty()) why = "empty path";
    return Error(Errc::UnsafePath, "image " + what + ": " + role + " " + quote(raw) + ": " + why);
  }
  return parts;
}

class Extractor {
 public:
  Extractor(archive* a, int root_fd, const std::string& what, const ExtractLimits& limits, ExtractStats* stats,
            bool layer = false)
      : a_(a), root_(root_fd), what_(what), limits_(limits), stats_(stats), as_root_(::geteuid() == 0), layer_(layer) {}

  // One OCI/Docker layer over what the lower layers left (extract.h, apply_layer).
  Status run_layer() {
    archive_entry* e;
    for (;;) {
      auto more = next(&e);
      RKT_TRY(more);
      if (!*more) break;
      const char* raw = archive_entry_pathname(e);
      std::string name = raw ? raw : "";
      size_t first = name.find_first_not_of('/');
      if (first == std::string::npos || name.substr(first) == "." || name.substr(first) == "./") {
        continue;  // the layer's root itself
      }
      auto parts = layer_path(raw, what_, "entry");
      RKT_TRY(parts);
      std::string joined = join(*parts, parts->size());
      const std::string& leaf = parts->back();
      if (leaf.rfind(".wh.", 0) == 0) {
        RKT_TRY(whiteout(*parts, joined));
        continue;
      }
      if (!this_layer_.insert(joined).second && archive_entry_filetype(e) != AE_IFDIR) {
        return fail(Errc::InvalidImage, "entry " + quote(joined) + " appears twice in one layer");
      }
      RKT_TRY(add(e, *parts, joined));
    }
    return finish_directories();
  }

  Status run(const ManifestSink& manifest) {
    archive_entry* e;
    for (;;) {
      auto more = next(&e);
      RKT_TRY(more);
      if (!*more) break;
      auto entry = aci::classify_entry(archive_entry_pathname(e), what_);
      RKT_TRY(entry);
      if (entry->kind == aci::ImageEntry::Kind::Manifest) {
        RKT_TRY(read_manifest(e, manifest));
        continue;
      }
      RKT_TRY(add(e, entry->path, entry->name));
    }
    if (!seen_manifest_) return fail(Errc::InvalidImage, "no manifest");
    return finish_directories();
  }

 private:
  // The next entry's header, counted against the limit; false at the end.
  Result<bool> next(archive_entry** e) {
    int rc = archive_read_next_header(a_, e);
    if (rc == ARCHIVE_EOF) return false;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return archive_fail("reading");
    if (++stats_->entries > limits_.max_entries) {
      return fail(Errc::InvalidImage, "more than " + std::to_string(limits_.max_entries) + " entries");
    }
    return true;
  }

  Error fail(Errc code, const std::string& msg) { return Error(code, "image " + what_ + ": " + msg); }
  Error archive_fail(const std::string& doing) {
    const char* m = archive_error_string(a_);
    return fail(Errc::InvalidImage, doing + ": " + (m ? m : "archive error"));
  }

  Status read_manifest(archive_entry* e, const ManifestSink& sink) {
    if (seen_manifest_) return fail(Errc::InvalidImage, "duplicate entry \"manifest\"");
    seen_manifest_ = true;
    RKT_TRY(aci::check_manifest_entry(archive_entry_filetype(e), archive_entry_size(e), what_));
    std::string text(static_cast<size_t>(archive_entry_size(e)), '\0');
    la_ssize_t n = archive_read_data(a_, text.data(), text.size());
    if (n < 0 || static_cast<size_t>(n) != text.size()) return archive_fail("reading the manifest");
    return sink(std::move(text));
  }

  // Removes `name` in `dir` and, for a directory, all below it, following no symlink.
  Status remove_at(int dir, const std::string& name, const std::string& entry) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return ok();
      return sys_error("image " + what_ + ": reading " + quote(entry));
    }
    if (!S_ISDIR(st.st_mode)) {
      if (::unlinkat(dir, name.c_str(), 0) != 0) return sys_error("image " + what_ + ": removing " + quote(entry));
      return ok();
    }
    RKT_TRY(remove_tree("/proc/self/fd/" + std::to_string(dir) + "/" + name));
    return ok();
  }

  // ".wh.NAME" removes NAME of the lower layers; "DIR/.wh..wh..opq" every lower child of DIR.
  // What this layer itself adds is never removed by its own whiteouts.
  Status whiteout(const std::vector<std::string>& parts, const std::string& joined) {
    parent_cache_.reset();  // it may remove any directory
    const std::string& leaf = parts.back();
    if (leaf != ".wh..wh..opq" && (leaf.size() == 4 || leaf == ".wh.." || leaf == ".wh...")) {
      return fail(Errc::InvalidImage, "whiteout " + quote(joined) + " names nothing");
    }
    std::vector<std::string> parent(parts.begin(), parts.end() - 1);
    std::string parent_path = join(parent, parent.size());
    auto dir = open_dir(parent, parent.size(), joined, false);
    if (!dir && dir.error().code() == Errc::NotFound) return ok();  // nothing below to hide
    RKT_TRY(dir);
    auto in_layer = [&](const std::string& child) {
      return this_layer_.count(parent_path.empty() ? child : parent_path + "/" + child) != 0;
    };
    if (leaf == ".wh..wh..opq") {
      auto children = list_directory("/proc/self/fd/" + std::to_string(dir->get()));
      RKT_TRY(children);
      for (const auto& c : *children) {
        if (!in_layer(c)) RKT_TRY(remove_at(dir->get(), c, parent_path.empty() ? c : parent_path + "/" + c));
      }
      return ok();
    }
    std::string target = leaf.substr(4);
    if (target.empty() || target == "." || target == "..") {
      return fail(Errc::InvalidImage, "whiteout " + quote(joined) + " names nothing");
    }
    if (in_layer(target)) return ok();
    return remove_at(dir->get(), target, parent_path.empty() ? target : parent_path + "/" + target);
  }

  // Opens (creating when missing) the directory parts[0..n) under the root, refusing symlinks.
  // Without `create`, a missing directory is a NotFound error.
  Result<UniqueFd> open_dir(const std::vector<std::string>& parts, size_t n, const std::string& entry,
                            bool create = true) {
    UniqueFd cur(::fcntl(root_, F_DUPFD_CLOEXEC, 0));
    if (!cur.valid()) return sys_error("duplicating the root fd");
    for (size_t i = 0; i < n; ++i) {
      const char* c = parts[i].c_str();
      int fd = ::openat(cur.get(), c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && !create) return Error(Errc::NotFound, "no directory " + quote(entry));
      if (fd < 0 && errno == ENOENT) {
        if (::mkdirat(cur.get(), c, 0755) != 0 && errno != EEXIST) {
          return sys_error("image " + what_ + ": creating " + quote(join(parts, i + 1)));
        }
        fd = ::openat(cur.get(), c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd < 0) {
        if (errno == ELOOP || errno == ENOTDIR) {
          return fail(Errc::UnsafePath, "entry " + quote(entry) + ": " + quote(join(parts, i + 1)) +
                                            " is a symlink or not a directory; nothing is written through it");
        }
        return sys_error("image " + what_ + ": opening " + quote(join(parts, i + 1)));
      }
      cur.reset(fd);
    }
    return cur;
  }

  // Makes room for a new entry called `name` in `dir`: an existing non-directory is replaced.
  Status clear_slot(int dir, const std::string& name, bool new_is_dir, const std::string& entry, bool* exists_as_dir) {
    struct stat st {};
    *exists_as_dir = false;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return ok();
      return sys_error("image " + what_ + ": reading " + quote(entry));
    }
    if (S_ISDIR(st.st_mode)) {
      if (new_is_dir) {
        *exists_as_dir = true;
        return ok();
      }
      // A layer replaces what a lower layer made, directories too; one image does not.
      if (layer_) return remove_at(dir, name, entry);
      return fail(Errc::InvalidImage, "entry " + quote(entry) + " would replace a directory");
    }
    if (::unlinkat(dir, name.c_str(), 0) != 0) return sys_error("image " + what_ + ": replacing " + quote(entry));
    return ok();
  }

  Status add(archive_entry* e, const std::vector<std::string>& parts, const std::string& entry) {
    mode_t type = archive_entry_filetype(e);
    mode_t mode = archive_entry_perm(e);
    if (!as_root_) mode &= ~static_cast<mode_t>(S_ISUID | S_ISGID);
    if (parts.empty()) {  // "rootfs" itself
      if (type != AE_IFDIR) return fail(Errc::InvalidImage, "rootfs is not a directory");
      dirs_.push_back({{}, e_meta(e, mode)});
      return ok();
    }
    // The parent directory of the last entry is kept open: most entries are in the same one as
    // the entry before (an ACI lists a directory's files together), and opening it again walks
    // every component of its path. An entry at or above that directory (which may replace it)
    // drops it.
    std::string key = join(parts, parts.size() - 1);
    std::string self = join(parts, parts.size());
    if (parent_cache_ && (cached_key_ == self || cached_key_.rfind(self + "/", 0) == 0)) parent_cache_.reset();
    if (!parent_cache_ || cached_key_ != key) {
      parent_cache_.reset();
      auto opened = open_dir(parts, parts.size() - 1, entry);
      RKT_TRY(opened);
      parent_cache_ = std::make_unique<UniqueFd>(std::move(*opened));
      cached_key_ = key;
    }
    int pfd = parent_cache_->get();
    const std::string& leaf = parts.back();
    const char* c = leaf.c_str();

    if (const char* link = archive_entry_hardlink(e)) {
      auto target = layer_ ? layer_path(link, what_, "hard link target") : aci::hard_link_target(link, entry, what_);
      RKT_TRY(target);
      const std::vector<std::string>& tparts = *target;
      auto tdir = open_dir(tparts, tparts.size() - 1, link);
      RKT_TRY(tdir);
      struct stat tst {};
      if (::fstatat(tdir->get(), tparts.back().c_str(), &tst, AT_SYMLINK_NOFOLLOW) != 0) {
        return fail(Errc::InvalidImage,
                    "hard link " + quote(entry) + " points to " + quote(link) + ", which does not exist");
      }
      if (S_ISDIR(tst.st_mode)) return fail(Errc::UnsafePath, "hard link " + quote(entry) + " points to a directory");
      bool was_dir;
      if (Status s = clear_slot(pfd, leaf, false, entry, &was_dir); !s) return s;
      if (::linkat(tdir->get(), tparts.back().c_str(), pfd, c, 0) != 0) {
        return sys_error("image " + what_ + ": linking " + quote(entry));
      }
      return ok();
    }

    bool exists_as_dir = false;
    if (Status s = clear_slot(pfd, leaf, type == AE_IFDIR, entry, &exists_as_dir); !s) return s;
    switch (type) {
      case AE_IFDIR: {
        if (!exists_as_dir && ::mkdirat(pfd, c, 0700) != 0)
          return sys_error("image " + what_ + ": creating " + quote(entry));
        dirs_.push_back({parts, e_meta(e, mode)});
        return ok();
      }
      case AE_IFREG: {
        la_int64_t size = archive_entry_size(e);
        if (size < 0 || stats_->bytes + static_cast<uint64_t>(size) > limits_.max_bytes) {
          return fail(Errc::InvalidImage, limits_.bytes_exceeded());
        }
        UniqueFd fd(::openat(pfd, c, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd.valid()) return sys_error("image " + what_ + ": creating " + quote(entry));
        if (Status s = write_data(fd.get(), entry, static_cast<off_t>(size)); !s) return s;
        return set_meta(fd.get(), e_meta(e, mode), entry);
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        if (!target || ::symlinkat(target, pfd, c) != 0)
          return sys_error("image " + what_ + ": creating symlink " + quote(entry));
        if (as_root_) {
          ::fchownat(pfd, c, static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e)),
                     AT_SYMLINK_NOFOLLOW);
        }
        struct timespec ts[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(e), 0}};
        ::utimensat(pfd, c, ts, AT_SYMLINK_NOFOLLOW);
        return ok();
      }
      case AE_IFIFO: {
        if (::mknodat(pfd, c, S_IFIFO | 0600, 0) != 0)
          return sys_error("image " + what_ + ": creating fifo " + quote(entry));
        return fifo_meta(pfd, leaf, e_meta(e, mode), entry);
      }
      case AE_IFCHR:
      case AE_IFBLK:
        ++stats_->skipped_devices;
        return ok();
      default:
        return fail(Errc::InvalidImage, "entry " + quote(entry) + " has an unsupported type");
    }
  }

  Status write_data(int fd, const std::string& entry, off_t size_in_header) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    for (;;) {
      int rc = archive_read_data_block(a_, &buf, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK) return archive_fail("reading " + quote(entry));
      stats_->bytes += size;
      if (stats_->bytes > limits_.max_bytes) {
        return fail(Errc::InvalidImage, limits_.bytes_exceeded());
      }
      // Sparse entries come as blocks with offsets.
      const char* p = static_cast<const char*>(buf);
      off_t at = static_cast<off_t>(offset);
      while (size > 0) {
        ssize_t n = ::pwrite(fd, p, size, at);
        if (n < 0) {
          if (errno == EINTR) continue;
          return sys_error("image " + what_ + ": writing " + quote(entry));
        }
        p += n;
        at += n;
        size -= static_cast<size_t>(n);
      }
    }
    // A sparse file may end in a hole: the size comes from the header.
    if (::ftruncate(fd, size_in_header) != 0) return sys_error("image " + what_ + ": writing " + quote(entry));
    // A large file's writeback starts now, so that the store's sync at commit waits less (this
    // only starts it; bench/import.py).
    if (size_in_header >= (1 << 20)) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    return ok();
  }

  struct Meta {
    mode_t mode;
    uid_t uid;
    gid_t gid;
    time_t mtime;
    std::vector<std::pair<std::string, std::string>> xattrs;
  };

  Meta e_meta(archive_entry* e, mode_t mode) {
    Meta m{mode,
           static_cast<uid_t>(archive_entry_uid(e)),
           static_cast<gid_t>(archive_entry_gid(e)),
           archive_entry_mtime(e),
           {}};
    archive_entry_xattr_reset(e);
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      m.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
    return m;
  }

  Status set_meta(int fd, const Meta& m, const std::string& entry) {
    if (as_root_) {
      // chown first: it clears setuid and setgid bits, which fchmod then sets.
      if (::fchown(fd, m.uid, m.gid) != 0)
        return sys_error("image " + what_ + ": setting the owner of " + quote(entry));
      for (const auto& [n, v] : m.xattrs) {
        if (::fsetxattr(fd, n.c_str(), v.data(), v.size(), 0) != 0 && errno != ENOTSUP) {
          return sys_error("image " + what_ + ": setting xattr " + quote(n) + " on " + quote(entry));
        }
      }
    }
    if (::fchmod(fd, m.mode) != 0) return sys_error("image " + what_ + ": setting the mode of " + quote(entry));
    struct timespec ts[2] = {{0, UTIME_OMIT}, {m.mtime, 0}};
    if (::futimens(fd, ts) != 0) return sys_error("image " + what_ + ": setting the mtime of " + quote(entry));
    return ok();
  }

  Status fifo_meta(int pfd, const std::string& leaf, const Meta& m, const std::string& entry) {
    if (as_root_) ::fchownat(pfd, leaf.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW);
    if (::fchmodat(pfd, leaf.c_str(), m.mode, 0) != 0)
      return sys_error("image " + what_ + ": setting the mode of " + quote(entry));
    struct timespec ts[2] = {{0, UTIME_OMIT}, {m.mtime, 0}};
    ::utimensat(pfd, leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    return ok();
  }

  // Directory metadata last, deepest first: adding children changes a directory's mtime, and a
  // read-only directory must stay writable until its children exist.
  Status finish_directories() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      auto fd = open_dir(it->first, it->first.size(), join(it->first, it->first.size()));
      RKT_TRY(fd);
      if (Status s = set_meta(fd->get(), it->second, "rootfs/" + join(it->first, it->first.size())); !s) return s;
    }
    return ok();
  }

  archive* a_;
  int root_;
  std::unique_ptr<UniqueFd> parent_cache_;  ///< the last entry's parent directory (see add())
  std::string cached_key_;                  ///< its path under the root
  std::string what_;
  ExtractLimits limits_;
  ExtractStats* stats_;
  bool as_root_;
  bool layer_ = false;
  std::set<std::string> this_layer_;  // paths this layer added (layer mode)
  bool seen_manifest_ = false;
  std::vector<std::pair<std::vector<std::string>, Meta>> dirs_;
};

}  // namespace

Status apply_layer(archive* a, int root_fd, const std::string& what, const ExtractLimits& limits, ExtractStats* stats) {
  Extractor x(a, root_fd, what, limits, stats, true);
  return x.run_layer();
}

Status extract_rootfs(archive* a, int root_fd, const std::string& what, const ExtractLimits& limits,
                      const ManifestSink& manifest, ExtractStats* stats) {
  Extractor x(a, root_fd, what, limits, stats);
  return x.run(manifest);
}

}  // namespace rkt::stage0
