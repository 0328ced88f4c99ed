// Parsing and validation of image and pod manifests (spec/aci.md, spec/pods.md).

#include <set>

#include "spec/isolator.h"
#include "spec/json_read.h"
#include "spec/manifest.h"
#include "spec/names.h"

namespace rkt::spec {
namespace detail {
namespace {

// A list of {"name": ..., "value": ...} objects, as labels, annotations and environment use.
template <typename T, typename CheckName>
std::vector<T> name_value_list(Reader& r, const Json& obj, const std::string& ptr, const char* key, const char* what,
                               CheckName check_name) {
  std::vector<T> out;
  const Json* list = r.member(obj, ptr, key, Need::Optional);
  std::string lp = child(ptr, key);
  if (!list || !r.expect_array(*list, lp)) return out;
  std::set<std::string> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string ip = child(lp, i);
    const Json& item = (*list)[i];
    if (!r.expect_object(item, ip)) continue;
    auto name = r.checked(item, ip, "name", Need::Required, check_name);
    auto value = r.string(item, ip, "value", Need::Optional);
    if (!name) continue;
    if (!seen.insert(*name).second) {
      r.fail(child(ip, "name"), std::string("duplicate ") + what + " \"" + *name + "\"");
      continue;
    }
    out.push_back(T{*name, value.value_or("")});
  }
  return out;
}

Labels labels(Reader& r, const Json& obj, const std::string& ptr, const char* key = "labels") {
  Labels out = name_value_list<Label>(r, obj, ptr, key, "label", check_ac_identifier);
  std::optional<std::string> os, arch;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].name == "name") r.fail(child(child(ptr, key), i), "a label cannot be called \"name\"");
    if (out[i].name == "os") os = out[i].value;
    if (out[i].name == "arch") arch = out[i].value;
  }
  if (std::string msg = check_os_arch(os, arch); !msg.empty()) r.fail(child(ptr, key), msg);
  return out;
}

Annotations annotations(Reader& r, const Json& obj, const std::string& ptr) {
  Annotations out = name_value_list<Annotation>(r, obj, ptr, "annotations", "annotation", check_ac_identifier);
  for (size_t i = 0; i < out.size(); ++i) {
    std::string msg;
    if (out[i].name == "created") msg = check_date(out[i].value);
    if (out[i].name == "homepage" || out[i].name == "documentation") msg = check_http_url(out[i].value);
    if (!msg.empty()) r.fail(child(child(child(ptr, "annotations"), i), "value"), msg);
  }
  return out;
}

bool is_absolute(const std::string& p) { return !p.empty() && p[0] == '/'; }

std::optional<Port> port(Reader& r, const Json& j, const std::string& ptr) {
  if (!r.expect_object(j, ptr)) return std::nullopt;
  size_t before = r.problem_count();
  Port p;
  p.name = r.checked(j, ptr, "name", Need::Required, check_ac_name).value_or("");
  p.protocol = r.string(j, ptr, "protocol", Need::Required).value_or("");
  auto number = r.unsigned_integer(j, ptr, "port", Need::Required);
  auto count = r.unsigned_integer(j, ptr, "count", Need::Optional);
  p.socket_activated = r.boolean(j, ptr, "socketActivated").value_or(false);
  if (number && (*number < 1 || *number > 65535)) {
    r.fail(child(ptr, "port"), "port must be in the range 1-65535");
  } else if (count && *count < 1) {
    r.fail(child(ptr, "count"), "count must be at least 1");
  } else if (number && count && *number + *count > 65536) {
    r.fail(child(ptr, "count"), "end of port range must be in the range 1-65535");
  }
  if (r.problem_count() != before) return std::nullopt;
  p.port = static_cast<uint32_t>(*number);
  p.count = count && *count > 0 ? static_cast<uint32_t>(*count) : 1;
  return p;
}

