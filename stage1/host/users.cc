#include "stage1/host/users.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <sstream>

#include "common/fs.h"

namespace rkt::stage1 {
namespace {

bool numeric(const std::string& s, uint32_t* out) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  unsigned long v = std::stoul(s);
  if (v > 0xfffffffeUL) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// Finds `name` in a passwd-style file inside the root; empty when absent.
std::vector<std::string> lookup(int root_fd, const char* file, const std::string& name) {
  auto fd = open_in_root(root_fd, file, O_RDONLY);
  if (!fd) return {};
  auto text = read_fd(fd->get(), 16 << 20, file);
  if (!text) return {};
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() >= 3 && f[0] == name) return f;
  }
  return {};
}

Result<struct stat> owner_of(int root_fd, const std::string& path, const std::string& app) {
  auto fd = open_in_root(root_fd, path, O_PATH);
  RKT_TRY_WRAP(fd, "app " + quote(app));
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return sys_error("app " + quote(app) + ": reading " + quote(path));
  return st;
}

}  // namespace

Result<AppIds> resolve_ids(int root_fd, const std::string& app, const std::string& user, const std::string& group,
                           const std::vector<int64_t>& supplementary) {
  AppIds ids;
  if (!user.empty() && user[0] == '/') {
    auto st = owner_of(root_fd, user, app);
    RKT_TRY(st);
    ids.uid = st->st_uid;
  } else if (auto pw = lookup(root_fd, "/etc/passwd", user); !pw.empty()) {
    uint32_t v;
    if (!numeric(pw[2], &v))
      return Error(Errc::InvalidImage, "app " + quote(app) + ": bad uid for " + quote(user) + " in /etc/passwd");
    ids.uid = v;
    if (pw.size() >= 6 && !pw[5].empty()) ids.home = pw[5];
  } else {
    uint32_t v;
    if (!numeric(user, &v)) {
      return Error(Errc::NotFound,
                   "app " + quote(app) + ": user " + quote(user) + " is not in the image's /etc/passwd");
    }
    ids.uid = v;
  }
  if (!group.empty() && group[0] == '/') {
    auto st = owner_of(root_fd, group, app);
    RKT_TRY(st);
    ids.gid = st->st_gid;
  } else if (auto gr = lookup(root_fd, "/etc/group", group); !gr.empty()) {
    uint32_t v;
    if (!numeric(gr[2], &v))
      return Error(Errc::InvalidImage, "app " + quote(app) + ": bad gid for " + quote(group) + " in /etc/group");
    ids.gid = v;
  } else {
    uint32_t v;
    if (!numeric(group, &v)) {
      return Error(Errc::NotFound,
                   "app " + quote(app) + ": group " + quote(group) + " is not in the image's /etc/group");
    }
    ids.gid = v;
  }
  for (int64_t g : supplementary) {
    if (g < 0 || g > 0xfffffffe)
      return Error(Errc::InvalidArgument, "app " + quote(app) + ": bad supplementary gid " + std::to_string(g));
    ids.groups.push_back(static_cast<gid_t>(g));
  }
  if (ids.uid != 0 && ids.home == "/root") ids.home = "/";
  return ids;
}

}  // namespace rkt::stage1
