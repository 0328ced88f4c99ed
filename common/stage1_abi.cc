#include "common/stage1_abi.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"

namespace rkt::stage1_abi {
namespace {

const char* flag(bool b) { return b ? "1" : "0"; }

std::string in_pod(const std::string& pod_dir, const char* file) { return pod_dir + "/" + file; }

}  // namespace

std::string RuntimeConfig::render() const {
  std::string out = "net=" + net + "\n";
  out += "local-config=" + local_config + "\n";
  if (!hostname.empty()) out += "hostname=" + hostname + "\n";
  for (const auto& d : dns) out += "dns=" + d + "\n";
  for (const auto& d : dns_search) out += "dns-search=" + d + "\n";
  for (const auto& d : dns_opt) out += "dns-opt=" + d + "\n";
  if (!dns_domain.empty()) out += "dns-domain=" + dns_domain + "\n";
  for (const auto& h : hosts_entries) out += "hosts-entry=" + h + "\n";
  out += std::string("interactive=") + flag(interactive) + "\n";
  out += "ipc=" + ipc + "\n";
  out += std::string("insecure-paths=") + flag(insecure_paths) + "\n";
  out += std::string("insecure-capabilities=") + flag(insecure_capabilities) + "\n";
  out += std::string("insecure-seccomp=") + flag(insecure_seccomp) + "\n";
  if (!mds_token.empty()) out += "mds-token=" + mds_token + "\n";
  return out;
}

Result<RuntimeConfig> RuntimeConfig::parse(const std::string& text, const std::string& what) {
  RuntimeConfig rc;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto bad = [&](const std::string& why) {
      return Error(Errc::InvalidArgument, what + ": line " + std::to_string(n) + ": " + why);
    };
    size_t eq = line.find('=');
    if (eq == std::string::npos) return bad(quote(line) + " is not key=value");
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    auto boolean = [&](bool* out) -> Status {
      if (value != "0" && value != "1") return bad(quote(key) + " must be 0 or 1, not " + quote(value));
      *out = value == "1";
      return ok();
    };
    Status s = ok();
    if (key == "net") {
      rc.net = value;
    } else if (key == "mds-token") {
      rc.mds_token = value;
    } else if (key == "local-config") {
      rc.local_config = value;
    } else if (key == "hostname") {
      rc.hostname = value;
    } else if (key == "dns") {
      rc.dns.push_back(value);
    } else if (key == "dns-search") {
      rc.dns_search.push_back(value);
    } else if (key == "dns-opt") {
      rc.dns_opt.push_back(value);
    } else if (key == "dns-domain") {
      rc.dns_domain = value;
    } else if (key == "hosts-entry") {
      rc.hosts_entries.push_back(value);
    } else if (key == "ipc") {
      rc.ipc = value;
    } else if (key == "interactive") {
      s = boolean(&rc.interactive);
    } else if (key == "insecure-paths") {
      s = boolean(&rc.insecure_paths);
    } else if (key == "insecure-capabilities") {
      s = boolean(&rc.insecure_capabilities);
    } else if (key == "insecure-seccomp") {
      s = boolean(&rc.insecure_seccomp);
    } else {
      return bad("unknown key " + quote(key));
    }
    RKT_TRY(s);
  }
  return rc;
}

std::string metadata_url(const std::string& host_ip, const std::string& token) {
  return "http://" + host_ip + ":" + std::to_string(kMetadataPort) + "/" + token;
}