std::vector<Port> ports(Reader& r, const Json& obj, const std::string& ptr) {
  std::vector<Port> out;
  const Json* list = r.member(obj, ptr, "ports", Need::Optional);
  std::string lp = child(ptr, "ports");
  if (!list || !r.expect_array(*list, lp)) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    if (auto p = port(r, (*list)[i], child(lp, i))) out.push_back(std::move(*p));
  }
  return out;
}

std::vector<std::string> exec_list(Reader& r, const Json& obj, const std::string& ptr) {
  std::vector<std::string> exec = r.string_list(obj, ptr, "exec");
  const Json* m = r.member(obj, ptr, "exec", Need::Required);
  if (m && m->is_array()) {
    if (m->empty()) {
      r.fail(child(ptr, "exec"), "must not be empty");
    } else if (!exec.empty() && !is_absolute(exec[0])) {
      r.fail(child(child(ptr, "exec"), 0), "the executable must be an absolute path");
    }
  }
  return exec;
}

std::optional<App> app(Reader& r, const Json& j, const std::string& ptr) {
  if (!r.expect_object(j, ptr)) return std::nullopt;
  size_t before = r.problem_count();
  App a;
  a.exec = exec_list(r, j, ptr);
  a.user = r.string(j, ptr, "user", Need::Required).value_or("");
  a.group = r.string(j, ptr, "group", Need::Required).value_or("");
  if (const Json* gids = r.member(j, ptr, "supplementaryGIDs", Need::Optional);
      gids && r.expect_array(*gids, child(ptr, "supplementaryGIDs"))) {
    for (size_t i = 0; i < gids->size(); ++i) {
      std::string gp = child(child(ptr, "supplementaryGIDs"), i);
      if (auto g = r.as_integer((*gids)[i], gp)) {
        // "supplementaryGIDs (list of unsigned integers, optional)"; a GID is 32 bits.
        if (*g < 0 || *g > 4294967295LL) {
          r.fail(gp, "a supplementary GID must be an unsigned 32-bit integer");
        } else {
          a.supplementary_gids.push_back(*g);
        }
      }
    }
  }
  if (const Json* hs = r.member(j, ptr, "eventHandlers", Need::Optional);
      hs && r.expect_array(*hs, child(ptr, "eventHandlers"))) {
    std::set<std::string> seen;
    for (size_t i = 0; i < hs->size(); ++i) {
      std::string hp = child(child(ptr, "eventHandlers"), i);
      const Json& h = (*hs)[i];
      if (!r.expect_object(h, hp)) continue;
      EventHandler eh;
      eh.name = r.string(h, hp, "name", Need::Required).value_or("");
      eh.exec = r.string_list(h, hp, "exec");
      if (eh.name.empty()) continue;
      if (eh.name != "pre-start" && eh.name != "post-stop") {
        r.fail(child(hp, "name"), "event handler \"" + eh.name + "\" is not \"pre-start\" or \"post-stop\"");
      } else if (!seen.insert(eh.name).second) {
        r.fail(child(hp, "name"), "only one \"" + eh.name + "\" event handler is allowed");
      }
      a.event_handlers.push_back(std::move(eh));
    }
  }
  a.working_directory = r.string(j, ptr, "workingDirectory", Need::Optional).value_or("");
  if (!a.working_directory.empty() && !is_absolute(a.working_directory)) {
    r.fail(child(ptr, "workingDirectory"), "must be an absolute path");
  }
  a.environment =
      name_value_list<EnvironmentVariable>(r, j, ptr, "environment", "environment variable", check_env_name);
  if (const Json* mps = r.member(j, ptr, "mountPoints", Need::Optional);
      mps && r.expect_array(*mps, child(ptr, "mountPoints"))) {
    for (size_t i = 0; i < mps->size(); ++i) {
      std::string mp = child(child(ptr, "mountPoints"), i);
      if (!r.expect_object((*mps)[i], mp)) continue;
      MountPoint m;
      m.name = r.checked((*mps)[i], mp, "name", Need::Required, check_ac_name).value_or("");
      m.path = r.string((*mps)[i], mp, "path", Need::Required).value_or("");
      m.read_only = r.boolean((*mps)[i], mp, "readOnly").value_or(false);
      a.mount_points.push_back(std::move(m));
    }
  }
  a.ports = ports(r, j, ptr);
  a.isolators = parse_isolators(r, j, ptr, "isolators", IsolatorScope::App);
  a.user_annotations = r.string_map(j, ptr, "userAnnotations");
  a.user_labels = r.string_map(j, ptr, "userLabels");
  if (r.problem_count() != before) return std::nullopt;
  return a;
}

