#pragma once

// The Plan: everything a pod's processes need, computed by stage1 on the host before it forks
// (manifests read, users resolved, capabilities and seccomp compiled, files rendered). After the
// fork the supervisor and app children only read it.

#include <linux/filter.h>

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/stage1_abi.h"
#include "spec/ports.h"
#include "spec/types.h"
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

/// Owned strings and a NULL-terminated array of pointers to them, for execve's argv and envp.
/// Every copy and move rebuilds the array over its own strings, so none points into another's.
class CStrings {
 public:
  CStrings() { rebuild(); }
  explicit CStrings(std::vector<std::string> strings) : strings_(std::move(strings)) { rebuild(); }
  CStrings(const CStrings& o) : strings_(o.strings_) { rebuild(); }
  CStrings(CStrings&& o) noexcept : strings_(std::move(o.strings_)) {
    rebuild();
    o.strings_.clear();
    o.rebuild();
  }
  CStrings& operator=(CStrings o) noexcept {
    strings_.swap(o.strings_);
    rebuild();
    return *this;
  }
  ~CStrings() = default;

  void push_back(std::string s) {
    strings_.push_back(std::move(s));
    rebuild();
  }
  const std::vector<std::string>& strings() const { return strings_; }
  const std::string& operator[](size_t i) const { return strings_[i]; }
  size_t size() const { return strings_.size(); }
  bool empty() const { return strings_.empty(); }
  /// NULL-terminated; valid until this object changes.
  char* const* data() const { return pointers_.data(); }

 private:
  void rebuild() {
    pointers_.clear();
    for (auto& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

/// A program to exec in an app.
using Command = CStrings;

struct AppPlan {
  std::string name;
  std::string root;          ///< mount point of the app's root, on the host
  std::string overlay_opts;  ///< empty: the root is a copy, not an overlay
  /// overlay_opts with `volatile`, what the root is mounted with: the kernel then skips syncing
  /// the whole upper filesystem when the overlay goes at the pod's exit. A pod never starts
  /// again, so its root need not survive a power cut (docs/stage-interface.md). A kernel before
  /// 5.10 refuses the option; the root is then mounted with overlay_opts.
  std::string overlay_volatile_opts;
  bool read_only_rootfs = false;
  std::vector<VolumeMount> mounts;
  std::string etc_hosts;
  bool etc_hosts_if_missing = false;  ///< no --hosts-entry: the image's /etc/hosts, if it has one, is kept
  std::string etc_resolv_conf;        ///< empty: the image's is kept
  std::string etc_hostname;
  Command exec;
  CStrings env;
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
  bool host_network = false;  ///< --net=host
  /// Contained networks (stage1 attaches them before the fork): the requested ones, and the
  /// user's configuration directory (rkt's --local-config) with their net.d.
  std::vector<stage1_abi::NetRequest> networks;
  std::string local_config;
  std::vector<spec::ForwardedPort> ports;  ///< the pod manifest's, forwarded on a contained network
  /// The network namespace the pod's PID 1 joins; -1: a new one with loopback only (--net=none),
  /// or the host's.
  int netns_fd = -1;
  /// The pod's metadata service token (--mds-register): the apps get AC_METADATA_URL.
  std::string mds_token;
  /// Whether a network's DNS answer may become the apps' resolv.conf (no --dns given).
  bool dns_from_network = false;
  bool host_ipc = false;     ///< --ipc=parent
  bool masked_paths = true;  ///< false with --insecure-options=paths
  bool interactive = false;
  int stop_grace_seconds = 10;
  std::vector<std::pair<std::string, std::string>> sysctls;  ///< "/proc/sys/..." path, value
  /// $NOTIFY_SOCKET of rkt's caller when an app's image supports systemd notification; the
  /// apps then get <pod>/notify, which stage1 relays to it.
  std::string notify_socket;
  std::vector<AppPlan> apps;
};

// The steps of build_plan, one concern each (exposed for their tests).

/// Pod-wide settings from the runtime configuration.
Status apply_runtime_config(const stage1_abi::RuntimeConfig& rc, const std::string& uuid, PodPlan& plan);
/// rkt's /etc/hosts stub (stage1's hosts-fallback), which an app gets when its image has none.
inline constexpr const char* kFallbackHosts =
    "# This is the default rkt /etc/hosts\n"
    "127.0.0.1 localhost localhost.domain localhost4 localhost4.localdomain4\n"
    "\n"
    "::1 ip6-localhost ip6-loopback localhost6 localhost6.localdomain6\n"
    "fe00::0 ip6-localnet\n"
    "ff00::0 ip6-mcastprefix\n"
    "ff02::1 ip6-allnodes\n"
    "ff02::2 ip6-allrouters\n"
    "ff02::3 ip6-allhosts\n";
/// /etc/hosts and /etc/resolv.conf as every app of the pod gets them, in rkt's formats (empty
/// resolv.conf: the image's is kept). `host_file` reads a file of the host (/etc/hosts,
/// /etc/resolv.conf).
std::string render_hosts(const stage1_abi::RuntimeConfig& rc,
                         const std::function<Result<std::string>(const std::string&)>& host_file);
std::string render_resolv_conf(const stage1_abi::RuntimeConfig& rc, bool host_network,
                               const std::function<Result<std::string>(const std::string&)>& host_file);
/// os/unix/sysctl isolators: only keys of namespaces the pod owns. `where` names them in errors.
Status add_sysctls(const spec::Isolators& isolators, const std::string& where, PodPlan& plan);
/// Capabilities, no_new_privs, oom_score_adj, cgroup limits and the seccomp filter of the image's
/// app `a`, into its plan `app`.
Status apply_confinement(const spec::App& a, bool insecure_capabilities, bool insecure_seccomp, AppPlan& app);
/// The app's environment: the manifest's, then PATH and HOME unless given, AC_APP_NAME last.
CStrings app_environment(const spec::App& app, const std::string& name, const std::string& home, bool interactive);
/// Where each of the app's mounts comes from, on the host: its mounts, then its image's mount
/// points that none covers (by volume name, else an implicit empty volume, created here).
/// `docker_root` is the image's root (an fd) when the image came from Docker or OCI, else -1: a
/// new implicit volume is then seeded with the image's content at the mount point's path, with
/// its owner and mode, as Docker does and rkt's stage1 did.
Result<std::vector<VolumeMount>> app_mounts(const spec::RuntimeApp& app, const std::vector<spec::Volume>& volumes,
                                            const std::string& pod_dir, int docker_root = -1);
/// Whether an image manifest says the image was converted from Docker or OCI (rkt looked for
/// appc.io/docker/repository, which registry images have; every converted image has originalname).
bool converted_from_docker(const spec::ImageManifest& image);

/// Reads the pod directory (`pod`, `runtime-config`, `appsinfo/`) and builds the plan.
Result<PodPlan> build_plan(const std::string& pod_dir, const std::string& uuid);

}  // namespace rkt::stage1
