// stage1: stop and gc entrypoints (stage1 interface version 1).
//
//   stop [--force] UUID   (cwd: the pod directory) asks the pod to stop: SIGTERM to the stage1
//                         process that holds it, which stops the apps with a grace period; with
//                         --force, SIGKILL, which takes the whole pod down at once.
//   gc UUID               (cwd: the pod directory, which no process holds any more) tears down
//                         what stage1 made outside the pod directory: the pod's networks and
//                         network namespace, and its cgroups.

#include "stage1/lifecycle.h"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "common/fs.h"
#include "common/number.h"
#include "common/stage1_abi.h"
#include "stage1/host/network.h"
#include "stage1/report.h"

namespace rkt::stage1 {
int stop_main(int argc, char** argv) {
  bool force = false;
  std::string uuid;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--force") {
      force = true;
    } else if (a.rfind("--", 0) != 0) {
      uuid = a;
    }
  }
  auto ppid = read_file("ppid", 64);
  if (!ppid) return report(std::move(ppid).error().wrap("stopping pod " + uuid));
  while (!ppid->empty() && ppid->back() == '\n') ppid->pop_back();
  int pid = static_cast<int>(parse_decimal(*ppid, INT32_MAX).value_or(0));
  if (pid <= 1 || ::kill(pid, force ? SIGKILL : SIGTERM) != 0) {
    return report(sys_error("stopping pod " + uuid + ": signalling stage1 (pid " + std::to_string(pid) + ")"));
  }
  return 0;
}

int gc_main(int argc, char** argv) {
  std::string uuid = argc > 1 ? argv[argc - 1] : "";
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return report(sys_error("gc of pod " + uuid + ": the pod directory"));
  // Both are tried; a failure keeps the pod for the next gc, which tries again.
  Status net = teardown_pod_network(cwd, uuid);
  Status cg = stage1_abi::remove_pod_cgroups(cwd, uuid);
  if (!net) return report(std::move(net).error().wrap("gc of pod " + uuid));
  if (!cg) return report(std::move(cg).error().wrap("gc of pod " + uuid));
  return 0;
}

}  // namespace rkt::stage1
