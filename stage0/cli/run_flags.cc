#include "stage0/cli/run_flags.h"

#include <algorithm>
#include <sstream>

#include "common/fs.h"
#include "spec/manifest.h"
#include "spec/names.h"
#include "spec/quantity.h"

extern char** environ;

namespace rkt::stage0 {
namespace {

// "k=v,k=v" after an optional leading bare value (returned in *head).
Result<std::map<std::string, std::string>> params(const std::string& s, const std::string& flag, std::string* head) {
  std::map<std::string, std::string> out;
  auto parts = split(s, ',');
  size_t i = 0;
  if (head) {
    *head = parts[0];
    i = 1;
  }
  for (; i < parts.size(); ++i) {
    size_t eq = parts[i].find('=');
    if (eq == std::string::npos)
      return Error(Errc::Usage, flag + " " + quote(s) + ": " + quote(parts[i]) + " is not key=value");
    out[parts[i].substr(0, eq)] = parts[i].substr(eq + 1);
  }
  return out;
}

bool is_number(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

Status add_env_assignment(spec::Environment& env, const std::string& kv, const std::string& flag) {
  size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) return Error(Errc::Usage, flag + " " + quote(kv) + " is not NAME=VALUE");
  if (std::string msg = spec::check_env_name(kv.substr(0, eq)); !msg.empty())
    return Error(Errc::Usage, flag + ": " + msg);
  spec::set_env(env, kv.substr(0, eq), kv.substr(eq + 1));
  return ok();
}

Result<spec::Isolator> resource_flag(const char* isolator, const std::string& flag, const std::string& value) {
  std::string why;
  auto q = spec::parse_quantity(value, &why);
  if (!q) return Error(Errc::Usage, flag + " " + quote(value) + ": " + why);
  spec::ResourceValue r;
  r.limit = *q;
  return spec::make_isolator(isolator, r);
}

// --user-label and --user-annotation, of an app or of the pod.
template <typename Flags, typename Request>
Status user_labels_and_annotations(const Flags& f, Request& r) {
  auto labels = parse_name_values(f.user_labels, "--user-label");
  RKT_TRY(labels);
  r.user_labels = std::move(*labels);
  auto annotations = parse_name_values(f.user_annotations, "--user-annotation");
  RKT_TRY(annotations);
  r.user_annotations = std::move(*annotations);
  return ok();
}

// Manifests are JSON: what a flag puts in one must be UTF-8.
Status utf8_flag(const std::string& flag, const std::string& value) {
  if (spec::valid_utf8(value)) return ok();
  return Error(Errc::Usage, flag + " " + quote(value) + " is not valid UTF-8, which a manifest needs");
}

}  // namespace

void add_app_flags(FlagSet& fs, AppFlags& a) {
  fs.add_string("exec", &a.exec, "the executable to run instead of the image's");
  fs.add_string("name", &a.name, "the app's name in the pod");
  fs.add_string("working-dir", &a.working_dir, "the app's working directory");
  fs.add_string("user", &a.user, "the app's user: a number, a name in the image's /etc/passwd, or a file's path");
  fs.add_string("group", &a.group, "the app's group: a number, a name in the image's /etc/group, or a file's path");
  fs.add_string("supplementary-gids", &a.supplementary_gids, "comma-separated supplementary gids");
  fs.add_list("environment", &a.environment, "NAME=VALUE for the app's environment");
  fs.add_list("mount", &a.mounts, "volume=NAME,target=PATH");
  fs.add_bool("readonly-rootfs", &a.readonly_rootfs, "mount the app's root filesystem read-only");
  fs.add_string("memory", &a.memory, "memory limit (e.g. 50M)");
  fs.add_string("cpu", &a.cpu, "cpu limit (e.g. 500m)");
  fs.add_string("cpu-shares", &a.cpu_shares, "relative cpu weight");
  fs.add_string("caps-retain", &a.caps_retain, "capabilities to keep, comma-separated");
  fs.add_string("caps-remove", &a.caps_remove, "capabilities to drop, comma-separated");
  fs.add_string("cap-retain", &a.caps_retain, "deprecated: --caps-retain");
  fs.add_string("cap-remove", &a.caps_remove, "deprecated: --caps-remove");
  fs.add_string("seccomp", &a.seccomp, "mode=retain|remove[,errno=E],SYSCALL,...");
  fs.add_string("oom-score-adj", &a.oom_score_adj, "oom_score_adj of the app");
  fs.add_list("annotation", &a.annotations, "NAME=VALUE annotation of the app");
  fs.add_list("user-label", &a.user_labels, "NAME=VALUE");
  fs.add_list("user-annotation", &a.user_annotations, "NAME=VALUE");
  fs.add_string("signature", &a.signature, "the image's signature file");
}

Result<spec::Volume> parse_volume_flag(const std::string& s) {
  std::string name;
  auto p = params(s, "--volume", &name);
  RKT_TRY(p);
  spec::Volume v;
  v.name = name;
  for (const auto& [k, val] : *p) {
    if (k == "kind") {
      v.kind = val;
    } else if (k == "source") {
      v.source = val;
    } else if (k == "readOnly" || k == "recursive") {
      if (val != "true" && val != "false")
        return Error(Errc::Usage, "--volume " + quote(s) + ": " + k + " must be true or false");
      (k == "readOnly" ? v.read_only : v.recursive) = val == "true";
    } else if (k == "mode") {
      v.mode = val;
    } else if (k == "uid" || k == "gid") {
      if (!is_number(val)) return Error(Errc::Usage, "--volume " + quote(s) + ": " + k + " must be a number");
      (k == "uid" ? v.uid : v.gid) = std::stoll(val);
    } else {
      return Error(Errc::Usage, "--volume " + quote(s) + ": unknown parameter " + quote(k));
    }
  }
  if (v.kind == "empty") {
    if (!v.mode) v.mode = "0755";
    if (!v.uid) v.uid = 0;
    if (!v.gid) v.gid = 0;
  }
  return v;
}

Result<AppRequest::Mount> parse_mount_flag(const std::string& s) {
  auto p = params(s, "--mount", nullptr);
  RKT_TRY(p);
  if (!p->count("volume") || !p->count("target") || p->size() != 2) {
    return Error(Errc::Usage, "--mount " + quote(s) + " must be volume=NAME,target=PATH");
  }
  return AppRequest::Mount{p->at("volume"), p->at("target")};
}

Result<spec::Isolator> parse_seccomp_flag(const std::string& s) {
  RKT_TRY(utf8_flag("--seccomp", s));
  std::string mode;
  spec::SeccompSet set;
  for (const auto& part : split(s, ',')) {
    if (part.rfind("mode=", 0) == 0) {
      mode = part.substr(5);
    } else if (part.rfind("errno=", 0) == 0) {
      set.errno_name = part.substr(6);
    } else if (!part.empty()) {
      set.set.push_back(part);
    }
  }
  if (mode != "retain" && mode != "remove")
    return Error(Errc::Usage, "--seccomp " + quote(s) + ": mode must be retain or remove");
  return spec::make_isolator(mode == "retain" ? spec::kIsolatorSeccompRetain : spec::kIsolatorSeccompRemove, set);
}

Result<std::map<std::string, std::string>> parse_name_values(const std::vector<std::string>& items,
                                                             const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& l : items) {
    size_t eq = l.find('=');
    if (eq == std::string::npos) return Error(Errc::Usage, flag + " " + quote(l) + " is not NAME=VALUE");
    out[l.substr(0, eq)] = l.substr(eq + 1);
  }
  return out;
}