void check_kind(Reader& r, const Json& doc, const char* want) {
  auto kind = r.string(doc, "", "acKind", Need::Required);
  if (kind && *kind != want) r.fail("/acKind", "must be \"" + std::string(want) + "\", not \"" + *kind + "\"");
}

// types.md: "An AC Version must reference a tagged version of the App Container specification,
// not exceeding the version of its greatest compliance" (0.8.11). Build metadata (0.8.11+git, as
// appc's own development builds wrote) names the same version.
std::string check_ac_version(std::string_view s) {
  std::string err = check_semver(s);
  if (!err.empty()) return err;
  std::string_view core = s.substr(0, s.find('+'));
  static constexpr std::string_view kTagged[] = {"0.1.1", "0.2.0", "0.3.0", "0.4.0", "0.4.1",  "0.5.0", "0.5.1",
                                                 "0.5.2", "0.6.0", "0.6.1", "0.7.0", "0.7.1",  "0.7.2", "0.7.3",
                                                 "0.7.4", "0.8.0", "0.8.1", "0.8.2", "0.8.3",  "0.8.4", "0.8.5",
                                                 "0.8.6", "0.8.7", "0.8.8", "0.8.9", "0.8.10", "0.8.11"};
  for (auto t : kTagged) {
    if (core == t) return "";
  }
  return "version \"" + std::string(s) + "\" is not a released App Container specification version up to 0.8.11";
}

std::string version(Reader& r, const Json& doc) {
  return r.checked(doc, "", "acVersion", Need::Required, check_ac_version).value_or("");
}

std::optional<Volume> volume(Reader& r, const Json& j, const std::string& ptr) {
  if (!r.expect_object(j, ptr)) return std::nullopt;
  size_t before = r.problem_count();
  Volume v;
  v.name = r.checked(j, ptr, "name", Need::Required, check_ac_name).value_or("");
  v.kind = r.string(j, ptr, "kind", Need::Required).value_or("");
  v.source = r.string(j, ptr, "source", Need::Optional).value_or("");
  v.read_only = r.boolean(j, ptr, "readOnly");
  v.recursive = r.boolean(j, ptr, "recursive");
  v.mode = r.string(j, ptr, "mode", Need::Optional);
  v.uid = r.integer(j, ptr, "uid", Need::Optional);
  v.gid = r.integer(j, ptr, "gid", Need::Optional);
  if (v.kind == "host") {
    if (v.source.empty()) {
      r.fail(child(ptr, "source"), "is required for a host volume");
    } else if (!is_absolute(v.source)) {
      r.fail(child(ptr, "source"), "must be an absolute path");
    }
    for (const char* k : {"mode", "uid", "gid"}) {
      if (r.member(j, ptr, k, Need::Optional)) r.fail(child(ptr, k), "cannot be set for a host volume");
    }
  } else if (v.kind == "empty") {
    if (!v.source.empty()) r.fail(child(ptr, "source"), "must be empty for an empty volume");
    if (!v.mode) v.mode = "0755";
    if (!v.uid) v.uid = 0;
    if (!v.gid) v.gid = 0;
  } else if (!v.kind.empty()) {
    r.fail(child(ptr, "kind"), "volume kind \"" + v.kind + "\" is not \"host\" or \"empty\"");
  }
  if (r.problem_count() != before) return std::nullopt;
  return v;
}

