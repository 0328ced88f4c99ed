// libFuzzer target: a key given to rkt trust or found in the trust store (stage0/pgp, over
// librnp), armored or binary. It reads as one public key with a fingerprint, or as an error
// naming where it came from.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "stage0/pgp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string key(reinterpret_cast<const char*>(data), size);
  auto k = rkt::stage0::read_public_key(key, "fuzz.pub");
  if (k) {
    if (k->fingerprint.size() < 32 || k->fingerprint.find_first_not_of("0123456789abcdef") != std::string::npos)
      std::abort();
  } else if (k.error().message().find("fuzz.pub") == std::string::npos &&
             k.error().message().find("librnp") == std::string::npos) {
    std::abort();  // an error names the key (or the library that could not load)
  }
  return 0;
}
