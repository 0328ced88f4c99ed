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

Result<std::string> resolve_image(const Store& store, const std::string& arg) {
  if (arg.rfind("sha512-", 0) == 0) return store.resolve(arg);
  auto ref = parse_image_ref(arg);
  if (!ref) return std::move(ref).error();
  if (ref->kind != ImageRef::Kind::Name) {
    return Error(Errc::Usage, "image " + quote(arg) + ": give an image ID or name, not a file or URL");
  }
  auto found = store.find(ref->value, ref->labels);
  if (!found) return std::move(found).error();
  if (!*found) return Error(Errc::NotFound, "no image " + quote(arg) + " in the store");
  return **found;
}

}  // namespace rkt::stage0
