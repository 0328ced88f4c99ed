// rkt export: an exited app's root, with its changes, as an image.

#include <unistd.h>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_export(GlobalOptions& g, const std::vector<std::string>& args) {
  if (Status s = require_root("rkt export"); !s) return std::move(s).error();
  FlagSet fs("rkt export");
  std::string app;
  bool overwrite = false;
  fs.add_string("app", &app, "the app to export (needed when the pod has several)");
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  auto pos = parse_command_line(fs, g, args);
  if (!pos) return std::move(pos).error();
  if (pos->size() != 2) return Error(Errc::Usage, "rkt export needs a pod UUID and OUT.aci");
  auto ref = find_pod(g.dir, (*pos)[0]);
  if (!ref) return std::move(ref).error();
  auto store = open_store(g);
  if (!store) return std::move(store).error();
  if (Status s = export_app(*store, *ref, app, (*pos)[1], overwrite); !s) return std::move(s).error();
  return 0;
}

}  // namespace rkt::stage0
