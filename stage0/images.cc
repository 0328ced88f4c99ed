#include "stage0/images.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/fs.h"
#include "common/pod.h"
#include "common/stage1_abi.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"
#include "stage0/go_json.h"

namespace rkt::stage0 {

std::string display_name(const spec::ImageManifest& m) {
  const std::string* v = spec::find_label(m.labels, "version");
  return v ? m.name + ":" + *v : m.name;
}

std::string images_json(const std::vector<ImageInfo>& images, bool pretty) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& i : images) {
    out.push_back({{"id", i.key},
                   {"name", display_name(i.manifest)},
                   {"import_time", i.import_time_ns},
                   {"last_used_time", i.last_used_ns},
                   {"size", i.size}});
  }
  return go_json(out, pretty ? GoIndent::Tab : GoIndent::None);  // rkt: json.MarshalIndent(v, "", "\t")
}

Status export_image(const Store& store, const std::string& key, const std::string& out, bool overwrite) {
  std::string blob = store.blob_path(key);
  UniqueFd src(::open(blob.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src.valid()) return sys_error("opening the blob of image " + key);
  std::string dir = out.find('/') == std::string::npos ? "." : out.substr(0, out.rfind('/'));
  if (dir.empty()) dir = "/";
  auto copy = copy_to_private_file(src.get(), dir, UINT64_MAX - 1, "the blob of image " + key);
  RKT_TRY(copy);
  if (::chmod(copy->path().c_str(), 0644) != 0) return sys_error("writing " + quote(out));
  int rc = overwrite ? ::rename(copy->path().c_str(), out.c_str())
                     : ::renameat2(AT_FDCWD, copy->path().c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    if (errno == EEXIST) return Error(Errc::AlreadyExists, quote(out) + " already exists (use --overwrite)");
    return sys_error("writing " + quote(out));
  }
  copy->release();
  store.touch(key);
  return ok();
}

Status unpack_image(const Store& store, const std::string& key, const std::string& dir, const UnpackOptions& o) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0) {
    if (!o.overwrite) return Error(Errc::AlreadyExists, quote(dir) + " already exists (use --overwrite)");
    RKT_TRY(remove_tree(dir));
  }
  std::string rootfs = o.rootfs_only ? dir : dir + "/rootfs";
  RKT_TRY(make_dirs(rootfs, 0755));
  Status s = store.unpack_to(key, rootfs, o.render ? Store::WithDependencies::Yes : Store::WithDependencies::No);
  if (s && !o.rootfs_only) {
    auto text = read_file(store.manifest_path(key), spec::kMaxManifestBytes);
    s = text ? write_file_atomic(dir + "/manifest", *text, 0644, Overwrite::Yes) : Status(std::move(text).error());
  }
  if (!s) {
    (void)remove_tree(dir);
    return std::move(s).error().wrap(std::string(o.render ? "rendering" : "extracting") + " image " + key + " to " +
                                     quote(dir));
  }
  store.touch(key);
  return ok();
}

Result<ImageGcReport> collect_images(Store& store, const std::string& data_dir, int64_t grace_period_ns) {
  auto images = store.list();
  RKT_TRY(images);
  int64_t cutoff = now_ns() - grace_period_ns;
  // Images that pods use stay (their manifests name them), whatever their age; so do images
  // that kept images depend on.
  std::vector<std::string> keep;
  auto pods = list_pods(data_dir);
  RKT_TRY(pods);
  for (const auto& p : *pods) {
    std::string path = p.path + "/" + stage1_abi::kPodManifest;
    auto text = read_file(path, spec::kMaxManifestBytes);
    if (!text) continue;
    auto pm = spec::parse_pod_manifest(*text, path);
    if (!pm) continue;
    for (const auto& app : pm->apps) {
      auto key = store.resolve(app.image.id);
      if (key) keep.push_back(*key);
    }
  }
  for (const auto& i : *images) {
    if (i.last_used_ns >= cutoff) keep.push_back(i.key);
    // The stage1 image is the runtime's own: never collected.
    if (i.manifest.name == "rkt.local/stage1") keep.push_back(i.key);
  }
  auto kept = [&](const std::string& key) { return std::find(keep.begin(), keep.end(), key) != keep.end(); };
  ImageGcReport report;
  for (const auto& i : *images) {
    if (kept(i.key)) continue;
    bool needed = false;
    for (const auto& other : *images) {
      if (!kept(other.key)) continue;
      for (const auto& dep : other.manifest.dependencies) needed |= dep.image_name == i.manifest.name;
    }
    if (needed) continue;
    RKT_TRY(store.remove(i.key));
    report.removed.push_back(i.key);
  }
  auto swept = store.sweep();
  RKT_TRY(swept);
  report.swept = *swept;
  return report;
}

}  // namespace rkt::stage0
