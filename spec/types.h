#pragma once

// The App Container (appc 0.8.11) schema as plain C++ values. Parsing and validation live in
// manifest.h; these structs hold what a valid manifest says.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "spec/quantity.h"

namespace rkt::spec {

struct Label {
  std::string name;  ///< ACIdentifier
  std::string value;
  bool operator==(const Label&) const = default;
};
using Labels = std::vector<Label>;

struct Annotation {
  std::string name;  ///< ACIdentifier
  std::string value;
  bool operator==(const Annotation&) const = default;
};
using Annotations = std::vector<Annotation>;

struct EnvironmentVariable {
  std::string name;
  std::string value;
  bool operator==(const EnvironmentVariable&) const = default;
};
using Environment = std::vector<EnvironmentVariable>;

struct EventHandler {
  std::string name;  ///< "pre-start" or "post-stop"
  std::vector<std::string> exec;
};

struct MountPoint {
  std::string name;  ///< ACName
  std::string path;
  bool read_only = false;
};

struct Port {
  std::string name;  ///< ACName
  std::string protocol;
  uint32_t port = 0;
  uint32_t count = 1;
  bool socket_activated = false;
};

// Typed isolator values.
struct ResourceValue {  ///< resource/*
  bool is_default = false;
  std::optional<Quantity> request;
  std::optional<Quantity> limit;
};
struct CapabilitySet {  ///< os/linux/capabilities-{retain,remove}-set
  std::vector<std::string> set;
};
struct SeccompSet {  ///< os/linux/seccomp-{retain,remove}-set
  std::vector<std::string> set;
  std::string errno_name;  ///< empty: the executor's default
};
struct SELinuxContext {  ///< os/linux/selinux-context
  std::string user, role, type, level;
};
using Sysctl = std::map<std::string, std::string>;  ///< os/unix/sysctl

/// std::monostate holds an isolator this implementation does not know; its value is kept as
/// written (value_json) and passed on untouched.
using IsolatorValue =
    std::variant<std::monostate, ResourceValue, CapabilitySet, SeccompSet, bool, int64_t, Sysctl, SELinuxContext>;

struct Isolator {
  std::string name;        ///< ACIdentifier, e.g. "resource/memory"
  std::string value_json;  ///< the value exactly as JSON, compact
  IsolatorValue value;
};
using Isolators = std::vector<Isolator>;

inline constexpr const char* kIsolatorCpu = "resource/cpu";
inline constexpr const char* kIsolatorMemory = "resource/memory";
inline constexpr const char* kIsolatorBlockBandwidth = "resource/block-bandwidth";
inline constexpr const char* kIsolatorBlockIops = "resource/block-iops";
inline constexpr const char* kIsolatorNetworkBandwidth = "resource/network-bandwidth";
inline constexpr const char* kIsolatorCapsRetain = "os/linux/capabilities-retain-set";
inline constexpr const char* kIsolatorCapsRemove = "os/linux/capabilities-remove-set";
inline constexpr const char* kIsolatorNoNewPrivileges = "os/linux/no-new-privileges";
inline constexpr const char* kIsolatorSeccompRetain = "os/linux/seccomp-retain-set";
inline constexpr const char* kIsolatorSeccompRemove = "os/linux/seccomp-remove-set";
inline constexpr const char* kIsolatorOomScoreAdj = "os/linux/oom-score-adj";
inline constexpr const char* kIsolatorCpuShares = "os/linux/cpu-shares";
inline constexpr const char* kIsolatorSELinuxContext = "os/linux/selinux-context";
inline constexpr const char* kIsolatorSysctl = "os/unix/sysctl";

struct App {
  std::vector<std::string> exec;
  std::vector<EventHandler> event_handlers;
  std::string user;
  std::string group;
  std::vector<int64_t> supplementary_gids;
  std::string working_directory;
  Environment environment;
  std::vector<MountPoint> mount_points;
  std::vector<Port> ports;
  Isolators isolators;
  std::map<std::string, std::string> user_annotations;
  std::map<std::string, std::string> user_labels;
};

struct Dependency {
  std::string image_name;  ///< ACIdentifier
  std::optional<std::string> image_id;
  Labels labels;
  std::optional<uint64_t> size;
};

struct ImageManifest {
  std::string ac_version;
  std::string name;  ///< ACIdentifier
  Labels labels;
  std::optional<App> app;
  Annotations annotations;
  std::vector<Dependency> dependencies;
  std::vector<std::string> path_whitelist;
};

struct Volume {
  std::string name;  ///< ACName
  std::string kind;  ///< "host" or "empty"
  std::string source;
  std::optional<bool> read_only;
  std::optional<bool> recursive;
  std::optional<std::string> mode;  ///< kind=empty; defaults to "0755"
  std::optional<int64_t> uid;       ///< kind=empty; defaults to 0
  std::optional<int64_t> gid;       ///< kind=empty; defaults to 0
};

struct RuntimeImage {
  std::optional<std::string> name;
  std::string id;
  Labels labels;
};

struct Mount {
  std::string volume;  ///< ACName
  std::string path;
  std::optional<Volume> app_volume;
};

struct RuntimeApp {
  std::string name;  ///< ACName
  RuntimeImage image;
  std::optional<App> app;
  bool read_only_root_fs = false;
  std::vector<Mount> mounts;
  Annotations annotations;
};

struct ExposedPort {
  std::string name;
  uint32_t host_port = 0;
  std::optional<std::string> host_ip;
  std::optional<Port> pod_port;
};

struct PodManifest {
  std::string ac_version;
  std::vector<RuntimeApp> apps;
  std::vector<Volume> volumes;
  Isolators isolators;
  Annotations annotations;
  std::vector<ExposedPort> ports;
  std::map<std::string, std::string> user_annotations;
  std::map<std::string, std::string> user_labels;
};

/// Looks up a label or annotation by name.
const std::string* find_label(const Labels& labels, const std::string& name);
const std::string* find_annotation(const Annotations& annotations, const std::string& name);

}  // namespace rkt::spec
