// libFuzzer target: the flag syntax of rkt run and prepare (stage0/cli/run_flags) on hostile
// command lines. Every input is accepted or refused with a usage message naming the flag; none
// crashes, and every isolator accepted renders as JSON the spec library parses back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "spec/manifest.h"
#include "stage0/cli/run_flags.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  auto refused_with_reason = [](const rkt::Error& e) {
    if (e.message().empty()) std::abort();
  };
  if (auto v = rkt::stage0::parse_volume_flag(s); !v) refused_with_reason(v.error());
  if (auto m = rkt::stage0::parse_mount_flag(s); !m) refused_with_reason(m.error());
  if (auto sc = rkt::stage0::parse_seccomp_flag(s); !sc) {
    refused_with_reason(sc.error());
  } else if (sc->value_json.empty()) {
    std::abort();
  }
  if (auto nv = rkt::stage0::parse_name_values({s}, "--user-label"); !nv) refused_with_reason(nv.error());
  if (auto env = rkt::stage0::parse_env_assignments({s}, "--environment"); !env) refused_with_reason(env.error());
  // One app's flags, all from the same bytes.
  rkt::stage0::AppFlags f;
  f.memory = f.cpu = f.cpu_shares = f.oom_score_adj = s;
  auto r = rkt::stage0::app_request(f);
  if (!r) {
    refused_with_reason(r.error());
  } else {
    std::string manifest =
        R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/f","app":{"exec":["/x"],"user":"0","group":"0","isolators":[)";
    for (size_t i = 0; i < r->isolators.size(); ++i) {
      manifest += (i ? "," : "") + std::string("{\"name\":") + rkt::spec::json_string(r->isolators[i].name) +
                  ",\"value\":" + r->isolators[i].value_json + "}";
    }
    manifest += "]}}";
    (void)rkt::spec::parse_image_manifest(manifest, "fuzz");  // valid or refused, never a crash
  }
  return 0;
}
