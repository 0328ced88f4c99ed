// rkt image: list, rm, export, extract, render, cat-manifest, verify and gc of the image store.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <map>

#include "common/duration.h"
#include "common/fs.h"
#include "common/pod.h"
#include "spec/manifest.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {
namespace {

std::string display_name(const spec::ImageManifest& m) {
  const std::string* v = spec::find_label(m.labels, "version");
  return v ? m.name + ":" + *v : m.name;
}

Result<int> image_list(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image list");
  add_global_flags(fs, g);
  std::string fields = "id,name,importtime,lastused,size,latest", sort = "importtime", order = "asc", format;
  bool full = false, no_legend = false;
  fs.add_string("fields", &fields, "comma-separated: id, name, importtime, lastused, size, latest");
  fs.add_string("sort", &sort, "sort by this field");
  fs.add_string("order", &order, "asc or desc");
  fs.add_bool("full", &full, "full IDs and times");
  fs.add_bool("no-legend", &no_legend, "no header line");
  fs.add_string("format", &format, "json or json-pretty");
  auto pos = fs.parse(args);
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
    std::string out = "[";
    for (size_t n = 0; n < images->size(); ++n) {
      const auto& i = (*images)[n];
      out += std::string(n ? "," : "") + "{\"id\":" + spec::json_string(i.key) +
             ",\"name\":" + spec::json_string(display_name(i.manifest)) +
             ",\"import_time\":" + std::to_string(i.import_time_ns) +
             ",\"last_used_time\":" + std::to_string(i.last_used_ns) + ",\"size\":" + std::to_string(i.size) + "}";
    }
    out += "]";
    if (format == "json-pretty") {
      auto pretty = spec::pretty_print_json(out);
      if (pretty) out = *pretty;
    }
    std::cout << out << "\n";
    return 0;
  }
  int64_t now = now_ns();
  if (!no_legend) {
    for (size_t c = 0; c < cols.size(); ++c) std::cout << (c ? "\t" : "") << kTitles.at(cols[c]);
    std::cout << "\n";
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
      std::cout << (c ? "\t" : "") << v;
    }
    std::cout << "\n";
  }
  return 0;
}

Result<int> image_rm(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image rm");
  add_global_flags(fs, g);
  auto pos = fs.parse(args);
  RKT_TRY(pos);
  if (pos->empty()) return Error(Errc::Usage, "rkt image rm needs at least one image");
  auto store = open_store(g);
  RKT_TRY(store);
  size_t removed = 0;
  std::optional<Error> first;
  for (const auto& arg : *pos) {
    auto key = resolve_image(*store, arg);
    Status s = key ? store->remove(*key) : Status(std::move(key).error());
    if (!s) {
      std::cerr << "rkt: " << s.error().message() << "\n";
      if (!first) first = s.error();
      continue;
    }
    std::cout << "successfully removed aci for image: " << quote(*key) << "\n";
    ++removed;
  }
  std::cout << "rm: " << removed << " image(s) successfully removed\n";
  if (first) return Error(Errc::Generic, std::to_string(pos->size() - removed) + " image(s) could not be removed");
  return 0;
}

Result<int> image_cat_manifest(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image cat-manifest");
  add_global_flags(fs, g);
  bool pretty = true;
  fs.add_bool("pretty-print", &pretty, "indent the JSON");
  auto pos = fs.parse(args);
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
  add_global_flags(fs, g);
  bool overwrite = false;
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  auto pos = fs.parse(args);
  RKT_TRY(pos);
  if (pos->size() != 2) return Error(Errc::Usage, "rkt image export needs IMAGE and OUT.aci");
  auto store = open_store(g);
  RKT_TRY(store);
  auto key = resolve_image(*store, (*pos)[0]);
  RKT_TRY(key);
  auto blob = read_file(store->blob_path(*key), uint64_t{1} << 40);
  RKT_TRY(blob);
  RKT_TRY_WRAP(write_file_atomic((*pos)[1], *blob, 0644, overwrite ? Overwrite::Yes : Overwrite::No),
               "exporting image " + *key);
  store->touch(*key);
  return 0;
}

