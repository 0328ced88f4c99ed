// libFuzzer target: rkt's auth.d reader (stage0/auth_config) on hostile files: whatever a file of
// an auth.d directory holds, reading it gives entries or an error naming the file, nothing else.

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "stage0/auth_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/rkt-auth-fuzz-XXXXXX";
    std::string d = ::mkdtemp(tmpl);
    ::mkdir((d + "/auth.d").c_str(), 0700);
    return d;
  }();
  {
    std::ofstream f(dir + "/auth.d/a.json", std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto entries = rkt::stage0::read_auth_config("", dir, "");
  if (entries) {
    for (const auto& e : *entries) {
      if (e.header.rfind("Authorization: ", 0) != 0) std::abort();
    }
  } else if (entries.error().message().find("auth.d/a.json") == std::string::npos) {
    std::abort();  // an error names the file
  }
  return 0;
}
