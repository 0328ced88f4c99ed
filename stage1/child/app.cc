// Post-clone code: the app child. See app.h. Runs single-threaded in a forked copy of stage1;
// it reads the Plan built before the fork and ends in _exit, never in return.

#include "stage1/child/app.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/fs.h"
#include "stage2/exec.h"

namespace rkt::stage1::child {
namespace {

[[noreturn]] void die(int report_fd, AppStep step, const std::string& detail) noexcept {
  stage2::report_failure(report_fd, static_cast<stage2::Step>(step), errno, detail.c_str());
  _exit(254);
}

// Creates the directories of `path` inside the root (mkdir -p), each component resolved inside
// it. A symlink on the way is followed inside the root, and a missing target it names is
// created there too (never on the host).
bool mkdirs_in_root(int root, const std::string& path, int depth = 0) {
  if (depth > 40) {
    errno = ELOOP;
    return false;
  }
  std::string cur;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    auto parent = open_in_root(root, cur.empty() ? "/" : cur, O_PATH | O_DIRECTORY);
    if (!parent) return false;
    if (::mkdirat(parent->get(), part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    std::string next = cur + "/" + part;
    if (!open_in_root(root, next, O_PATH | O_DIRECTORY)) {
      // A dangling symlink: create what it names, inside the root.
      char link[4096];
      ssize_t n = ::readlinkat(parent->get(), part.c_str(), link, sizeof link - 1);
      if (n < 0) return false;
      link[n] = '\0';
      std::string target = link[0] == '/' ? std::string(link) : cur + "/" + link;
      if (!mkdirs_in_root(root, target, depth + 1)) return false;
    }
    cur = next;
  }
  return true;
}

// The mount target inside the root, created as a directory or an empty file when missing.
Result<UniqueFd> target_in_root(int root, const std::string& path, bool directory) {
  size_t slash = path.find_last_of('/');
  std::string parent = slash == std::string::npos ? "/" : path.substr(0, slash);
  if (!mkdirs_in_root(root, directory ? path : parent)) return sys_error("creating " + quote(path));
  if (!directory) {
    auto f = open_in_root(root, path, O_WRONLY | O_CREAT | O_NOFOLLOW, 0644);
    if (!f && f.error().sys_errno() != EISDIR) return f;
  }
  return open_in_root(root, path, O_PATH | (directory ? O_DIRECTORY : 0));
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Mounts onto a target resolved inside the root (never through a symlink that leaves it).
bool mount_in_root(int root, const std::string& target, bool directory, const char* source, const char* type,
                   unsigned long flags, const char* data, int report_fd) {
  auto t = target_in_root(root, target, directory);
  if (!t) die(report_fd, AppStep::Mount, target);
  // A bind mount ignores MS_RDONLY: it is made read-only by a remount below.
  unsigned long first = (flags & MS_BIND) ? (flags & ~static_cast<unsigned long>(MS_RDONLY)) : flags;
  if (::mount(source, fd_path(t->get()).c_str(), type, first, data) != 0) {
    die(report_fd, AppStep::Mount, target);
  }
  if (flags & MS_BIND && flags & MS_RDONLY) {
    // The fd still names the directory beneath the new mount: open it again to reach the mount.
    auto top = open_in_root(root, target, O_PATH);
    if (!top ||
        ::mount(nullptr, fd_path(top->get()).c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      die(report_fd, AppStep::Mount, target);
    }
  }
  return true;
}

void write_in_root(int root, const std::string& path, const std::string& content, int report_fd) {
  auto dir = target_in_root(root, path.substr(0, path.find_last_of('/')), true);
  if (!dir) die(report_fd, AppStep::Files, path);
  auto f = open_in_root(root, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!f) die(report_fd, AppStep::Files, path);
  if (::write(f->get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    die(report_fd, AppStep::Files, path);
  }
}

void setup_dev(int root, bool interactive, int report_fd) {
  mount_in_root(root, "/dev", true, "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", report_fd);
  for (const char* d : {"null", "zero", "full", "random", "urandom", "tty"}) {
    std::string host = std::string("/dev/") + d;
    mount_in_root(root, host, false, host.c_str(), nullptr, MS_BIND, nullptr, report_fd);
  }
  // /dev/console: the caller's terminal for an interactive app, else a sink.
  char tty[256] = "/dev/null";
  if (interactive && ::isatty(0) && ::ttyname_r(0, tty, sizeof tty) != 0) std::strcpy(tty, "/dev/null");
  mount_in_root(root, "/dev/console", false, tty, nullptr, MS_BIND, nullptr, report_fd);
  mount_in_root(root, "/dev/pts", true, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620,gid=5", report_fd);
  mount_in_root(root, "/dev/shm", true, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
                report_fd);
  auto dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
  if (!dev) die(report_fd, AppStep::Mount, "/dev");
  for (auto [name, target] : {std::pair{"ptmx", "pts/ptmx"},
                              {"fd", "/proc/self/fd"},
                              {"stdin", "/proc/self/fd/0"},
                              {"stdout", "/proc/self/fd/1"},
                              {"stderr", "/proc/self/fd/2"},
                              {"core", "/proc/kcore"}}) {
    if (::symlinkat(target, dev->get(), name) != 0 && errno != EEXIST)
      die(report_fd, AppStep::Mount, std::string("/dev/") + name);
  }
}

// After pivot_root: /proc and /sys are the pod's own kernel filesystems, so plain paths are safe.
void mask_paths(int report_fd) {
  // Read-only: kernel tunables and triggers. Masked: what leaks host memory or state.
  for (const char* p : {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
    if (::access(p, F_OK) != 0) continue;
    if (::mount(p, p, nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
        ::mount(nullptr, p, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      die(report_fd, AppStep::Mount, p);
    }
  }
  for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/proc/acpi", "/proc/scsi", "/sys/firmware"}) {
    struct stat st {};
    if (::stat(p, &st) != 0) continue;
    int rc = S_ISDIR(st.st_mode) ? ::mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0")
                                 : ::mount("/dev/null", p, nullptr, MS_BIND, nullptr);
    if (rc != 0) die(report_fd, AppStep::Mount, p);
  }
}

[[noreturn]] void exec_stage2(const AppPlan& app, const Command& cmd, int report_fd, bool stdin_null) noexcept {
  if (stdin_null) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) ::dup2(fd, 0);
  }
  stage2::ExecSpec s;
  s.path = cmd.data()[0];
  s.argv = cmd.data();
  s.envp = app.env.data();
  s.cwd = app.cwd.c_str();
  s.uid = app.ids.uid;
  s.gid = app.ids.gid;
  s.groups = app.ids.groups.data();
  s.ngroups = app.ids.groups.size();
  s.bounding = app.caps.bounding;
  s.effective = s.permitted = app.caps.bounding;
  // Nothing inheritable but what is ambient (runc CVE-2022-29162): a file's inheritable
  // capabilities then add nothing when the app executes it.
  s.inheritable = s.ambient = app.caps.ambient;
  s.no_new_privs = app.no_new_privs;
  if (!app.seccomp.empty()) {
    s.seccomp = app.seccomp.data();
    s.seccomp_len = static_cast<unsigned short>(app.seccomp.size());
  }
  s.set_oom_score_adj = app.set_oom_score_adj;
  s.oom_score_adj = app.oom_score_adj;
  s.report_fd = report_fd;
  stage2::exec_app(s);
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 254;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 254;
}

// Runs a handler to completion with the app's identity; its exit status.
int run_handler(const AppPlan& app, const Command& cmd, int report_fd, bool stdin_null) {
  pid_t pid = ::fork();
  if (pid < 0) return 254;
  if (pid == 0) exec_stage2(app, cmd, report_fd, stdin_null);
  return wait_status(pid);
}

}  // namespace

const char* app_step_name(uint32_t step) {
  switch (static_cast<AppStep>(step)) {
    case AppStep::Mount:
      return "mounting";
    case AppStep::Pivot:
      return "entering its root";
    case AppStep::Files:
      return "writing";
    case AppStep::PreStart:
      return "running the pre-start handler";
    case AppStep::Fork:
      return "forking";
    case AppStep::Cgroup:
      return "joining its cgroup";
  }
  return stage2::step_name(step);
}

void run_app(const PodPlan& pod, const AppPlan& app, int report_fd) noexcept {
  // Not dumpable: an app must not reach the keeper's memory or fds through /proc.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // Record this keeper's PID as the host sees it (the host's /proc is still mounted here), for
  // `rkt enter` to find the app's namespaces.
  {
    char self[32] = {};
    if (::readlink("/proc/self", self, sizeof self - 1) > 0) {
      std::string path = pod.pod_dir + "/apps/" + app.name + "/keeper-pid";
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd >= 0) {
        ssize_t unused = ::write(fd, self, std::strlen(self));
        (void)unused;
        ::close(fd);
      }
    }
  }
  if (::unshare(CLONE_NEWNS) != 0) die(report_fd, AppStep::Mount, "new mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die(report_fd, AppStep::Mount, "/");
  const char* root_path = app.root.c_str();
  if (!app.overlay_opts.empty()) {
    // Volatile where the kernel has it (5.10 on; older ones refuse the option with EINVAL).
    bool mounted = ::mount("overlay", root_path, "overlay", 0, app.overlay_volatile_opts.c_str()) == 0;
    if (!mounted && errno == EINVAL)
      mounted = ::mount("overlay", root_path, "overlay", 0, app.overlay_opts.c_str()) == 0;
    if (!mounted) die(report_fd, AppStep::Mount, app.root);
  } else if (::mount(root_path, root_path, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    die(report_fd, AppStep::Mount, app.root);
  }
  UniqueFd root(::open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) die(report_fd, AppStep::Mount, app.root);
  int r = root.get();
  // Files first: the root may become read-only below.
  if (!app.etc_hosts_if_missing || !open_in_root(r, "/etc/hosts", O_PATH)) {
    write_in_root(r, "/etc/hosts", app.etc_hosts, report_fd);
  }
  write_in_root(r, "/etc/hostname", app.etc_hostname, report_fd);
  if (!app.etc_resolv_conf.empty()) write_in_root(r, "/etc/resolv.conf", app.etc_resolv_conf, report_fd);
  mount_in_root(r, "/proc", true, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, report_fd);
  mount_in_root(r, "/sys", true, "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, nullptr, report_fd);
  setup_dev(r, pod.interactive, report_fd);
  for (const auto& m : app.mounts) {
    struct stat st {};
    if (::stat(m.source.c_str(), &st) != 0) die(report_fd, AppStep::Mount, m.source);
    mount_in_root(r, m.target, S_ISDIR(st.st_mode), m.source.c_str(), nullptr,
                  MS_BIND | (m.recursive ? MS_REC : 0) | (m.read_only ? MS_RDONLY : 0), nullptr, report_fd);
  }
  if (app.read_only_rootfs && ::mount(nullptr, root_path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    die(report_fd, AppStep::Mount, "read-only " + app.root);
  }
  // Into the app's cgroups before anything of the app runs, so that everything it starts stays
  // there; and after the mounts and files that are the runtime's, which would otherwise be
  // charged to the app: the page cache of /etc/hosts and the others in the upper directory would
  // keep the app's memory cgroup alive in the kernel after the pod exits (a removed memory
  // cgroup lingers while page cache is charged to it), two per pod until gc.
  for (const auto& procs : app.cgroup.procs_files) {
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) die(report_fd, AppStep::Cgroup, procs);
    ::close(fd);
  }
  // pivot_root(".", "."), then detach the old root stacked beneath (pivot_root(2) notes).
  if (::fchdir(r) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 || ::umount2(".", MNT_DETACH) != 0 ||
      ::chdir("/") != 0) {
    die(report_fd, AppStep::Pivot, app.root);
  }
  root.reset();
  if (pod.masked_paths) mask_paths(report_fd);
  bool stdin_null = !pod.interactive;
  for (const auto& h : app.pre_start) {
    int rc = run_handler(app, h, report_fd, stdin_null);
    if (rc != 0) {
      errno = 0;
      die(report_fd, AppStep::PreStart, h[0] + " exited with status " + std::to_string(rc));
    }
  }
  // With no post-stop handler nothing is left to do once the app exits: the keeper becomes the
  // app, one process fewer in every pod. The supervisor, its parent, waits for it and signals it
  // as it would the keeper, and maps its exit the same way.
  if (app.post_stop.empty()) exec_stage2(app, app.exec, report_fd, stdin_null);
  pid_t main_pid = ::fork();
  if (main_pid < 0) die(report_fd, AppStep::Fork, "");
  if (main_pid == 0) exec_stage2(app, app.exec, report_fd, stdin_null);
  // The keeper: forwards stop signals to the app and waits for it.
  sigset_t waitset;
  ::sigemptyset(&waitset);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) ::sigaddset(&waitset, sig);
  int code = 254;
  for (;;) {
    siginfo_t si{};
    if (::sigwaitinfo(&waitset, &si) < 0) continue;
    if (si.si_signo != SIGCHLD) {
      ::kill(main_pid, si.si_signo);
      continue;
    }
    int status = 0;
    pid_t p = ::waitpid(main_pid, &status, WNOHANG);
    if (p == main_pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
  }
  for (const auto& h : app.post_stop) run_handler(app, h, -1, stdin_null);
  _exit(code);
}

}  // namespace rkt::stage1::child
