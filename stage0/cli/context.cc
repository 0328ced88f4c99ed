#include "stage0/cli/context.h"

#include <unistd.h>

#include <iostream>

#include "common/fs.h"

namespace rkt::stage0 {

Result<Store> open_store(const GlobalOptions& g) { return Store::open(g.dir); }

Keystore open_keystore(const GlobalOptions& g) { return Keystore(g.system_config, g.local_config); }

void warn(const std::string& message) { std::cerr << "rkt: warning: " << message << "\n"; }

Result<FetchOptions> fetch_options(const GlobalOptions& g) {
  FetchOptions o;
  o.insecure_image = g.insecure.image;
  o.insecure_http = g.insecure.http;
  o.insecure_tls = g.insecure.tls;
  o.warn = warn;
  auto c = g.config();
  RKT_TRY_WRAP(c, "cannot get configuration");
  o.auth = (*c)->auth;
  return o;
}

Result<PullPolicy> parse_pull_policy(const std::string& s) {
  if (s == "never") return PullPolicy::Never;
  if (s == "new") return PullPolicy::New;
  if (s == "update") return PullPolicy::Update;
  return Error(Errc::Usage, "--pull-policy " + quote(s) + " must be never, new or update");
}

Status require_root(const std::string& cmd) {
  if (::geteuid() != 0) return Error(Errc::Usage, cmd + ": cannot run as unprivileged user");
  return ok();
}

Result<std::vector<std::string>> parse_command_line(FlagSet& fs, GlobalOptions& g, const std::vector<std::string>& args,
                                                    FlagSet::Interspersed interspersed) {
  add_global_flags(fs, g);
  auto pos = fs.parse(args, interspersed);
  RKT_TRY(pos);
  RKT_TRY(finish_global_flags(g));
  return pos;
}

Result<std::string> uuid_argument(const std::vector<std::string>& pos, const std::string& uuid_file, const char* cmd) {
  if (!uuid_file.empty()) {
    if (!pos.empty()) return Error(Errc::Usage, std::string(cmd) + ": give a UUID or --uuid-file, not both");
    auto text = read_file(uuid_file, 4096);
    RKT_TRY_WRAP(text, "--uuid-file");
    std::string u = text->substr(0, text->find_first_of("\n \t"));
    if (u.empty()) return Error(Errc::Usage, "--uuid-file " + quote(uuid_file) + " is empty");
    return u;
  }
  if (pos.size() != 1) return Error(Errc::Usage, std::string(cmd) + " needs one pod UUID (or --uuid-file)");
  return pos[0];
}

Result<std::vector<std::string>> uuids(const std::vector<std::string>& pos, const std::string& uuid_file,
                                       const char* cmd) {
  if (!uuid_file.empty()) {
    auto u = uuid_argument({}, uuid_file, cmd);
    RKT_TRY(u);
    std::vector<std::string> out = pos;
    out.push_back(*u);
    return out;
  }
  if (pos.empty()) return Error(Errc::Usage, std::string(cmd) + " needs pod UUIDs (or --uuid-file)");
  return pos;
}

}  // namespace rkt::stage0
