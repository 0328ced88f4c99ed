#include "stage1/host/seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "common/fs.h"
#include "common/handle.h"

namespace rkt::stage1 {
namespace {

// rkt's default allow set ("@rkt/default-whitelist"), which is Docker's, plus the syscalls
// today's glibc uses that it predates (clone3, rseq, statx...).
const std::vector<std::string>& default_allowlist() {
  static const std::vector<std::string> kList = {"accept",
                                                 "accept4",
                                                 "access",
                                                 "alarm",
                                                 "bind",
                                                 "brk",
                                                 "capget",
                                                 "capset",
                                                 "chdir",
                                                 "chmod",
                                                 "chown",
                                                 "chown32",
                                                 "clock_getres",
                                                 "clock_gettime",
                                                 "clock_nanosleep",
                                                 "close",
                                                 "connect",
                                                 "copy_file_range",
                                                 "creat",
                                                 "dup",
                                                 "dup2",
                                                 "dup3",
                                                 "epoll_create",
                                                 "epoll_create1",
                                                 "epoll_ctl",
                                                 "epoll_ctl_old",
                                                 "epoll_pwait",
                                                 "epoll_wait",
                                                 "epoll_wait_old",
                                                 "eventfd",
                                                 "eventfd2",
                                                 "execve",
                                                 "execveat",
                                                 "exit",
                                                 "exit_group",
                                                 "faccessat",
                                                 "fadvise64",
                                                 "fadvise64_64",
                                                 "fallocate",
                                                 "fanotify_mark",
                                                 "fchdir",
                                                 "fchmod",
                                                 "fchmodat",
                                                 "fchown",
                                                 "fchown32",
                                                 "fchownat",
                                                 "fcntl",
                                                 "fcntl64",
                                                 "fdatasync",
                                                 "fgetxattr",
                                                 "flistxattr",
                                                 "flock",
                                                 "fork",
                                                 "fremovexattr",
                                                 "fsetxattr",
                                                 "fstat",
                                                 "fstat64",
                                                 "fstatat64",
                                                 "fstatfs",
                                                 "fstatfs64",
                                                 "fsync",
                                                 "ftruncate",
                                                 "ftruncate64",
                                                 "futex",
                                                 "futimesat",
                                                 "getcpu",
                                                 "getcwd",
                                                 "getdents",
                                                 "getdents64",
                                                 "getegid",
                                                 "getegid32",
                                                 "geteuid",
                                                 "geteuid32",
                                                 "getgid",
                                                 "getgid32",
                                                 "getgroups",
                                                 "getgroups32",
                                                 "getitimer",
                                                 "getpeername",
                                                 "getpgid",
                                                 "getpgrp",
                                                 "getpid",
                                                 "getppid",
                                                 "getpriority",
                                                 "getrandom",
                                                 "getresgid",
                                                 "getresgid32",
                                                 "getresuid",
                                                 "getresuid32",
                                                 "getrlimit",
                                                 "get_robust_list",
                                                 "getrusage",
                                                 "getsid",
                                                 "getsockname",
                                                 "getsockopt",
                                                 "get_thread_area",
                                                 "gettid",
                                                 "gettimeofday",
                                                 "getuid",
                                                 "getuid32",
                                                 "getxattr",
                                                 "inotify_add_watch",
                                                 "inotify_init",
                                                 "inotify_init1",
                                                 "inotify_rm_watch",
                                                 "io_cancel",
                                                 "ioctl",
                                                 "io_destroy",
                                                 "io_getevents",
                                                 "ioprio_get",
                                                 "ioprio_set",
                                                 "io_setup",
                                                 "io_submit",
                                                 "ipc",
                                                 "kill",
                                                 "lchown",
                                                 "lchown32",
                                                 "lgetxattr",
                                                 "link",
                                                 "linkat",
                                                 "listen",
                                                 "listxattr",
                                                 "llistxattr",
                                                 "_llseek",
                                                 "lremovexattr",
                                                 "lseek",
                                                 "lsetxattr",
                                                 "lstat",
                                                 "lstat64",
                                                 "madvise",
                                                 "memfd_create",
                                                 "mincore",
                                                 "mkdir",
                                                 "mkdirat",
                                                 "mknod",
                                                 "mknodat",
                                                 "mlock",
                                                 "mlock2",
                                                 "mlockall",
                                                 "mmap",
                                                 "mmap2",
                                                 "mprotect",
                                                 "mq_getsetattr",
                                                 "mq_notify",
                                                 "mq_open",
                                                 "mq_timedreceive",
                                                 "mq_timedsend",
                                                 "mq_unlink",
                                                 "mremap",
                                                 "msgctl",
                                                 "msgget",
                                                 "msgrcv",
                                                 "msgsnd",
                                                 "msync",
                                                 "munlock",
                                                 "munlockall",
                                                 "munmap",
                                                 "nanosleep",
                                                 "newfstatat",
                                                 "_newselect",
                                                 "open",
                                                 "openat",
                                                 "pause",
                                                 "personality",
                                                 "pipe",
                                                 "pipe2",
                                                 "poll",
                                                 "ppoll",
                                                 "prctl",
                                                 "pread64",
                                                 "preadv",
                                                 "prlimit64",
                                                 "pselect6",
                                                 "pwrite64",
                                                 "pwritev",
                                                 "read",
                                                 "readahead",
                                                 "readlink",
                                                 "readlinkat",
                                                 "readv",
                                                 "recv",
                                                 "recvfrom",
                                                 "recvmmsg",
                                                 "recvmsg",
                                                 "remap_file_pages",
                                                 "removexattr",
                                                 "rename",
                                                 "renameat",
                                                 "renameat2",
                                                 "restart_syscall",
                                                 "rmdir",
                                                 "rt_sigaction",
                                                 "rt_sigpending",
                                                 "rt_sigprocmask",
                                                 "rt_sigqueueinfo",
                                                 "rt_sigreturn",
                                                 "rt_sigsuspend",
                                                 "rt_sigtimedwait",
                                                 "rt_tgsigqueueinfo",
                                                 "sched_getaffinity",
                                                 "sched_getattr",
                                                 "sched_getparam",
                                                 "sched_get_priority_max",
                                                 "sched_get_priority_min",
                                                 "sched_getscheduler",
                                                 "sched_rr_get_interval",
                                                 "sched_setaffinity",
                                                 "sched_setattr",
                                                 "sched_setparam",
                                                 "sched_setscheduler",
                                                 "sched_yield",
                                                 "seccomp",
                                                 "select",
                                                 "semctl",
                                                 "semget",
                                                 "semop",
                                                 "semtimedop",
                                                 "send",
                                                 "sendfile",
                                                 "sendfile64",
                                                 "sendmmsg",
                                                 "sendmsg",
                                                 "sendto",
                                                 "setfsgid",
                                                 "setfsgid32",
                                                 "setfsuid",
                                                 "setfsuid32",
                                                 "setgid",
                                                 "setgid32",
                                                 "setgroups",
                                                 "setgroups32",
                                                 "setitimer",
                                                 "setpgid",
                                                 "setpriority",
                                                 "setregid",
                                                 "setregid32",
                                                 "setresgid",
                                                 "setresgid32",
                                                 "setresuid",
                                                 "setresuid32",
                                                 "setreuid",
                                                 "setreuid32",
                                                 "setrlimit",
                                                 "set_robust_list",
                                                 "setsid",
                                                 "setsockopt",
                                                 "set_thread_area",
                                                 "set_tid_address",
                                                 "setuid",
                                                 "setuid32",
                                                 "setxattr",
                                                 "shmat",
                                                 "shmctl",
                                                 "shmdt",
                                                 "shmget",
                                                 "shutdown",
                                                 "sigaltstack",
                                                 "signalfd",
                                                 "signalfd4",
                                                 "sigreturn",
                                                 "socket",
                                                 "socketcall",
                                                 "socketpair",
                                                 "splice",
                                                 "stat",
                                                 "stat64",
                                                 "statfs",
                                                 "statfs64",
                                                 "symlink",
                                                 "symlinkat",
                                                 "sync",
                                                 "sync_file_range",
                                                 "syncfs",
                                                 "sysinfo",
                                                 "syslog",
                                                 "tee",
                                                 "tgkill",
                                                 "time",
                                                 "timer_create",
                                                 "timer_delete",
                                                 "timerfd_create",
                                                 "timerfd_gettime",
                                                 "timerfd_settime",
                                                 "timer_getoverrun",
                                                 "timer_gettime",
                                                 "timer_settime",
                                                 "times",
                                                 "tkill",
                                                 "truncate",
                                                 "truncate64",
                                                 "ugetrlimit",
                                                 "umask",
                                                 "uname",
                                                 "unlink",
                                                 "unlinkat",
                                                 "utime",
                                                 "utimensat",
                                                 "utimes",
                                                 "vfork",
                                                 "vmsplice",
                                                 "wait4",
                                                 "waitid",
                                                 "waitpid",
                                                 "write",
                                                 "writev",
                                                 "arch_prctl",
                                                 "modify_ldt",
                                                 "chroot",
                                                 "clone",
                                                 "clone3",
                                                 "close_range",
                                                 "rseq",
                                                 "statx",
                                                 "openat2",
                                                 "faccessat2",
                                                 "epoll_pwait2",
                                                 "membarrier",
                                                 "preadv2",
                                                 "pwritev2"};
  return kList;
}

Result<int> errno_number(const std::string& name) {
  static const std::pair<const char*, int> kErrnos[] = {
      {"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EIO", EIO},       {"EACCES", EACCES},   {"EFAULT", EFAULT},
      {"EBUSY", EBUSY},   {"EINVAL", EINVAL}, {"ENOSYS", ENOSYS}, {"ENOTSUP", ENOTSUP}, {"EAGAIN", EAGAIN},
      {"ENOMEM", ENOMEM}, {"EEXIST", EEXIST}, {"EROFS", EROFS},   {"ENODEV", ENODEV},
  };
  for (const auto& [n, v] : kErrnos) {
    if (name == n) return v;
  }
  return Error(Errc::InvalidArgument, "unknown errno " + quote(name));
}

// Expands groups. Names a group brings that this architecture lacks (chown32 on x86_64) are
// marked with a leading '?' so that compilation skips them.
Status add_names(std::vector<std::string>* out, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n == "@rkt/default-blacklist" || n == "@docker/default-blacklist") {
      for (const auto& n2 : default_seccomp_blocklist()) out->push_back("?" + n2);
    } else if (n == "@rkt/default-whitelist" || n == "@docker/default-whitelist") {
      for (const auto& n2 : default_allowlist()) out->push_back("?" + n2);
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
  static const std::vector<std::string> kList = {"_sysctl",
                                                 "acct",
                                                 "add_key",
                                                 "adjtimex",
                                                 "bpf",
                                                 "clock_adjtime",
                                                 "clock_settime",
                                                 "create_module",
                                                 "delete_module",
                                                 "finit_module",
                                                 "get_kernel_syms",
                                                 "get_mempolicy",
                                                 "init_module",
                                                 "ioperm",
                                                 "iopl",
                                                 "kcmp",
                                                 "kexec_file_load",
                                                 "kexec_load",
                                                 "keyctl",
                                                 "lookup_dcookie",
                                                 "mbind",
                                                 "mount",
                                                 "move_pages",
                                                 "name_to_handle_at",
                                                 "nfsservctl",
                                                 "open_by_handle_at",
                                                 "perf_event_open",
                                                 "pivot_root",
                                                 "process_vm_readv",
                                                 "process_vm_writev",
                                                 "ptrace",
                                                 "query_module",
                                                 "quotactl",
                                                 "reboot",
                                                 "request_key",
                                                 "set_mempolicy",
                                                 "setns",
                                                 "settimeofday",
                                                 "stime",
                                                 "swapoff",
                                                 "swapon",
                                                 "sysfs",
                                                 "umount",
                                                 "umount2",
                                                 "unshare",
                                                 "uselib",
                                                 "userfaultfd",
                                                 "ustat",
                                                 "vm86",
                                                 "vm86old"};
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
    RKT_TRY_WRAP(add_names(&names, set->set), "isolator " + iso.name);
    if (!set->errno_name.empty()) {
      auto e = errno_number(set->errno_name);
      RKT_TRY_WRAP(e, "isolator " + iso.name);
      err = *e;
    }
  }
  if (!found) {
    for (const auto& n : default_seccomp_blocklist()) names.push_back("?" + n);
  }
  // A retain set allows only its syscalls (the rest fail with errno); a remove set denies its own.
  Handle<void, seccomp_release> ctx(seccomp_init(retain ? SCMP_ACT_ERRNO(static_cast<uint32_t>(err)) : SCMP_ACT_ALLOW));
  if (!ctx) return Error(Errc::Generic, "initializing libseccomp");
  uint32_t action = retain ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(static_cast<uint32_t>(err));
  std::set<int> added;
  for (const auto& name : names) {
    bool optional = !name.empty() && name[0] == '?';
    std::string n = optional ? name.substr(1) : name;
    int nr = seccomp_syscall_resolve_name(n.c_str());
    if (nr == __NR_SCMP_ERROR) {
      if (optional) continue;
      // Names that do not exist on this architecture (vm86 on x86_64) are harmless in a remove
      // set; in a retain set they would silently allow nothing, so they are refused.
      if (!retain) continue;
      return Error(Errc::InvalidArgument, "unknown syscall " + quote(n) + " in the seccomp retain set");
    }
    if (!added.insert(nr).second) continue;
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
    if (::read(::fileno(mem), prog.data(), prog.size() * sizeof(sock_filter)) !=
        static_cast<ssize_t>(prog.size() * sizeof(sock_filter))) {
      rc = -EIO;
    }
  }
  ::fclose(mem);
  if (rc != 0) return Error(Errc::Generic, "exporting the seccomp filter", -rc);
  return prog;
}

}  // namespace rkt::stage1
