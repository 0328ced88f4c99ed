// rkt export: an exited app's root, with its changes, as an image.

#include <unistd.h>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_export(GlobalOptions& g, const std::vector<std::string>& args) {
  if (::geteuid() != 0) return Error(Errc::Usage, "rkt export: cannot run as unprivileged user");
  FlagSet fs("rkt export");
  add_global_flags(fs, g);
  std::string app;
  bool overwrite = false;
  fs.add_string("app", &app, "the app to export (needed when the pod has several)");
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  auto pos = fs.parse(args);
  if (!pos) return std::move(pos).error();
  if (Status s = finish_global_flags(g); !s) return std::move(s).error();
  if (pos->size() != 2) return Error(Errc::Usage, "rkt export needs a pod UUID and OUT.aci");
  auto ref = find_pod(g.dir, (*pos)[0]);
  if (!ref) return std::move(ref).error();
  auto store = open_store(g);
  if (!store) return std::move(store).error();
  if (Status s = export_app(*store, *ref, app, (*pos)[1], overwrite); !s) return std::move(s).error();
  return 0;
}

}  // namespace rkt::stage0
