// libFuzzer target: manifests of either kind must parse, validate and (when valid) round-trip
// without crashing, leaking or tripping the sanitizers.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<rkt::spec::Problem> problems;
  auto kind = rkt::spec::validate_manifest(text, "fuzz", &problems);
  if (!kind) {
    if (problems.empty()) std::abort();  // a refusal must say why
    return 0;
  }
  if (*kind == rkt::spec::ManifestKind::Image) {
    auto m = rkt::spec::parse_image_manifest(text, "fuzz");
    std::string once = rkt::spec::to_json(*m);
    auto again = rkt::spec::parse_image_manifest(once, "fuzz-roundtrip");
    if (!again || rkt::spec::to_json(*again) != once) std::abort();
  } else {
    auto m = rkt::spec::parse_pod_manifest(text, "fuzz");
    std::string once = rkt::spec::to_json(*m);
    auto again = rkt::spec::parse_pod_manifest(once, "fuzz-roundtrip");
    if (!again || rkt::spec::to_json(*again) != once) std::abort();
  }
  return 0;
}
