#include "actool/aci.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "actool/image_rules.h"
#include "common/handle.h"
#include "common/libarchive.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"

namespace rkt::aci {
namespace {

using ReadArchive = Handle<archive, &archive_read_free>;
using WriteArchive = Handle<archive, &archive_write_free>;
using Entry = Handle<archive_entry, &archive_entry_free>;

Error archive_error(archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return Error(Errc::InvalidImage, what + ": " + (msg ? msg : "unknown archive error"));
}

ReadArchive open_read(const std::string& path, Error* err, const std::string& name = "") {
  ReadArchive a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    *err = archive_error(a.get(), "opening image " + (name.empty() ? quote(path) : name));
    return nullptr;
  }
  return a;
}

WriteArchive open_write(int fd, Compression c, Error* err) {
  WriteArchive a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  // File names are bytes: store them as they are (pax hdrcharset=BINARY) instead of converting
  // from the locale, which fails for any name outside ASCII in the C locale and for names that
  // are not valid UTF-8 in any.
  if (archive_write_set_format_option(a.get(), "pax", "hdrcharset", "BINARY") != ARCHIVE_OK) {
    *err = archive_error(a.get(), "creating archive");
    return nullptr;
  }
  int rc = ARCHIVE_OK;
  switch (c) {
    case Compression::None:
      break;
    case Compression::Gzip:
      rc = archive_write_add_filter_gzip(a.get());
      // No timestamp in the gzip header: the same tree gives the same bytes.
      if (rc == ARCHIVE_OK) rc = archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
      break;
    case Compression::Bzip2:
      rc = archive_write_add_filter_bzip2(a.get());
      break;
    case Compression::Xz:
      rc = archive_write_add_filter_xz(a.get());
      break;
    case Compression::Zstd:
      rc = archive_write_add_filter_zstd(a.get());
      break;
  }
  if (rc == ARCHIVE_OK) rc = archive_write_set_bytes_in_last_block(a.get(), 1);
  if (rc == ARCHIVE_OK) rc = archive_write_open_fd(a.get(), fd);
  if (rc != ARCHIVE_OK) {
    *err = archive_error(a.get(), "creating archive");
    return nullptr;
  }
  return a;
}

// A temporary output beside the final path, renamed into place by commit() and removed
// otherwise.
class PendingFile {
 public:
  PendingFile(std::string final_path, Overwrite overwrite) : final_(std::move(final_path)), overwrite_(overwrite) {}
  ~PendingFile() {
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  Result<int> open() {
    if (overwrite_ == Overwrite::No && ::access(final_.c_str(), F_OK) == 0) {
      return Error(Errc::AlreadyExists, quote(final_) + " already exists (use --overwrite)");
    }
    std::random_device rd;
    tmp_ = final_ + ".tmp-" + std::to_string(rd());
    fd_.reset(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd_.valid()) {
      Error e = sys_error("creating " + quote(tmp_));
      tmp_.clear();
      return e;
    }
    return fd_.get();
  }

  Status commit() {
    if (::fsync(fd_.get()) != 0) return sys_error("writing " + quote(tmp_));
    fd_.reset();
    int rc = overwrite_ == Overwrite::Yes
                 ? ::rename(tmp_.c_str(), final_.c_str())
                 : ::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE);
    if (rc != 0) {
      if (errno == EEXIST) return Error(Errc::AlreadyExists, quote(final_) + " already exists (use --overwrite)");
      return sys_error("renaming " + quote(tmp_) + " to " + quote(final_));
    }
    tmp_.clear();
    return ok();
  }

