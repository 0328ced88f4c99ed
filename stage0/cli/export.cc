// rkt export: an exited app's root, with its changes, as an image.

#include <unistd.h>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_export(GlobalOptions& g, const std::vector<std::string>& args) {
  RKT_TRY(require_root("rkt export"));
  FlagSet fs("rkt export");
  std::string app;
  bool overwrite = false;
  fs.add_string("app", &app, "the app to export (needed when the pod has several)");
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->size() != 2) return Error(Errc::Usage, "rkt export needs a pod UUID and OUT.aci");
  auto ref = find_pod(g.dir, (*pos)[0]);
  RKT_TRY(ref);
  auto store = open_store(g);
  RKT_TRY(store);
  RKT_TRY(export_app(*store, *ref, app, (*pos)[1], overwrite));
  return 0;
}

}  // namespace rkt::stage0
