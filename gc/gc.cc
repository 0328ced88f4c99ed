#include "gc/gc.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "common/duration.h"
#include "common/fs.h"
#include "spec/manifest.h"

namespace rkt::gc {
namespace {

// Marks a pod as garbage: the rename, then its mtime records when (for the grace period).
Status mark(const std::string& data_dir, const PodRef& pod, PodPhase to) {
  if (Status s = move_pod(data_dir, pod.uuid, pod.phase, to); !s) return s;
  ::utimensat(AT_FDCWD, pod_path(data_dir, to, pod.uuid).c_str(), nullptr, 0);
  return ok();
}

// Detaches every mount at or below `dir` in this mount namespace, deepest first.
Status unmount_below(const std::string& dir) {
  auto info = read_file("/proc/self/mountinfo", 16 << 20);
  if (!info) return std::move(info).error();
  std::vector<std::string> targets;
  std::istringstream in(*info);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, mp;
    f >> id >> parent >> dev >> root >> mp;
    if (mp == dir || mp.rfind(dir + "/", 0) == 0) targets.push_back(mp);
  }
  std::sort(targets.begin(), targets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& t : targets) {
    if (::umount2(t.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return sys_error("unmounting " + quote(t));
    }
  }
  return ok();
}

// Removes the cgroups stage1 recorded (<pod>/cgroups: one directory per line, apps before pod).
Status remove_cgroups(const std::string& pod) {
  auto list = read_file(pod + "/cgroups", 1 << 20);
  if (!list) return ok();
  std::istringstream in(*list);
  std::string dir;
  while (std::getline(in, dir)) {
    if (dir.rfind("/sys/fs/cgroup/", 0) != 0 || dir.find("/rkt-") == std::string::npos) continue;
    // Any process left (stage1 killed with SIGKILL takes its pod along, but be sure) is killed.
    if (auto procs = read_file(dir + "/cgroup.procs", 1 << 20); procs) {
      std::istringstream p(*procs);
      pid_t pid;
      while (p >> pid) ::kill(pid, SIGKILL);
    }
    for (int i = 0; i < 50 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) ::usleep(10000);
    if (::access(dir.c_str(), F_OK) == 0 && ::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      return sys_error("removing cgroup " + quote(dir));
    }
  }
  return ok();
}

// Claims a directory for removal by renaming it to a name no one else will pick: of two
// collectors, the one whose rename succeeds removes it, the other finds it gone.
Result<std::string> claim(const std::string& path, const std::string& uuid) {
  std::string parent = path.substr(0, path.rfind('/'));
  std::string claimed = parent + "/.deleting-" + uuid.substr(0, 36) + "-" + std::to_string(::getpid()) + "-" +
                        std::to_string(now_ns());
  if (::rename(path.c_str(), claimed.c_str()) != 0) {
    if (errno == ENOENT) return std::string();
    return sys_error("claiming " + quote(path) + " for removal");
  }
  return claimed;
}

// Removes a garbage pod. Its lock held by someone else means another collector (or rm) is at it.
// What stage1 made outside the pod directory goes first, through its gc entrypoint; pods whose
// stage1 has none get the cgroups it recorded removed here.
Status teardown(const std::string& data_dir, const PodRef& pod) {
  auto entry = stage1_entrypoint(data_dir, pod.path, "gc");
  if (!entry) return remove_cgroups(pod.path);
  auto rc = run_entrypoint(*entry, pod.path, {pod.uuid});
  if (!rc) return std::move(rc).error();
  if (*rc != 0) return Error(Errc::Generic, "the stage1 gc entrypoint failed with status " + std::to_string(*rc));
  return ok();
}

Status sweep(const std::string& data_dir, const PodRef& pod, bool* busy) {
  auto lock = PodLock::acquire(pod.path, LockMode::Exclusive, Wait::No);
  if (!lock) {
    if (lock.error().sys_errno() == EWOULDBLOCK) {
      *busy = true;
      return ok();
    }
    if (lock.error().sys_errno() != ENOENT) return std::move(lock).error();
  }
  if (Status s = teardown(data_dir, pod); !s) return s;
  if (Status s = unmount_below(pod.path); !s) return s;
  auto claimed = claim(pod.path, pod.uuid);
  if (!claimed) return std::move(claimed).error();
  if (claimed->empty()) return ok();
  if (Status s = remove_cgroups(*claimed); !s) return s;
  return remove_tree(*claimed);
}

constexpr int64_t kUnnamedPodAge = int64_t{10} * 60 * 1000000000;

// Finishes what killed processes left behind: removals a collector started (.deleting-*), and
// pods whose creator died before naming them (.new-* in embryo/, unlocked).
void finish_interrupted(const std::string& data_dir, Report* report) {
  std::string embryo = data_dir + "/pods/" + phase_dir(PodPhase::Embryo);
  if (auto names = list_directory(embryo)) {
    for (const auto& n : *names) {
      if (n.rfind(".new-", 0) != 0) continue;
      // Its creator names it within milliseconds; one left for minutes has lost its creator. (An
      // unlocked one may also be brand new, its lock file not made yet.)
      if (now_ns() - mtime_ns(embryo + "/" + n) < kUnnamedPodAge) continue;
      auto locked = pod_is_locked(embryo + "/" + n);
      if (!locked || *locked) continue;
      auto claimed = claim(embryo + "/" + n, n.substr(5));
      if (!claimed || claimed->empty()) continue;
      if (Status s = remove_tree(*claimed); !s) report->errors.push_back(s.error().message());
    }
  }
  for (PodPhase phase : {PodPhase::ExitedGarbage, PodPhase::Garbage}) {
    std::string dir = data_dir + "/pods/" + phase_dir(phase);
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(".deleting-", 0) == 0) names.push_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) {
      auto claimed = claim(dir + "/" + n, n.substr(10));
      if (!claimed || claimed->empty()) continue;
      Status s = remove_cgroups(*claimed);
      if (s) s = remove_tree(*claimed);
      if (!s) report->errors.push_back("removing " + quote(*claimed) + ": " + s.error().message());
    }
  }
}

}  // namespace

