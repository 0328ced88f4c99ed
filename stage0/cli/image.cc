// rkt image: list, rm, export, extract, render, cat-manifest, verify and gc of the image store.

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "common/duration.h"
#include "common/fs.h"
#include "common/tabwriter.h"
#include "spec/manifest.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/images.h"

namespace rkt::stage0 {
namespace {

Result<int> image_list(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image list");
  std::string fields = "id,name,size,importtime,lastused", sort = "importtime", order = "asc", format;
  bool full = false, no_legend = false;
  fs.add_string("fields", &fields, "comma-separated: id, name, size, importtime, lastused (and latest)");
  fs.add_string("sort", &sort, "sort by this field");
  fs.add_string("order", &order, "asc or desc");
  fs.add_bool("full", &full, "full IDs and times");
  fs.add_bool("no-legend", &no_legend, "no header line");
  fs.add_string("format", &format, "json or json-pretty");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt image list takes no arguments");
  static const std::map<std::string, std::string> kTitles = {
      {"id", "ID"},     {"name", "NAME"},    {"importtime", "IMPORT TIME"}, {"lastused", "LAST USED"},
      {"size", "SIZE"}, {"latest", "LATEST"}};
  std::vector<std::string> cols;
  for (size_t start = 0; start <= fields.size();) {
    size_t end = fields.find(',', start);
    std::string f = fields.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!kTitles.count(f)) return Error(Errc::Usage, "--fields: unknown field " + quote(f));
    cols.push_back(f);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!kTitles.count(sort)) return Error(Errc::Usage, "--sort: unknown field " + quote(sort));
  if (order != "asc" && order != "desc") return Error(Errc::Usage, "--order must be asc or desc");
  if (!format.empty() && format != "json" && format != "json-pretty") {
    return Error(Errc::Usage, "--format must be json or json-pretty");
  }
  auto store = open_store(g);
  RKT_TRY(store);
  auto images = store->list();
  RKT_TRY(images);
  std::map<std::string, int64_t> newest;
  for (const auto& i : *images) newest[i.manifest.name] = std::max(newest[i.manifest.name], i.import_time_ns);
  auto key_of = [&](const ImageInfo& i) -> std::string {
    if (sort == "id") return i.key;
    if (sort == "name") return display_name(i.manifest);
    char buf[32];
    int64_t v = sort == "importtime" ? i.import_time_ns
                : sort == "lastused" ? i.last_used_ns
                                     : static_cast<int64_t>(i.size);
    std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(v));
    return buf;
  };
  std::stable_sort(images->begin(), images->end(), [&](const ImageInfo& a, const ImageInfo& b) {
    return order == "asc" ? key_of(a) < key_of(b) : key_of(b) < key_of(a);
  });
  if (!format.empty()) {
    std::cout << images_json(*images, format == "json-pretty") << "\n";
    return 0;
  }
  // Aligned as rkt's tabwriter aligns it.
  std::ostringstream table;
  int64_t now = now_ns();
  if (!no_legend) {
    for (size_t c = 0; c < cols.size(); ++c) table << (c ? "\t" : "") << kTitles.at(cols[c]);
    table << "\n";
  }
  for (const auto& i : *images) {
    for (size_t c = 0; c < cols.size(); ++c) {
      const std::string& f = cols[c];
      std::string v;
      if (f == "id") v = full ? i.key : short_key(i.key);
      if (f == "name") v = display_name(i.manifest);
      if (f == "importtime") v = full ? format_time(i.import_time_ns) : humanize_since(i.import_time_ns, now);
      if (f == "lastused") v = full ? format_time(i.last_used_ns) : humanize_since(i.last_used_ns, now);
      if (f == "size") v = full ? std::to_string(i.size) : humanize_bytes(i.size);
      if (f == "latest") v = newest[i.manifest.name] == i.import_time_ns ? "true" : "false";
      table << (c ? "\t" : "") << v;
    }
    table << "\n";
  }
  std::cout << tab_align(table.str());
  return 0;
}

Result<int> image_rm(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image rm");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->empty()) return Error(Errc::Usage, "rkt image rm needs at least one image");
  auto store = open_store(g);
  RKT_TRY(store);
  size_t removed = 0;
  bool failed = false;
  for (const auto& arg : *pos) {
    auto key = resolve_image(*store, arg);
    Status s = key ? store->remove(*key) : Status(key.error());
    if (!s) {
      std::cerr << "rkt: " << s.error().message() << "\n";
      failed = true;
      continue;
    }
    std::cout << "successfully removed aci for image: " << quote(*key) << "\n";
    ++removed;
  }
  // rkt's streams: each removal on stdout, the counts on stderr.
  if (removed > 0) std::cerr << "rm: " << removed << " image(s) successfully removed\n";
  if (failed) {
    std::cerr << "rm: " << pos->size() - removed << " image(s) cannot be removed\n";
    return kExitRuntimeFailure;
  }
  return 0;
}

