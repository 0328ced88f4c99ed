#pragma once

// The Plan: everything a pod's processes need, computed by stage1 on the host before it forks
// (manifests read, users resolved, capabilities and seccomp compiled, files rendered). After the
// fork the supervisor and app children only read it.

#include <linux/filter.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "stage1/host/caps.h"
#include "stage1/host/cgroup.h"
#include "stage1/host/users.h"

namespace rkt::stage1 {

struct VolumeMount {
  std::string source;  ///< host path
  std::string target;  ///< path inside the app's root
  bool read_only = false;
  bool recursive = true;
};

/// A program to exec in an app: argv and envp as NULL-terminated arrays over owned strings.
struct Command {
  std::vector<std::string> args;
  std::vector<char*> argv;
  void finish();
};

struct AppPlan {
  std::string name;
  std::string root;          ///< mount point of the app's root, on the host
  std::string overlay_opts;  ///< empty: the root is a copy, not an overlay
  bool read_only_rootfs = false;
  std::vector<VolumeMount> mounts;
  std::string etc_hosts;
  std::string etc_resolv_conf;  ///< empty: the image's is kept
  std::string etc_hostname;
  Command exec;
  std::vector<std::string> env;
  std::vector<char*> envp;
  std::string cwd = "/";
  AppIds ids;
  CapSets caps;
  bool no_new_privs = false;
  std::vector<sock_filter> seccomp;
  bool set_oom_score_adj = false;
  int oom_score_adj = 0;
  std::vector<Command> pre_start;
  std::vector<Command> post_stop;
  CgroupLimits limits;
  AppCgroup cgroup;         ///< filled in by stage1 once the cgroups exist
  std::string status_path;  ///< <pod>/status/<app>
  std::string error_path;   ///< <pod>/status/<app>.error
};

struct PodPlan {
  std::string uuid;
  std::string pod_dir;
  std::string hostname;
  bool host_network = false;
  bool host_ipc = false;  ///< --ipc=parent
  bool masked_paths = true;  ///< false with --insecure-options=paths
  bool interactive = false;
  int stop_grace_seconds = 10;
  std::vector<std::pair<std::string, std::string>> sysctls;  ///< "/proc/sys/..." path, value
  /// $NOTIFY_SOCKET of rkt's caller when an app's image supports systemd notification; the
  /// apps then get <pod>/notify, which stage1 relays to it.
  std::string notify_socket;
  std::vector<AppPlan> apps;
};

/// Reads the pod directory (`pod`, `runtime-config`, `appsinfo/`) and builds the plan.
Result<PodPlan> build_plan(const std::string& pod_dir, const std::string& uuid);

}  // namespace rkt::stage1