Result<std::vector<NetRequest>> parse_net_list(const std::string& value) {
  std::vector<NetRequest> nets;
  size_t start = 0;
  for (;;) {
    size_t comma = value.find(',', start);
    std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t colon = item.find(':');
    NetRequest n{item.substr(0, colon), colon == std::string::npos ? "" : item.substr(colon + 1)};
    if (n.name.empty()) return Error(Errc::Usage, "--net: netname must not be empty");
    for (const auto& o : nets) {
      if (o.name == n.name) return Error(Errc::Usage, "--net: found duplicate netname " + quote(n.name));
    }
    if (colon != std::string::npos) {
      if (n.args.find(':') != std::string::npos) {
        return Error(Errc::Usage, "--net: network " + quote(n.name) +
                                      " provided with invalid arguments: " + quote(item.substr(colon + 1)));
      }
      if (n.name == "all" || n.name == "host") {
        return Error(Errc::Usage, "--net: arguments are not supported by special netname " + quote(n.name));
      }
    }
    nets.push_back(std::move(n));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return nets;
}

NetMode net_mode(const std::vector<NetRequest>& nets) {
  bool none = false;
  for (const auto& n : nets) {
    if (n.name == "host") return NetMode::Host;
    none |= n.name == "none";
  }
  return none ? NetMode::None : NetMode::Contained;
}

Result<RuntimeConfig> read_runtime_config(const std::string& pod_dir) {
  std::string path = in_pod(pod_dir, kRuntimeConfig);
  auto text = read_file(path, 1 << 20);
  RKT_TRY(text);
  return RuntimeConfig::parse(*text, quote(path));
}

Status write_runtime_config(const std::string& pod_dir, const RuntimeConfig& rc, bool replace) {
  return write_file_atomic(in_pod(pod_dir, kRuntimeConfig), rc.render(), 0640, replace ? Overwrite::Yes : Overwrite::No,
                           replace ? Durability::Sync : Durability::NoSync);
}

namespace {
constexpr std::string_view kSummaryMagic = "rkt-pod-summary 1\n";

// A summary field that may hold any byte (a path, an annotation): spaces, control bytes and '%'
// as %XX, so that a line splits at its spaces.
std::string escape_field(const std::string& v) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (unsigned char c : v) {
    if (c <= 0x20 || c == 0x7f || c == '%') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::optional<std::string> unescape_field(std::string_view v) {
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out += v[i];
      continue;
    }
    int hi = i + 2 < v.size() ? hex(v[i + 1]) : -1, lo = hi >= 0 ? hex(v[i + 2]) : -1;
    if (lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// The `n` space-separated escaped fields after a line's keyword; nullopt unless exactly `n`.
std::optional<std::vector<std::string>> fields(std::string_view rest, size_t n) {
  std::vector<std::string> out;
  for (;;) {
    size_t sp = rest.find(' ');
    auto f = unescape_field(rest.substr(0, sp));
    if (!f) return std::nullopt;
    out.push_back(std::move(*f));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  if (out.size() != n) return std::nullopt;
  return out;
}
}  // namespace

std::string PodSummary::render() const {
  std::string out(kSummaryMagic);
  if (created_ns > 0) out += "created " + std::to_string(created_ns) + "\n";
  if (started_ns > 0) out += "started " + std::to_string(started_ns) + "\n";
  auto pair_lines = [&out](const char* key, const std::map<std::string, std::string>& m) {
    for (const auto& [k, v] : m) out += std::string(key) + " " + escape_field(k) + " " + escape_field(v) + "\n";
  };
  for (const auto& a : apps) {
    out += "app " + a.name + " " + a.image_id + " " + a.image_name + "\n";
    if (!details) continue;
    for (const auto& m : a.mounts) {
      out += "app-mount " + escape_field(m.volume) + " " + (m.read_only ? "1 " : "0 ") + escape_field(m.path) + " " +
             escape_field(m.host_path) + "\n";
    }
    pair_lines("app-annotation", a.user_annotations);
    pair_lines("app-label", a.user_labels);
  }
  if (apps_listed) out += "apps\n";
  if (details) {
    pair_lines("annotation", user_annotations);
    pair_lines("label", user_labels);
    out += "details\n";
  }
  if (!pid.empty()) out += "pid " + pid + "\n";
  if (networks) out += "networks\n";
  if (nets_listed) {
    for (const auto& n : nets) {
      out += "net";
      for (const std::string* f : {&n.name, &n.conf, &n.plugin, &n.ifname, &n.ip, &n.args, &n.mask}) {
        out += " " + escape_field(*f);
      }
      out += "\n";
    }
    out += "nets\n";
  }
  for (const auto& [app, code] : exit_codes) out += "exit " + app + " " + code + "\n";
  if (exited) out += "exited\n";
  return out + "manifest\n" + manifest;
}

std::optional<PodSummary> PodSummary::parse(const std::string& text) {
  if (text.compare(0, kSummaryMagic.size(), kSummaryMagic) != 0) return std::nullopt;
  PodSummary s;
  size_t at = kSummaryMagic.size();
  for (;;) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return std::nullopt;
    std::string line = text.substr(at, nl - at);
    at = nl + 1;
    auto word = [&](size_t from) { return line.substr(from); };
    if (line == "manifest") break;
    auto number = [&](size_t from, int64_t* out) {
      const char* first = line.data() + from;
      const char* last = line.data() + line.size();
      auto [end, ec] = std::from_chars(first, last, *out);
      return first != last && ec == std::errc() && end == last && *out > 0;
    };
    if (line.rfind("created ", 0) == 0) {
      if (!number(8, &s.created_ns)) return std::nullopt;
    } else if (line.rfind("started ", 0) == 0) {
      if (!number(8, &s.started_ns)) return std::nullopt;
    } else if (line.rfind("app ", 0) == 0) {
      size_t a = line.find(' ', 4), b = a == std::string::npos ? a : line.find(' ', a + 1);
      if (b == std::string::npos || a == 4 || b == a + 1) return std::nullopt;
      s.apps.push_back({line.substr(4, a - 4), line.substr(a + 1, b - a - 1), line.substr(b + 1), {}, {}, {}});
    } else if (line.rfind("app-mount ", 0) == 0) {
      auto f = fields(std::string_view(line).substr(10), 4);
      if (!f || s.apps.empty() || ((*f)[1] != "0" && (*f)[1] != "1")) return std::nullopt;
      s.apps.back().mounts.push_back({(*f)[0], (*f)[2], (*f)[3], (*f)[1] == "1"});
    } else if (line.rfind("app-annotation ", 0) == 0 || line.rfind("app-label ", 0) == 0 ||
               line.rfind("annotation ", 0) == 0 || line.rfind("label ", 0) == 0) {
      size_t sp = line.find(' ');
      std::string_view key = std::string_view(line).substr(0, sp);
      auto f = fields(std::string_view(line).substr(sp + 1), 2);
      bool of_app = key.rfind("app-", 0) == 0;
      if (!f || (of_app && s.apps.empty())) return std::nullopt;
      bool annotation = key.size() >= 10 && key.substr(key.size() - 10) == "annotation";
      auto& m = of_app ? (annotation ? s.apps.back().user_annotations : s.apps.back().user_labels)
                       : (annotation ? s.user_annotations : s.user_labels);
      m[(*f)[0]] = (*f)[1];
    } else if (line == "apps") {
      s.apps_listed = true;
    } else if (line == "details") {
      s.details = true;
    } else if (line == "networks") {
      s.networks = true;
    } else if (line.rfind("net ", 0) == 0) {
      auto f = fields(std::string_view(line).substr(4), 7);
      if (!f) return std::nullopt;
      s.nets.push_back({(*f)[0], (*f)[1], (*f)[2], (*f)[3], (*f)[4], (*f)[5], (*f)[6]});
    } else if (line == "nets") {
      s.nets_listed = true;
    } else if (line == "exited") {
      s.exited = true;
    } else if (line.rfind("pid ", 0) == 0 && line.size() > 4 &&
               line.find_first_not_of("0123456789", 4) == std::string::npos) {
      s.pid = word(4);
    } else if (line.rfind("exit ", 0) == 0) {
      size_t space = line.find(' ', 5);
      if (space == std::string::npos || space == 5 || space + 1 == line.size()) return std::nullopt;
      s.exit_codes[line.substr(5, space - 5)] = word(space + 1);
    } else {
      return std::nullopt;
    }
  }
  s.manifest = text.substr(at);
  return s;
}

std::vector<NetInfo> read_net_info(const std::string& pod_dir) {
  std::vector<NetInfo> nets;
  auto text = read_file(in_pod(pod_dir, kNetInfo), 16 << 20);
  if (!text) return nets;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_array()) return nets;
  auto field = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    nets.push_back({field(e, "netName"), field(e, "netConf"), field(e, "pluginPath"), field(e, "ifName"),
                    field(e, "ip"), field(e, "args"), field(e, "mask")});
  }
  return nets;
}

Status write_pod_summary(const std::string& pod_dir, const PodSummary& summary) {
  return write_file_atomic(in_pod(pod_dir, kPodSummary), summary.render(), 0640, Overwrite::Yes, Durability::NoSync);
}

std::optional<PodSummary> read_pod_summary(const std::string& pod_dir) {
  // One open, one read and one close: this is read for every pod `rkt list` shows.
  int fd = ::open(in_pod(pod_dir, kPodSummary).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buf || text.size() > spec::kMaxManifestBytes + 4096) break;
  }
  ::close(fd);
  return PodSummary::parse(text);
}

