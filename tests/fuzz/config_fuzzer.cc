// libFuzzer target: rkt's configuration reader (stage0/config) on hostile files. The first byte
// chooses the directory (auth.d, paths.d or stage1.d); whatever the file holds, reading it gives
// a configuration or an error naming the file, nothing else, and `rkt config` can print it.

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "stage0/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* kSubDirs[] = {"auth.d", "paths.d", "stage1.d"};
  static const std::string dir = [] {
    char tmpl[] = "/tmp/rkt-config-fuzz-XXXXXX";
    std::string d = ::mkdtemp(tmpl);
    for (const char* s : kSubDirs) ::mkdir((d + "/" + s).c_str(), 0700);
    return d;
  }();
  if (size == 0) return 0;
  std::string file = dir + "/" + kSubDirs[data[0] % 3] + "/a.json";
  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  auto config = rkt::stage0::read_config({"", dir, ""});
  ::unlink(file.c_str());
  if (config) {
    for (const auto& e : config->auth) {
      if (e.header.rfind("Authorization: ", 0) != 0 || e.domains.size() != 1) std::abort();
    }
    if (!config->data_dir.empty() && config->data_dir[0] != '/') std::abort();
    if (rkt::stage0::config_json(*config, true).empty()) std::abort();
  } else if (config.error().message().find(file) == std::string::npos) {
    std::abort();  // an error names the file
  }
  return 0;
}
