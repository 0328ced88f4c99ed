// rkt gc: marks exited pods and failed prepares, and removes them after the grace period.

#include <unistd.h>

#include <iostream>

#include "common/duration.h"

#include "gc/gc.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/mds.h"

namespace rkt::stage0 {

void unregister_from_mds(const PodRef& pod) {
  // As rkt: a pod the metadata service cannot forget is still collected, with a warning.
  if (Status s = mds::unregister_pod(mds::kSocket, pod.path, pod.uuid); !s) {
    // One write: gc calls this from several threads.
    std::cerr << ("rkt: warning: " + s.error().message() + "\n") << std::flush;
  }
}

Result<int> cmd_gc(GlobalOptions& g, const std::vector<std::string>& args) {
  RKT_TRY(require_root("rkt gc"));
  FlagSet fs("rkt gc");
  std::string grace = "30m", expire = "24h";
  bool mark_only = false;
  fs.add_string("grace-period", &grace, "how long exited pods stay marked before removal");
  fs.add_string("expire-prepared", &expire, "how long prepared pods may wait to be run");
  fs.add_bool("mark-only", &mark_only, "only mark pods as garbage");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt gc takes no arguments");
  gc::Options o;
  auto gp = parse_duration(grace);
  RKT_TRY_WRAP(gp, "--grace-period");
  auto ep = parse_duration(expire);
  RKT_TRY_WRAP(ep, "--expire-prepared");
  o.grace_period_ns = *gp;
  o.expire_prepared_ns = *ep;
  o.mark_only = mark_only;
  o.before_teardown = unregister_from_mds;
  auto r = gc::collect(g.dir, o);
  RKT_TRY(r);
  // As rkt's gc: marks on stderr with its "gc: " logger (gc.go renameExited, renameAborted,
  // renameExpired), removals on stdout.
  for (const auto& m : r->marked) {
    const char* what = m.from == PodState::Exited     ? "pod"
                       : m.from == PodState::Prepared ? "expired prepared pod"
                                                      : "failed prepare";
    std::cerr << "gc: moving " << what << " " << quote(m.uuid) << " to garbage\n";
  }
  for (const auto& u : r->removed) std::cout << "Garbage collecting pod " << quote(u) << "\n";
  for (const auto& e : r->errors) std::cerr << "rkt: " << e << "\n";
  if (!r->errors.empty())
    return Error(Errc::Generic, std::to_string(r->errors.size()) + " pod(s) could not be collected");
  return 0;
}

}  // namespace rkt::stage0
