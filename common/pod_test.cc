#include "common/pod.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/command.h"

#include "common/fs.h"

namespace rkt {
namespace {

class PodTest : public ::testing::Test {
 protected:
  std::string make_pod(PodPhase phase) {
    std::string uuid = *new_pod_uuid();
    EXPECT_TRUE(make_dirs(pod_path(dir_, phase, uuid), 0750));
    return uuid;
  }
  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
};

TEST_F(PodTest, UuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string u = *new_pod_uuid();
    EXPECT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(seen.insert(u).second);
  }
}

TEST_F(PodTest, LockIsSeenFromAnotherProcess) {
  std::string uuid = make_pod(PodPhase::Run);
  std::string pod = pod_path(dir_, PodPhase::Run, uuid);
  auto lock = PodLock::acquire(pod, LockMode::Exclusive, Wait::No, true);
  ASSERT_TRUE(lock) << lock.error().message();
  pid_t pid = ::fork();
  if (pid == 0) _exit(*pod_is_locked(pod) ? 0 : 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a held lock reads as live";
  { auto moved = std::move(lock); }
  pid = ::fork();
  if (pid == 0) _exit(*pod_is_locked(pod) ? 1 : 0);
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a released lock reads as exited";
}

TEST_F(PodTest, LockSurvivesTheRenameOfItsPod) {
  std::string uuid = make_pod(PodPhase::Prepare);
  auto lock = PodLock::acquire(pod_path(dir_, PodPhase::Prepare, uuid), LockMode::Exclusive, Wait::No, true);
  ASSERT_TRUE(lock);
  ASSERT_TRUE(move_pod(dir_, uuid, PodPhase::Prepare, PodPhase::Run));
  pid_t pid = ::fork();
  if (pid == 0) _exit(*pod_is_locked(pod_path(dir_, PodPhase::Run, uuid)) ? 0 : 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(PodTest, FindByUniquePrefix) {
  std::string a = make_pod(PodPhase::Prepared);
  std::string b = make_pod(PodPhase::Run);
  auto found = find_pod(dir_, a.substr(0, 8));
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(found->uuid, a);
  EXPECT_EQ(found->phase, PodPhase::Prepared);
  EXPECT_EQ(find_pod(dir_, b)->phase, PodPhase::Run);
  EXPECT_EQ(find_pod(dir_, "ffffffff-nope").error().code(), Errc::NotFound);
  EXPECT_EQ(list_pods(dir_)->size(), 2u);
  if (a[0] == b[0]) {
    EXPECT_FALSE(find_pod(dir_, a.substr(0, 1)));
  }
}

}  // namespace
}  // namespace rkt
