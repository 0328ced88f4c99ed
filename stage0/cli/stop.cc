// rkt stop: asks running pods to stop, through their stage1.

#include <iostream>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_stop(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt stop");
  bool force = false;
  std::string uuid_file;
  fs.add_bool("force", &force, "kill the pod at once (SIGKILL) instead of stopping it");
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  auto list = uuids(*pos, uuid_file, "rkt stop");
  RKT_TRY(list);
  bool failed = false;
  for (const auto& u : *list) {
    auto ref = find_pod(g.dir, u);
    auto stopped = ref ? stop_pod(*ref, force) : Result<bool>(std::move(ref).error());
    if (!stopped) {
      std::cerr << "rkt: " << stopped.error().message() << "\n";
      failed = true;
      continue;
    }
    if (!*stopped) {
      std::cerr << "pod " << quote(ref->uuid) << " is already stopped\n";
      continue;
    }
    std::cout << quote(ref->uuid) << "\n";
  }
  if (failed) return Error(Errc::Generic, "not every pod could be stopped");
  return 0;
}

}  // namespace rkt::stage0