const char* entrypoint_name(Entrypoint e) {
  switch (e) {
    case Entrypoint::Run:
      return "run";
    case Entrypoint::Enter:
      return "enter";
    case Entrypoint::Stop:
      return "stop";
    case Entrypoint::Gc:
      return "gc";
  }
  return "unknown";
}

std::string entrypoint_annotation(Entrypoint e) { return std::string("coreos.com/rkt/stage1/") + entrypoint_name(e); }

Status write_stage1(const std::string& pod_dir, const std::string& manifest_json, const std::string& rootfs) {
  if (Status s = make_dirs(pod_dir + "/stage1", 0750); !s) return s;
  if (Status s =
          write_file_atomic(in_pod(pod_dir, kStage1Manifest), manifest_json, 0640, Overwrite::No, Durability::NoSync);
      !s) {
    return s;
  }
  std::string link = in_pod(pod_dir, kStage1Rootfs);
  if (::symlink(rootfs.c_str(), link.c_str()) != 0) return sys_error("linking " + quote(link));
  return ok();
}

Result<std::string> find_entrypoint(const std::string& pod_dir, Entrypoint e) {
  std::string path = in_pod(pod_dir, kStage1Manifest);
  auto text = read_file(path, spec::kMaxManifestBytes);
  RKT_TRY_WRAP(text, "finding the stage1 of pod " + quote(pod_dir));
  auto m = spec::parse_image_manifest(*text, path);
  RKT_TRY(m);
  const std::string* entry = spec::find_annotation(m->annotations, entrypoint_annotation(e));
  if (!entry || entry->empty() || (*entry)[0] != '/' || entry->find("..") != std::string::npos) {
    return Error(Errc::Unsupported,
                 "the stage1 of pod " + quote(pod_dir) + " has no " + entrypoint_name(e) + " entrypoint");
  }
  return in_pod(pod_dir, kStage1Rootfs) + *entry;
}

