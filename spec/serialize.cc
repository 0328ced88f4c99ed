// Serialization of manifests to JSON, in the field order of the spec's examples. Empty optional
// fields are left out.

#include "spec/json_read.h"
#include "spec/manifest.h"

namespace rkt::spec {
namespace {

using detail::Json;

template <typename T>
Json name_values(const std::vector<T>& items) {
  Json out = Json::array();
  for (const auto& i : items) out.push_back(Json{{"name", i.name}, {"value", i.value}});
  return out;
}

Json port_json(const Port& p) {
  return Json{{"name", p.name},
              {"protocol", p.protocol},
              {"port", p.port},
              {"count", p.count},
              {"socketActivated", p.socket_activated}};
}

Json isolator_value_json(const IsolatorValue& value) {
  struct Visit {
    Json operator()(const std::monostate&) const { return nullptr; }
    Json operator()(const ResourceValue& r) const {
      Json j = Json::object();
      if (r.is_default) j["default"] = true;
      if (r.request) j["request"] = r.request->text;
      if (r.limit) j["limit"] = r.limit->text;
      return j;
    }
    Json operator()(const CapabilitySet& c) const { return Json{{"set", c.set}}; }
    Json operator()(const SeccompSet& s) const {
      Json j{{"set", s.set}};
      if (!s.errno_name.empty()) j["errno"] = s.errno_name;
      return j;
    }
    Json operator()(bool b) const { return b; }
    Json operator()(int64_t n) const { return n; }
    Json operator()(const Sysctl& s) const { return Json(s); }
    Json operator()(const SELinuxContext& c) const {
      return Json{{"user", c.user}, {"role", c.role}, {"type", c.type}, {"level", c.level}};
    }
  };
  return std::visit(Visit{}, value);
}

Json isolators_json(const Isolators& isolators) {
  Json out = Json::array();
  for (const auto& i : isolators) {
    // A value that is not JSON (only possible for one built in code) becomes null, which
    // validation then refuses.
    Json value = Json::parse(i.value_json, nullptr, false);
    if (value.is_discarded()) value = nullptr;
    out.push_back(Json{{"name", i.name}, {"value", value}});
  }
  return out;
}

Json app_json(const App& a) {
  Json j = Json::object();
  if (!a.exec.empty()) j["exec"] = a.exec;
  j["user"] = a.user;
  j["group"] = a.group;
  if (!a.supplementary_gids.empty()) j["supplementaryGIDs"] = a.supplementary_gids;
  if (!a.event_handlers.empty()) {
    Json hs = Json::array();
    for (const auto& h : a.event_handlers) hs.push_back(Json{{"name", h.name}, {"exec", h.exec}});
    j["eventHandlers"] = hs;
  }
  if (!a.working_directory.empty()) j["workingDirectory"] = a.working_directory;
  if (!a.environment.empty()) j["environment"] = name_values(a.environment);
  if (!a.mount_points.empty()) {
    Json mps = Json::array();
    for (const auto& m : a.mount_points) {
      Json mj{{"name", m.name}, {"path", m.path}};
      if (m.read_only) mj["readOnly"] = true;
      mps.push_back(mj);
    }
    j["mountPoints"] = mps;
  }
  if (!a.ports.empty()) {
    Json ps = Json::array();
    for (const auto& p : a.ports) ps.push_back(port_json(p));
    j["ports"] = ps;
  }
  if (!a.isolators.empty()) j["isolators"] = isolators_json(a.isolators);
  if (!a.user_annotations.empty()) j["userAnnotations"] = a.user_annotations;
  if (!a.user_labels.empty()) j["userLabels"] = a.user_labels;
  return j;
}

Json volume_json(const Volume& v) {
  Json j{{"name", v.name}, {"kind", v.kind}};
  if (!v.source.empty()) j["source"] = v.source;
  if (v.read_only) j["readOnly"] = *v.read_only;
  if (v.recursive) j["recursive"] = *v.recursive;
  if (v.mode) j["mode"] = *v.mode;
  if (v.uid) j["uid"] = *v.uid;
  if (v.gid) j["gid"] = *v.gid;
  return j;
}

// Invalid UTF-8 (a host environment variable passed on with --inherit-env, say) becomes U+FFFD,
// as Go's encoder writes it, instead of an exception.
std::string dump(const Json& j, Pretty pretty = Pretty::No) {
  return j.dump(pretty == Pretty::Yes ? 4 : -1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

void set_env(Environment& env, const std::string& name, const std::string& value) {
  for (auto& e : env) {
    if (e.name == name) {
      e.value = value;
      return;
    }
  }
  env.push_back({name, value});
}

Isolator make_isolator(std::string name, IsolatorValue value) {
  Isolator i;
  i.name = std::move(name);
  i.value_json = dump(isolator_value_json(value));
  i.value = std::move(value);
  return i;
}

std::string to_json(const ImageManifest& m, Pretty pretty) {
  Json j{{"acKind", "ImageManifest"}, {"acVersion", m.ac_version}, {"name", m.name}};
  if (!m.labels.empty()) j["labels"] = name_values(m.labels);
  if (m.app) j["app"] = app_json(*m.app);
  if (!m.dependencies.empty()) {
    Json deps = Json::array();
    for (const auto& d : m.dependencies) {
      Json dj{{"imageName", d.image_name}};
      if (d.image_id) dj["imageID"] = *d.image_id;
      if (!d.labels.empty()) dj["labels"] = name_values(d.labels);
      if (d.size) dj["size"] = *d.size;
      deps.push_back(dj);
    }
    j["dependencies"] = deps;
  }
  if (!m.path_whitelist.empty()) j["pathWhitelist"] = m.path_whitelist;
  if (!m.annotations.empty()) j["annotations"] = name_values(m.annotations);
  return dump(j, pretty);
}

std::string to_json(const PodManifest& m, Pretty pretty) {
  Json j{{"acVersion", m.ac_version}, {"acKind", "PodManifest"}};
  Json apps = Json::array();
  for (const auto& a : m.apps) {
    Json aj{{"name", a.name}};
    Json img = Json::object();
    if (a.image.name) img["name"] = *a.image.name;
    img["id"] = a.image.id;
    if (!a.image.labels.empty()) img["labels"] = name_values(a.image.labels);
    aj["image"] = img;
    if (a.app) aj["app"] = app_json(*a.app);
    if (a.read_only_root_fs) aj["readOnlyRootFS"] = true;
    if (!a.mounts.empty()) {
      Json ms = Json::array();
      for (const auto& mt : a.mounts) {
        Json mj{{"volume", mt.volume}, {"path", mt.path}};
        if (mt.app_volume) mj["appVolume"] = volume_json(*mt.app_volume);
        ms.push_back(mj);
      }
      aj["mounts"] = ms;
    }
    if (!a.annotations.empty()) aj["annotations"] = name_values(a.annotations);
    apps.push_back(aj);
  }
  j["apps"] = apps;
  Json vols = Json::array();
  for (const auto& v : m.volumes) vols.push_back(volume_json(v));
  j["volumes"] = vols;
  j["isolators"] = isolators_json(m.isolators);
  j["annotations"] = name_values(m.annotations);
  Json ports = Json::array();
  for (const auto& p : m.ports) {
    Json pj{{"name", p.name}, {"hostPort", p.host_port}};
    if (p.host_ip) pj["hostIP"] = *p.host_ip;
    if (p.pod_port) pj["podPort"] = port_json(*p.pod_port);
    ports.push_back(pj);
  }
  j["ports"] = ports;
  if (!m.user_annotations.empty()) j["userAnnotations"] = m.user_annotations;
  if (!m.user_labels.empty()) j["userLabels"] = m.user_labels;
  return dump(j, pretty);
}

std::string json_string(std::string_view s) { return dump(Json(std::string(s))); }

Result<std::string> pretty_print_json(std::string_view json) {
  try {
    return dump(Json::parse(json.begin(), json.end()), Pretty::Yes);
  } catch (const Json::exception& e) {
    return Error(Errc::InvalidManifest, std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace rkt::spec
