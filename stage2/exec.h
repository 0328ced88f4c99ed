#pragma once

// stage2: the last hop of an app. Runs in a forked child, already inside the app's root (after
// pivot_root) and its namespaces. Everything it needs was computed before the fork: it only
// makes system calls, allocates nothing and never returns.
//
// Order (each step needs the privileges the previous ones leave):
//   1. close every fd but 0, 1, 2 and the report fd (no host fd may reach the app);
//   2. chdir into the working directory (inside the new root);
//   3. oom_score_adj;
//   4. drop the capability bounding set to the app's set;
//   5. setgroups, setresgid, then setresuid keeping capabilities for the next steps;
//   6. no_new_privs when asked;
//   7. seccomp, while CAP_SYS_ADMIN is still effective;
//   8. the final effective, permitted and inheritable sets, then the ambient set;
//   9. execve.
// A failing step writes a Failure to the report fd (close-on-exec, so a successful execve
// closes it: EOF means success) and exits with status 254.

#include <linux/filter.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace rkt::stage2 {

struct ExecSpec {
  const char* path = nullptr;  ///< executable, inside the root
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;
  size_t ngroups = 0;
  uint64_t bounding = 0;  ///< capability bitmasks (bit n = capability n)
  uint64_t effective = 0;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  uint64_t ambient = 0;
  bool no_new_privs = false;
  const sock_filter* seccomp = nullptr;  ///< null: no filter
  unsigned short seccomp_len = 0;
  bool set_oom_score_adj = false;
  int oom_score_adj = 0;
  int report_fd = -1;
};

enum class Step : uint32_t {
  CloseFds = 1,
  Chdir,
  OomScoreAdj,
  Bounding,
  Setgroups,
  Setgid,
  Setuid,
  NoNewPrivs,
  Seccomp,
  Capabilities,
  Ambient,
  Exec,
};

/// What a failed step reports, as plain data.
struct Failure {
  uint32_t step;
  int32_t err;
  char detail[256];
};

/// A short description of a step ("setting the uid"), for messages.
const char* step_name(uint32_t step);

/// Writes a Failure to `fd` (when valid). Async-signal-safe.
void report_failure(int fd, Step step, int err, const char* detail) noexcept;

[[noreturn]] void exec_app(const ExecSpec& spec) noexcept;

}  // namespace rkt::stage2
