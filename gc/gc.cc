#include "gc/gc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <system_error>
#include <thread>

#include "common/crash_point.h"
#include "common/duration.h"
#include "common/fs.h"
#include "common/stage1_abi.h"

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
  RKT_TRY(info);
  std::vector<std::string> targets;
  std::istringstream in(*info);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, mp;
    f >> id >> parent >> dev >> root >> mp;
    if (mp == dir || mp.rfind(dir + "/", 0) == 0) targets.push_back(mp);
  }
  std::sort(targets.begin(), targets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& t : targets) {
    if (::umount2(t.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return sys_error("unmounting " + quote(t));
    }
  }
  return ok();
}

// Claims a directory for removal by renaming it to a name no one else will pick: of two
// collectors, the one whose rename succeeds removes it, the other finds it gone.
Result<std::string> claim(const std::string& path, const std::string& uuid) {
  std::string parent = path.substr(0, path.rfind('/'));
  std::string claimed =
      parent + "/.deleting-" + uuid.substr(0, 36) + "-" + std::to_string(::getpid()) + "-" + std::to_string(now_ns());
  if (::rename(path.c_str(), claimed.c_str()) != 0) {
    if (errno == ENOENT) return std::string();
    return sys_error("claiming " + quote(path) + " for removal");
  }
  return claimed;
}

// Removes a garbage pod. Its lock held by someone else means another collector (or rm) is at it.
// What stage1 made outside the pod directory goes first, through its gc entrypoint; pods whose
// stage1 has none get the cgroups it recorded removed here.
Status teardown(const PodRef& pod, const std::function<void(const PodRef&)>& before) {
  if (before) before(pod);
  auto entry = stage1_abi::find_entrypoint(pod.path, stage1_abi::Entrypoint::Gc);
  if (!entry) return stage1_abi::remove_pod_cgroups(pod.path, pod.uuid);
  auto rc = stage1_abi::run_entrypoint(*entry, pod.path, {pod.uuid});
  RKT_TRY(rc);
  if (*rc != 0) return Error(Errc::Generic, "the stage1 gc entrypoint failed with status " + std::to_string(*rc));
  return ok();
}

Status sweep(const PodRef& pod, bool* busy, const std::function<void(const PodRef&)>& before) {
  auto lock = PodLock::acquire(pod.path, LockMode::Exclusive, Wait::No);
  if (!lock) {
    if (lock.error().sys_errno() == EWOULDBLOCK) {
      *busy = true;
      return ok();
    }
    if (lock.error().sys_errno() != ENOENT) return std::move(lock).error();
  }
  if (Status s = teardown(pod, before); !s) return s;
  crash_point("gc-torn-down");
  if (Status s = unmount_below(pod.path); !s) return s;
  auto claimed = claim(pod.path, pod.uuid);
  RKT_TRY(claimed);
  if (claimed->empty()) return ok();
  // The claim is durable before the removal starts: a power cut cannot bring back a pod that is
  // half removed under its own name.
  if (Status s = sync_dir(claimed->substr(0, claimed->rfind('/'))); !s) return s;
  crash_point("gc-claimed");
  if (Status s = stage1_abi::remove_pod_cgroups(*claimed, pod.uuid); !s) return s;
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
      if (!locked) {
        report->errors.push_back(locked.error().message());
        continue;
      }
      if (*locked) continue;
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
      std::string uuid = n.substr(10, 36);
      auto claimed = claim(dir + "/" + n, uuid);
      if (!claimed || claimed->empty()) continue;
      Status s = stage1_abi::remove_pod_cgroups(*claimed, uuid);
      if (s) s = remove_tree(*claimed);
      if (!s) report->errors.push_back("removing " + quote(*claimed) + ": " + s.error().message());
    }
  }
}

}  // namespace

Result<Report> collect(const std::string& data_dir, const Options& options) {
  Report report;
  auto pods = list_pods(data_dir);
  RKT_TRY(pods);
  int64_t now = now_ns();
  // Mark.
  for (const auto& p : *pods) {
    bool locked = false;
    auto state = pod_state(p, &locked);
    if (!state) {
      report.errors.push_back(state.error().message());
      continue;
    }
    // Embryo and prepared pods are unlocked at rest; locked, they are being filled or started.
    PodPhase to;
    if (*state == PodState::Exited) {
      to = PodPhase::ExitedGarbage;
    } else if (*state == PodState::AbortedPrepare || (*state == PodState::Embryo && !locked) ||
               (*state == PodState::Prepared && !locked && now - ctime_ns(p.path) >= options.expire_prepared_ns)) {
      to = PodPhase::Garbage;
    } else {
      continue;
    }
    if (Status s = mark(data_dir, p, to); !s) {
      if (s.error().sys_errno() != ENOENT) report.errors.push_back(s.error().message());  // ENOENT: another gc won
      continue;
    }
    report.marked.push_back({p.uuid, *state});
  }
  if (options.mark_only) return report;
  crash_point("gc-marked");
  finish_interrupted(data_dir, &report);
  // Sweep what has been garbage for longer than the grace period.
  pods = list_pods(data_dir);
  RKT_TRY(pods);
  now = now_ns();  // after the marks just made
  std::vector<const PodRef*> due;
  for (const auto& p : *pods) {
    if (p.phase != PodPhase::ExitedGarbage && p.phase != PodPhase::Garbage) continue;
    if (now - mtime_ns(p.path) < options.grace_period_ns) continue;
    due.push_back(&p);
  }
  // A sweep mostly waits, for its stage1's gc entrypoint and for the disk: the pods are shared
  // out among up to one worker per core (at most four), each pod swept by one worker alone (CNI
  // lets a runtime tear down different containers at once). The report keeps the listing's order.
  struct Outcome {
    Status status;
    bool busy = false;
  };
  std::vector<Outcome> outcomes(due.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < due.size(); i = next++) {
      outcomes[i].status = sweep(*due[i], &outcomes[i].busy, options.before_teardown);
    }
  };
  size_t workers = std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 4, due.size()});
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer workers: the ones there are sweep everything
    }
  }
  work();
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < due.size(); ++i) {
    if (!outcomes[i].status) {
      report.errors.push_back("removing pod " + due[i]->uuid + ": " + outcomes[i].status.error().message());
    } else if (!outcomes[i].busy) {
      report.removed.push_back(due[i]->uuid);
    }
  }
  return report;
}

Status remove_pod(const std::string& data_dir, const PodRef& pod,
                  const std::function<void(const PodRef&)>& before_teardown) {
  auto state = pod_state(pod);
  RKT_TRY(state);
  // rkt's rm.go texts.
  if (is_live(*state)) {
    return Error(Errc::InvalidArgument, "pod " + quote(pod.uuid) + " is currently " +
                                            (*state == PodState::Running ? "running" : "being prepared"));
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
  if (Status s = sweep(ref, &busy, before_teardown); !s) return s;
  if (busy) return Error(Errc::InvalidArgument, "pod " + quote(pod.uuid) + " is currently being deleted");
  return ok();
}

}  // namespace rkt::gc
