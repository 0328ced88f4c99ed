#include "common/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "common/unique_fd.h"

namespace rkt {

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return sys_error("opening " + quote(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys_error("reading " + quote(path));
  if (S_ISDIR(st.st_mode)) return Error(Errc::InvalidArgument, quote(path) + " is a directory");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("reading " + quote(path));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Error(Errc::InvalidArgument, quote(path) + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode, Overwrite overwrite,
                         Durability durability) {
  // Overwrite::No is the rename's (RENAME_NOREPLACE): no check before, which would cost a call on
  // every write and decide nothing.
  std::string tmp = path + ".tmp-" + random_suffix();
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return sys_error("creating " + quote(tmp));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = sys_error("writing " + quote(tmp));
      ::unlink(tmp.c_str());
      return e;
    }
    off += static_cast<size_t>(n);
  }
  if ((durability == Durability::Sync && ::fsync(fd.get()) != 0) || ::close(fd.release()) != 0) {
    Error e = sys_error("writing " + quote(tmp));
    ::unlink(tmp.c_str());
    return e;
  }
  int rc = overwrite == Overwrite::Yes ? ::rename(tmp.c_str(), path.c_str())
                                       : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    Error e = errno == EEXIST ? Error(Errc::AlreadyExists, quote(path) + " already exists")
                              : sys_error("renaming " + quote(tmp) + " to " + quote(path));
    ::unlink(tmp.c_str());
    return e;
  }
  if (durability == Durability::Sync) {
    size_t slash = path.rfind('/');
    return sync_dir(slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash));
  }
  return ok();
}

Status sync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return sys_error("syncing directory " + quote(dir));
  return ok();
}

Status sync_filesystem(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid() || ::syncfs(fd.get()) != 0) return sys_error("syncing the filesystem of " + quote(path));
  return ok();
}

Status make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return Error(Errc::InvalidArgument, "empty directory path");
  // The common case first: only the last component (or nothing) is missing.
  if (::mkdir(path.c_str(), mode) == 0) return ok();
  if (errno == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return ok();
    return Error(Errc::AlreadyExists, quote(path) + " exists and is not a directory");
  }
  if (errno != ENOENT) return sys_error("creating directory " + quote(path));
  size_t slash = path.find_last_of('/');
  while (slash != std::string::npos && slash > 0 && path[slash - 1] == '/') --slash;
  if (slash == std::string::npos || slash == 0) return sys_error("creating directory " + quote(path));
  if (Status s = make_dirs(path.substr(0, slash), mode); !s) return s;
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return sys_error("creating directory " + quote(path));
  return ok();
}

namespace {

// Empties the directory `fd` (on device `dev`) and everything below it.
Status remove_children(int fd, dev_t dev, const std::string& where) {
  DIR* d = ::fdopendir(::dup(fd));
  if (!d) return sys_error("reading " + quote(where));
  std::vector<std::pair<std::string, bool>> entries;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    entries.emplace_back(n, e->d_type == DT_DIR || e->d_type == DT_UNKNOWN);
  }
  ::closedir(d);
  for (const auto& [name, maybe_dir] : entries) {
    std::string path = where + "/" + name;
    if (maybe_dir) {
      struct stat st {};
      if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        return sys_error("reading " + quote(path));
      }
      if (S_ISDIR(st.st_mode)) {
        if (st.st_dev != dev)
          return Error(Errc::Generic, "not removing " + quote(path) + ": another filesystem is mounted there");
        UniqueFd child(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child.valid()) return sys_error("opening " + quote(path));
        // A directory without write permission cannot be emptied, even by root without a
        // capability it may lack: make it writable first.
        ::fchmod(child.get(), 0700);
        if (Status s = remove_children(child.get(), dev, path); !s) return s;
        if (::unlinkat(fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
          return sys_error("removing " + quote(path));
        continue;
      }
    }
    if (::unlinkat(fd, name.c_str(), 0) != 0 && errno != ENOENT) return sys_error("removing " + quote(path));
  }
  return ok();
}

}  // namespace

Status remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return ok();
    return sys_error("reading " + quote(path));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error("removing " + quote(path));
    return ok();
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return sys_error("opening " + quote(path));
  if (Status s = remove_children(fd.get(), st.st_dev, path); !s) return s;
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return sys_error("removing " + quote(path));
  return ok();
}

namespace {

Status copy_bytes(int src, int dst, const std::string& what) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(src, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("reading " + what);
    if (n == 0) return ok();
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(dst, buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return sys_error("writing the copy of " + what);
      off += w;
    }
  }
}