std::optional<RuntimeApp> runtime_app(Reader& r, const Json& j, const std::string& ptr) {
  if (!r.expect_object(j, ptr)) return std::nullopt;
  RuntimeApp ra;
  ra.name = r.checked(j, ptr, "name", Need::Required, check_ac_name).value_or("");
  if (const Json* img = r.member(j, ptr, "image", Need::Required)) {
    std::string ip = child(ptr, "image");
    if (r.expect_object(*img, ip)) {
      ra.image.name = r.checked(*img, ip, "name", Need::Optional, check_ac_identifier);
      ra.image.id = r.checked(*img, ip, "id", Need::Required, check_image_id).value_or("");
      ra.image.labels = labels(r, *img, ip);
    }
  }
  if (const Json* a = r.member(j, ptr, "app", Need::Optional)) ra.app = app(r, *a, child(ptr, "app"));
  ra.read_only_root_fs = r.boolean(j, ptr, "readOnlyRootFS").value_or(false);
  if (const Json* ms = r.member(j, ptr, "mounts", Need::Optional); ms && r.expect_array(*ms, child(ptr, "mounts"))) {
    for (size_t i = 0; i < ms->size(); ++i) {
      std::string mp = child(child(ptr, "mounts"), i);
      const Json& m = (*ms)[i];
      if (!r.expect_object(m, mp)) continue;
      Mount mount;
      mount.volume = r.checked(m, mp, "volume", Need::Required, check_ac_name).value_or("");
      mount.path = r.string(m, mp, "path", Need::Required).value_or("");
      if (const Json* av = r.member(m, mp, "appVolume", Need::Optional)) {
        mount.app_volume = volume(r, *av, child(mp, "appVolume"));
      }
      ra.mounts.push_back(std::move(mount));
    }
  }
  ra.annotations = annotations(r, j, ptr);
  return ra;
}

}  // namespace
}  // namespace detail

using detail::child;
using detail::Json;
using detail::Need;
using detail::Reader;

