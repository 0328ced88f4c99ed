// libFuzzer target: a network configuration file of net.d (stage1/host/network), as a user or a
// configuration manager writes it. Reading it gives the network, or an error naming the file;
// what it gives has a name and a plugin type that cannot name a path.

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "stage1/host/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/rkt-netconf-fuzz-XXXXXX";
    std::string d = ::mkdtemp(tmpl);
    ::mkdir((d + "/builtin").c_str(), 0700);
    ::mkdir((d + "/net.d").c_str(), 0700);
    return d;
  }();
  std::string file = dir + "/net.d/10-fuzz.conf";
  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto nets = rkt::stage1::load_net_configs({{"all", ""}}, dir + "/builtin", dir + "/net.d", [](const std::string&) {});
  ::unlink(file.c_str());
  if (nets) {
    for (const auto& n : *nets) {
      if (n.file != file || n.name.empty() || n.type.empty() || n.type.find('/') != std::string::npos ||
          n.type == "." || n.type == "..")
        std::abort();
    }
  } else if (nets.error().message().find(file) == std::string::npos) {
    std::abort();  // an error names the file
  }
  return 0;
}
