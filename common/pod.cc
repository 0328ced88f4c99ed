#include "common/pod.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/fs.h"

namespace rkt {
namespace {

constexpr PodPhase kPhases[] = {PodPhase::Embryo, PodPhase::Prepare,       PodPhase::Prepared,
                                PodPhase::Run,    PodPhase::ExitedGarbage, PodPhase::Garbage};

}  // namespace

const char* phase_dir(PodPhase phase) {
  switch (phase) {
    case PodPhase::Embryo:
      return "embryo";
    case PodPhase::Prepare:
      return "prepare";
    case PodPhase::Prepared:
      return "prepared";
    case PodPhase::Run:
      return "run";
    case PodPhase::ExitedGarbage:
      return "exited-garbage";
    case PodPhase::Garbage:
      return "garbage";
  }
  return "unknown";
}

std::string pod_path(const std::string& data_dir, PodPhase phase, const std::string& uuid) {
  return data_dir + "/pods/" + phase_dir(phase) + "/" + uuid;
}

Result<std::string> new_pod_uuid() {
  unsigned char b[16];
  if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) return sys_error("getrandom");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return std::string(out);
}

Result<PodLock> PodLock::acquire(const std::string& pod, LockMode mode, Wait wait, bool create) {
  std::string path = pod + "/lock";
  int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
  UniqueFd fd(::open(path.c_str(), flags, 0600));
  if (!fd.valid()) return sys_error("opening the lock of pod " + quote(pod));
  int op = (mode == LockMode::Exclusive ? LOCK_EX : LOCK_SH) | (wait == Wait::No ? LOCK_NB : 0);
  while (::flock(fd.get(), op) != 0) {
    if (errno == EINTR) continue;
    return sys_error("locking pod " + quote(pod));
  }
  return PodLock(std::move(fd));
}

int PodLock::release_to_exec() {
  int fd = fd_.release();
  int fl = ::fcntl(fd, F_GETFD);
  if (fl >= 0) ::fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  return fd;
}

Result<bool> pod_is_locked(const std::string& pod) {
  auto lock = PodLock::acquire(pod, LockMode::Shared, Wait::No);
  if (lock) return false;
  if (lock.error().sys_errno() == EWOULDBLOCK) return true;
  if (lock.error().sys_errno() == ENOENT) return false;
  return std::move(lock).error();
}

Status move_pod(const std::string& data_dir, const std::string& uuid, PodPhase from, PodPhase to,
                Durability durability) {
  std::string dest_dir = data_dir + "/pods/" + phase_dir(to);
  if (Status s = make_dirs(dest_dir, 0750); !s) return s;
  std::string src = pod_path(data_dir, from, uuid), dst = pod_path(data_dir, to, uuid);
  if (durability == Durability::Sync) RKT_TRY_WRAP(sync_filesystem(src), "pod " + uuid);
  if (::rename(src.c_str(), dst.c_str()) != 0) {
    return sys_error("moving pod " + uuid + " from " + phase_dir(from) + " to " + phase_dir(to));
  }
  if (durability == Durability::Sync) RKT_TRY_WRAP(sync_dir(dest_dir), "pod " + uuid);
  return ok();
}

Result<std::vector<PodRef>> list_pods(const std::string& data_dir) {
  std::vector<PodRef> out;
  for (PodPhase p : kPhases) {
    std::string dir = data_dir + "/pods/" + phase_dir(p);
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      if (errno == ENOENT) continue;
      return sys_error("reading " + quote(dir));
    }
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() == 36 && n[8] == '-') out.push_back({n, p, dir + "/" + n});
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end(), [](const PodRef& a, const PodRef& b) { return a.uuid < b.uuid; });
  return out;
}

Result<PodRef> find_pod(const std::string& data_dir, const std::string& uuid_prefix) {
  if (uuid_prefix.empty()) return Error(Errc::Usage, "empty pod UUID");
  auto pods = list_pods(data_dir);
  RKT_TRY(pods);
  std::vector<PodRef> matches;
  for (const auto& p : *pods) {
    if (p.uuid.rfind(uuid_prefix, 0) == 0) matches.push_back(p);
  }
  // rkt's words (pkg/pod/uuid.go), which clients match: rktlet's "no matches found for".
  if (matches.empty()) return Error(Errc::NotFound, "no matches found for " + quote(uuid_prefix));
  // A pod renamed between two phase directories while listing may appear twice.
  if (matches.size() > 1 &&
      !std::all_of(matches.begin(), matches.end(), [&](const PodRef& p) { return p.uuid == matches[0].uuid; })) {
    return Error(Errc::InvalidArgument,
                 "ambiguous uuid " + quote(uuid_prefix) + ", " + std::to_string(matches.size()) + " matches");
  }
  return matches.back();
}

const char* state_name(PodState state) {
  switch (state) {
    case PodState::Embryo:
      return "embryo";
    case PodState::Preparing:
      return "preparing";
    case PodState::AbortedPrepare:
      return "aborted prepare";
    case PodState::Prepared:
      return "prepared";
    case PodState::Running:
      return "running";
    case PodState::Exited:
      return "exited";
    case PodState::ExitedGarbage:
      return "exited garbage";
    case PodState::ExitedDeleting:
      return "exited deleting";
    case PodState::Deleting:
      return "deleting";
    case PodState::Garbage:
      return "garbage";
  }
  return "unknown";
}

Result<PodState> pod_state(const PodRef& pod, bool* locked_out) {
  auto locked = pod_is_locked(pod.path);
  RKT_TRY_WRAP(locked, "pod " + pod.uuid);
  if (locked_out) *locked_out = *locked;
  switch (pod.phase) {
    case PodPhase::Embryo:
      return PodState::Embryo;
    case PodPhase::Prepare:
      return *locked ? PodState::Preparing : PodState::AbortedPrepare;
    case PodPhase::Prepared:
      return PodState::Prepared;
    case PodPhase::Run:
      return *locked ? PodState::Running : PodState::Exited;
    case PodPhase::ExitedGarbage:
      return *locked ? PodState::ExitedDeleting : PodState::ExitedGarbage;
    case PodPhase::Garbage:
      return *locked ? PodState::Deleting : PodState::Garbage;
  }
  return PodState::Garbage;
}

bool is_live(PodState state) { return state == PodState::Running || state == PodState::Preparing; }

}  // namespace rkt
