// Post-clone code: the supervisor, PID 1 of the pod. Single-threaded; reads the Plan; ends in
// _exit.

#include "stage1/child/supervisor.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "stage1/child/app.h"
#include "stage2/exec.h"

namespace rkt::stage1::child {
namespace {

void write_text(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t unused = ::write(fd, text.data(), text.size());
  (void)unused;
  ::close(fd);
}

bool loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  ok = ok && ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  ::close(s);
  return ok;
}

struct Running {
  pid_t pid = -1;
  int report = -1;
  bool done = false;
  int code = 0;
};

[[noreturn]] void fail_pod(const PodPlan& plan, const std::string& what) {
  for (const auto& app : plan.apps) write_text(app.error_path, what + "\n");
  _exit(254);
}

}  // namespace

void supervise(const PodPlan& plan) noexcept {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Nothing mounted in the pod may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    fail_pod(plan, std::string("making the pod's mounts private: ") + std::strerror(errno));
  }
  // The pod's network namespace, which stage1 attached to its networks; and none of the other
  // pods': their bindings under /var/run/netns would keep them alive as long as this pod.
  if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0) {
    fail_pod(plan, std::string("joining the pod's network namespace: ") + std::strerror(errno));
  }
  (void)::umount2("/var/run/netns", MNT_DETACH);
  if (::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    fail_pod(plan, "setting the hostname " + plan.hostname + ": " + std::strerror(errno));
  }
  if (!plan.host_network && !loopback_up()) {
    fail_pod(plan, std::string("bringing up the loopback interface: ") + std::strerror(errno));
  }
  for (const auto& [path, value] : plan.sysctls) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
      fail_pod(plan, "setting sysctl " + path + " to " + value + ": " + std::strerror(errno));
    }
    ::close(fd);
  }
  sigset_t waitset;
  ::sigemptyset(&waitset);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGALRM}) ::sigaddset(&waitset, sig);
  ::sigprocmask(SIG_BLOCK, &waitset, nullptr);

  std::vector<Running> apps(plan.apps.size());
  for (size_t i = 0; i < plan.apps.size(); ++i) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      fail_pod(plan, std::string("creating a socket pair: ") + std::strerror(errno));
    }
    pid_t pid = ::fork();
    if (pid < 0) fail_pod(plan, std::string("forking an app: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(sv[0]);
      for (size_t j = 0; j < i; ++j) ::close(apps[j].report);
      run_app(plan, plan.apps[i], sv[1]);
    }
    ::close(sv[1]);
    apps[i].pid = pid;
    apps[i].report = sv[0];
  }

  size_t remaining = apps.size();
  bool stopping = false;
  int first_failure = -1;  // index of the first app that failed
  std::vector<size_t> exit_order;
  auto stop_all = [&](int sig) {
    for (auto& a : apps) {
      if (!a.done) ::kill(a.pid, sig);
    }
  };
  while (remaining > 0) {
    siginfo_t si{};
    if (::sigwaitinfo(&waitset, &si) < 0) continue;
    if (si.si_signo == SIGALRM) {
      // The grace period is over: everything left in the pod dies.
      ::kill(-1, SIGKILL);
      continue;
    }
    if (si.si_signo != SIGCHLD) {
      stopping = true;
      stop_all(SIGTERM);
      ::alarm(static_cast<unsigned>(plan.stop_grace_seconds));
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t p = ::waitpid(-1, &status, WNOHANG);
      if (p <= 0) break;
      for (size_t i = 0; i < apps.size(); ++i) {
        if (apps[i].pid != p || apps[i].done) continue;
        apps[i].done = true;
        apps[i].code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        exit_order.push_back(i);
        --remaining;
        if (apps[i].code != 0 && first_failure < 0 && !stopping) {
          first_failure = static_cast<int>(i);
          stopping = true;
          stop_all(SIGTERM);
          ::alarm(static_cast<unsigned>(plan.stop_grace_seconds));
        }
      }
    }
  }
  // When the pod was stopped from outside, the first app to exit non-zero gives the status.
  if (first_failure < 0) {
    for (size_t i : exit_order) {
      if (apps[i].code != 0) {
        first_failure = static_cast<int>(i);
        break;
      }
    }
  }
  int code = first_failure >= 0 ? apps[static_cast<size_t>(first_failure)].code : 0;
  for (size_t i = 0; i < apps.size(); ++i) {
    const AppPlan& app = plan.apps[i];
    stage2::Failure f{};
    ssize_t n = ::recv(apps[i].report, &f, sizeof f, MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(sizeof f)) {
      char msg[512];
      std::snprintf(msg, sizeof msg, "app \"%s\": %s%s%.*s%s%s\n", app.name.c_str(), app_step_name(f.step),
                    f.detail[0] ? " \"" : "", static_cast<int>(sizeof f.detail), f.detail, f.detail[0] ? "\"" : "",
                    f.err ? (std::string(": ") + std::strerror(f.err)).c_str() : "");
      write_text(app.error_path, msg);
      if (static_cast<int>(i) == first_failure || first_failure < 0) code = 254;
    }
    // Flushed by stage1 with the rest of the pod, before rkt run reports it (stage1/main.cc).
    write_text(app.status_path, std::to_string(apps[i].code) + "\n");
  }
  _exit(code);
}

}  // namespace rkt::stage1::child
