// Post-fork code: system calls only, no allocation, no exceptions, never returns.

#include "stage2/exec.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace rkt::stage2 {
namespace {

constexpr int kLastCap = 63;

int capset_masks(uint64_t effective, uint64_t permitted, uint64_t inheritable) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2];
  data[0].effective = static_cast<uint32_t>(effective);
  data[1].effective = static_cast<uint32_t>(effective >> 32);
  data[0].permitted = static_cast<uint32_t>(permitted);
  data[1].permitted = static_cast<uint32_t>(permitted >> 32);
  data[0].inheritable = static_cast<uint32_t>(inheritable);
  data[1].inheritable = static_cast<uint32_t>(inheritable >> 32);
  return static_cast<int>(::syscall(SYS_capset, &header, data));
}

uint64_t current_permitted() noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return 0;
  return static_cast<uint64_t>(data[0].permitted) | (static_cast<uint64_t>(data[1].permitted) << 32);
}

[[noreturn]] void fail(const ExecSpec& s, Step step, const char* detail) noexcept {
  report_failure(s.report_fd, step, errno, detail);
  _exit(254);
}

}  // namespace

const char* step_name(uint32_t step) {
  switch (static_cast<Step>(step)) {
    case Step::CloseFds:
      return "closing file descriptors";
    case Step::Chdir:
      return "changing to the working directory";
    case Step::OomScoreAdj:
      return "setting oom_score_adj";
    case Step::Bounding:
      return "dropping the capability bounding set";
    case Step::Setgroups:
      return "setting the supplementary groups";
    case Step::Setgid:
      return "setting the gid";
    case Step::Setuid:
      return "setting the uid";
    case Step::NoNewPrivs:
      return "setting no_new_privs";
    case Step::Seccomp:
      return "loading the seccomp filter";
    case Step::Capabilities:
      return "setting the capabilities";
    case Step::Ambient:
      return "raising ambient capabilities";
    case Step::Exec:
      return "executing";
  }
  return "starting the app";
}

void report_failure(int fd, Step step, int err, const char* detail) noexcept {
  if (fd < 0) return;
  Failure f{};
  f.step = static_cast<uint32_t>(step);
  f.err = err;
  if (detail) {
    size_t n = ::strnlen(detail, sizeof f.detail - 1);
    ::memcpy(f.detail, detail, n);
  }
  ssize_t unused = ::write(fd, &f, sizeof f);
  (void)unused;
}

void exec_app(const ExecSpec& s) noexcept {
  // 1. Only stdio and the report fd survive; the report fd closes on exec.
  if (s.report_fd > 3) {
    if (::syscall(SYS_close_range, 3u, static_cast<unsigned>(s.report_fd - 1), 0u) != 0) fail(s, Step::CloseFds, "");
  }
  if (::syscall(SYS_close_range, static_cast<unsigned>(s.report_fd < 3 ? 3 : s.report_fd + 1), ~0u, 0u) != 0) {
    fail(s, Step::CloseFds, "");
  }
  // 2. Inside the new root already: the path cannot leave it.
  if (::chdir(s.cwd) != 0) fail(s, Step::Chdir, s.cwd);
  // 3.
  if (s.set_oom_score_adj) {
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    char buf[16];
    int v = s.oom_score_adj, n = 0;
    char digits[12];
    bool neg = v < 0;
    unsigned u = neg ? static_cast<unsigned>(-v) : static_cast<unsigned>(v);
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    int len = 0;
    if (neg) buf[len++] = '-';
    while (n) buf[len++] = digits[--n];
    if (fd < 0 || ::write(fd, buf, static_cast<size_t>(len)) != len)
      fail(s, Step::OomScoreAdj, "/proc/self/oom_score_adj");
    ::close(fd);
  }
  // 4.
  for (int cap = 0; cap <= kLastCap; ++cap) {
    if (s.bounding & (uint64_t{1} << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) fail(s, Step::Bounding, "");
  }
  // 5.
  if (::setgroups(s.ngroups, s.groups) != 0) fail(s, Step::Setgroups, "");
  if (::setresgid(s.gid, s.gid, s.gid) != 0) fail(s, Step::Setgid, "");
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail(s, Step::Setuid, "PR_SET_KEEPCAPS");
  if (::setresuid(s.uid, s.uid, s.uid) != 0) fail(s, Step::Setuid, "");
  // Effective again (setresuid to a non-root uid clears it) for the seccomp load.
  uint64_t perm = current_permitted();
  if (capset_masks(perm, perm, s.inheritable & perm) != 0) fail(s, Step::Capabilities, "");
  // 6.
  if (s.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(s, Step::NoNewPrivs, "");
  // 7.
  if (s.seccomp) {
    sock_fprog prog{s.seccomp_len, const_cast<sock_filter*>(s.seccomp)};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) fail(s, Step::Seccomp, "");
  }
  // 8.
  if (capset_masks(s.effective & perm, s.permitted & perm, s.inheritable & perm) != 0) fail(s, Step::Capabilities, "");
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail(s, Step::Capabilities, "PR_SET_KEEPCAPS");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) fail(s, Step::Ambient, "");
  for (int cap = 0; cap <= kLastCap; ++cap) {
    if (!(s.ambient & (uint64_t{1} << cap))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) fail(s, Step::Ambient, "");
  }
  // 9. The supervisor blocks signals it waits for; the app starts with none blocked.
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Test-only: a test holds the process here, its confinement complete, its binary still the
  // runtime's (RunTest.EnterCannotBeReachedThroughProcExe).
  if (const char* at = std::getenv("RKT_TEST_STOP_AT"); at && std::strcmp(at, "stage2-exec") == 0) ::raise(SIGSTOP);
  ::execve(s.path, s.argv, s.envp);
  fail(s, Step::Exec, s.path);
}

}  // namespace rkt::stage2
