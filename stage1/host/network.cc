#include "stage1/host/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/fs.h"

extern char** environ;

namespace rkt::stage1 {
namespace {

using nlohmann::json;

constexpr size_t kMaxConfig = 1 << 20;  // a network configuration file
constexpr size_t kMaxOutput = 1 << 20;  // what a plugin prints
constexpr const char* kRktPluginDir = "/usr/lib/rkt/plugins/net";
constexpr const char* kStage1PluginDir = "stage1/rootfs/usr/lib/rkt/plugins/net";
constexpr const char* kDebianPluginDir = "/usr/lib/cni";

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The configurations in one directory, by name, as rkt's netLoader reads one level.
Status load_dir(const std::string& dir, const std::set<std::string>& wanted, bool all,
                std::map<std::string, NetConfig>& out, const std::function<void(const std::string&)>& warn) {
  auto names = list_directory(dir);
  RKT_TRY_WRAP(names, "reading the network configurations in " + quote(dir));
  std::set<std::string> here;
  for (const auto& n : *names) {
    if (n.size() < 6 || n.compare(n.size() - 5, 5, ".conf") != 0) continue;
    std::string file = dir + "/" + n;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    auto text = read_file(file, kMaxConfig);
    RKT_TRY_WRAP(text, "network configuration " + quote(file));
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Error(Errc::InvalidArgument, "network configuration " + quote(file) + " is not a JSON object");
    }
    NetConfig c;
    c.file = file;
    c.bytes = *text;
    for (const char* key : {"name", "type"}) {
      auto it = j.find(key);
      if (it == j.end() || !it->is_string() || it->get<std::string>().empty()) {
        return Error(Errc::InvalidArgument,
                     "network configuration " + quote(file) + ": \"" + key + "\" must be a non-empty string");
      }
    }
    c.name = j["name"].get<std::string>();
    c.type = j["type"].get<std::string>();
    if (c.type.find('/') != std::string::npos || c.type == "." || c.type == "..") {
      return Error(Errc::InvalidArgument, "network configuration " + quote(file) + ": \"type\" " + quote(c.type) +
                                              " is not a plugin's file name");
    }
    if (auto it = j.find("ipMasq"); it != j.end()) {
      if (!it->is_boolean()) {
        return Error(Errc::InvalidArgument, "network configuration " + quote(file) + ": \"ipMasq\" must be a boolean");
      }
      c.ip_masq = it->get<bool>();
    }
    if (!all && !wanted.count(c.name)) continue;
    if (here.count(c.name)) {
      warn(quote(c.name) + " network already defined, ignoring " + quote(file));
      continue;
    }
    here.insert(c.name);
    if (out.count(c.name)) warn("overriding " + quote(c.name) + " network with one from " + quote(dir));
    out[c.name] = std::move(c);
  }
  return ok();
}

std::string mask_of_prefix(int bits) {
  uint32_t m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~((1u << (32 - bits)) - 1);
  struct in_addr a {};
  a.s_addr = htonl(m);
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// "172.16.28.2/24" into address, mask and prefix length; false unless it is IPv4 CIDR.
bool split_cidr4(const std::string& cidr, std::string* ip, std::string* mask, int* prefix) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  std::string addr = cidr.substr(0, slash), bits = cidr.substr(slash + 1);
  struct in_addr a {};
  if (::inet_pton(AF_INET, addr.c_str(), &a) != 1) return false;
  if (bits.empty() || bits.size() > 2 || !std::all_of(bits.begin(), bits.end(), ::isdigit)) return false;
  int n = std::stoi(bits);
  if (n > 32) return false;
  *ip = addr;
  *mask = mask_of_prefix(n);
  *prefix = n;
  return true;
}

std::vector<std::string> string_list(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The environment of a plugin run: rkt's caller's, without CNI_ variables of its own, plus the
// protocol's (as rkt's netplugin: CNI_VERSION too, for plugins of its day).
std::vector<std::string> plugin_env(const std::string& command, const std::string& uuid, const std::string& netns,
                                    const std::string& args, const std::string& ifname, const std::string& cni_path) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    if (std::string(*e).rfind("CNI_", 0) != 0) env.emplace_back(*e);
  }
  env.push_back("CNI_VERSION=0.1.0");
  env.push_back("CNI_COMMAND=" + command);
  env.push_back("CNI_CONTAINERID=" + uuid);
  env.push_back("CNI_NETNS=" + netns);
  env.push_back("CNI_ARGS=" + args);
  env.push_back("CNI_IFNAME=" + ifname);
  env.push_back("CNI_PATH=" + cni_path);
  return env;
}