 private:
  std::string final_;
  Overwrite overwrite_;
  std::string tmp_;
  UniqueFd fd_;
};

Status copy_data(archive* in, archive* out, const std::string& name) {
  const void* buf;
  size_t size;
  la_int64_t offset;
  for (;;) {
    int rc = archive_read_data_block(in, &buf, &size, &offset);
    if (rc == ARCHIVE_EOF) return ok();
    if (rc != ARCHIVE_OK) return archive_error(in, "reading entry " + quote(name));
    if (archive_write_data(out, buf, size) < 0) return archive_error(out, "writing entry " + quote(name));
  }
}

Status write_entry_data(archive* out, int fd, const std::string& name) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("reading " + quote(name));
    }
    if (n == 0) return ok();
    if (archive_write_data(out, buf, static_cast<size_t>(n)) < 0) {
      return archive_error(out, "writing entry " + quote(name));
    }
  }
}

}  // namespace

Compression detect_compression(const std::string& head) {
  auto starts = [&](std::string_view magic) { return head.compare(0, magic.size(), magic) == 0; };
  if (starts("\x1f\x8b")) return Compression::Gzip;
  if (starts("BZh")) return Compression::Bzip2;
  if (starts("\xfd"
             "7zXZ\x00"))
    return Compression::Xz;
  if (starts("\x28\xb5\x2f\xfd")) return Compression::Zstd;
  return Compression::None;
}

bool looks_like_archive(const std::string& head) {
  if (detect_compression(head) != Compression::None) return true;
  return head.size() >= 262 && head.compare(257, 5, "ustar") == 0;
}

Result<ArchiveContents> read_archive(const std::string& path) {
  const std::string what = quote(path);
  Error err(Errc::Generic, "");
  ReadArchive a = open_read(path, &err);
  if (!a) return err;
  std::set<std::string> seen;
  bool have_manifest = false, have_rootfs = false;
  ArchiveContents out;
  archive_entry* e;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return archive_error(a.get(), "reading image " + what);
    auto entry = classify_entry(archive_entry_pathname(e), what);
    RKT_TRY(entry);
    if (!seen.insert(entry->name).second) {
      return Error(Errc::InvalidImage, "image " + what + ": duplicate entry " + quote(entry->name));
    }
    if (const char* link = archive_entry_hardlink(e)) RKT_TRY(hard_link_target(link, entry->name, what));
    switch (entry->kind) {
      case ImageEntry::Kind::Manifest: {
        RKT_TRY(check_manifest_entry(archive_entry_filetype(e), archive_entry_size(e), what));
        std::string text(static_cast<size_t>(archive_entry_size(e)), '\0');
        la_ssize_t n = archive_read_data(a.get(), text.data(), text.size());
        if (n < 0 || static_cast<size_t>(n) != text.size())
          return archive_error(a.get(), "reading manifest of " + what);
        out.manifest_json = std::move(text);
        have_manifest = true;
        break;
      }
      case ImageEntry::Kind::Rootfs:
        if (archive_entry_filetype(e) != AE_IFDIR)
          return Error(Errc::InvalidImage, "image " + what + ": rootfs is not a directory");
        have_rootfs = true;
        break;
      case ImageEntry::Kind::InRootfs:
        break;
    }
  }
  if (!have_manifest) return Error(Errc::InvalidImage, "image " + what + " has no manifest");
  if (!have_rootfs) return Error(Errc::InvalidImage, "image " + what + " has no rootfs directory");
  auto m = spec::parse_image_manifest(out.manifest_json, path + ":manifest");
  RKT_TRY(m);
  out.manifest = std::move(*m);
  return out;
}

Result<spec::ImageManifest> read_manifest_only(const std::string& path, const std::string& what) {
  const std::string name = what.empty() ? quote(path) : what;
  Error err(Errc::Generic, "");
  ReadArchive a = open_read(path, &err, name);
  if (!a) return err;
  archive_entry* e;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return archive_error(a.get(), "reading image " + name);
    auto entry = classify_entry(archive_entry_pathname(e), name);
    if (!entry || entry->kind != ImageEntry::Kind::Manifest) continue;  // the import judges the rest
    RKT_TRY(check_manifest_entry(archive_entry_filetype(e), archive_entry_size(e), name));
    std::string text(static_cast<size_t>(archive_entry_size(e)), '\0');
    la_ssize_t n = archive_read_data(a.get(), text.data(), text.size());
    if (n < 0 || static_cast<size_t>(n) != text.size()) return archive_error(a.get(), "reading manifest of " + name);
    return spec::parse_image_manifest(text, what.empty() ? path + ":manifest" : what);
  }
  return Error(Errc::InvalidImage, "image " + name + " has no manifest");
}

