#include "common/libcrypto.h"

namespace rkt {
namespace {

void load_crypto() {
  static const bool loaded = (load_library_or_throw("libcrypto.so.3", {RKT_CRYPTO_FUNCTIONS(RKT_LAZY_SYMBOL)}), true);
  (void)loaded;
}

}  // namespace

#define RKT_CRYPTO_DEFINE(name) RKT_LAZY_DEFINE(name, load_crypto)
RKT_CRYPTO_FUNCTIONS(RKT_CRYPTO_DEFINE)

}  // namespace rkt
