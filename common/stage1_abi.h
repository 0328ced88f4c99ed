#pragma once

// The one definition of the contract between stage0, stage1 and gc (docs/stage-interface.md):
// the files of a pod directory that cross the boundary, the runtime configuration with its one
// set of defaults, how an entrypoint of the pod's stage1 is found and run, and the record of the
// cgroups stage1 made with their removal. stage0 writes, stage1 reads; gc reads what both left.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::stage1_abi {

inline constexpr int kInterfaceVersion = 1;

/// Files of the pod directory, relative to it.
inline constexpr const char* kPodManifest = "pod";
inline constexpr const char* kRuntimeConfig = "runtime-config";
inline constexpr const char* kStage1Manifest = "stage1/manifest";  ///< the stage1 image's manifest
inline constexpr const char* kStage1Rootfs = "stage1/rootfs";      ///< a symlink to its rendered root
inline constexpr const char* kStage1TreeStoreId = "stage1TreeStoreID";
inline constexpr const char* kCgroups = "cgroups";
inline constexpr const char* kStage1Pid = "ppid";
inline constexpr const char* kPodPid = "pid";
inline constexpr const char* kNetns = "netns";            ///< the path of the pod's network namespace
inline constexpr const char* kNetDir = "net";             ///< copies of the network configurations used
inline constexpr const char* kNetInfo = "net-info.json";  ///< the networks attached, as rkt records them
inline constexpr const char* kPodSummary = "summary";     ///< PodSummary: what `rkt list` reads of a pod
inline constexpr const char* kAppStatusDir = "status";    ///< status/<app>: an app's exit status

/// The metadata service's public port, and the AC_METADATA_URL of a pod whose apps reach it at
/// `host_ip` (no trailing slash: clients append /acMetadata/v1/...).
inline constexpr int kMetadataPort = 18112;
std::string metadata_url(const std::string& host_ip, const std::string& token);

/// One network of rkt's --net list: a name and the arguments passed to its plugin as CNI_ARGS.
struct NetRequest {
  std::string name;
  std::string args;
  bool operator==(const NetRequest&) const = default;
};

/// Parses rkt's --net syntax, "NAME[:K=V;K2=V2],..." (values of repeated flags joined by ','),
/// with the checks of rkt 1.30's NetList.Set: no empty name, no name twice, no arguments for
/// "all" and "host", at most one ':' per entry. (An absent --net is "default"; `--net` alone
/// means "default" too, and `--net=` is an empty name.)
Result<std::vector<NetRequest>> parse_net_list(const std::string& value);
/// What a parsed list asks for: the host's network ("host" anywhere, as rkt), loopback only
/// ("none" anywhere), or contained networks.
enum class NetMode { Host, None, Contained };
NetMode net_mode(const std::vector<NetRequest>& nets);

/// What stage1 needs at run time, written by stage0 to <pod>/runtime-config as `key=value` lines
/// (list values repeat their key). A key that is absent takes the default below, for the writer
/// and the reader alike.
struct RuntimeConfig {
  std::string net = "default";            ///< rkt's --net list (parse_net_list)
  std::string local_config = "/etc/rkt";  ///< rkt's --local-config: net.d/ holds the user's networks
  std::string hostname;                   ///< empty: "rkt-<uuid>"
  std::vector<std::string> dns, dns_search, dns_opt, hosts_entries;
  std::string dns_domain;
  bool interactive = false;
  std::string ipc = "auto";  ///< auto, private or parent (share the host's IPC namespace)
  bool insecure_paths = false, insecure_capabilities = false, insecure_seccomp = false;
  /// The pod's metadata service token (--mds-register); empty: not registered, no AC_METADATA_URL.
  std::string mds_token;

  std::string render() const;
  /// Parses what render() wrote; unknown keys are refused (they mean another interface version).
  /// `what` names the file in errors.
  static Result<RuntimeConfig> parse(const std::string& text, const std::string& what);

  bool operator==(const RuntimeConfig&) const = default;
};

Result<RuntimeConfig> read_runtime_config(const std::string& pod_dir);
/// Written atomically; a pod being prepared is written without fsync (a crash makes it moot).
Status write_runtime_config(const std::string& pod_dir, const RuntimeConfig& rc, bool replace);

/// What `rkt list` and `rkt status` read of a pod in one file, so that 1000 pods cost one read
/// each instead of four to six: rewritten (atomically) at each state change, by stage0 when it
/// writes the pod manifest, and by stage1 once the pod's PID 1 is recorded and once the apps
/// have exited. It repeats what the pod's own files say (pod, pid, net-info.json, status/); a
/// reader uses it only when it is as far along as the pod's state (a running pod's names the pid,
/// an exited pod's has every exit status), and reads those files otherwise: a crash between a
/// state change and its summary costs speed, never a wrong answer. The times are the mtimes of
/// pod-created and pid (what rkt reports), read by the writer just after writing those files.
/// A network a pod is attached to, as stage1 records it in net-info.json (rkt's NetInfo: netName,
/// netConf, pluginPath, ifName, ip, args, mask).
struct NetInfo {
  std::string name, conf, plugin, ifname, ip, args, mask;
  bool operator==(const NetInfo&) const = default;
};