Result<spec::ImageManifest> validate_layout(const std::string& dir) {
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid()) return sys_error("opening image layout " + quote(dir));
  struct stat st {};
  if (::fstatat(dfd.get(), "rootfs", &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(Errc::InvalidImage, "image layout " + quote(dir) + " has no rootfs directory");
  }
  DIR* d = ::fdopendir(::dup(dfd.get()));
  if (!d) return sys_error("reading image layout " + quote(dir));
  std::vector<std::string> extra;
  while (dirent* ent = ::readdir(d)) {
    std::string n = ent->d_name;
    if (n != "." && n != ".." && n != "manifest" && n != "rootfs") extra.push_back(n);
  }
  ::closedir(d);
  if (!extra.empty()) {
    std::sort(extra.begin(), extra.end());
    return Error(Errc::InvalidImage, "image layout " + quote(dir) + ": unexpected entry " + quote(extra[0]) +
                                         " (only manifest and rootfs/ belong in an image)");
  }
  std::string mpath = dir + "/manifest";
  auto text = read_file(mpath, spec::kMaxManifestBytes);
  RKT_TRY_WRAP(text, "image layout " + quote(dir));
  return spec::parse_image_manifest(*text, mpath);
}

namespace {

struct Walker {
  archive* out;
  const WriteOptions& opts;
  std::map<std::pair<dev_t, ino_t>, std::string> links;

  Status add(const std::string& disk_path, const std::string& name) {
    struct stat st {};
    if (::lstat(disk_path.c_str(), &st) != 0) return sys_error("reading " + quote(disk_path));
    if (S_ISSOCK(st.st_mode)) return ok();  // sockets cannot be archived
    Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_mode(e.get(), st.st_mode);
    archive_entry_set_uid(e.get(), opts.owner_root == OwnerRoot::Yes ? 0 : st.st_uid);
    archive_entry_set_gid(e.get(), opts.owner_root == OwnerRoot::Yes ? 0 : st.st_gid);
    archive_entry_set_mtime(e.get(), st.st_mtime, 0);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) archive_entry_set_rdev(e.get(), st.st_rdev);
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(disk_path.c_str(), target.data(), target.size());
      if (n < 0) return sys_error("reading symlink " + quote(disk_path));
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(e.get(), target.c_str());
    }
    Status xs = add_xattrs(disk_path, e.get());
    if (!xs) return xs;
    bool hardlink = false;
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, inserted] = links.emplace(std::pair{st.st_dev, st.st_ino}, name);
      if (!inserted) {
        archive_entry_set_hardlink(e.get(), it->second.c_str());
        archive_entry_set_size(e.get(), 0);
        hardlink = true;
      }
    }
    if (S_ISREG(st.st_mode) && !hardlink) archive_entry_set_size(e.get(), st.st_size);
    if (archive_write_header(out, e.get()) != ARCHIVE_OK) return archive_error(out, "writing entry " + quote(name));
    if (S_ISREG(st.st_mode) && !hardlink) {
      UniqueFd fd(::open(disk_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
      if (!fd.valid()) return sys_error("opening " + quote(disk_path));
      if (Status s = write_entry_data(out, fd.get(), disk_path); !s) return s;
    }
    if (S_ISDIR(st.st_mode)) {
      DIR* d = ::opendir(disk_path.c_str());
      if (!d) return sys_error("reading directory " + quote(disk_path));
      std::vector<std::string> children;
      while (dirent* ent = ::readdir(d)) {
        std::string n = ent->d_name;
        if (n != "." && n != "..") children.push_back(n);
      }
      ::closedir(d);
      std::sort(children.begin(), children.end());
      for (const auto& c : children) {
        if (Status s = add(disk_path + "/" + c, name + "/" + c); !s) return s;
      }
    }
    return ok();
  }

  static Status add_xattrs(const std::string& path, archive_entry* e) {
    ssize_t len = ::llistxattr(path.c_str(), nullptr, 0);
    if (len <= 0) return ok();
    std::string names(static_cast<size_t>(len), '\0');
    len = ::llistxattr(path.c_str(), names.data(), names.size());
    if (len < 0) return ok();
    std::vector<std::string> sorted;
    names.resize(static_cast<size_t>(len));
    for (size_t i = 0; i < names.size();) {
      size_t end = std::min(names.find('\0', i), names.size());
      if (end > i) sorted.push_back(names.substr(i, end - i));
      i = end + 1;
    }
    std::sort(sorted.begin(), sorted.end());
    for (const auto& n : sorted) {
      ssize_t vlen = ::lgetxattr(path.c_str(), n.c_str(), nullptr, 0);
      if (vlen < 0) continue;
      std::string v(static_cast<size_t>(vlen), '\0');
      vlen = ::lgetxattr(path.c_str(), n.c_str(), v.data(), v.size());
      if (vlen < 0) continue;
      archive_entry_xattr_add_entry(e, n.c_str(), v.data(), static_cast<size_t>(vlen));
    }
    return ok();
  }
};

}  // namespace