Result<spec::Environment> parse_env_assignments(const std::vector<std::string>& items, const std::string& flag) {
  spec::Environment env;
  for (const auto& kv : items) {
    RKT_TRY(add_env_assignment(env, kv, flag));
  }
  return env;
}

Result<AppRequest> app_request(const AppFlags& f) {
  for (const auto& [flag, v] :
       std::vector<std::pair<const char*, const std::string*>>{{"--exec", &f.exec},
                                                               {"--name", &f.name},
                                                               {"--working-dir", &f.working_dir},
                                                               {"--user", &f.user},
                                                               {"--group", &f.group},
                                                               {"--caps-retain", &f.caps_retain},
                                                               {"--caps-remove", &f.caps_remove}}) {
    RKT_TRY(utf8_flag(flag, *v));
  }
  for (const auto& a : f.args) RKT_TRY(utf8_flag("an app argument", a));
  for (const auto& list : {&f.environment, &f.mounts, &f.annotations, &f.user_labels, &f.user_annotations}) {
    for (const auto& v : *list) RKT_TRY(utf8_flag("the flag value", v));
  }
  AppRequest r;
  r.image = f.image;
  r.signature = f.signature;
  r.name = f.name;
  if (!f.exec.empty() && f.exec[0] != '/')
    return Error(Errc::Usage, "--exec " + quote(f.exec) + " must be an absolute path");
  r.exec = f.exec;
  if (f.has_args) r.args = f.args;
  r.working_dir = f.working_dir;
  r.user = f.user;
  r.group = f.group;
  if (!f.supplementary_gids.empty()) {
    r.supplementary_gids.emplace();
    for (const auto& g : split(f.supplementary_gids, ',')) {
      if (!is_number(g)) return Error(Errc::Usage, "--supplementary-gids: " + quote(g) + " is not a number");
      r.supplementary_gids->push_back(std::stoll(g));
    }
  }
  auto env = parse_env_assignments(f.environment, "--environment");
  RKT_TRY(env);
  r.environment = std::move(*env);
  for (const auto& m : f.mounts) {
    auto mount = parse_mount_flag(m);
    RKT_TRY(mount);
    r.mounts.push_back(std::move(*mount));
  }
  r.readonly_rootfs = f.readonly_rootfs;
  if (!f.memory.empty()) {
    auto iso = resource_flag(spec::kIsolatorMemory, "--memory", f.memory);
    RKT_TRY(iso);
    r.isolators.push_back(std::move(*iso));
  }
  if (!f.cpu.empty()) {
    auto iso = resource_flag(spec::kIsolatorCpu, "--cpu", f.cpu);
    RKT_TRY(iso);
    r.isolators.push_back(std::move(*iso));
  }
  if (!f.cpu_shares.empty()) {
    if (!is_number(f.cpu_shares) || f.cpu_shares.size() > 18) {
      return Error(Errc::Usage, "--cpu-shares " + quote(f.cpu_shares) + " is not a number");
    }
    r.isolators.push_back(spec::make_isolator(spec::kIsolatorCpuShares, int64_t{std::stoll(f.cpu_shares)}));
  }
  if (!f.caps_retain.empty() && !f.caps_remove.empty()) {
    return Error(Errc::Usage, "--caps-retain and --caps-remove cannot be combined");
  }
  if (!f.caps_retain.empty() || !f.caps_remove.empty()) {
    bool retain = !f.caps_retain.empty();
    r.isolators.push_back(spec::make_isolator(retain ? spec::kIsolatorCapsRetain : spec::kIsolatorCapsRemove,
                                              spec::CapabilitySet{split(retain ? f.caps_retain : f.caps_remove, ',')}));
  }
  if (!f.seccomp.empty()) {
    auto iso = parse_seccomp_flag(f.seccomp);
    RKT_TRY(iso);
    r.isolators.push_back(std::move(*iso));
  }
  if (!f.oom_score_adj.empty()) {
    const std::string& v = f.oom_score_adj;
    bool number = v.size() < 8 && is_number(v[0] == '-' ? v.substr(1) : v);
    if (!number) return Error(Errc::Usage, "--oom-score-adj " + quote(v) + " is not a number");
    r.isolators.push_back(spec::make_isolator(spec::kIsolatorOomScoreAdj, int64_t{std::stoll(v)}));
  }
  for (const auto& an : f.annotations) {
    size_t eq = an.find('=');
    if (eq == std::string::npos) return Error(Errc::Usage, "--annotation " + quote(an) + " is not NAME=VALUE");
    r.annotations.push_back({an.substr(0, eq), an.substr(eq + 1)});
  }
  RKT_TRY(user_labels_and_annotations(f, r));
  return r;
}

