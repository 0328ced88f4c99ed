#include <sys/utsname.h>

#include <iostream>

#include "spec/names.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {

Result<int> cmd_version(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt version");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt version takes no arguments");
  struct utsname u {};
  ::uname(&u);
  std::cout << "rkt Version: " RKT_VERSION "\n"
            << "appc Version: " << spec::kAppcVersion << "\n"
#if defined(__clang__)
            << "Compiler: clang " << __clang_version__ << "\n"
#else
            << "Compiler: g++ " << __VERSION__ << "\n"
#endif
            << "OS/Arch: linux/" << u.machine << "\n"
            << "Features: -TPM -SDJOURNAL\n";
  return 0;
}

}  // namespace rkt::stage0