Status build(const std::string& layout_dir, const std::string& out, const WriteOptions& options) {
  auto manifest = validate_layout(layout_dir);
  RKT_TRY(manifest);
  PendingFile pending(out, options.overwrite);
  auto fd = pending.open();
  RKT_TRY(fd);
  Error err(Errc::Generic, "");
  WriteArchive a = open_write(*fd, options.compression, &err);
  if (!a) return err.wrap("writing " + quote(out));
  Walker w{a.get(), options, {}};
  if (Status s = w.add(layout_dir + "/manifest", "manifest"); !s) return s;
  if (Status s = w.add(layout_dir + "/rootfs", "rootfs"); !s) return s;
  if (archive_write_close(a.get()) != ARCHIVE_OK) return archive_error(a.get(), "writing " + quote(out));
  return pending.commit();
}

Status replace_manifest(const std::string& in, const std::string& out, const std::string& manifest_json,
                        const WriteOptions& options) {
  auto checked = read_archive(in);
  RKT_TRY(checked);
  Error err(Errc::Generic, "");
  ReadArchive r = open_read(in, &err);
  if (!r) return err;
  PendingFile pending(out, options.overwrite);
  auto fd = pending.open();
  RKT_TRY(fd);
  WriteArchive w = open_write(*fd, options.compression, &err);
  if (!w) return err.wrap("writing " + quote(out));
  archive_entry* e;
  for (;;) {
    int rc = archive_read_next_header(r.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return archive_error(r.get(), "reading image " + quote(in));
    auto entry = classify_entry(archive_entry_pathname(e), quote(in));
    RKT_TRY(entry);
    const std::string& name = entry->name;
    if (entry->kind == ImageEntry::Kind::Manifest) {
      Entry m(archive_entry_clone(e));
      archive_entry_set_size(m.get(), static_cast<la_int64_t>(manifest_json.size()));
      if (archive_write_header(w.get(), m.get()) != ARCHIVE_OK ||
          archive_write_data(w.get(), manifest_json.data(), manifest_json.size()) < 0) {
        return archive_error(w.get(), "writing manifest to " + quote(out));
      }
      continue;
    }
    if (archive_write_header(w.get(), e) != ARCHIVE_OK) return archive_error(w.get(), "writing entry " + quote(name));
    if (archive_entry_size(e) > 0) {
      if (Status s = copy_data(r.get(), w.get(), name); !s) return s;
    }
  }
  if (archive_write_close(w.get()) != ARCHIVE_OK) return archive_error(w.get(), "writing " + quote(out));
  return pending.commit();
}

}  // namespace rkt::aci
