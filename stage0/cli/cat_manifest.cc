// rkt cat-manifest: a pod's manifest.

#include <iostream>

#include "spec/manifest.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_cat_manifest(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt cat-manifest");
  bool pretty = true;
  std::string uuid_file;
  fs.add_bool("pretty-print", &pretty, "indent the JSON");
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  auto uuid = uuid_argument(*pos, uuid_file, "rkt cat-manifest");
  RKT_TRY(uuid);
  auto ref = find_pod(g.dir, *uuid);
  RKT_TRY(ref);
  auto text = pod_manifest_text(*ref);
  RKT_TRY_WRAP(text, "the manifest of pod " + ref->uuid);
  auto out = pretty ? spec::pretty_print_json(*text) : Result<std::string>(*text);
  RKT_TRY_WRAP(out, "the manifest of pod " + ref->uuid);
  std::cout << *out << "\n";
  return 0;
}

}  // namespace rkt::stage0