Result<std::string> stage1_entrypoint(const std::string& data_dir, const std::string& pod, const std::string& which) {
  auto tree = read_file(pod + "/stage1TreeStoreID", 4096);
  if (!tree) return std::move(tree).error();
  std::string dir = data_dir + "/cas/tree/" + tree->substr(0, tree->find('\n'));
  auto key = read_file(dir + "/image", 4096);
  if (!key) return std::move(key).error();
  std::string k = key->substr(0, key->find('\n'));
  if (k.size() < 9 || k.rfind("sha512-", 0) != 0) return Error(Errc::InvalidImage, "bad stage1 image key in " + quote(dir));
  std::string mpath = data_dir + "/cas/imageManifest/sha512/" + k.substr(7, 2) + "/" + k;
  auto text = read_file(mpath, spec::kMaxManifestBytes);
  if (!text) return std::move(text).error();
  auto m = spec::parse_image_manifest(*text, mpath);
  if (!m) return std::move(m).error();
  const std::string* entry = spec::find_annotation(m->annotations, "coreos.com/rkt/stage1/" + which);
  if (!entry || entry->empty() || (*entry)[0] != '/' || entry->find("..") != std::string::npos) {
    return Error(Errc::Unsupported, "the stage1 of pod " + quote(pod) + " has no " + which + " entrypoint");
  }
  return dir + "/rootfs" + *entry;
}

