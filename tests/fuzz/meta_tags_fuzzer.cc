// libFuzzer target: appc discovery's <meta> parser (stage0/discovery) on hostile pages, and the
// templates it yields expanded with the labels of a request.

#include <cstddef>
#include <cstdint>
#include <string>

#include "stage0/discovery.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string page(reinterpret_cast<const char*>(data), size);
  for (const auto& tag : rkt::stage0::parse_meta_tags(page)) {
    std::string out;
    (void)rkt::stage0::expand_template(tag.value, "example.com/app", {{"version", "1"}, {"os", "linux"}}, "aci", &out);
  }
  return 0;
}
