#include "stage0/config.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/fs.h"
#include "stage0/go_json.h"

namespace rkt::stage0 {
namespace {

using Json = nlohmann::json;

// What one configuration directory gives; merged over the earlier ones.
struct DirConfig {
  std::map<std::string, AuthEntry> auth;  ///< by domain, "docker:"-prefixed for registries
  std::string data_dir, stage1_images_dir;
  Stage1Config stage1;
};

bool absolute(const std::string& p) { return !p.empty() && p[0] == '/'; }

// A string member, or "" when it is missing; an error when it is there and not a string.
Result<std::string> member(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Error(Errc::InvalidArgument, std::string("\"") + name + "\" must be a string");
  return it->get<std::string>();
}

Status parse_auth(const Json& j, const std::string& kind, DirConfig& c) {
  const char* list = kind == "auth" ? "domains" : "registries";
  if (j.contains(list) && !j[list].is_array())
    return Error(Errc::InvalidArgument, std::string(list) + " must be a list");
  std::vector<std::string> names;
  for (const auto& d : j.value(list, Json::array())) {
    if (!d.is_string()) return Error(Errc::InvalidArgument, std::string(list) + " must be strings");
    names.push_back(d.get<std::string>());
  }
  if (names.empty())
    return Error(Errc::InvalidArgument, kind == "auth" ? "no domains specified" : "no registries specified");
  AuthEntry a;
  a.docker = kind == "dockerAuth";
  auto type = member(j, "type");
  RKT_TRY(type);
  a.type = a.docker ? "basic" : *type;
  if (a.type.empty()) return Error(Errc::InvalidArgument, "no auth type specified");
  if (a.type != "basic" && a.type != "oauth")
    return Error(Errc::InvalidArgument, "type " + quote(a.type) + " must be basic or oauth");
  const Json cred = j.contains("credentials") ? j["credentials"] : Json();
  if (!cred.is_object()) return Error(Errc::InvalidArgument, "no credentials");
  if (a.type == "basic") {
    auto user = member(cred, "user");
    auto password = member(cred, "password");
    RKT_TRY(user);
    RKT_TRY(password);
    if (user->empty()) return Error(Errc::InvalidArgument, "user not specified");
    if (password->empty()) return Error(Errc::InvalidArgument, "password not specified");
    a.user = *user;
    a.password = *password;
    a.header = "Authorization: Basic " + base64_encode(a.user + ":" + a.password);
  } else {
    auto token = member(cred, "token");
    RKT_TRY(token);
    if (token->empty()) return Error(Errc::InvalidArgument, "no oauth bearer token specified");
    a.token = *token;
    a.header = "Authorization: Bearer " + a.token;
  }
  for (const auto& n : names) {
    std::string key = (a.docker ? "docker:" : "") + n;
    if (c.auth.count(key)) {
      return Error(Errc::InvalidArgument, a.docker
                                              ? "credentials for docker registry " + quote(n) + " are already specified"
                                              : "auth for domain " + quote(n) + " is already specified");
    }
    AuthEntry one = a;
    one.domains = {n};
    c.auth[key] = std::move(one);
  }
  return ok();
}

Status parse_paths(const Json& j, DirConfig& c) {
  auto data = member(j, "data");
  auto images = member(j, "stage1-images");
  RKT_TRY(data);
  RKT_TRY(images);
  if (!data->empty()) {
    if (!c.data_dir.empty()) return Error(Errc::InvalidArgument, "data directory is already specified");
    if (!absolute(*data)) return Error(Errc::InvalidArgument, "data directory must be an absolute path");
    c.data_dir = *data;
  }
  if (!images->empty()) {
    if (!c.stage1_images_dir.empty())
      return Error(Errc::InvalidArgument, "stage1 images directory is already specified");
    if (!absolute(*images)) return Error(Errc::InvalidArgument, "stage1 images directory must be an absolute path");
    c.stage1_images_dir = *images;
  }
  return ok();
}

Status parse_stage1(const Json& j, DirConfig& c) {
  auto name = member(j, "name");
  auto version = member(j, "version");
  auto location = member(j, "location");
  RKT_TRY(name);
  RKT_TRY(version);
  RKT_TRY(location);
  auto invalid = [](const std::string& why) {
    return Error(Errc::InvalidArgument, "invalid stage1 configuration: " + why);
  };
  if (name->empty() && !version->empty()) return invalid("default stage1 image version specified, but name is missing");
  if (!name->empty() && version->empty()) return invalid("default stage1 image name specified, but version is missing");
  if (!location->empty() && !absolute(*location)) {
    size_t colon = location->find(':');
    std::string scheme = colon == std::string::npos ? "" : location->substr(0, colon);
    if (scheme.empty() || scheme.find('/') != std::string::npos) {
      return invalid("default stage1 image location is either a relative path or a URL without scheme");
    }
    if (scheme != "file" && scheme != "docker" && scheme != "http" && scheme != "https") {
      return invalid("default stage1 image location URL has invalid scheme " + quote(scheme) +
                     ", allowed schemes are \"docker\", \"file\", \"http\", \"https\"");
    }
  }
  if (!name->empty()) {
    if (!c.stage1.name.empty())
      return Error(Errc::InvalidArgument, "name and version of a default stage1 image are already specified");
    c.stage1.name = *name;
    c.stage1.version = *version;
  }
  if (!location->empty()) {
    if (!c.stage1.location.empty())
      return Error(Errc::InvalidArgument, "location of a default stage1 image is already specified");
    c.stage1.location = *location;
  }
  return ok();
}

struct SubDir {
  const char* name;
  std::vector<std::string> kinds;
};

Status read_dir(const std::string& root, DirConfig& c) {
  static const SubDir kSubDirs[] = {
      {"auth.d", {"auth", "dockerAuth"}}, {"paths.d", {"paths"}}, {"stage1.d", {"stage1"}}};
  for (const auto& sub : kSubDirs) {
    std::string dir = root + "/" + sub.name;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return sys_error("reading configuration directory " + quote(dir));
    }
    if (!S_ISDIR(st.st_mode)) return Error(Errc::InvalidArgument, "expected " + quote(dir) + " to be a directory");
    auto names = list_directory(dir);
    RKT_TRY(names);
    std::sort(names->begin(), names->end());
    for (const auto& f : *names) {
      std::string path = dir + "/" + f;
      if (f.size() <= 5 || f.compare(f.size() - 5, 5, ".json") != 0) continue;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      auto text = read_file(path, 1 << 20);
      RKT_TRY(text);
      auto bad = [&](const std::string& why) {
        return Error(Errc::InvalidArgument, "config file " + quote(path) + ": " + why);
      };
      Json j = Json::parse(*text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
      auto kind = member(j, "rktKind");
      auto version = member(j, "rktVersion");
      if (!kind || kind->empty()) return bad("no rktKind specified");
      if (!version || version->empty()) return bad("no rktVersion specified");
      if (std::find(sub.kinds.begin(), sub.kinds.end(), *kind) == sub.kinds.end()) {
        std::string kinds;
        for (const auto& k : sub.kinds) kinds += (kinds.empty() ? "" : ", ") + quote(k);
        return bad("the configuration directory " + quote(dir) + " expects configuration files of kinds " + kinds +
                   ", but it has kind " + quote(*kind));
      }
      if (*version != "v1") return bad("rktVersion must be \"v1\" for kind " + quote(*kind));
      Status s = *kind == "paths"    ? parse_paths(j, c)
                 : *kind == "stage1" ? parse_stage1(j, c)
                                     : parse_auth(j, *kind, c);
      if (!s) return bad(s.error().message());
    }
  }
  return ok();
}

}  // namespace

Result<Config> read_config(const std::vector<std::string>& dirs) {
  DirConfig merged;
  for (const auto& root : dirs) {
    if (root.empty()) continue;
    DirConfig c;
    RKT_TRY(read_dir(root, c));
    for (auto& [key, a] : c.auth) merged.auth[key] = std::move(a);
    if (!c.data_dir.empty()) merged.data_dir = c.data_dir;
    if (!c.stage1_images_dir.empty()) merged.stage1_images_dir = c.stage1_images_dir;
    if (!c.stage1.name.empty()) {
      merged.stage1.name = c.stage1.name;
      merged.stage1.version = c.stage1.version;
    }
    if (!c.stage1.location.empty()) merged.stage1.location = c.stage1.location;
  }
  Config out;
  for (auto& [key, a] : merged.auth) out.auth.push_back(std::move(a));
  out.data_dir = merged.data_dir;
  out.stage1_images_dir = merged.stage1_images_dir;
  out.stage1 = merged.stage1;
  return out;
}

std::string config_json(const Config& config, bool pretty) {
  using Ordered = nlohmann::ordered_json;
  Ordered stage0 = Ordered::array();
  for (bool docker : {false, true}) {
    for (const auto& a : config.auth) {
      if (a.docker != docker) continue;
      Ordered e;
      e["rktVersion"] = "v1";
      e["rktKind"] = docker ? "dockerAuth" : "auth";
      e[docker ? "registries" : "domains"] = a.domains;
      if (!docker) e["type"] = a.type;
      Ordered cred;
      if (a.type == "oauth") {
        cred["token"] = a.token;
      } else {
        cred["user"] = a.user;
        cred["password"] = a.password;
      }
      e["credentials"] = cred;
      stage0.push_back(e);
    }
  }
  Ordered paths;
  paths["rktVersion"] = "v1";
  paths["rktKind"] = "paths";
  paths["data"] = config.data_dir;
  paths["stage1-images"] = config.stage1_images_dir;
  Ordered stage1;
  stage1["rktVersion"] = "v1";
  stage1["rktKind"] = "stage1";
  stage1["name"] = config.stage1.name;
  stage1["version"] = config.stage1.version;
  stage1["location"] = config.stage1.location;
  stage0.push_back(paths);
  stage0.push_back(stage1);
  Ordered root;
  root["stage0"] = stage0;
  return go_json(root, pretty ? GoIndent::Tab : GoIndent::None);
}

}  // namespace rkt::stage0