namespace {

// Parses the JSON text, reporting a syntax error with its line and column and a caret under it.
std::optional<Json> parse_json(std::string_view text, std::vector<Problem>& problems) {
  if (text.size() > kMaxManifestBytes) {
    problems.push_back({"", "manifest is larger than " + std::to_string(kMaxManifestBytes) + " bytes"});
    return std::nullopt;
  }
  try {
    // Duplicate member names are refused: parsers disagree on which one wins, and a manifest must
    // mean one thing to every reader (RFC 8259: "The names within an object SHOULD be unique").
    std::vector<std::set<std::string>> keys;
    std::string duplicate;
    Json::parser_callback_t check = [&](int, Json::parse_event_t event, Json& parsed) {
      if (event == Json::parse_event_t::object_start) keys.emplace_back();
      if (event == Json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
      if (event == Json::parse_event_t::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
          duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
      return true;
    };
    // RFC 8259: insignificant whitespace is space, tab, LF and CR; a byte order mark is none of
    // them (nlohmann's parser would skip one).
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
      problems.push_back({"", "the text starts with a UTF-8 byte order mark, which JSON does not allow here"});
      return std::nullopt;
    }
    Json doc = Json::parse(text.begin(), text.end(), check);
    if (!duplicate.empty()) {
      problems.push_back({"", "duplicate member name \"" + duplicate + "\" in an object"});
      return std::nullopt;
    }
    return doc;
  } catch (const Json::parse_error& e) {
    size_t off = e.byte > 0 ? e.byte - 1 : 0;
    if (off > text.size()) off = text.size();
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < off; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    size_t line_end = text.find('\n', line_start);
    std::string_view src_line =
        text.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos : line_end - line_start);
    if (src_line.size() > 120) src_line = src_line.substr(0, 120);
    std::string what = e.what();
    if (size_t p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    problems.push_back({"", "JSON error at line " + std::to_string(line) + ", column " +
                                std::to_string(off - line_start + 1) + ": " + what + "\n    " + std::string(src_line) +
                                "\n    " + std::string(off - line_start, ' ') + "^"});
    return std::nullopt;
  } catch (const Json::exception& e) {
    // Not a syntax error but a value the parser cannot hold, such as a number out of range.
    std::string what = e.what();
    if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    problems.push_back({"", "JSON error: " + what});
    return std::nullopt;
  }
}

}  // namespace

Error manifest_error(std::string_view what, std::string_view source, const std::vector<Problem>& problems) {
  // A source already quoted (an image as the caller names it) is shown as given.
  std::string msg = source.size() > 1 && source.front() == '"'
                        ? std::string(what) + " of " + std::string(source) + " is invalid"
                        : std::string(what) + " \"" + std::string(source) + "\" is invalid";
  for (const auto& p : problems) {
    msg += "\n  ";
    if (!p.pointer.empty()) msg += "field \"" + p.pointer + "\": ";
    msg += p.message;
  }
  return Error(Errc::InvalidManifest, std::move(msg));
}

namespace {

std::optional<ImageManifest> read_image(Reader& r, const Json& doc) {
  if (!r.expect_object(doc, "")) return std::nullopt;
  ImageManifest m;
  detail::check_kind(r, doc, "ImageManifest");
  m.ac_version = detail::version(r, doc);
  m.name = r.checked(doc, "", "name", Need::Required, check_ac_identifier).value_or("");
  m.labels = detail::labels(r, doc, "");
  if (const Json* a = r.member(doc, "", "app", Need::Optional)) m.app = detail::app(r, *a, "/app");
  m.annotations = detail::annotations(r, doc, "");
  if (const Json* deps = r.member(doc, "", "dependencies", Need::Optional);
      deps && r.expect_array(*deps, "/dependencies")) {
    for (size_t i = 0; i < deps->size(); ++i) {
      std::string dp = child("/dependencies", i);
      const Json& d = (*deps)[i];
      if (!r.expect_object(d, dp)) continue;
      Dependency dep;
      dep.image_name = r.checked(d, dp, "imageName", Need::Required, check_ac_identifier).value_or("");
      dep.image_id = r.checked(d, dp, "imageID", Need::Optional, check_image_id);
      dep.labels = detail::labels(r, d, dp);
      dep.size = r.unsigned_integer(d, dp, "size", Need::Optional);
      m.dependencies.push_back(std::move(dep));
    }
  }
  m.path_whitelist = r.string_list(doc, "", "pathWhitelist");
  for (size_t i = 0; i < m.path_whitelist.size(); ++i) {
    if (!detail::is_absolute(m.path_whitelist[i])) r.fail(child("/pathWhitelist", i), "must be an absolute path");
  }
  return m;
}

std::optional<PodManifest> read_pod(Reader& r, const Json& doc) {
  if (!r.expect_object(doc, "")) return std::nullopt;
  PodManifest m;
  detail::check_kind(r, doc, "PodManifest");
  m.ac_version = detail::version(r, doc);
  if (const Json* apps = r.member(doc, "", "apps", Need::Required); apps && r.expect_array(*apps, "/apps")) {
    std::set<std::string> seen;
    for (size_t i = 0; i < apps->size(); ++i) {
      auto ra = detail::runtime_app(r, (*apps)[i], child("/apps", i));
      if (!ra) continue;
      if (!ra->name.empty() && !seen.insert(ra->name).second) {
        r.fail(child(child("/apps", i), "name"), "duplicate app name \"" + ra->name + "\"");
      }
      m.apps.push_back(std::move(*ra));
    }
  }
  if (const Json* vols = r.member(doc, "", "volumes", Need::Optional); vols && r.expect_array(*vols, "/volumes")) {
    std::set<std::string> seen;
    for (size_t i = 0; i < vols->size(); ++i) {
      auto v = detail::volume(r, (*vols)[i], child("/volumes", i));
      if (!v) continue;
      if (!seen.insert(v->name).second) {
        r.fail(child(child("/volumes", i), "name"), "duplicate volume name \"" + v->name + "\"");
      }
      m.volumes.push_back(std::move(*v));
    }
  }
  m.isolators = detail::parse_isolators(r, doc, "", "isolators", detail::IsolatorScope::Pod);
  m.annotations = detail::annotations(r, doc, "");
  if (const Json* ps = r.member(doc, "", "ports", Need::Optional); ps && r.expect_array(*ps, "/ports")) {
    for (size_t i = 0; i < ps->size(); ++i) {
      std::string pp = child("/ports", i);
      const Json& p = (*ps)[i];
      if (!r.expect_object(p, pp)) continue;
      ExposedPort ep;
      ep.name = r.checked(p, pp, "name", Need::Required, check_ac_name).value_or("");
      ep.host_port = static_cast<uint32_t>(r.unsigned_integer(p, pp, "hostPort", Need::Required).value_or(0));
      if (auto ip = r.string(p, pp, "hostIP", Need::Optional); ip && !ip->empty()) {
        if (std::string msg = check_ip(*ip); !msg.empty()) {
          r.fail(child(pp, "hostIP"), msg);
        } else {
          ep.host_ip = *ip;
        }
      }
      if (const Json* pod_port = r.member(p, pp, "podPort", Need::Optional)) {
        ep.pod_port = detail::port(r, *pod_port, child(pp, "podPort"));
      }
      m.ports.push_back(std::move(ep));
    }
  }
  m.user_annotations = r.string_map(doc, "", "userAnnotations");
  m.user_labels = r.string_map(doc, "", "userLabels");
  return m;
}

template <typename T, typename Read>
Result<T> parse_with(std::string_view json, std::string_view what, std::string_view source, std::vector<Problem>* out,
                     Read read) {
  std::vector<Problem> problems;
  std::optional<T> m;
  if (auto doc = parse_json(json, problems)) {
    Reader r(problems);
    m = read(r, *doc);
  }
  if (out) *out = problems;
  if (!problems.empty() || !m) return manifest_error(what, source, problems);
  return std::move(*m);
}

}  // namespace

Result<ImageManifest> parse_image_manifest(std::string_view json, std::string_view source,
                                           std::vector<Problem>* problems) {
  return parse_with<ImageManifest>(json, "image manifest", source, problems, read_image);
}

Result<PodManifest> parse_pod_manifest(std::string_view json, std::string_view source, std::vector<Problem>* problems) {
  return parse_with<PodManifest>(json, "pod manifest", source, problems, read_pod);
}

Result<ManifestKind> validate_manifest(std::string_view json, std::string_view source, std::vector<Problem>* problems) {
  std::vector<Problem> local;
  auto doc = parse_json(json, local);
  if (!doc) {
    if (problems) *problems = local;
    return manifest_error("manifest", source, local);
  }
  const Json* kind = doc->is_object() && doc->contains("acKind") ? &(*doc)["acKind"] : nullptr;
  if (kind && kind->is_string() && kind->get<std::string>() == "PodManifest") {
    auto r = parse_pod_manifest(json, source, problems);
    RKT_TRY(r);
    return ManifestKind::Pod;
  }
  if (kind && kind->is_string() && kind->get<std::string>() == "ImageManifest") {
    auto r = parse_image_manifest(json, source, problems);
    RKT_TRY(r);
    return ManifestKind::Image;
  }
  local.push_back({"/acKind", kind ? "must be \"ImageManifest\" or \"PodManifest\"" : "is required"});
  if (problems) *problems = local;
  return manifest_error("manifest", source, local);
}

const std::string* find_label(const Labels& labels, const std::string& name) {
  for (const auto& l : labels) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

const std::string* find_annotation(const Annotations& annotations, const std::string& name) {
  for (const auto& a : annotations) {
    if (a.name == name) return &a.value;
  }
  return nullptr;
}

}  // namespace rkt::spec
