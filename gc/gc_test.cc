#include "gc/gc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/command.h"

#include "common/fs.h"

namespace rkt::gc {
namespace {

class GcTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (pid_t p : holders_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
  }
  std::string pod(PodPhase phase, bool with_files = true) {
    std::string uuid = *new_pod_uuid();
    std::string p = pod_path(dir_, phase, uuid);
    EXPECT_TRUE(make_dirs(p + "/apps/app/rootfs", 0755));
    if (with_files) {
      EXPECT_TRUE(write_file_atomic(p + "/pod-created", "", 0644, Overwrite::No));
      EXPECT_TRUE(write_file_atomic(p + "/lock", "", 0644, Overwrite::No));
    }
    return uuid;
  }
  // A child process holding the pod's lock, as a live stage1 does.
  void hold(PodPhase phase, const std::string& uuid) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      auto lock = PodLock::acquire(pod_path(dir_, phase, uuid), LockMode::Exclusive, Wait::No, true);
      char c = lock ? '1' : '0';
      (void)!::write(ready[1], &c, 1);
      ::pause();
      _exit(0);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(c, '1');
    ::close(ready[0]);
    ::close(ready[1]);
    holders_.push_back(pid);
  }
  bool exists(PodPhase phase, const std::string& uuid) {
    return ::access(pod_path(dir_, phase, uuid).c_str(), F_OK) == 0;
  }

  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
  std::vector<pid_t> holders_;
};

TEST_F(GcTest, StatesComeFromPhaseAndLock) {
  std::string running = pod(PodPhase::Run), exited = pod(PodPhase::Run), aborted = pod(PodPhase::Prepare);
  hold(PodPhase::Run, running);
  EXPECT_EQ(*pod_state(*find_pod(dir_, running)), PodState::Running);
  EXPECT_EQ(*pod_state(*find_pod(dir_, exited)), PodState::Exited);
  EXPECT_EQ(*pod_state(*find_pod(dir_, aborted)), PodState::AbortedPrepare);
}

TEST_F(GcTest, MarksThenSweepsAfterTheGracePeriodAndLeavesLivePodsAlone) {
  std::string running = pod(PodPhase::Run), exited = pod(PodPhase::Run), aborted = pod(PodPhase::Prepare),
              prepared = pod(PodPhase::Prepared);
  hold(PodPhase::Run, running);
  Options grace;  // 30 minutes
  auto first = collect(dir_, grace);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->marked.size(), 2u);
  EXPECT_TRUE(first->removed.empty()) << "inside the grace period";
  EXPECT_TRUE(exists(PodPhase::ExitedGarbage, exited));
  EXPECT_TRUE(exists(PodPhase::Garbage, aborted));
  Options now;
  now.grace_period_ns = 0;
  auto second = collect(dir_, now);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->removed.size(), 2u);
  EXPECT_FALSE(exists(PodPhase::ExitedGarbage, exited));
  EXPECT_FALSE(exists(PodPhase::Garbage, aborted));
  EXPECT_TRUE(exists(PodPhase::Run, running)) << "a live pod is never touched";
  EXPECT_TRUE(exists(PodPhase::Prepared, prepared)) << "not expired yet";
  auto third = collect(dir_, now);
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->marked.empty() && third->removed.empty()) << "a second run is a no-op";
  now.expire_prepared_ns = 0;
  auto expire = collect(dir_, now);
  EXPECT_EQ(expire->removed.size(), 1u);
  EXPECT_FALSE(exists(PodPhase::Prepared, prepared));
}

