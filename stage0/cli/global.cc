#include "stage0/cli/global.h"

#include <unistd.h>

#include <vector>

#include "common/fs.h"

namespace rkt::stage0 {

std::string InsecureOptions::to_string() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : ",") + std::string(name);
  };
  add(image, "image");
  add(tls, "tls");
  add(ondisk, "ondisk");
  add(http, "http");
  add(pubkey, "pubkey");
  add(capabilities, "capabilities");
  add(paths, "paths");
  add(seccomp, "seccomp");
  return out.empty() ? "none" : out;
}

Result<InsecureOptions> parse_insecure_options(const std::string& list) {
  InsecureOptions o;
  size_t start = 0;
  for (;;) {
    size_t end = list.find(',', start);
    std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (item == "none") {
    } else if (item == "image") {
      o.image = true;
    } else if (item == "tls") {
      o.tls = true;
    } else if (item == "ondisk") {
      o.ondisk = true;
    } else if (item == "http") {
      o.http = true;
    } else if (item == "pubkey") {
      o.pubkey = true;
    } else if (item == "capabilities") {
      o.capabilities = true;
    } else if (item == "paths") {
      o.paths = true;
    } else if (item == "seccomp") {
      o.seccomp = true;
    } else if (item == "all-fetch") {
      o.image = o.tls = o.ondisk = o.http = o.pubkey = true;
    } else if (item == "all-run") {
      o.capabilities = o.paths = o.seccomp = true;
    } else if (item == "all") {
      o.image = o.tls = o.ondisk = o.http = o.pubkey = o.capabilities = o.paths = o.seccomp = true;
    } else {
      return Error(Errc::Usage,
                   "--insecure-options: unknown option " + quote(item) +
                       " (none, image, tls, ondisk, http, pubkey, capabilities, paths, seccomp, all-fetch, "
                       "all-run, all)");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return o;
}

void add_global_flags(FlagSet& fs, GlobalOptions& g) {
  fs.add_string("dir", &g.dir_flag, "rkt data directory (default /var/lib/rkt, or paths.d's \"data\")");
  fs.add_string("system-config", &g.system_config, "system configuration directory");
  fs.add_string("local-config", &g.local_config, "local configuration directory");
  fs.add_string("user-config", &g.user_config, "user configuration directory");
  fs.add_string("insecure-options", &g.insecure_options_text,
                "comma-separated checks to skip: image, tls, ondisk, http, pubkey, capabilities, paths, seccomp, "
                "all-fetch, all-run, all");
  fs.add_bool("trust-keys-from-https", &g.trust_keys_from_https, "automatically trust keys fetched over https");
  fs.add_bool("debug", &g.debug, "print out more debug information to stderr");
  fs.add_bool("help", &g.help, "help for the command");
}

Status finish_global_flags(GlobalOptions& g) {
  auto o = parse_insecure_options(g.insecure_options_text);
  RKT_TRY(o);
  g.insecure = *o;
  // Paths are kept absolute: stage0 changes directory into the pod before it execs stage1.
  for (std::string* p : {&g.dir_flag, &g.local_config, &g.system_config, &g.user_config}) {
    if (p->empty() || (*p)[0] == '/') continue;
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return sys_error("reading the working directory");
    *p = std::string(cwd) + "/" + *p;
  }
  // As rkt: without --dir (or with an empty one), the configuration's data directory.
  g.dir = g.dir_flag;
  if (g.dir.empty()) {
    auto c = g.config();
    RKT_TRY_WRAP(c, "cannot get configuration");
    g.dir = (*c)->data_dir.empty() ? "/var/lib/rkt" : (*c)->data_dir;
  }
  return ok();
}

Result<const Config*> GlobalOptions::config() const {
  std::vector<std::string> dirs = {system_config, local_config, user_config};
  if (!config_ || dirs != config_dirs_) {
    auto c = read_config(dirs);
    RKT_TRY(c);
    config_ = std::make_shared<Config>(std::move(*c));
    config_dirs_ = std::move(dirs);
  }
  return config_.get();
}

}  // namespace rkt::stage0
