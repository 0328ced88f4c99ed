#include "actool/patch.h"

#include <map>
#include <vector>

#include "common/flags.h"
#include "common/fs.h"
#include "spec/manifest.h"
#include "spec/names.h"

namespace rkt::aci {
namespace {

// "name=x,path=/y" -> {name: x, path: /y}; `first_key` names a leading bare value.
Result<std::map<std::string, std::string>> parse_params(const std::string& s, const std::string& what) {
  std::map<std::string, std::string> out;
  for (const auto& kv : split(s, ',')) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos)
      return Error(Errc::Usage, what + " " + quote(s) + ": " + quote(kv) + " is not key=value");
    if (!out.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) {
      return Error(Errc::Usage, what + " " + quote(s) + ": " + quote(kv.substr(0, eq)) + " given twice");
    }
  }
  return out;
}

Result<uint32_t> parse_u32(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Error(Errc::Usage, what + ": " + quote(s) + " is not a number");
  }
  return static_cast<uint32_t>(std::stoul(s));
}

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + spec::json_string(items[i]);
  return out + "]";
}

void replace_isolators(spec::App& app, const std::vector<std::string>& names, spec::Isolator iso) {
  std::erase_if(app.isolators, [&](const spec::Isolator& i) {
    for (const auto& n : names) {
      if (i.name == n) return true;
    }
    return false;
  });
  app.isolators.push_back(std::move(iso));
}

}  // namespace