Result<int> image_unpack(GlobalOptions& g, const std::vector<std::string>& args, bool render) {
  std::string name = render ? "render" : "extract";
  FlagSet fs("rkt image " + name);
  add_global_flags(fs, g);
  bool rootfs_only = false, overwrite = false;
  fs.add_bool("rootfs-only", &rootfs_only, "write the root filesystem only, without the manifest");
  fs.add_bool("overwrite", &overwrite, "replace DIR if it exists");
  auto pos = fs.parse(args);
  RKT_TRY(pos);
  if (pos->size() != 2) return Error(Errc::Usage, "rkt image " + name + " needs IMAGE and DIR");
  auto store = open_store(g);
  RKT_TRY(store);
  auto key = resolve_image(*store, (*pos)[0]);
  RKT_TRY(key);
  const std::string& dir = (*pos)[1];
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0) {
    if (!overwrite) return Error(Errc::AlreadyExists, quote(dir) + " already exists (use --overwrite)");
    RKT_TRY(remove_tree(dir));
  }
  std::string rootfs = rootfs_only ? dir : dir + "/rootfs";
  RKT_TRY(make_dirs(rootfs, 0755));
  Status s = store->unpack_to(*key, rootfs, render ? Store::WithDependencies::Yes : Store::WithDependencies::No);
  if (s && !rootfs_only) {
    auto text = read_file(store->manifest_path(*key), spec::kMaxManifestBytes);
    s = text ? write_file_atomic(dir + "/manifest", *text, 0644, Overwrite::Yes) : Status(std::move(text).error());
  }
  if (!s) {
    (void)remove_tree(dir);
    return std::move(s).error().wrap(name + "ing image " + *key + " to " + quote(dir));
  }
  store->touch(*key);
  return 0;
}

Result<int> image_verify(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt image verify");
  add_global_flags(fs, g);
  auto pos = fs.parse(args);
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
  add_global_flags(fs, g);
  std::string grace = "24h";
  fs.add_string("grace-period", &grace, "remove images not used for this long");
  auto pos = fs.parse(args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt image gc takes no arguments");
  auto period = parse_duration(grace);
  RKT_TRY_WRAP(period, "--grace-period");
  auto store = open_store(g);
  RKT_TRY(store);
  auto images = store->list();
  RKT_TRY(images);
  int64_t cutoff = now_ns() - *period;
  // Images that pods use stay (their manifests name them), whatever their age; so do images
  // that kept images depend on.
  std::vector<std::string> keep;
  auto pods = list_pods(g.dir);
  RKT_TRY(pods);
  for (const auto& p : *pods) {
    auto text = read_file(p.path + "/pod", spec::kMaxManifestBytes);
    if (!text) continue;
    auto pm = spec::parse_pod_manifest(*text, p.path + "/pod");
    if (!pm) continue;
    for (const auto& app : pm->apps) {
      auto key = store->resolve(app.image.id);
      if (key) keep.push_back(*key);
    }
  }
  for (const auto& i : *images) {
    if (i.last_used_ns >= cutoff) keep.push_back(i.key);
    // The stage1 image is the runtime's own: never collected.
    if (i.manifest.name == "rkt.local/stage1") keep.push_back(i.key);
  }
  size_t removed = 0;
  for (const auto& i : *images) {
    if (std::find(keep.begin(), keep.end(), i.key) != keep.end()) continue;
    bool needed = false;
    for (const auto& other : *images) {
      if (std::find(keep.begin(), keep.end(), other.key) == keep.end()) continue;
      for (const auto& dep : other.manifest.dependencies) {
        if (dep.image_name == i.manifest.name) needed = true;
      }
    }
    if (needed) continue;
    RKT_TRY(store->remove(i.key));
    std::cout << "successfully removed aci for image: " << quote(i.key) << "\n";
    ++removed;
  }
  auto swept = store->sweep();
  RKT_TRY(swept);
  std::cout << "gc: " << removed << " image(s) removed, " << *swept << " unreferenced store entries removed\n";
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
  if (args.empty()) {
    std::string names;
    for (const auto& [n, f] : kSub) names += (names.empty() ? "" : ", ") + n;
    return Error(Errc::Usage, "rkt image needs a subcommand: " + names);
  }
  for (const auto& [n, f] : kSub) {
    if (n == args[0]) return f(g, std::vector<std::string>(args.begin() + 1, args.end()));
  }
  return Error(Errc::Usage, "unknown command " + quote("image " + args[0]) + " (see 'rkt help image')");
}

}  // namespace rkt::stage0