// Runs a plugin with `config` on stdin; its stdout, or an error naming the network.
Result<std::string> run_plugin(const std::string& plugin, const std::string& config,
                               const std::vector<std::string>& env, const std::string& what) {
  // stdin from a sealed memory file, so a plugin that does not read it cannot block this process.
  UniqueFd in(::memfd_create("cni-config", MFD_CLOEXEC));
  if (!in.valid()) return sys_error(what + ": a memory file for the plugin's input");
  for (size_t off = 0; off < config.size();) {
    ssize_t n = ::write(in.get(), config.data() + off, config.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_error(what + ": writing the plugin's input");
    off += static_cast<size_t>(n);
  }
  if (::lseek(in.get(), 0, SEEK_SET) != 0) return sys_error(what + ": rewinding the plugin's input");
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return sys_error(what + ": a pipe for the plugin's output");
  UniqueFd out_r(out[0]), out_w(out[1]);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(plugin.c_str()), nullptr};
  pid_t pid = ::fork();
  if (pid < 0) return sys_error(what + ": starting " + quote(plugin));
  if (pid == 0) {
    if (::dup2(in.get(), 0) < 0 || ::dup2(out_w.get(), 1) < 0) _exit(127);
    ::execve(plugin.c_str(), argv, envp.data());
    _exit(127);
  }
  out_w.reset();
  std::string output;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(out_r.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < kMaxOutput) output.append(buf, std::min(static_cast<size_t>(n), kMaxOutput - output.size()));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return output;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty()) {
    return Error(Errc::Generic, what + ": could not run the plugin " + quote(plugin));
  }
  if (WIFSIGNALED(status)) {
    return Error(Errc::Generic,
                 what + ": the plugin " + quote(plugin) + " was killed by signal " + std::to_string(WTERMSIG(status)));
  }
  return Error(Errc::Generic, what + ": " + cni_error_message(output));
}

// A random name like rkt's (CNI's ns.NewNS): cni-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
Result<std::string> random_netns_name() {
  unsigned char b[16];
  if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) return sys_error("reading random bytes");
  char name[64];
  std::snprintf(name, sizeof name, "cni-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return std::string(name);
}

// As `ip netns add`: the directory is a shared mount, so that unbinding a namespace there also
// unbinds it in the mount namespaces created since (the pods'), which would otherwise keep it.
Status share_netns_dir() {
  RKT_TRY(make_dirs(kNetnsDir, 0755));
  if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return ok();
  if (errno != EINVAL) return sys_error("making " + quote(kNetnsDir) + " a shared mount");
  if (::mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) != 0) {
    return sys_error("binding " + quote(kNetnsDir) + " onto itself");
  }
  if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    return sys_error("making " + quote(kNetnsDir) + " a shared mount");
  }
  return ok();
}

// A new network namespace bound at `path` (an empty file this creates). The calling process
// stays in its own namespace.
Status create_netns(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!file.valid()) return sys_error("creating " + quote(path));
  file.reset();
  UniqueFd host(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!host.valid()) return sys_error("opening this process's network namespace");
  if (::unshare(CLONE_NEWNET) != 0) return sys_error("creating a network namespace");
  Status bound = ok();
  if (::mount("/proc/self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
    bound = sys_error("binding the pod's network namespace at " + quote(path));
  }
  if (::setns(host.get(), CLONE_NEWNET) != 0) {
    // Plugins must run in the host's namespace; nothing sensible can go on from here.
    std::perror("stage1: returning to the host's network namespace");
    _exit(254);
  }
  return bound;
}

// Undoes create_netns; a namespace that is not there (never made, or gone with a reboot) is fine.
Status destroy_netns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return sys_error("unbinding the network namespace " + quote(path));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error("removing " + quote(path));
  return ok();
}