TEST_F(GcTest, MarkOnlyAndInterruptedSweeps) {
  std::string exited = pod(PodPhase::Run);
  Options mark_only;
  mark_only.mark_only = true;
  mark_only.grace_period_ns = 0;
  auto r = collect(dir_, mark_only);
  EXPECT_EQ(r->marked.size(), 1u);
  EXPECT_TRUE(exists(PodPhase::ExitedGarbage, exited));
  // A sweep interrupted half-way leaves a pod in garbage without its lock file: the next run
  // finishes it.
  ::unlink((pod_path(dir_, PodPhase::ExitedGarbage, exited) + "/lock").c_str());
  Options now;
  now.grace_period_ns = 0;
  auto again = collect(dir_, now);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->removed.size(), 1u) << (again->errors.empty() ? "" : again->errors[0]);
  EXPECT_FALSE(exists(PodPhase::ExitedGarbage, exited));
  // A collector killed after claiming a pod leaves a .deleting-* directory: finished next time.
  std::string left = dir_ + "/pods/garbage/.deleting-" + exited + "-1-2";
  ASSERT_TRUE(make_dirs(left + "/apps/x", 0755));
  // So does a pod whose creator died before it was named.
  std::string unnamed = dir_ + "/pods/embryo/.new-" + exited;
  std::string fresh = dir_ + "/pods/embryo/.new-fresh";
  ASSERT_TRUE(make_dirs(unnamed, 0755));
  ASSERT_TRUE(make_dirs(fresh, 0755));
  struct timespec old[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, unnamed.c_str(), old, 0), 0);
  auto last = collect(dir_, now);
  ASSERT_TRUE(last);
  EXPECT_NE(::access(left.c_str(), F_OK), 0);
  EXPECT_NE(::access(unnamed.c_str(), F_OK), 0);
  EXPECT_EQ(::access(fresh.c_str(), F_OK), 0) << "a pod being created right now is left alone";
}

TEST_F(GcTest, ConcurrentCollectorsNeverFight) {
  std::vector<std::string> pods;
  for (int i = 0; i < 20; ++i) pods.push_back(pod(PodPhase::Run));
  std::vector<pid_t> kids;
  for (int i = 0; i < 4; ++i) {
    pid_t p = ::fork();
    if (p == 0) {
      Options now;
      now.grace_period_ns = 0;
      auto r = collect(dir_, now);
      if (r) {
        for (const auto& e : r->errors) std::fprintf(stderr, "gc error: %s\n", e.c_str());
      }
      _exit(r && r->errors.empty() ? 0 : 1);  // losing a race to another collector is not an error
    }
    kids.push_back(p);
  }
  for (pid_t p : kids) {
    int status = 0;
    ::waitpid(p, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_TRUE(list_pods(dir_)->empty());
}

// Pods are swept by several workers at once (on a machine with more than one core), and the
// report still lists them in the order the pods are listed.
TEST_F(GcTest, PodsAreSweptSideBySideAndReportedInOrder) {
  for (int i = 0; i < 12; ++i) pod(PodPhase::Run);
  std::vector<std::string> listed;
  auto before = list_pods(dir_);
  ASSERT_TRUE(before);
  for (const auto& p : *before) listed.push_back(p.uuid);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0, most = 0;
  Options now;
  now.grace_period_ns = 0;
  now.before_teardown = [&](const PodRef&) {
    std::unique_lock<std::mutex> l(mu);
    most = std::max(most, ++inside);
    cv.notify_all();
    // Until two were inside at once, waits a little for another worker (none comes with one core).
    cv.wait_for(l, std::chrono::seconds(2), [&] { return most > 1; });
    --inside;
  };
  auto r = collect(dir_, now);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->errors.empty());
  EXPECT_TRUE(list_pods(dir_)->empty()) << "all removed";
  EXPECT_EQ(r->removed, listed) << "in the listing's order (by UUID), whichever worker removed each";
  if (std::thread::hardware_concurrency() > 1) {
    EXPECT_GE(most, 2) << "two pods were being torn down at once";
  }
}

TEST_F(GcTest, AFailingLockProbeIsReportedAndTheOthersAreStillCollected) {
  // A lock that cannot be probed (here a symlink where the lock file should be) says nothing
  // about the pod: gc reports it, leaves it alone and goes on with the others.
  std::string broken = pod(PodPhase::Embryo, false), exited = pod(PodPhase::Run);
  ASSERT_EQ(::symlink("/dev/null", (pod_path(dir_, PodPhase::Embryo, broken) + "/lock").c_str()), 0);
  Options now;
  now.grace_period_ns = 0;
  auto r = collect(dir_, now);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_NE(r->errors[0].find(broken), std::string::npos) << r->errors[0];
  EXPECT_TRUE(exists(PodPhase::Embryo, broken));
  EXPECT_EQ(r->removed, std::vector<std::string>{exited});
}

TEST_F(GcTest, RemovePodRefusesRunningPods) {
  std::string running = pod(PodPhase::Run), exited = pod(PodPhase::Run);
  hold(PodPhase::Run, running);
  Status s = remove_pod(dir_, *find_pod(dir_, running));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("is currently running"), std::string::npos);
  EXPECT_TRUE(remove_pod(dir_, *find_pod(dir_, exited)));
  EXPECT_FALSE(find_pod(dir_, exited));
}

}  // namespace
}  // namespace rkt::gc
