#include "stage0/auth_config.h"

#include <dirent.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/fs.h"

namespace rkt::stage0 {

Result<std::vector<AuthEntry>> read_auth_config(const std::string& system_config, const std::string& local_config,
                                                const std::string& user_config) {
  std::map<std::string, AuthEntry> by_domain;
  for (const std::string& root : {system_config, local_config, user_config}) {
    if (root.empty()) continue;
    std::string dir = root + "/auth.d";
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    std::vector<std::string> files;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.substr(n.size() - 5) == ".json") files.push_back(n);
    }
    ::closedir(d);
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string path = dir + "/" + f;
      auto text = read_file(path, 1 << 20);
      RKT_TRY(text);
      auto j = nlohmann::json::parse(*text, nullptr, false);
      auto bad = [&](const std::string& why) {
        return Error(Errc::InvalidArgument, "auth config " + quote(path) + ": " + why);
      };
      if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
      std::string kind = j.value("rktKind", "");
      if (kind != "auth" && kind != "dockerAuth") return bad("rktKind must be \"auth\" or \"dockerAuth\"");
      if (j.value("rktVersion", "") != "v1") return bad("rktVersion must be \"v1\"");
      const auto& cred =
          j.contains("credentials") && j["credentials"].is_object() ? j["credentials"] : nlohmann::json::object();
      AuthEntry a;
      // auth: "domains" and a type; dockerAuth (registries): "registries" and basic credentials.
      const char* list = kind == "auth" ? "domains" : "registries";
      if (!j.contains(list) || !j[list].is_array()) return bad(std::string(list) + " must be a list");
      for (const auto& dom : j[list]) {
        if (!dom.is_string()) return bad(std::string(list) + " must be strings");
        a.domains.push_back(dom.get<std::string>());
      }
      std::string type = kind == "dockerAuth" ? "basic" : j.value("type", "");
      if (type == "basic") {
        a.header = "Authorization: Basic " + base64_encode(cred.value("user", "") + ":" + cred.value("password", ""));
      } else if (type == "oauth") {
        a.header = "Authorization: Bearer " + cred.value("token", "");
      } else {
        return bad("type " + quote(type) + " must be basic or oauth");
      }
      a.docker = kind == "dockerAuth";
      for (const auto& dom : a.domains)
        by_domain[(a.docker ? "docker:" : "") + dom] = AuthEntry{{dom}, a.header, a.docker};
    }
  }
  std::vector<AuthEntry> out;
  for (auto& [dom, a] : by_domain) out.push_back(std::move(a));
  return out;
}

}  // namespace rkt::stage0