Result<int> run_entrypoint(const std::string& entry, const std::string& pod_dir, const std::vector<std::string>& args) {
  std::vector<std::string> a = {entry};
  a.insert(a.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& x : a) argv.push_back(x.data());
  argv.push_back(nullptr);
  // posix_spawn (a vfork in glibc): no copy of this process's page tables for a child that only
  // changes directory and executes, which gc does once per pod. A failed chdir or exec is its
  // return value.
  posix_spawn_file_actions_t actions;
  if (int err = ::posix_spawn_file_actions_init(&actions); err != 0) return sys_error("spawning", err);
  int err = ::posix_spawn_file_actions_addchdir_np(&actions, pod_dir.c_str());
  pid_t pid = -1;
  if (err == 0) err = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    return Error(Errc::NotFound,
                 "cannot execute " + quote(entry) + " in " + quote(pod_dir) + ": " + std::strerror(err));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("waiting for " + quote(entry));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Status write_cgroup_record(const std::string& pod_dir, const std::vector<std::string>& dirs) {
  std::string list;
  for (const auto& d : dirs) list += d + "\n";
  return write_file_atomic(in_pod(pod_dir, kCgroups), list, 0644, Overwrite::Yes, Durability::NoSync);
}

Result<std::vector<std::string>> read_cgroup_record(const std::string& pod_dir) {
  std::vector<std::string> out;
  auto text = read_file(in_pod(pod_dir, kCgroups), 1 << 20);
  if (!text) {
    if (text.error().sys_errno() == ENOENT) return out;
    return std::move(text).error();
  }
  std::istringstream in(*text);
  for (std::string d; std::getline(in, d);) {
    if (!d.empty()) out.push_back(d);
  }
  return out;
}

Status remove_pod_cgroups(const std::string& pod_dir, const std::string& uuid) {
  auto dirs = read_cgroup_record(pod_dir);
  RKT_TRY(dirs);
  for (const auto& dir : *dirs) {
    if (dir.rfind("/sys/fs/cgroup/", 0) != 0 || dir.find("/rkt-" + uuid) == std::string::npos ||
        dir.find("/../") != std::string::npos) {
      continue;
    }
    // Any process left (stage1 killed with SIGKILL takes its pod along, but be sure) is killed.
    if (auto procs = read_file(dir + "/cgroup.procs", 1 << 20)) {
      std::istringstream p(*procs);
      for (pid_t pid; p >> pid;) ::kill(pid, SIGKILL);
    }
    for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) ::usleep(10000);
    if (::access(dir.c_str(), F_OK) == 0 && ::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      return sys_error("removing cgroup " + quote(dir));
    }
  }
  return ok();
}

namespace {

// Opens `name` below `dir_fd` into `out` (a missing one is skipped), starting a file's writeback.
Status open_record(int dir_fd, const std::string& name, const std::string& where, std::vector<UniqueFd>* out) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) return errno == ENOENT ? ok() : sys_error("opening " + quote(where + "/" + name));
  ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);  // a no-op for a directory
  out->push_back(std::move(fd));
  return ok();
}

}  // namespace

Status flush_pod(const std::string& pod_dir) {
  UniqueFd dir(::open(pod_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return sys_error("opening pod " + quote(pod_dir));
  std::vector<UniqueFd> records;
  RKT_TRY(open_record(dir.get(), kPodSummary, pod_dir, &records));
  RKT_TRY(open_record(dir.get(), kPodManifest, pod_dir, &records));
  if (auto names = list_directory(pod_dir + "/" + kAppStatusDir)) {
    for (const auto& n : *names)
      RKT_TRY(open_record(dir.get(), std::string(kAppStatusDir) + "/" + n, pod_dir, &records));
    RKT_TRY(open_record(dir.get(), kAppStatusDir, pod_dir, &records));
  }
  records.push_back(std::move(dir));
  // The first fsync commits the journal transaction that holds them all; the others find it done.
  for (const auto& fd : records) {
    if (::fsync(fd.get()) != 0) return sys_error("flushing pod " + quote(pod_dir));
  }
  return sync_dir(pod_dir.substr(0, pod_dir.rfind('/')));  // its name in its phase directory
}

}  // namespace rkt::stage1_abi
