// rkt rm: removes pods that no process holds.

#include <unistd.h>

#include <iostream>

#include "gc/gc.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {

Result<int> cmd_rm(GlobalOptions& g, const std::vector<std::string>& args) {
  RKT_TRY(require_root("rkt rm"));
  FlagSet fs("rkt rm");
  std::string uuid_file;
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  auto list = uuids(*pos, uuid_file, "rkt rm");
  RKT_TRY(list);
  // As rkt's rm: its "rm: " logger on stderr, the removed pods on stdout.
  bool failed = false;
  for (const auto& u : *list) {
    auto ref = find_pod(g.dir, u);
    if (!ref) {
      std::cerr << "rm: cannot get pod: " << ref.error().message() << "\n";
      failed = true;
      continue;
    }
    if (Status s = gc::remove_pod(g.dir, *ref, unregister_from_mds); !s) {
      std::cerr << "rm: " << s.error().message() << "\n";
      failed = true;
      continue;
    }
    std::cout << quote(ref->uuid) << "\n";
  }
  if (failed) {
    std::cerr << "rm: failed to remove one or more pods\n";
    return kExitRuntimeFailure;
  }
  return 0;
}

}  // namespace rkt::stage0
