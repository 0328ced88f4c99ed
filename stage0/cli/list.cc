// rkt list: every pod, one line per app, or rkt's JSON.

#include <iostream>
#include <sstream>

#include "common/duration.h"

#include "common/tabwriter.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/pods.h"

namespace rkt::stage0 {

Result<int> cmd_list(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt list");
  bool full = false, no_legend = false;
  std::string format;
  fs.add_bool("full", &full, "full UUIDs, image IDs and times");
  fs.add_bool("no-legend", &no_legend, "no header line");
  fs.add_string("format", &format, "json or json-pretty");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt list takes no arguments");
  // The table needs the apps only: the pods' summaries give them without parsing a manifest.
  auto views = list_pod_info(g.dir, format.empty() ? PodDetail::Apps : PodDetail::Listing);
  RKT_TRY(views);
  if (!format.empty()) {
    if (format != "json" && format != "json-pretty") return Error(Errc::Usage, "--format must be json or json-pretty");
    std::cout << pods_json(*views, format == "json-pretty") << "\n";
    return 0;
  }
  // Aligned as rkt's tabwriter aligns it.
  std::ostringstream table;
  int64_t now = now_ns();
  auto when = [&](int64_t t) { return t == 0 ? std::string() : full ? format_time(t) : humanize_since(t, now); };
  if (!no_legend) {
    table << "UUID\tAPP\tIMAGE NAME\t" << (full ? "IMAGE ID\t" : "") << "STATE\tCREATED\tSTARTED\tNETWORKS\n";
  }
  for (const auto& v : *views) {
    std::string uuid = full ? v.ref.uuid : v.ref.uuid.substr(0, 8);
    std::vector<const AppBrief*> apps;
    for (const auto& a : v.apps) apps.push_back(&a);
    if (apps.empty()) apps.push_back(nullptr);
    for (size_t i = 0; i < apps.size(); ++i) {
      const auto* a = apps[i];
      table << (i == 0 ? uuid : "") << "\t" << (a ? a->name : "-") << "\t" << (a ? a->image_name : "-") << "\t";
      if (full) table << (a ? short_key(a->image_id) : "-") << "\t";
      if (i == 0) {
        table << state_name(v.state) << "\t" << when(v.created_ns) << "\t" << when(v.started_ns) << "\t"
              << v.networks_text();
      } else {
        table << "\t\t\t";
      }
      table << "\n";
    }
  }
  std::cout << tab_align(table.str());
  return 0;
}

}  // namespace rkt::stage0