Result<std::string> patch_manifest(spec::ImageManifest m, const PatchOptions& o) {
  if (!o.manifest_file_json.empty()) {
    if (!o.name.empty() || !o.exec.empty() || !o.user.empty() || !o.group.empty() || !o.capability.empty() ||
        !o.revoke_capability.empty() || !o.mounts.empty() || !o.ports.empty() || !o.isolators.empty() ||
        !o.supplementary_gids.empty() || !o.seccomp_mode.empty()) {
      return Error(Errc::Usage, "--manifest cannot be combined with other manifest edits");
    }
    auto replaced = spec::parse_image_manifest(o.manifest_file_json, "--manifest");
    RKT_TRY(replaced);
    return o.manifest_file_json;
  }
  if (!o.name.empty()) {
    if (std::string msg = spec::check_ac_identifier(o.name); !msg.empty()) {
      return Error(Errc::Usage, "--name " + quote(o.name) + ": " + msg);
    }
    m.name = o.name;
  }
  if (!o.exec.empty()) {
    if (!m.app) m.app = spec::App{};
    m.app->exec = split(o.exec, ' ');
  }
  bool app_edits = !o.user.empty() || !o.group.empty() || !o.supplementary_gids.empty() || !o.capability.empty() ||
                   !o.revoke_capability.empty() || !o.mounts.empty() || !o.ports.empty() || !o.isolators.empty() ||
                   !o.seccomp_mode.empty();
  if (app_edits && !m.app) return Error(Errc::Usage, "the manifest has no app and no --exec was given");
  if (!o.user.empty()) m.app->user = o.user;
  if (!o.group.empty()) m.app->group = o.group;
  if (!o.supplementary_gids.empty()) {
    m.app->supplementary_gids.clear();
    for (const auto& g : split(o.supplementary_gids, ',')) {
      auto v = parse_u32(g, "--supplementary-groups");
      RKT_TRY(v);
      m.app->supplementary_gids.push_back(*v);
    }
  }
  if (!o.capability.empty() && !o.revoke_capability.empty()) {
    return Error(Errc::Usage, "--capability and --revoke-capability cannot be combined");
  }
  if (!o.capability.empty() || !o.revoke_capability.empty()) {
    bool retain = !o.capability.empty();
    spec::Isolator iso;
    iso.name = retain ? spec::kIsolatorCapsRetain : spec::kIsolatorCapsRemove;
    iso.value_json = "{\"set\":" + string_array(split(retain ? o.capability : o.revoke_capability, ',')) + "}";
    replace_isolators(*m.app, {spec::kIsolatorCapsRetain, spec::kIsolatorCapsRemove}, std::move(iso));
  }
  if (!o.mounts.empty()) {
    for (const auto& mp : split(o.mounts, ':')) {
      auto p = parse_params(mp, "--mounts");
      RKT_TRY(p);
      spec::MountPoint point;
      for (const auto& [k, v] : *p) {
        if (k == "name") {
          point.name = v;
        } else if (k == "path") {
          point.path = v;
        } else if (k == "readOnly") {
          auto b = parse_bool(v);
          if (!b) return Error(Errc::Usage, "--mounts " + quote(mp) + ": readOnly " + quote(v) + " is not a boolean");
          point.read_only = *b;
        } else {
          return Error(Errc::Usage, "--mounts " + quote(mp) + ": unknown parameter " + quote(k));
        }
      }
      m.app->mount_points.push_back(point);
    }
  }
  if (!o.ports.empty()) {
    for (const auto& pt : split(o.ports, ':')) {
      auto p = parse_params(pt, "--ports");
      RKT_TRY(p);
      spec::Port port;
      for (const auto& [k, v] : *p) {
        if (k == "name") {
          port.name = v;
        } else if (k == "protocol") {
          port.protocol = v;
        } else if (k == "port" || k == "count") {
          auto n = parse_u32(v, "--ports " + quote(pt) + " " + k);
          RKT_TRY(n);
          (k == "port" ? port.port : port.count) = *n;
        } else if (k == "socketActivated") {
          auto b = parse_bool(v);
          if (!b)
            return Error(Errc::Usage, "--ports " + quote(pt) + ": socketActivated " + quote(v) + " is not a boolean");
          port.socket_activated = *b;
        } else {
          return Error(Errc::Usage, "--ports " + quote(pt) + ": unknown parameter " + quote(k));
        }
      }
      m.app->ports.push_back(port);
    }
  }
  if (!o.seccomp_mode.empty()) {
    std::string mode, errno_name;
    for (const auto& part : split(o.seccomp_mode, ',')) {
      if (part.rfind("errno=", 0) == 0) {
        errno_name = part.substr(6);
      } else if (part.find('=') == std::string::npos) {
        mode = part;
      } else {
        return Error(Errc::Usage, "--seccomp-mode " + quote(o.seccomp_mode) + ": unknown argument " + quote(part));
      }
    }
    if (mode != "retain" && mode != "remove") {
      return Error(Errc::Usage, "--seccomp-mode " + quote(o.seccomp_mode) + ": mode must be retain or remove");
    }
    spec::Isolator iso;
    iso.name = mode == "retain" ? spec::kIsolatorSeccompRetain : spec::kIsolatorSeccompRemove;
    iso.value_json = "{\"set\":" + string_array(split(o.seccomp_set, ',')) + "," +
                     "\"errno\":" + spec::json_string(errno_name) + "}";
    replace_isolators(*m.app, {spec::kIsolatorSeccompRetain, spec::kIsolatorSeccompRemove}, std::move(iso));
  } else if (!o.seccomp_set.empty()) {
    return Error(Errc::Usage, "--seccomp-set needs --seccomp-mode");
  }
  if (!o.isolators.empty()) {
    for (const auto& is : split(o.isolators, ':')) {
      auto fields = split(is, ',');
      spec::Isolator iso;
      iso.name = fields[0];
      if (iso.name == spec::kIsolatorNoNewPrivileges || iso.name == spec::kIsolatorOomScoreAdj ||
          iso.name == spec::kIsolatorCpuShares) {
        if (fields.size() != 2) return Error(Errc::Usage, "--isolators " + quote(is) + ": expected NAME,VALUE");
        iso.value_json = fields[1];
      } else if (iso.name.rfind("resource/", 0) == 0) {
        auto p = parse_params(is.substr(std::min(is.size(), iso.name.size() + 1)), "--isolators");
        if (fields.size() > 1 && !p) return std::move(p).error();
        std::string obj = "{";
        bool first = true;
        if (fields.size() > 1) {
          for (const auto& [k, v] : *p) {
            obj += (first ? "" : ",") + spec::json_string(k) + ":" +
                   (k == "default" && (v == "true" || v == "false") ? v : spec::json_string(v));
            first = false;
          }
        }
        iso.value_json = obj + "}";
      } else {
        return Error(Errc::Usage, "--isolators: isolator " + quote(iso.name) + " cannot be patched this way");
      }
      m.app->isolators.push_back(std::move(iso));
    }
  }
  std::string json = spec::to_json(m);
  auto valid = spec::parse_image_manifest(json, "patched manifest");
  RKT_TRY(valid);
  return spec::to_json(*valid);
}

}  // namespace rkt::aci
