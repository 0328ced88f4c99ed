#include "stage0/cli/context.h"

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
  auto auth = read_auth_config(g.system_config, g.local_config);
  if (!auth) return std::move(auth).error();
  o.auth = std::move(*auth);
  return o;
}

}  // namespace rkt::stage0