/// <pod>/net-info.json's networks; none when the pod has no such file (host networking, or
/// none) or it cannot be read.
std::vector<NetInfo> read_net_info(const std::string& pod_dir);

struct PodSummary {
  /// An app's mount as `rkt list --format=json` shows it: the volume's source and read-only flag
  /// resolved from the pod's volumes (empty and false when it names none).
  struct Mount {
    std::string volume, path, host_path;
    bool read_only = false;
    bool operator==(const Mount&) const = default;
  };
  /// An app as `rkt list` shows it, so that a list need not parse the manifest.
  struct App {
    std::string name, image_id, image_name;                            ///< image_name as shown: "NAME[:VERSION]"
    std::vector<Mount> mounts;                                         ///< when details
    std::map<std::string, std::string> user_annotations, user_labels;  ///< when details
    bool operator==(const App&) const = default;
  };
  int64_t created_ns = 0;    ///< pod-created's mtime; 0: not recorded
  int64_t started_ns = 0;    ///< pid's mtime; 0: not recorded
  std::vector<App> apps;     ///< the manifest's apps, when apps_listed
  bool apps_listed = false;  ///< apps lists every app of the manifest
  /// The apps' mounts, annotations and labels and the pod's are listed too: what `rkt list
  /// --format=json` shows, without the manifest parsed.
  bool details = false;
  std::map<std::string, std::string> user_annotations, user_labels;  ///< the pod's, when details
  std::string pid;                                                   ///< the pod's PID 1; empty: not started
  bool networks = false;                                             ///< net-info.json was written
  std::vector<NetInfo> nets;                                         ///< what it lists, when nets_listed
  bool nets_listed = false;                                          ///< nets is net-info.json's content
  std::map<std::string, std::string> exit_codes;                     ///< app -> exit status
  bool exited = false;                                               ///< every app's exit status is in exit_codes
  std::string manifest;                                              ///< the pod manifest's bytes

  std::string render() const;
  /// nullopt for text render() did not write (another version's, or damaged).
  static std::optional<PodSummary> parse(const std::string& text);
  bool operator==(const PodSummary&) const = default;
};

/// Written atomically, without fsync (flush_pod makes it durable once the pod has exited).
Status write_pod_summary(const std::string& pod_dir, const PodSummary& summary);

/// nullopt when there is none, or it cannot be read or parsed.
std::optional<PodSummary> read_pod_summary(const std::string& pod_dir);

/// Makes durable what `rkt status` and `rkt list` read of an exited pod: its summary, its
/// manifest and the apps' exit statuses (status/<app>), with the pod's name in its phase
/// directory. Their writeback starts together, then each is fsynced: one journal commit carries
/// them, and nothing else on the filesystem (the apps' data, other pods, a fetch) is waited for.
/// The pod's other files are the pod's own business: after a power cut gc removes a pod whose
/// records are empty or missing.
Status flush_pod(const std::string& pod_dir);

/// The entrypoints a stage1 image names in its annotations coreos.com/rkt/stage1/<name>.
enum class Entrypoint { Run, Enter, Stop, Gc };
const char* entrypoint_name(Entrypoint e);
std::string entrypoint_annotation(Entrypoint e);

/// Records the stage1 image of a pod: its manifest (as stored) and a link to its rendered root, so
/// that every later command finds the entrypoints from the pod directory alone.
Status write_stage1(const std::string& pod_dir, const std::string& manifest_json, const std::string& rootfs);

/// The host path of an entrypoint of the pod's stage1. Errc::Unsupported when it has none.
Result<std::string> find_entrypoint(const std::string& pod_dir, Entrypoint e);

/// Runs an entrypoint with the pod directory as working directory; its exit status (128 + signal
/// when killed).
Result<int> run_entrypoint(const std::string& entry, const std::string& pod_dir, const std::vector<std::string>& args);

/// The cgroups stage1 made for a pod, apps' before the pod's (children first), one a line.
Status write_cgroup_record(const std::string& pod_dir, const std::vector<std::string>& dirs);
Result<std::vector<std::string>> read_cgroup_record(const std::string& pod_dir);

/// Removes the recorded cgroups of pod `uuid` (killing any process left in them). Only
/// directories below /sys/fs/cgroup whose name carries the pod's UUID are touched, whatever the
/// record says. A pod without a record made none.
Status remove_pod_cgroups(const std::string& pod_dir, const std::string& uuid);

}  // namespace rkt::stage1_abi