// The recorded path of a pod's namespace, if it is one this code would have made.
bool valid_netns_path(const std::string& path) {
  std::string prefix = std::string(kNetnsDir) + "/cni-";
  if (path.rfind(prefix, 0) != 0 || path.size() == prefix.size()) return false;
  return std::all_of(path.begin() + static_cast<long>(prefix.size()), path.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

// One record of <pod>/net-info.json, with rkt's field names.
nlohmann::ordered_json net_info(const AttachedNet& n) {
  return {{"netName", n.conf.name}, {"netConf", std::string(stage1_abi::kNetDir) + "/" + base_name(n.conf.file)},
          {"pluginPath", n.plugin}, {"ifName", n.ifname},
          {"ip", n.result.ip},      {"args", n.conf.args},
          {"mask", n.result.mask}};
}

Status write_net_info(const std::string& pod_dir, const std::vector<AttachedNet>& nets) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& n : nets) all.push_back(net_info(n));
  return write_file_atomic(pod_dir + "/" + stage1_abi::kNetInfo, all.dump() + "\n", 0644, Overwrite::Yes,
                           Durability::NoSync);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string render_resolv(const CniResult& r, const std::string& network) {
  std::string out = "# Generated by rkt from network " + network + "\n\n";
  if (!r.search.empty()) out += "search " + join(r.search, " ") + "\n";
  for (const auto& ns : r.nameservers) out += "nameserver " + ns + "\n";
  if (!r.options.empty()) out += "options " + join(r.options, " ") + "\n";
  if (!r.domain.empty()) out += "domain " + r.domain + "\n";
  return out;
}

// DEL of one network; the copy of its configuration goes once that was tried, as in rkt, and
// only if it succeeded, so that a gc run again retries what failed.
Status del_net(const std::string& pod_dir, const std::string& uuid, const std::string& netns,
               const std::string& cni_path, const AttachedNet& n) {
  std::string copy = pod_dir + "/" + stage1_abi::kNetDir + "/" + base_name(n.conf.file);
  auto config = read_file(copy, kMaxConfig);
  if (!config) {
    if (config.error().sys_errno() == ENOENT) return ok();  // torn down already
    return std::move(config).error().wrap("network " + quote(n.conf.name));
  }
  auto r = run_plugin(n.plugin, *config, plugin_env("DEL", uuid, netns, n.conf.args, n.ifname, cni_path),
                      "deleting network " + quote(n.conf.name));
  RKT_TRY(r);
  if (::unlink(copy.c_str()) != 0 && errno != ENOENT) return sys_error("removing " + quote(copy));
  return ok();
}

// <pod>/net/portmap.json: how the forwarded ports were added, for their DEL.
constexpr const char* kPortmapRecord = "portmap.json";

std::string portmap_record_path(const std::string& pod_dir) {
  return pod_dir + "/" + stage1_abi::kNetDir + "/" + kPortmapRecord;
}

Status del_portmap(const std::string& pod_dir, const std::string& uuid, const std::string& netns,
                   const std::string& cni_path) {
  std::string path = portmap_record_path(pod_dir);
  auto text = read_file(path, kMaxConfig);
  if (!text) {
    if (text.error().sys_errno() == ENOENT) return ok();
    return std::move(text).error().wrap("the forwarded ports");
  }
  json rec = json::parse(*text, nullptr, false);
  if (!rec.is_object() || !rec.contains("conf") || !rec["conf"].is_object()) {
    return Error(Errc::InvalidArgument, quote(path) + " is not a record of forwarded ports");
  }
  std::string plugin = string_field(rec, "pluginPath"), ifname = string_field(rec, "ifName");
  auto r = run_plugin(plugin, rec["conf"].dump(), plugin_env("DEL", uuid, netns, "", ifname, cni_path),
                      "deleting the forwarded ports");
  RKT_TRY(r);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error("removing " + quote(path));
  return ok();
}

// Adds the forwarded ports to `net` (recorded first, for gc).
Status add_portmap(const std::string& pod_dir, const std::string& uuid, const std::string& netns,
                   const std::string& cni_path, const std::vector<std::string>& dirs, const AttachedNet& net,
                   const std::vector<spec::ForwardedPort>& ports) {
  auto plugin = find_plugin("portmap", dirs);
  RKT_TRY_WRAP(plugin, "forwarding ports");
  std::string conf = portmap_config(net, netns, ports);
  nlohmann::ordered_json rec = {{"netName", net.conf.name},
                                {"ifName", net.ifname},
                                {"pluginPath", *plugin},
                                {"conf", nlohmann::ordered_json::parse(conf)}};
  RKT_TRY(write_file_atomic(portmap_record_path(pod_dir), rec.dump() + "\n", 0644, Overwrite::Yes, Durability::NoSync));
  auto r = run_plugin(*plugin, conf, plugin_env("ADD", uuid, netns, "", net.ifname, cni_path),
                      "forwarding ports on network " + quote(net.conf.name));
  RKT_TRY(r);
  return ok();
}

}  // namespace