Result<int> run_entrypoint(const std::string& entry, const std::string& pod, const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("forking");
  if (pid == 0) {
    std::vector<std::string> a = {entry};
    a.insert(a.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& x : a) argv.push_back(x.data());
    argv.push_back(nullptr);
    if (::chdir(pod.c_str()) == 0) ::execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("waiting for " + quote(entry));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return Error(Errc::NotFound, "cannot execute " + quote(entry));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char* state_name(PodState state) {
  switch (state) {
    case PodState::Embryo: return "embryo";
    case PodState::Preparing: return "preparing";
    case PodState::AbortedPrepare: return "aborted prepare";
    case PodState::Prepared: return "prepared";
    case PodState::Running: return "running";
    case PodState::Exited: return "exited";
    case PodState::ExitedGarbage: return "exited garbage";
    case PodState::Garbage: return "garbage";
  }
  return "unknown";
}

Result<PodState> pod_state(const PodRef& pod) {
  auto locked = pod_is_locked(pod.path);
  if (!locked) return std::move(locked).error();
  switch (pod.phase) {
    case PodPhase::Embryo: return PodState::Embryo;
    case PodPhase::Prepare: return *locked ? PodState::Preparing : PodState::AbortedPrepare;
    case PodPhase::Prepared: return PodState::Prepared;
    case PodPhase::Run: return *locked ? PodState::Running : PodState::Exited;
    case PodPhase::ExitedGarbage: return PodState::ExitedGarbage;
    case PodPhase::Garbage: return PodState::Garbage;
  }
  return PodState::Garbage;
}

Result<Report> collect(const std::string& data_dir, const Options& options) {
  Report report;
  auto pods = list_pods(data_dir);
  if (!pods) return std::move(pods).error();
  int64_t now = now_ns();
  // Mark.
  for (const auto& p : *pods) {
    auto state = pod_state(p);
    if (!state) {
      report.errors.push_back(state.error().message());
      continue;
    }
    PodPhase to;
    if (*state == PodState::Exited) {
      to = PodPhase::ExitedGarbage;
    } else if (*state == PodState::AbortedPrepare) {
      to = PodPhase::Garbage;
    } else if (*state == PodState::Embryo && !*pod_is_locked(p.path)) {
      to = PodPhase::Garbage;
    } else if (*state == PodState::Prepared && now - mtime_ns(p.path + "/pod-created") >= options.expire_prepared_ns &&
               !*pod_is_locked(p.path)) {  // locked: run-prepared is starting it
      to = PodPhase::Garbage;
    } else {
      continue;
    }
    if (Status s = mark(data_dir, p, to); !s) {
      if (s.error().sys_errno() != ENOENT) report.errors.push_back(s.error().message());  // ENOENT: another gc won
      continue;
    }
    report.marked.push_back(p.uuid);
  }
  if (options.mark_only) return report;
  finish_interrupted(data_dir, &report);
  // Sweep what has been garbage for longer than the grace period.
  pods = list_pods(data_dir);
  if (!pods) return std::move(pods).error();
  now = now_ns();  // after the marks just made
  for (const auto& p : *pods) {
    if (p.phase != PodPhase::ExitedGarbage && p.phase != PodPhase::Garbage) continue;
    if (now - mtime_ns(p.path) < options.grace_period_ns) continue;
    bool busy = false;
    Status s = sweep(data_dir, p, &busy);
    if (!s) {
      report.errors.push_back("removing pod " + p.uuid + ": " + s.error().message());
      continue;
    }
    if (!busy) report.removed.push_back(p.uuid);
  }
  return report;
}

Status remove_pod(const std::string& data_dir, const PodRef& pod) {
  auto state = pod_state(pod);
  if (!state) return std::move(state).error();
  if (*state == PodState::Running || *state == PodState::Preparing) {
    return Error(Errc::InvalidArgument, "pod " + pod.uuid + " is " + state_name(*state) + ": stop it first");
  }
  // Into garbage first, so an interrupted rm leaves the pod where gc finishes it.
  PodRef ref = pod;
  if (pod.phase != PodPhase::Garbage && pod.phase != PodPhase::ExitedGarbage) {
    PodPhase to = pod.phase == PodPhase::Run ? PodPhase::ExitedGarbage : PodPhase::Garbage;
    if (Status s = mark(data_dir, pod, to); !s) return s;
    ref.phase = to;
    ref.path = pod_path(data_dir, to, pod.uuid);
  }
  bool busy = false;
  if (Status s = sweep(data_dir, ref, &busy); !s) return s;
  if (busy) return Error(Errc::InvalidArgument, "pod " + pod.uuid + " is being removed by another process");
  return ok();
}

}  // namespace rkt::gc
