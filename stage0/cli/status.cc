// rkt status: one pod's state, optionally waiting for it to be ready or to exit.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "common/duration.h"

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_status(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt status");
  std::string uuid_file, wait, wait_ready, format;
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  fs.add_string("wait", &wait, "wait for the pod to exit (true, or a duration: 10s)");
  fs.add_string("wait-ready", &wait_ready, "wait for the pod to be running (true, or a duration)");
  fs.add_string("format", &format, "json or json-pretty");
  // "--wait" alone means "forever".
  std::vector<std::string> a = args;
  for (auto& x : a) {
    if (x == "--wait") x = "--wait=true";
    if (x == "--wait-ready") x = "--wait-ready=true";
  }
  auto pos = parse_command_line(fs, g, a);
  RKT_TRY(pos);
  auto uuid = uuid_argument(*pos, uuid_file, "rkt status");
  RKT_TRY(uuid);
  auto deadline = [](const std::string& w) -> Result<int64_t> {
    if (w.empty() || w == "false") return int64_t{-1};
    if (w == "true") return int64_t{0};
    auto d = parse_duration(w);
    RKT_TRY(d);
    return now_ns() + *d;
  };
  auto until_exit = deadline(wait);
  RKT_TRY(until_exit);
  auto until_ready = deadline(wait_ready);
  RKT_TRY(until_ready);
  for (;;) {
    auto ref = find_pod(g.dir, *uuid);
    RKT_TRY(ref);
    auto v = pod_info(*ref);
    RKT_TRY(v);
    bool exited = v->exited();
    bool ready = v->ready();
    bool waiting = (*until_exit >= 0 && !exited) || (*until_ready >= 0 && !ready && !exited);
    int64_t limit = std::max(*until_exit, *until_ready);
    if (waiting && (limit == 0 || now_ns() < limit)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (waiting) return Error(Errc::Generic, "pod " + ref->uuid + ": timed out waiting");
    if (format == "json" || format == "json-pretty") {
      std::cout << pod_status_json(*v, format == "json-pretty") << "\n";
      return 0;
    }
    if (!format.empty()) return Error(Errc::Usage, "--format must be json or json-pretty");
    // As rkt 1.30's printStatus: created= always; networks= while running or exited; pid=,
    // exited= and (once not running) app-NAME= only in the states that ran, exited= true only
    // for exited pods (a pod gc is deleting says false, as rkt's).
    PodState st = v->state;
    std::cout << "state=" << state_name(st) << "\n";
    std::cout << "created=" << format_time(v->created_ns) << "\n";
    if (v->started_ns) std::cout << "started=" << format_time(v->started_ns) << "\n";
    if (st == PodState::Running || st == PodState::Exited) std::cout << "networks=" << v->networks_text() << "\n";
    if (st == PodState::Running || st == PodState::Deleting || st == PodState::ExitedDeleting ||
        st == PodState::Exited || st == PodState::ExitedGarbage) {
      if (!v->pid.empty()) std::cout << "pid=" << v->pid << "\n";
      bool has_exited = st == PodState::Exited || st == PodState::ExitedGarbage;
      std::cout << "exited=" << (has_exited ? "true" : "false") << "\n";
      if (st != PodState::Running && v->manifest) {
        for (const auto& app : v->manifest->apps) {
          if (v->app_exit_codes.count(app.name))
            std::cout << "app-" << app.name << "=" << v->app_exit_codes.at(app.name) << "\n";
        }
      }
    }
    return 0;
  }
}

}  // namespace rkt::stage0
