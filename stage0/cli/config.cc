// rkt config: the configuration rkt reads (config.h), printed as rkt 1.30 prints it.

#include <iostream>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {

Result<int> cmd_config(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt config");
  bool pretty = true;
  fs.add_bool("pretty-print", &pretty, "apply indent to format the output (default true)");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt config takes no arguments");
  auto c = g.config();
  RKT_TRY_WRAP(c, "cannot get configuration");
  std::cout << config_json(**c, pretty) << "\n";
  return 0;
}

}  // namespace rkt::stage0
