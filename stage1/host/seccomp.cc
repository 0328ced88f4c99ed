#include "stage1/host/seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "common/fs.h"

namespace rkt::stage1 {
namespace {

struct CtxDeleter {
  void operator()(void* c) const { seccomp_release(c); }
};

// Syscalls a typical program needs; "@rkt/default-whitelist" in a retain set.
const std::vector<std::string>& default_allowlist() {
  static const std::vector<std::string> kList = {
      "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget", "capset", "chdir", "chmod",
      "chown", "clock_getres", "clock_gettime", "clock_nanosleep", "clone", "clone3", "close", "close_range",
      "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
      "epoll_pwait", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
      "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl",
      "fdatasync", "flock", "fork", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "getcwd", "getdents",
      "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp",
      "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "getrusage", "getsid",
      "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getxattr", "inotify_add_watch",
      "inotify_init", "inotify_init1", "inotify_rm_watch", "ioctl", "kill", "lchown", "lgetxattr", "link", "linkat",
      "listen", "lseek", "lstat", "madvise", "membarrier", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mmap",
      "mprotect", "mremap", "msync", "munlock", "munmap", "nanosleep", "newfstatat", "open", "openat", "openat2",
      "pause", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "pselect6",
      "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom",
      "recvmmsg", "recvmsg", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
      "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
      "rt_sigtimedwait", "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_yield", "select",
      "sendfile", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address", "setgid", "setgroups",
      "setitimer", "setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid", "setsid",
      "setsockopt", "setuid", "shutdown", "sigaltstack", "socket", "socketpair", "splice", "stat", "statfs",
      "statx", "symlink", "symlinkat", "sync", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
      "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime",
      "tkill", "truncate", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork", "wait4",
      "waitid", "write", "writev"};
  return kList;
}

Result<int> errno_number(const std::string& name) {
  static const std::pair<const char*, int> kErrnos[] = {
      {"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EIO", EIO},       {"EACCES", EACCES}, {"EFAULT", EFAULT},
      {"EBUSY", EBUSY}, {"EINVAL", EINVAL}, {"ENOSYS", ENOSYS}, {"ENOTSUP", ENOTSUP}, {"EAGAIN", EAGAIN},
      {"ENOMEM", ENOMEM}, {"EEXIST", EEXIST}, {"EROFS", EROFS}, {"ENODEV", ENODEV},
  };
  for (const auto& [n, v] : kErrnos) {
    if (name == n) return v;
  }
  return Error(Errc::InvalidArgument, "unknown errno " + quote(name));
}

Status add_names(std::vector<std::string>* out, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n == "@rkt/default-blacklist" || n == "@docker/default-blacklist") {
      out->insert(out->end(), default_seccomp_blocklist().begin(), default_seccomp_blocklist().end());
    } else if (n == "@rkt/default-whitelist" || n == "@docker/default-whitelist") {
      out->insert(out->end(), default_allowlist().begin(), default_allowlist().end());
    } else if (!n.empty() && n[0] == '@') {
      return Error(Errc::InvalidArgument, "unknown seccomp syscall group " + quote(n));
    } else {
      out->push_back(n);
    }
  }
  return ok();
}

}  // namespace

const std::vector<std::string>& default_seccomp_blocklist() {
  static const std::vector<std::string> kList = {
      "_sysctl", "acct", "add_key", "adjtimex", "bpf", "clock_adjtime", "clock_settime", "create_module",
      "delete_module", "finit_module", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
      "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "move_pages",
      "name_to_handle_at", "nfsservctl", "open_by_handle_at", "perf_event_open", "personality", "pivot_root",
      "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl", "reboot", "request_key",
      "set_mempolicy", "setns", "settimeofday", "stime", "swapoff", "swapon", "sysfs", "umount", "umount2",
      "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old"};
  return kList;
}

Result<std::vector<sock_filter>> compile_seccomp(const spec::Isolators& isolators, bool insecure) {
  if (insecure) return std::vector<sock_filter>{};
  bool retain = false;
  std::vector<std::string> names;
  int err = EPERM;
  bool found = false;
  for (const auto& iso : isolators) {
    if (iso.name != spec::kIsolatorSeccompRetain && iso.name != spec::kIsolatorSeccompRemove) continue;
    const auto* set = std::get_if<spec::SeccompSet>(&iso.value);
    if (!set) continue;
    found = true;
    retain = iso.name == spec::kIsolatorSeccompRetain;
    if (Status s = add_names(&names, set->set); !s) return std::move(s).error().wrap("isolator " + iso.name);
    if (!set->errno_name.empty()) {
      auto e = errno_number(set->errno_name);
      if (!e) return std::move(e).error().wrap("isolator " + iso.name);
      err = *e;
    }
  }
  if (!found) names = default_seccomp_blocklist();
  // A retain set allows only its syscalls (the rest fail with errno); a remove set denies its own.
  std::unique_ptr<void, CtxDeleter> ctx(seccomp_init(retain ? SCMP_ACT_ERRNO(static_cast<uint32_t>(err)) : SCMP_ACT_ALLOW));
  if (!ctx) return Error(Errc::Generic, "initializing libseccomp");
  uint32_t action = retain ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(static_cast<uint32_t>(err));
  for (const auto& n : names) {
    int nr = seccomp_syscall_resolve_name(n.c_str());
    if (nr == __NR_SCMP_ERROR) {
      // Names that do not exist on this architecture (vm86 on x86_64) are harmless in a remove
      // set; in a retain set they would silently allow nothing, so they are refused.
      if (!retain) continue;
      return Error(Errc::InvalidArgument, "unknown syscall " + quote(n) + " in the seccomp retain set");
    }
    if (seccomp_rule_add(ctx.get(), action, nr, 0) != 0) {
      return Error(Errc::Generic, "adding syscall " + quote(n) + " to the seccomp filter");
    }
  }
  // Export the BPF program through a pipe-backed memory file.
  FILE* mem = ::tmpfile();
  if (!mem) return sys_error("creating a temporary file for the seccomp filter");
  int rc = seccomp_export_bpf(ctx.get(), ::fileno(mem));
  std::vector<sock_filter> prog;
  if (rc == 0) {
    long size = ::lseek(::fileno(mem), 0, SEEK_END);
    ::lseek(::fileno(mem), 0, SEEK_SET);
    prog.resize(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::read(::fileno(mem), prog.data(), prog.size() * sizeof(sock_filter)) != static_cast<ssize_t>(prog.size() * sizeof(sock_filter))) {
      rc = -EIO;
    }
  }
  ::fclose(mem);
  if (rc != 0) return Error(Errc::Generic, "exporting the seccomp filter", -rc);
  return prog;
}

}  // namespace rkt::stage1
