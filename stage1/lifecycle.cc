// stage1: stop and gc entrypoints (stage1 interface version 1).
//
//   stop [--force] UUID   (cwd: the pod directory) asks the pod to stop: SIGTERM to the stage1
//                         process that holds it, which stops the apps with a grace period; with
//                         --force, SIGKILL, which takes the whole pod down at once.
//   gc UUID               (cwd: the pod directory, which no process holds any more) tears down
//                         what stage1 made outside the pod directory: the pod's cgroups.

#include "stage1/lifecycle.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

#include "common/fs.h"
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
  int pid = std::atoi(ppid->c_str());
  if (pid <= 1 || ::kill(pid, force ? SIGKILL : SIGTERM) != 0) {
    return report(sys_error("stopping pod " + uuid + ": signalling stage1 (pid " + std::to_string(pid) + ")"));
  }
  return 0;
}

int gc_main(int argc, char** argv) {
  std::string uuid = argc > 1 ? argv[argc - 1] : "";
  auto list = read_file("cgroups", 1 << 20);
  if (!list) return 0;  // no cgroups were made
  // Apps' cgroups come before the pod's in the file: children are removed first.
  std::istringstream in(*list);
  std::string dir;
  int rc = 0;
  while (std::getline(in, dir)) {
    if (dir.rfind("/sys/fs/cgroup/", 0) != 0 || dir.find("/rkt-" + uuid) == std::string::npos) continue;
    if (auto procs = read_file(dir + "/cgroup.procs", 1 << 20)) {
      std::istringstream p(*procs);
      pid_t pid;
      while (p >> pid) ::kill(pid, SIGKILL);
    }
    for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) ::usleep(10000);
    if (::access(dir.c_str(), F_OK) == 0) {
      std::cerr << "stage1: pod " << uuid << ": removing cgroup " << quote(dir) << ": " << std::strerror(errno) << "\n";
      rc = kExitRuntimeFailure;
    }
  }
  return rc;
}

}  // namespace rkt::stage1