std::string portmap_config(const AttachedNet& net, const std::string& netns,
                           const std::vector<spec::ForwardedPort>& ports) {
  nlohmann::ordered_json mappings = nlohmann::ordered_json::array();
  for (const auto& p : ports) {
    nlohmann::ordered_json m = {{"hostPort", p.host_port}, {"containerPort", p.pod_port}, {"protocol", p.protocol}};
    if (p.host_ip != "0.0.0.0") m["hostIP"] = p.host_ip;
    mappings.push_back(std::move(m));
  }
  nlohmann::ordered_json ip = {
      {"version", "4"}, {"address", net.result.ip + "/" + std::to_string(net.result.prefix)}, {"interface", 0}};
  if (!net.result.gateway.empty()) ip["gateway"] = net.result.gateway;
  nlohmann::ordered_json conf = {
      {"cniVersion", "0.3.1"},
      {"name", net.conf.name},
      {"type", "portmap"},
      {"snat", true},
      {"runtimeConfig", {{"portMappings", mappings}}},
      {"prevResult",
       {{"cniVersion", "0.3.1"},
        {"interfaces", nlohmann::ordered_json::array({{{"name", net.ifname}, {"sandbox", netns}}})},
        {"ips", nlohmann::ordered_json::array({ip})}}}};
  return conf.dump();
}

Result<std::vector<NetConfig>> load_net_configs(const std::vector<stage1_abi::NetRequest>& requested,
                                                const std::string& builtin_dir, const std::string& user_dir,
                                                const std::function<void(const std::string&)>& warn) {
  std::set<std::string> wanted;
  bool all = false;
  for (const auto& r : requested) {
    if (r.name == "all") {
      all = true;
    } else {
      wanted.insert(r.name);
    }
  }
  std::map<std::string, NetConfig> by_name;
  RKT_TRY(load_dir(builtin_dir, wanted, all, by_name, warn));
  RKT_TRY(load_dir(user_dir, wanted, all, by_name, warn));
  std::vector<std::string> missing;
  for (const auto& w : wanted) {
    if (!by_name.count(w)) missing.push_back(w);
  }
  if (!missing.empty()) return Error(Errc::NotFound, "networks not found: " + join(missing, ", "));
  std::vector<NetConfig> nets;
  for (auto& [name, c] : by_name) {
    for (const auto& r : requested) {
      if (r.name == name) c.args = r.args;
    }
    nets.push_back(std::move(c));
  }
  std::stable_sort(nets.begin(), nets.end(),
                   [](const NetConfig& a, const NetConfig& b) { return base_name(a.file) < base_name(b.file); });
  return nets;
}

Result<CniResult> parse_cni_result(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(Errc::InvalidArgument, what + ": the plugin's result is not a JSON object");
  }
  CniResult r;
  bool found = false;
  if (auto ip4 = j.find("ip4"); ip4 != j.end() && ip4->is_object()) {  // CNI 0.1.0, 0.2.0
    found = split_cidr4(string_field(*ip4, "ip"), &r.ip, &r.mask, &r.prefix);
    r.gateway = string_field(*ip4, "gateway");
  } else if (auto ips = j.find("ips"); ips != j.end() && ips->is_array()) {  // CNI 0.3.0 and later
    // The pod's interfaces are those with a "sandbox"; an address on none names no interface.
    std::set<size_t> pod_ifaces;
    if (auto ifs = j.find("interfaces"); ifs != j.end() && ifs->is_array()) {
      for (size_t i = 0; i < ifs->size(); ++i) {
        if ((*ifs)[i].is_object() && !string_field((*ifs)[i], "sandbox").empty()) pod_ifaces.insert(i);
      }
    }
    for (const auto& ip : *ips) {
      if (!ip.is_object()) continue;
      if (auto itf = ip.find("interface"); itf != ip.end() && !pod_ifaces.empty()) {
        if (!itf->is_number_unsigned() || !pod_ifaces.count(itf->get<size_t>())) continue;
      }
      if (split_cidr4(string_field(ip, "address"), &r.ip, &r.mask, &r.prefix)) {
        r.gateway = string_field(ip, "gateway");
        found = true;
        break;
      }
    }
  }
  if (!found) return Error(Errc::InvalidArgument, what + ": the plugin's result has no IPv4 address for the pod");
  if (auto dns = j.find("dns"); dns != j.end() && dns->is_object()) {
    r.nameservers = string_list(*dns, "nameservers");
    r.search = string_list(*dns, "search");
    r.options = string_list(*dns, "options");
    r.domain = string_field(*dns, "domain");
  }
  return r;
}

