#pragma once

// Contained networking, as rkt 1.30's networking/ package: the pod's network namespace, bound
// under /var/run/netns, attached to each requested network by its CNI plugin (the real plugins;
// none is re-implemented here). Everything made is recorded in the pod directory before it is
// made (<pod>/netns, <pod>/net-info.json, the configurations copied into <pod>/net/), so that
// teardown_pod_network, from the gc entrypoint, undoes it after any crash.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/stage1_abi.h"
#include "common/unique_fd.h"
#include "spec/ports.h"

namespace rkt::stage1 {

/// Where the network namespaces are bound, as `ip netns` and rkt.
inline constexpr const char* kNetnsDir = "/var/run/netns";
/// The stage1 image's own networks (default, default-restricted), below its root.
inline constexpr const char* kBuiltinNetDir = "etc/rkt/net.d";

/// One network configuration file, as a plugin gets it.
struct NetConfig {
  std::string name;      ///< its "name"
  std::string type;      ///< its "type": the plugin's file name
  std::string file;      ///< where it was read
  std::string bytes;     ///< the file's content, the plugin's stdin, unchanged
  std::string args;      ///< CNI_ARGS, from --net=NAME:ARGS
  bool ip_masq = false;  ///< its "ipMasq"
};

/// The configurations of the requested networks, in attachment order (their file names): the
/// user's (`user_dir`, <local-config>/net.d) override the stage1 image's (`builtin_dir`) of
/// the same name. Only regular files named *.conf count; a second file with a name already
/// defined in the same directory is ignored, with a warning. Errors name the file at fault, or
/// the networks not found.
Result<std::vector<NetConfig>> load_net_configs(const std::vector<stage1_abi::NetRequest>& requested,
                                                const std::string& builtin_dir, const std::string& user_dir,
                                                const std::function<void(const std::string&)>& warn);

/// What a plugin's ADD returned, from either result shape: CNI 0.1/0.2 (`ip4`) or 0.3 and
/// later (`ips`, `interfaces`). The address is the first IPv4 one of the pod's interface.
struct CniResult {
  std::string ip;       ///< 172.16.28.2
  std::string mask;     ///< 255.255.255.0
  int prefix = 0;       ///< 24
  std::string gateway;  ///< the host's end, where the pod reaches host services
  std::vector<std::string> nameservers, search, options;
  std::string domain;
  bool has_dns() const { return !nameservers.empty() || !search.empty() || !options.empty() || !domain.empty(); }
};
/// `what` names the network in errors.
Result<CniResult> parse_cni_result(const std::string& json, const std::string& what);

/// A failed plugin's message: "msg; details" from its CNI error object, or rkt's words when its
/// output is not one.
std::string cni_error_message(const std::string& output);

/// Where plugins are looked for, in order: the user's net.d, rkt's system directory, the
/// stage1 image's, and Debian's containernetworking-plugins. Also the plugins' CNI_PATH.
std::vector<std::string> plugin_dirs(const std::string& local_config, const std::string& pod_dir);
/// The first executable regular file named `type` in `dirs`.
Result<std::string> find_plugin(const std::string& type, const std::vector<std::string>& dirs);

/// A network the pod is attached to.
struct AttachedNet {
  NetConfig conf;
  std::string plugin;  ///< the plugin's path
  std::string ifname;  ///< eth0, eth1, ...
  CniResult result;
};

/// The network that forwarded ports and the metadata service go through, as rkt's
/// GetForwardableNet: the first that masquerades, else the last; null when there is none.
const AttachedNet* forwardable_net(const std::vector<AttachedNet>& nets);

/// The pod's network namespace, attached to its networks; it stays (bound under kNetnsDir)
/// until teardown_pod_network. The fd is what the pod's PID 1 joins.
struct PodNetwork {
  std::string netns_path;
  UniqueFd netns;
  std::vector<AttachedNet> nets;
  /// The first network's DNS answer, as resolv.conf text ("" when none gave one).
  std::string resolv_conf;
};

/// The configuration of CNI's portmap plugin that forwards `ports` to the pod's address on `net`,
/// chained after that network's plugin (its result as prevResult, the mappings as
/// runtimeConfig.portMappings).
std::string portmap_config(const AttachedNet& net, const std::string& netns,
                           const std::vector<spec::ForwardedPort>& ports);

/// Creates the namespace and attaches it to the networks (configurations from the stage1 image
/// and <local_config>/net.d), then forwards `ports` (through the first network with ipMasq, else
/// the last, as rkt). On failure, what was added is deleted again (in reverse) and the namespace
/// destroyed: nothing is left.
Result<PodNetwork> setup_pod_network(const std::string& pod_dir, const std::string& uuid,
                                     const std::vector<stage1_abi::NetRequest>& requested,
                                     const std::string& local_config, const std::vector<spec::ForwardedPort>& ports,
                                     const std::function<void(const std::string&)>& warn);

/// Undoes setup_pod_network from what the pod directory records: DEL of every network still
/// attached, in reverse, then the namespace. Idempotent; works after a crash at any point, after
/// a reboot, and for a pod that never had a network namespace.
Status teardown_pod_network(const std::string& pod_dir, const std::string& uuid);

}  // namespace rkt::stage1
