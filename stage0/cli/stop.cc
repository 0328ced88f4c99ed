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
  // Messages as rkt's stop prints them (clients match them): its "stop: " logger on stderr, the
  // stopped pods and "already stopped" on stdout.
  int failed = 0;
  for (const auto& u : *list) {
    auto ref = find_pod(g.dir, u);
    if (!ref) {
      std::cerr << "stop: cannot get pod: " << ref.error().message() << "\n";
      ++failed;
      continue;
    }
    auto stopped = stop_pod(*ref, force);
    if (!stopped) {
      std::cerr << "stop: error stopping " << quote(ref->uuid) << ": " << stopped.error().message() << "\n";
      ++failed;
    } else if (*stopped == StopResult::AlreadyStopped) {
      std::cout << "pod " << quote(ref->uuid) << " is already stopped\n";
    } else if (*stopped == StopResult::NotRunning) {
      std::cerr << "stop: pod " << quote(ref->uuid) << " is not running\n";
      ++failed;
    } else {
      std::cout << quote(ref->uuid) << "\n";
    }
  }
  if (failed) {
    std::cerr << "stop: failed to stop " << failed << " pod(s)\n";
    return kExitRuntimeFailure;
  }
  return 0;
}

}  // namespace rkt::stage0
