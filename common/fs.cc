#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>

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
      return Error(Errc::InvalidArgument,
                   quote(path) + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode,
                         Overwrite overwrite) {
  if (overwrite == Overwrite::No && ::access(path.c_str(), F_OK) == 0) {
    return Error(Errc::AlreadyExists, quote(path) + " already exists");
  }
  std::random_device rd;
  std::string tmp = path + ".tmp-" + std::to_string(rd());
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
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    Error e = sys_error("writing " + quote(tmp));
    ::unlink(tmp.c_str());
    return e;
  }
  int rc = overwrite == Overwrite::Yes
               ? ::rename(tmp.c_str(), path.c_str())
               : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    Error e = errno == EEXIST ? Error(Errc::AlreadyExists, quote(path) + " already exists")
                              : sys_error("renaming " + quote(tmp) + " to " + quote(path));
    ::unlink(tmp.c_str());
    return e;
  }
  return ok();
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
