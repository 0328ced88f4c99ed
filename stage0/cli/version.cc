#include <sys/utsname.h>

#include <iostream>

#include "spec/names.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {

/// The rkt release whose command line, outputs and layouts this implements.
constexpr const char* kRktCliVersion = "1.30.0";

Result<int> cmd_version(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt version");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt version takes no arguments");
  struct utsname u {};
  ::uname(&u);
  // The first two lines are what clients parse (Nomad's driver requires "rkt Version: X" >= 1.27.0
  // and an "appc Version:"): the rkt command-line level this implements, then the appc spec.
  std::string arch = u.machine;
  if (arch == "x86_64") arch = "amd64";
  if (arch == "aarch64") arch = "arm64";
  std::cout << "rkt Version: " << kRktCliVersion << "\n"
            << "appc Version: " << spec::kAppcVersion << "\n"
            << "Implementation: rkt in C++ " RKT_VERSION
#if defined(__clang__)
            << " (clang " << __clang_version__ << ")\n"
#else
            << " (g++ " << __VERSION__ << ")\n"
#endif
            << "OS/Arch: linux/" << arch << "\n"
            << "Features: -TPM -SDJOURNAL\n";
  return 0;
}

}  // namespace rkt::stage0
