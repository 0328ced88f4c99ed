// stage1: enter entrypoint. Runs a command in a running app with exactly the app's confinement:
// its cgroups, namespaces (and so its root), user and groups, capability sets, no_new_privs and
// seccomp filter, through the same stage2 hop the app went through. (rkt's own enter gave
// processes every capability, no seccomp filter and no cgroup: CVE-2019-10144/10145/10147.)
//
//   enter [--debug] --app=NAME UUID -- CMD [ARGS...]     (cwd: the pod directory)

#include "stage1/enter.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

#include "common/fs.h"
#include "common/stage1_abi.h"
#include "common/unique_fd.h"
#include "stage1/child/app.h"
#include "stage1/host/plan.h"
#include "stage1/report.h"
#include "stage2/exec.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace rkt::stage1 {
int enter_main(int argc, char** argv) {
  std::string app_name, uuid;
  std::vector<std::string> cmd;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) cmd.push_back(argv[i]);
      break;
    }
    if (a.rfind("--app=", 0) == 0) {
      app_name = a.substr(6);
    } else if (a.rfind("--", 0) != 0) {
      uuid = a;
    }
  }
  if (uuid.empty() || cmd.empty()) return report(Error(Errc::Usage, "usage: enter [--app=NAME] UUID -- CMD [ARGS...]"));
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return report(sys_error("reading the working directory (the pod directory)"));
  auto plan = build_plan(cwd, uuid);
  if (!plan) return report(std::move(plan).error().wrap("entering pod " + uuid));
  AppPlan* app = nullptr;
  if (app_name.empty()) {
    if (plan->apps.size() != 1) {
      return report(
          Error(Errc::Usage, "pod " + uuid + " has " + std::to_string(plan->apps.size()) + " apps: give --app"));
    }
    app = &plan->apps[0];
  } else {
    for (auto& a : plan->apps) {
      if (a.name == app_name) app = &a;
    }
    if (!app) return report(Error(Errc::NotFound, "pod " + uuid + " has no app " + quote(app_name)));
  }
  auto keeper = read_file(std::string(cwd) + "/apps/" + app->name + "/keeper-pid", 64);
  if (!keeper) return report(std::move(keeper).error().wrap("app " + quote(app->name) + " is not running"));
  std::string proc = "/proc/" + keeper->substr(0, keeper->find('\n'));
  // The app's cgroups (host paths, so before the mount namespace changes).
  if (auto list = stage1_abi::read_cgroup_record(cwd)) {
    for (const auto& dir : *list) {
      if (dir.size() > app->name.size() &&
          dir.compare(dir.size() - app->name.size() - 1, std::string::npos, "/" + app->name) == 0) {
        int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ::write(fd, "0", 1) != 1) return report(sys_error("joining cgroup " + quote(dir)));
        ::close(fd);
      }
    }
  }
  // Not dumpable from here until the command executes (execve resets it): a pod process can then
  // not reach this binary, a host file, through /proc/<pid>/exe (runc's CVE-2019-5736). The
  // child forked into the pod inherits it.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return report(sys_error("making the entering process undumpable"));
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's exit check ptraces this process from a helper it clones, which after setns
  // into the pod's PID namespace cannot see this process and waits forever: check now, once.
  __lsan_do_leak_check();
#endif
  // Namespaces: the mount namespace last (it changes the root this process sees).
  for (const char* ns : {"ipc", "uts", "net", "pid", "mnt"}) {
    UniqueFd fd(::open((proc + "/ns/" + ns).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
      return report(sys_error("opening the " + std::string(ns) + " namespace of app " + quote(app->name)));
    if (::setns(fd.get(), 0) != 0)
      return report(sys_error("joining the " + std::string(ns) + " namespace of app " + quote(app->name)));
  }
  if (::chdir("/") != 0) return report(sys_error("entering the root of app " + quote(app->name)));
  // A command without a slash is looked up in the app's PATH, inside its root.
  if (cmd[0].find('/') == std::string::npos) {
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : app->env.strings()) {
      if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    }
    std::istringstream dirs(path);
    std::string d;
    while (std::getline(dirs, d, ':')) {
      if (::access((d + "/" + cmd[0]).c_str(), X_OK) == 0) {
        cmd[0] = d + "/" + cmd[0];
        break;
      }
    }
  }
  Command c(cmd);
  // stage2 reports a failed step as a binary record on this socket, which closes unread when
  // execve succeeds (close-on-exec); stderr stays the command's own.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return report(sys_error("creating a socket"));
  UniqueFd report_rd(sv[0]), report_wr(sv[1]);
  // The PID namespace applies to children: the command is forked into it.
  pid_t pid = ::fork();
  if (pid < 0) return report(sys_error("forking"));
  if (pid == 0) {
    stage2::ExecSpec s;
    s.path = c.data()[0];
    s.argv = c.data();
    s.envp = app->env.data();
    s.cwd = app->cwd.c_str();
    s.uid = app->ids.uid;
    s.gid = app->ids.gid;
    s.groups = app->ids.groups.data();
    s.ngroups = app->ids.groups.size();
    s.bounding = s.effective = s.permitted = app->caps.bounding;
    s.inheritable = s.ambient = app->caps.ambient;  // as the app (stage1/child/app.cc)
    s.no_new_privs = app->no_new_privs;
    if (!app->seccomp.empty()) {
      s.seccomp = app->seccomp.data();
      s.seccomp_len = static_cast<unsigned short>(app->seccomp.size());
    }
    s.report_fd = report_wr.get();
    stage2::exec_app(s);
  }
  report_wr.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return report(sys_error("waiting for the command"));
  }
  stage2::Failure f{};
  if (::recv(report_rd.get(), &f, sizeof f, MSG_DONTWAIT) == static_cast<ssize_t>(sizeof f)) {
    std::string detail(f.detail, strnlen(f.detail, sizeof f.detail));
    std::string what = "entering app " + quote(app->name) + ": " + child::app_step_name(f.step);
    if (!detail.empty()) what += " " + quote(detail);
    return report(f.err ? sys_error(what, f.err) : Error(Errc::Generic, what));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace rkt::stage1
