// rkt enter: a command in a running app, confined exactly as the app.

#include <unistd.h>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_enter(GlobalOptions& g, const std::vector<std::string>& args) {
  RKT_TRY(require_root("rkt enter"));
  FlagSet fs("rkt enter");
  std::string app;
  fs.add_string("app", &app, "the app to enter (needed when the pod has several)");
  auto pos = parse_command_line(fs, g, args, FlagSet::Interspersed::No);
  RKT_TRY(pos);
  if (pos->empty()) return Error(Errc::Usage, "rkt enter needs a pod UUID");
  auto ref = find_pod(g.dir, (*pos)[0]);
  RKT_TRY(ref);
  std::vector<std::string> cmd(pos->begin() + 1, pos->end());
  if (cmd.empty()) cmd.push_back("/bin/bash");
  return enter_pod(*ref, app, cmd);
}

}  // namespace rkt::stage0
