// stage1: run entrypoint. stage0 execs it with the pod directory as the working directory, the
// pod's lock fd in RKT_LOCK_FD and the pod UUID as the last argument (docs/stage-interface.md).
// It builds the Plan, creates the pod's namespaces with the supervisor as their PID 1, keeps the
// pod lock for the pod's whole life, forwards stop signals, and exits with the pod's status.

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "common/crash_point.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/number.h"
#include "common/stage1_abi.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"
#include "stage1/child/supervisor.h"
#include "stage1/enter.h"
#include "stage1/host/cgroup.h"
#include "stage1/host/network.h"
#include "stage1/host/plan.h"
#include "stage1/lifecycle.h"
#include "stage1/report.h"

namespace rkt::stage1 {
namespace {

// Tells the service manager the pod is ready, as rkt's process (stage0 exec'd into this one).
bool relay_ready(const std::string& socket_path, const std::string& app_message) {
  UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (!s.valid() || socket_path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  std::string msg = "READY=1\nMAINPID=" + std::to_string(::getpid()) + "\n";
  size_t st = app_message.find("STATUS=");
  if (st != std::string::npos) msg += app_message.substr(st, app_message.find('\n', st) - st) + "\n";
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size());
  return ::sendto(s.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&addr), len) >= 0;
}

int run(int argc, char** argv) {
  bool debug = false;
  std::string uuid;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--debug") {
      debug = true;
    } else if (a.rfind("--", 0) == 0) {
      // Options of other stage1 flavours are accepted and ignored (interface version 1).
    } else {
      uuid = a;
    }
  }
  if (uuid.empty()) return report(Error(Errc::Usage, "usage: init [--debug] UUID"), debug);
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return report(sys_error("reading the working directory (the pod directory)"), debug);
  std::string pod_dir = cwd;
  // The lock stays with this process (on the host) for the pod's life; the pod's processes must
  // never hold a host fd.
  int lock_fd = -1;
  if (const char* lock = std::getenv("RKT_LOCK_FD")) {
    if (auto fd = parse_decimal(lock, INT32_MAX); fd && *fd > 2) lock_fd = static_cast<int>(*fd);
  }
  if (lock_fd >= 0) ::fcntl(lock_fd, F_SETFD, FD_CLOEXEC);
  auto plan = build_plan(pod_dir, uuid);
  if (!plan) return report(std::move(plan).error().wrap("preparing pod " + uuid), debug);
  if (Status s = make_dirs(pod_dir + "/status", 0750); !s) return report(s.error(), debug);

  // The pod's cgroups, below the cgroup stage1 runs in.
  bool limited = false;
  for (const auto& app : plan->apps)
    limited |= app.limits.memory_bytes || app.limits.cpu_millis || app.limits.cpu_shares;
  std::optional<Cgroups> cgroups;
  std::vector<std::string> app_names;
  std::vector<CgroupLimits> app_limits;
  for (const auto& a : plan->apps) {
    app_names.push_back(a.name);
    app_limits.push_back(a.limits);
  }
  auto remove_cgroups = [&] {
    if (cgroups) (void)cgroups->remove_pod(uuid, app_names);
  };
  auto self = read_file("/proc/self/cgroup", 1 << 16);
  auto detected = self ? Cgroups::detect("/sys/fs/cgroup", *self) : Result<Cgroups>(std::move(self).error());
  if (detected) {
    cgroups = std::move(*detected);
    // Recorded before any is made, for gc, should this process die before it removes them.
    (void)stage1_abi::write_cgroup_record(pod_dir, cgroups->pod_dirs(uuid, app_names));
    (void)write_file_atomic(pod_dir + "/subcgroup", cgroups->pod_relative(uuid) + "\n", 0644, Overwrite::Yes,
                            Durability::NoSync);
    Status made = cgroups->create_pod(uuid, app_limits);
    for (size_t i = 0; made && i < plan->apps.size(); ++i) {
      auto cg = cgroups->create_app(uuid, plan->apps[i].name, plan->apps[i].limits);
      if (cg) plan->apps[i].cgroup = std::move(*cg);
      if (!cg) made = Status(std::move(cg).error());
    }
    if (!made) {
      remove_cgroups();
      return report(std::move(made).error().wrap("setting up the cgroups of pod " + uuid), debug);
    }
  } else if (limited) {
    return report(std::move(detected).error().wrap("pod " + uuid + " has resource limits"), debug);
  }
  crash_point("stage1-cgroups");

  // Contained networks: the pod's network namespace, attached to each network by its CNI plugin,
  // from here (the host's namespace), before the pod's PID 1 joins it. It outlives this process
  // until the gc entrypoint tears it down, so that an exited pod still shows its addresses.
  std::optional<PodNetwork> network;
  if (!plan->networks.empty()) {
    auto net = setup_pod_network(pod_dir, uuid, plan->networks, plan->local_config, plan->ports,
                                 [](const std::string& w) { std::cerr << "stage1: " << w << "\n"; });
    if (!net) {
      remove_cgroups();
      return report(std::move(net).error().wrap("failed to set up the network of pod " + uuid), debug);
    }
    network = std::move(*net);
    plan->netns_fd = network->netns.get();
    if (plan->dns_from_network && !network->resolv_conf.empty()) {
      for (auto& app : plan->apps) app.etc_resolv_conf = network->resolv_conf;
    }
  }
  // The metadata service, as the apps reach it: on the host's end of the first network that
  // masquerades (else the last one), as rkt; on loopback when the pod shares the host's network.
  if (!plan->mds_token.empty()) {
    std::string host_ip = plan->host_network ? "127.0.0.1" : "";
    if (const AttachedNet* via = network ? forwardable_net(network->nets) : nullptr) host_ip = via->result.gateway;
    if (host_ip.empty()) {
      remove_cgroups();
      return report(Error(Errc::InvalidArgument, "pod " + uuid +
                                                     " is registered with the metadata service but has no network "
                                                     "gateway to reach it on"),
                    debug);
    }
    for (auto& app : plan->apps)
      app.env.push_back("AC_METADATA_URL=" + stage1_abi::metadata_url(host_ip, plan->mds_token));
  }

  // systemd notification: a datagram socket in the pod that the apps' READY=1 arrives on.
  UniqueFd notify;
  if (!plan->notify_socket.empty()) {
    notify.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::string path = pod_dir + "/notify";
    ::unlink(path.c_str());
    if (!notify.valid() || path.size() >= sizeof addr.sun_path)
      return report(sys_error("creating the notify socket"), debug);
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (::bind(notify.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::chmod(path.c_str(), 0777) != 0) {
      return report(sys_error("creating the notify socket " + quote(path)), debug);
    }
  }

  sigset_t stopset, old;
  ::sigemptyset(&stopset);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::sigaddset(&stopset, sig);
  ::sigprocmask(SIG_BLOCK, &stopset, &old);

  // The child learns that this process died before it set PR_SET_PDEATHSIG from this pipe: the
  // write end closes with this process (getppid() says nothing in a new PID namespace).
  int alive[2];
  if (::pipe2(alive, O_CLOEXEC) != 0) return report(sys_error("creating a pipe"), debug);
  unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS;
  if (!plan->host_network && plan->netns_fd < 0) flags |= CLONE_NEWNET;
  if (!plan->host_ipc) flags |= CLONE_NEWIPC;
  // A fork into new namespaces: the child is the pod's PID 1.
  long pid = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return report(sys_error("creating the pod's namespaces"), debug);
  if (pid == 0) {
    // The pod lives exactly as long as this process, which holds its lock: if it dies (even by
    // SIGKILL), the pod's PID 1 dies, and with it every process of the pod.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    ::close(alive[1]);
    struct pollfd p = {alive[0], POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) _exit(254);  // the parent died before the line above
    ::close(alive[0]);
    if (lock_fd >= 0) ::close(lock_fd);
    child::supervise(*plan);
  }
  ::close(alive[0]);
  (void)write_file_atomic(pod_dir + "/ppid", std::to_string(::getpid()) + "\n", 0644, Overwrite::Yes,
                          Durability::NoSync);
  (void)write_file_atomic(pod_dir + "/pid", std::to_string(pid) + "\n", 0644, Overwrite::Yes, Durability::NoSync);
  crash_point("stage1-started");
  // The summary `rkt list` reads, as far along as the pod: started, then exited (stage1_abi.h).
  // stage0's (with the apps as listed and the creation time), else one made from the manifest.
  stage1_abi::PodSummary summary = stage1_abi::read_pod_summary(pod_dir).value_or(stage1_abi::PodSummary{});
  if (summary.manifest.empty()) {
    if (auto text = read_file(pod_dir + "/" + stage1_abi::kPodManifest, spec::kMaxManifestBytes))
      summary.manifest = std::move(*text);
  }
  if (!summary.manifest.empty()) {
    summary.pid = std::to_string(pid);
    summary.started_ns = mtime_ns(pod_dir + "/" + stage1_abi::kPodPid);
    summary.networks = ::access((pod_dir + "/" + stage1_abi::kNetInfo).c_str(), F_OK) == 0;
    // What it lists, so that `rkt list` of many pods reads no net-info.json.
    if (summary.networks) {
      summary.nets = stage1_abi::read_net_info(pod_dir);
      summary.nets_listed = true;
    }
    (void)stage1_abi::write_pod_summary(pod_dir, summary);
  }

  UniqueFd sigfd(::signalfd(-1, &stopset, SFD_CLOEXEC));
  if (!sigfd.valid()) return report(sys_error("creating a signalfd"), debug);
  int status = 0;
  bool ready_sent = false;
  for (;;) {
    struct pollfd fds[2] = {{sigfd.get(), POLLIN, 0}, {notify.get(), POLLIN, 0}};
    if (::poll(fds, notify.valid() ? 2 : 1, -1) < 0) continue;
    if (notify.valid() && (fds[1].revents & POLLIN)) {
      char msg[4096];
      ssize_t n = ::recv(notify.get(), msg, sizeof msg - 1, 0);
      if (n > 0 && !ready_sent) {
        std::string text(msg, static_cast<size_t>(n));
        if (text.find("READY=1") != std::string::npos) {
          ready_sent = relay_ready(plan->notify_socket, text);
        }
      }
    }
    if (!(fds[0].revents & POLLIN)) continue;
    struct signalfd_siginfo si {};
    if (::read(sigfd.get(), &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
    if (si.ssi_signo != SIGCHLD) {
      ::kill(static_cast<pid_t>(pid), si.ssi_signo == SIGQUIT ? SIGQUIT : SIGTERM);
      continue;
    }
    if (::waitpid(static_cast<pid_t>(pid), &status, WNOHANG) == pid) break;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (cgroups) {
    for (const auto& app : plan->apps) {
      if (oom_killed(app.cgroup)) {
        std::cerr << "stage1: pod " << uuid << ": app \"" << app.name << "\" ran out of memory and was killed"
                  << (app.limits.memory_bytes ? " (its limit is " + std::to_string(*app.limits.memory_bytes) + " bytes)"
                                              : "")
                  << "\n";
        (void)write_file_atomic(app.status_path + ".oom", "1\n", 0644, Overwrite::Yes);
      }
    }
    if (Status s = cgroups->remove_pod(uuid, app_names); !s)
      std::cerr << "stage1: warning: " << s.error().message() << "\n";
  }
  if (code == kExitRuntimeFailure) {
    for (const auto& app : plan->apps) {
      auto msg = read_file(app.error_path, 4096);
      if (msg && !msg->empty()) std::cerr << "stage1: pod " << uuid << ": " << *msg;
    }
  }
  crash_point("stage1-exited");
  if (!summary.manifest.empty()) {
    for (const auto& app : plan->apps) {
      if (auto c = read_file(app.status_path, 64)) summary.exit_codes[app.name] = c->substr(0, c->find('\n'));
    }
    summary.exited = true;
    (void)stage1_abi::write_pod_summary(pod_dir, summary);
  }
  // The one flush of a run: the pod's records, its exit statuses and its move into run/ survive a
  // power cut from here on, before `rkt run` reports the status (stage0/pod.cc exec_stage1).
  // A failure is a warning: the apps' statuses pass through as they are.
  if (Status s = stage1_abi::flush_pod(pod_dir); !s) std::cerr << "stage1: warning: " << s.error().message() << "\n";
  return code;
}

}  // namespace
}  // namespace rkt::stage1

namespace {

int dispatch(int argc, char** argv) {
  // One binary, four entrypoints (named by the stage1 manifest): /init runs a pod, /enter enters
  // one, /stop stops one, /gc tears down what a pod left outside its directory.
  std::string self = argv[0];
  std::string name = self.substr(self.rfind('/') + 1);
  if (name == "enter") return rkt::stage1::enter_main(argc, argv);
  if (name == "stop") return rkt::stage1::stop_main(argc, argv);
  if (name == "gc") return rkt::stage1::gc_main(argc, argv);
  return rkt::stage1::run(argc, argv);
}

}  // namespace

int main(int argc, char** argv) { return rkt::guarded_main("stage1", dispatch, argc, argv); }