Result<int> image_cat_manifest(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image cat-manifest");
  bool pretty = true;
  fs.add_bool("pretty-print", &pretty, "indent the JSON");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->size() != 1) return Error(Errc::Usage, "rkt image cat-manifest needs one image");
  auto store = open_store(g);
  RKT_TRY(store);
  auto key = resolve_image(*store, (*pos)[0]);
  RKT_TRY(key);
  auto text = read_file(store->manifest_path(*key), spec::kMaxManifestBytes);
  RKT_TRY(text);
  if (pretty) {
    auto p = spec::pretty_print_json(*text);
    RKT_TRY(p);
    std::cout << *p << "\n";
  } else {
    std::cout << *text << "\n";
  }
  return 0;
}

Result<int> image_export(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image export");
  bool overwrite = false;
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->size() != 2) return Error(Errc::Usage, "rkt image export needs IMAGE and OUT.aci");
  auto store = open_store(g);
  RKT_TRY(store);
  auto key = resolve_image(*store, (*pos)[0]);
  RKT_TRY(key);
  RKT_TRY_WRAP(export_image(*store, *key, (*pos)[1], overwrite), "exporting image " + *key);
  return 0;
}

Result<int> image_unpack(GlobalOptions& g, const std::vector<std::string>& args, bool render) {
  std::string name = render ? "render" : "extract";
  FlagSet fs("rkt image " + name);
  bool rootfs_only = false, overwrite = false;
  fs.add_bool("rootfs-only", &rootfs_only, "write the root filesystem only, without the manifest");
  fs.add_bool("overwrite", &overwrite, "replace DIR if it exists");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->size() != 2) return Error(Errc::Usage, "rkt image " + name + " needs IMAGE and DIR");
  auto store = open_store(g);
  RKT_TRY(store);
  auto key = resolve_image(*store, (*pos)[0]);
  RKT_TRY(key);
  RKT_TRY(unpack_image(*store, *key, (*pos)[1], {render, rootfs_only, overwrite}));
  return 0;
}

Result<int> image_verify(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image verify");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->empty()) return Error(Errc::Usage, "rkt image verify needs at least one image");
  auto store = open_store(g);
  RKT_TRY(store);
  for (const auto& arg : *pos) {
    auto key = resolve_image(*store, arg);
    RKT_TRY(key);
    RKT_TRY(store->verify(*key));
    std::cout << "successfully verified checksum for image: " << quote(*key) << "\n";
  }
  return 0;
}

Result<int> image_gc(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image gc");
  std::string grace = "24h";
  fs.add_string("grace-period", &grace, "remove images not used for this long");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt image gc takes no arguments");
  auto period = parse_duration(grace);
  RKT_TRY_WRAP(period, "--grace-period");
  auto store = open_store(g);
  RKT_TRY(store);
  auto report = collect_images(*store, g.dir, *period);
  RKT_TRY(report);
  // rkt's streams: each removal on stdout, the counts on stderr.
  for (const auto& key : report->removed) std::cout << "successfully removed aci for image: " << quote(key) << "\n";
  if (!report->removed.empty()) std::cerr << "gc: " << report->removed.size() << " image(s) successfully removed\n";
  if (report->swept > 0) std::cerr << "gc: " << report->swept << " unreferenced store entries removed\n";
  return 0;
}

}  // namespace

Result<int> cmd_image(GlobalOptions& g, const std::vector<std::string>& args) {
  static const std::vector<std::pair<std::string, Result<int> (*)(GlobalOptions&, const std::vector<std::string>&)>>
      kSub = {
          {"list", image_list},
          {"rm", image_rm},
          {"cat-manifest", image_cat_manifest},
          {"export", image_export},
          {"extract", [](GlobalOptions& go, const std::vector<std::string>& a) { return image_unpack(go, a, false); }},
          {"render", [](GlobalOptions& go, const std::vector<std::string>& a) { return image_unpack(go, a, true); }},
          {"verify", image_verify},
          {"gc", image_gc},
          {"fetch", cmd_fetch},
      };
  // Global flags may come between "image" and the subcommand (rkt image --dir=D list), as rkt's
  // persistent flags do.
  FlagSet globals("rkt image");
  add_global_flags(globals, g);
  auto first = globals.parse_leading(args, 0);
  RKT_TRY(first);
  if (*first >= args.size()) {
    std::string names;
    for (const auto& [n, f] : kSub) names += (names.empty() ? "" : ", ") + n;
    return Error(Errc::Usage, "rkt image needs a subcommand: " + names);
  }
  const std::string& sub = args[*first];
  for (const auto& [n, f] : kSub) {
    if (n == sub) return f(g, std::vector<std::string>(args.begin() + static_cast<long>(*first) + 1, args.end()));
  }
  return Error(Errc::Usage, "unknown command " + quote("image " + sub) + " (see 'rkt help image')");
}

}  // namespace rkt::stage0