Result<spec::ExposedPort> parse_port_flag(const std::string& s) {
  auto bad = [&](const std::string& why) { return Error(Errc::Usage, "--port " + quote(s) + ": " + why); };
  size_t c1 = s.find(':');
  if (c1 == std::string::npos) return bad("not in name:[ip:]port format");
  size_t c2 = s.find(':', c1 + 1);
  spec::ExposedPort p;
  p.name = s.substr(0, c1);
  if (std::string why = spec::check_ac_name(p.name); !why.empty()) {
    return bad(quote(p.name) + " is not a valid port name: " + why);
  }
  std::string port = c2 == std::string::npos ? s.substr(c1 + 1) : s.substr(c2 + 1);
  if (c2 != std::string::npos) {
    std::string ip = s.substr(c1 + 1, c2 - c1 - 1);
    if (!spec::check_ip(ip).empty()) return bad(quote(ip) + " is not a valid IP");
    p.host_ip = ip;
  }
  char* end = nullptr;
  errno = 0;
  unsigned long n =
      port.empty() || !std::isdigit(static_cast<unsigned char>(port[0])) ? 65536 : std::strtoul(port.c_str(), &end, 10);
  if (n > 65535 || errno != 0 || (end && *end != '\0')) return bad(quote(port) + " is not a valid port number");
  p.host_port = static_cast<uint32_t>(n);
  return p;
}

Result<PodRequest> pod_request(const PodFlags& f) {
  for (const auto& list : {&f.volumes, &f.set_env, &f.user_labels, &f.user_annotations, &f.ports}) {
    for (const auto& v : *list) RKT_TRY(utf8_flag("the flag value", v));
  }
  PodRequest r;
  for (const auto& p : f.ports) {
    auto port = parse_port_flag(p);
    RKT_TRY(port);
    r.ports.push_back(std::move(*port));
  }
  for (const auto& v : f.volumes) {
    auto vol = parse_volume_flag(v);
    RKT_TRY(vol);
    r.volumes.push_back(std::move(*vol));
  }
  if (f.inherit_env) {
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      size_t eq = kv.find('=');
      if (eq != std::string::npos && spec::check_env_name(kv.substr(0, eq)).empty()) {
        r.inherited_environment.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
      }
    }
  }
  if (!f.set_env_file.empty()) {
    auto text = read_file(f.set_env_file, 1 << 20);
    RKT_TRY_WRAP(text, "--set-env-file");
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      RKT_TRY(add_env_assignment(r.environment, line, "--set-env-file " + quote(f.set_env_file)));
    }
  }
  for (const auto& kv : f.set_env) {
    RKT_TRY(add_env_assignment(r.environment, kv, "--set-env"));
  }
  RKT_TRY(user_labels_and_annotations(f, r));
  return r;
}

}  // namespace rkt::stage0
