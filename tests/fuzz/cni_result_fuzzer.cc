// libFuzzer target: what a CNI plugin prints (stage1/host/network): its result (both result
// shapes) and its error object, parsed and rendered into messages without a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "stage1/host/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string out(reinterpret_cast<const char*>(data), size);
  (void)rkt::stage1::parse_cni_result(out, "network \"fuzz\"");
  (void)rkt::stage1::cni_error_message(out);
  return 0;
}