std::string cni_error_message(const std::string& output) {
  json j = json::parse(output, nullptr, false);
  if (j.is_object() && j.contains("msg") && j["msg"].is_string()) {
    std::string msg = j["msg"].get<std::string>();
    std::string details = string_field(j, "details");
    std::string out = details.empty() ? msg : msg + "; " + details;
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
  }
  std::string shown = output.size() > 512 ? output.substr(0, 512) + "..." : output;
  return "netplugin failed but error parsing its diagnostic message " + quote(shown);
}

const AttachedNet* forwardable_net(const std::vector<AttachedNet>& nets) {
  for (const auto& n : nets) {
    if (n.conf.ip_masq) return &n;
  }
  return nets.empty() ? nullptr : &nets.back();
}

std::vector<std::string> plugin_dirs(const std::string& local_config, const std::string& pod_dir) {
  return {local_config + "/net.d", kRktPluginDir, pod_dir + "/" + kStage1PluginDir, kDebianPluginDir};
}

Result<std::string> find_plugin(const std::string& type, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    std::string p = d + "/" + type;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return Error(Errc::NotFound, "could not find plugin " + quote(type) + " in " + join(dirs, ", "));
}

Result<PodNetwork> setup_pod_network(const std::string& pod_dir, const std::string& uuid,
                                     const std::vector<stage1_abi::NetRequest>& requested,
                                     const std::string& local_config, const std::vector<spec::ForwardedPort>& ports,
                                     const std::function<void(const std::string&)>& warn) {
  auto configs = load_net_configs(requested, pod_dir + "/" + stage1_abi::kStage1Rootfs + "/" + kBuiltinNetDir,
                                  local_config + "/net.d", warn);
  RKT_TRY(configs);
  auto dirs = plugin_dirs(local_config, pod_dir);
  std::vector<AttachedNet> nets;
  for (auto& c : *configs) {
    auto plugin = find_plugin(c.type, dirs);
    RKT_TRY_WRAP(plugin, "network " + quote(c.name));
    nets.push_back({std::move(c), std::move(*plugin), "eth" + std::to_string(nets.size()), {}});
  }
  std::string cni_path = join(dirs, ":");

  PodNetwork pn;
  RKT_TRY(share_netns_dir());
  auto name = random_netns_name();
  RKT_TRY(name);
  pn.netns_path = std::string(kNetnsDir) + "/" + *name;
  // Recorded before it exists, so that gc finds it whatever happens from here on.
  RKT_TRY(
      write_file_atomic(pod_dir + "/" + stage1_abi::kNetns, pn.netns_path, 0644, Overwrite::Yes, Durability::NoSync));
  if (Status s = create_netns(pn.netns_path); !s) {
    (void)destroy_netns(pn.netns_path);
    return std::move(s).error();
  }
  pn.netns.reset(::open(pn.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  Status st = pn.netns.valid() ? ok() : sys_error("opening " + quote(pn.netns_path));
  if (st) st = make_dirs(pod_dir + "/" + stage1_abi::kNetDir, 0755);

  // Each network is recorded (net-info.json, then the copy of its configuration) before its
  // plugin runs: a crash during ADD leaves what DEL needs.
  size_t added = 0;
  for (; st && added < nets.size(); ++added) {
    AttachedNet& n = nets[added];
    std::string what = "network " + quote(n.conf.name);
    std::vector<AttachedNet> recorded(nets.begin(), nets.begin() + static_cast<long>(added) + 1);
    st = write_net_info(pod_dir, recorded);
    if (!st) break;
    st = write_file_atomic(pod_dir + "/" + stage1_abi::kNetDir + "/" + base_name(n.conf.file), n.conf.bytes, 0644,
                           Overwrite::Yes, Durability::NoSync);
    if (!st) break;
    auto out =
        run_plugin(n.plugin, n.conf.bytes, plugin_env("ADD", uuid, pn.netns_path, n.conf.args, n.ifname, cni_path),
                   "adding network " + quote(n.conf.name));
    if (!out) {
      st = std::move(out).error();
      ++added;  // DEL what may be half-made
      break;
    }
    auto result = parse_cni_result(*out, what);
    if (!result) {
      st = std::move(result).error();
      ++added;
      break;
    }
    n.result = std::move(*result);
    if (n.result.has_dns()) {
      if (pn.resolv_conf.empty()) {
        pn.resolv_conf = render_resolv(n.result, n.conf.name);
      } else {
        warn("network " + n.conf.name + " plugin specified DNS configuration, but DNS already supplied");
      }
    }
  }
  if (st) st = write_net_info(pod_dir, nets);
  bool forwarding = false;
  if (const AttachedNet* target = forwardable_net(nets); st && !ports.empty() && target) {
    forwarding = true;
    st = add_portmap(pod_dir, uuid, pn.netns_path, cni_path, dirs, *target, ports);
  }
  if (st) {
    pn.nets = std::move(nets);
    return pn;
  }
  // Undo, in reverse: nothing of a pod that could not start stays behind. What cannot be undone
  // now stays recorded, for gc.
  pn.netns.reset();
  bool undone = true;
  if (forwarding) {
    if (Status s = del_portmap(pod_dir, uuid, pn.netns_path, cni_path); !s) {
      warn(s.error().message());
      undone = false;
    }
  }
  for (size_t i = added; i-- > 0;) {
    if (Status s = del_net(pod_dir, uuid, pn.netns_path, cni_path, nets[i]); !s) {
      warn(s.error().message());
      undone = false;
    }
  }
  if (undone) {
    if (Status s = destroy_netns(pn.netns_path); !s) {
      warn(s.error().message());
    } else {
      (void)::unlink((pod_dir + "/" + stage1_abi::kNetInfo).c_str());
      (void)::unlink((pod_dir + "/" + stage1_abi::kNetns).c_str());
    }
  }
  return std::move(st).error();
}

Status teardown_pod_network(const std::string& pod_dir, const std::string& uuid) {
  auto recorded = read_file(pod_dir + "/" + stage1_abi::kNetns, 4096);
  if (!recorded) {
    if (recorded.error().sys_errno() == ENOENT) return ok();  // host or no networking: nothing was made
    return std::move(recorded).error().wrap("pod " + uuid + "'s network namespace");
  }
  std::string netns = *recorded;
  if (!netns.empty() && netns.back() == '\n') netns.pop_back();
  if (!valid_netns_path(netns)) {
    return Error(Errc::InvalidArgument, quote(pod_dir + "/" + stage1_abi::kNetns) + " names " + quote(netns) +
                                            ", not a network namespace under " + kNetnsDir);
  }
  auto rc = stage1_abi::read_runtime_config(pod_dir);
  std::string local_config = rc ? rc->local_config : stage1_abi::RuntimeConfig{}.local_config;
  std::string cni_path = join(plugin_dirs(local_config, pod_dir), ":");

  std::vector<AttachedNet> nets;
  auto info_text = read_file(pod_dir + "/" + stage1_abi::kNetInfo, 16 << 20);
  if (info_text) {
    json info = json::parse(*info_text, nullptr, false);
    if (!info.is_array()) {
      return Error(Errc::InvalidArgument, quote(pod_dir + "/" + stage1_abi::kNetInfo) + " is not a JSON array");
    }
    for (const auto& e : info) {
      if (!e.is_object()) continue;
      AttachedNet n;
      n.conf.name = string_field(e, "netName");
      n.conf.file = base_name(string_field(e, "netConf"));
      n.conf.args = string_field(e, "args");
      n.plugin = string_field(e, "pluginPath");
      n.ifname = string_field(e, "ifName");
      if (n.conf.file.empty() || n.conf.file == "." || n.conf.file == ".." || n.plugin.empty()) continue;
      nets.push_back(std::move(n));
    }
  } else if (info_text.error().sys_errno() != ENOENT) {
    return std::move(info_text).error().wrap("pod " + uuid);
  }
  Status first = del_portmap(pod_dir, uuid, netns, cni_path);
  for (size_t i = nets.size(); i-- > 0;) {
    Status s = del_net(pod_dir, uuid, netns, cni_path, nets[i]);
    if (!s && first) first = std::move(s);
  }
  if (!first) return std::move(first).error().wrap("tearing down the networks of pod " + uuid);
  RKT_TRY_WRAP(destroy_netns(netns), "pod " + uuid);
  return ok();
}

}  // namespace rkt::stage1
