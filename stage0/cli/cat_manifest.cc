// rkt cat-manifest: a pod's manifest.

#include <iostream>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "spec/manifest.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_cat_manifest(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt cat-manifest");
  bool pretty = true;
  std::string uuid_file;
  fs.add_bool("pretty-print", &pretty, "indent the JSON");
  fs.add_string("uuid-file", &uuid_file, "read the pod UUID from this file");
  auto pos = parse_command_line(fs, g, args);
  if (!pos) return std::move(pos).error();
  auto uuid = uuid_argument(*pos, uuid_file, "rkt cat-manifest");
  if (!uuid) return std::move(uuid).error();
  auto ref = find_pod(g.dir, *uuid);
  if (!ref) return std::move(ref).error();
  auto text = pod_manifest_text(*ref);
  if (!text) return std::move(text).error();
  auto out = pretty ? spec::pretty_print_json(*text) : Result<std::string>(*text);
  if (!out) return std::move(out).error();
  std::cout << *out << "\n";
  return 0;
}

}  // namespace rkt::stage0