// Copies (or, with `link`, hard-links) what `src` holds into `dst`; `bytes` and `entries` count
// what was copied or linked.
Status copy_children(int src, int dst, const std::string& what, int depth, bool link, uint64_t* bytes,
                     uint64_t* entries) {
  if (depth > 256) return Error(Errc::InvalidArgument, quote(what) + " nests directories too deep");
  int dup = ::fcntl(src, F_DUPFD_CLOEXEC, 0);
  DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
  if (!d) {
    if (dup >= 0) ::close(dup);
    return sys_error("reading directory " + quote(what));
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(d, ::closedir);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = what + "/" + name;
    struct stat st {};
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return sys_error("reading " + quote(path));
    UniqueFd out;
    ++*entries;
    if (S_ISREG(st.st_mode)) *bytes += static_cast<uint64_t>(st.st_size);
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(dst, name.c_str(), 0700) != 0) return sys_error("copying directory " + quote(path));
      UniqueFd in(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      out.reset(::openat(dst, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!in.valid() || !out.valid()) return sys_error("copying directory " + quote(path));
      RKT_TRY(copy_children(in.get(), out.get(), path, depth + 1, link, bytes, entries));
    } else if (link) {
      if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) && !S_ISFIFO(st.st_mode)) continue;
      // The link shares the inode, and with it the owner, mode and times.
      if (::linkat(src, name.c_str(), dst, name.c_str(), 0) != 0) return sys_error("linking " + quote(path));
      continue;
    } else if (S_ISREG(st.st_mode)) {
      UniqueFd in(::openat(src, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
      out.reset(::openat(dst, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!in.valid() || !out.valid()) return sys_error("copying " + quote(path));
      RKT_TRY(copy_bytes(in.get(), out.get(), quote(path)));
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(src, name.c_str(), target.data(), target.size());
      if (n < 0 || static_cast<size_t>(n) >= target.size()) return sys_error("reading symlink " + quote(path));
      target.resize(static_cast<size_t>(n));
      if (::symlinkat(target.c_str(), dst, name.c_str()) != 0) return sys_error("copying symlink " + quote(path));
    } else if (S_ISFIFO(st.st_mode)) {
      if (::mkfifoat(dst, name.c_str(), 0600) != 0) return sys_error("copying FIFO " + quote(path));
    } else {
      continue;
    }
    // Owner before mode (chown clears set-id bits); a symlink keeps its owner only.
    if (::fchownat(dst, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
      return sys_error("setting the owner of the copy of " + quote(path));
    if (!S_ISLNK(st.st_mode)) {
      int rc =
          out.valid() ? ::fchmod(out.get(), st.st_mode & 07777) : ::fchmodat(dst, name.c_str(), st.st_mode & 07777, 0);
      if (rc != 0) return sys_error("setting the mode of the copy of " + quote(path));
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    (void)::utimensat(dst, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  return ok();
}

}  // namespace

Status copy_tree(int src_dir, int dst_dir, const std::string& what) {
  uint64_t bytes = 0, entries = 0;
  return copy_children(src_dir, dst_dir, what, 0, false, &bytes, &entries);
}

Status link_tree(int src_dir, int dst_dir, const std::string& what, uint64_t* bytes, uint64_t* entries) {
  uint64_t b = 0, e = 0;
  return copy_children(src_dir, dst_dir, what, 0, true, bytes ? bytes : &b, entries ? entries : &e);
}

Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  for (;;) {
    long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == EINTR || errno == EAGAIN) continue;
    return sys_error("opening " + quote(path) + " inside its root");
  }
}

void TempFile::reset() {
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

Result<TempFile> copy_to_private_file(int src_fd, const std::string& dir, uint64_t max_bytes, const std::string& what) {
  std::string path = dir + "/source-" + random_suffix();
  UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out.valid()) return sys_error("creating " + quote(path));
  TempFile copy(path);
  auto too_large = [&] {
    return Error(Errc::InvalidArgument, what + " is larger than " + std::to_string(max_bytes) + " bytes");
  };
  uint64_t total = 0;
  // In the kernel first (a reflink or a server-side copy where the filesystem has one); pipes,
  // FIFOs and filesystems without it take the read/write loop from where that stopped.
  for (;;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(max_bytes - total + 1, 1 << 30));
    ssize_t n = ::copy_file_range(src_fd, nullptr, out.get(), nullptr, want, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (total == 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                         errno == EBADF || errno == ESPIPE)) {
        break;
      }
      return sys_error("copying " + what + " to " + quote(path));
    }
    if (n == 0) {
      if (total > 0) return copy;
      break;  // pseudo-files report 0 here; read() tells the truth
    }
    total += static_cast<uint64_t>(n);
    if (total > max_bytes) return too_large();
  }
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(src_fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("reading " + what);
    }
    if (n == 0) return copy;
    total += static_cast<uint64_t>(n);
    if (total > max_bytes) return too_large();
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out.get(), buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        return sys_error("writing " + quote(path));
      }
      off += w;
    }
  }
}

Result<std::string> read_fd(int fd, size_t max_bytes, const std::string& what) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("reading " + what);
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Error(Errc::InvalidArgument, what + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

Result<std::vector<std::string>> list_directory(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return sys_error("reading " + quote(dir));
  }
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

bool split_relative_path(const std::string& path, std::vector<std::string>* parts, std::string* why) {
  if (!path.empty() && path[0] == '/') {
    *why = "absolute path";
    return false;
  }
  for (const auto& part : split(path, '/')) {
    if (part == "..") {
      *why = "path contains \"..\"";
      return false;
    }
    if (!part.empty() && part != ".") parts->push_back(part);
  }
  return true;
}

std::string random_suffix() {
  std::random_device rd;
  uint32_t v[2] = {rd(), rd()};
  return to_hex(reinterpret_cast<const unsigned char*>(v), sizeof v);
}

std::string to_hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace rkt
