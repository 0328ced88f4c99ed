#include "stage0/prepare.h"

#include "common/fs.h"
#include "common/stage1_abi.h"
#include "spec/manifest.h"

namespace rkt::stage0 {
namespace {

// A given pod manifest: every image must be in the store; an app without an app section takes
// its image's.
Result<spec::PodManifest> load_pod_manifest(const Store& store, const std::string& path) {
  auto text = read_file(path, spec::kMaxManifestBytes);
  RKT_TRY(text);
  auto pm = spec::parse_pod_manifest(*text, path);
  RKT_TRY(pm);
  for (auto& app : pm->apps) {
    auto key = store.resolve(app.image.id);
    RKT_TRY_WRAP(key, "app " + quote(app.name));
    app.image.id = *key;
    if (!app.app) {
      auto info = store.info(*key);
      if (!info || !info->manifest.app)
        return Error(Errc::InvalidManifest, "app " + quote(app.name) + " has no app section");
      app.app = info->manifest.app;
    }
  }
  return pm;
}

}  // namespace

Result<std::string> resolve_image(const Store& store, const std::string& arg) {
  if (arg.rfind("sha512-", 0) == 0) return store.resolve(arg);
  auto ref = parse_image_ref(arg);
  RKT_TRY(ref);
  if (ref->kind != ImageRef::Kind::Name) {
    return Error(Errc::Usage, "image " + quote(arg) + ": give an image ID or name, not a file or URL");
  }
  auto found = store.find(ref->value, ref->labels);
  RKT_TRY(found);
  if (!*found) return Error(Errc::NotFound, "no image " + quote(arg) + " in the store");
  return **found;
}

Result<PreparedPod> prepare(Store& store, const Keystore& keystore, const PrepareRequest& req) {
  spec::PodManifest manifest;
  if (!req.pod_manifest.empty()) {
    auto pm = load_pod_manifest(store, req.pod_manifest);
    RKT_TRY(pm);
    manifest = std::move(*pm);
  } else {
    std::vector<ResolvedApp> resolved;
    for (const auto& app : req.apps) {
      FetchOptions fo = req.fetch;
      fo.signature = app.signature;
      Fetcher fetcher(store, keystore, fo);
      auto key = fetcher.fetch(app.image);
      RKT_TRY_WRAP(key, "fetching image " + quote(app.image));
      resolved.push_back({app, *key});
    }
    auto pm = build_pod_manifest(store, resolved, req.pod, req.fetch.warn);
    RKT_TRY(pm);
    manifest = std::move(*pm);
  }
  PrepareOptions po;
  po.data_dir = req.data_dir;
  po.no_overlay = req.no_overlay;
  po.uuid_file_save = req.uuid_file_save;
  po.stage1_image = req.stage1.path.empty() ? default_stage1_image() : req.stage1.path;
  if (!req.stage1.hash.empty() || !req.stage1.name.empty()) {
    auto key = !req.stage1.hash.empty() ? store.resolve(req.stage1.hash) : resolve_image(store, req.stage1.name);
    RKT_TRY_WRAP(key, "stage1");
    po.stage1_key = *key;
  }
  return prepare_pod(store, manifest, req.runtime, po);
}

Error run_prepared(const std::string& data_dir, const std::string& uuid, RuntimeConfig rc, bool debug) {
  auto ref = find_pod(data_dir, uuid);
  RKT_TRY(ref);
  if (ref->phase != PodPhase::Prepared) {
    return Error(Errc::InvalidArgument,
                 "pod " + ref->uuid + " is not prepared (it is in " + phase_dir(ref->phase) + ")");
  }
  auto lock = PodLock::acquire(ref->path, LockMode::Exclusive, Wait::No);
  if (!lock) return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is being run by another process");
  auto old = stage1_abi::read_runtime_config(ref->path);
  RKT_TRY(old);
  rc.insecure_paths |= old->insecure_paths;
  rc.insecure_capabilities |= old->insecure_capabilities;
  rc.insecure_seccomp |= old->insecure_seccomp;
  RKT_TRY(check_network(rc.net));
  RKT_TRY(stage1_abi::write_runtime_config(ref->path, rc, true));
  PreparedPod pod{ref->uuid, std::move(*lock)};
  pod.mds_token = rc.mds_token;
  // Of two run-prepared at once, the rename decides: the loser finds the pod gone.
  Error e = exec_stage1(data_dir, std::move(pod), PodPhase::Prepared, debug);
  if (e.sys_errno() == ENOENT) return Error(Errc::InvalidArgument, "pod " + ref->uuid + " is already running");
  return e;
}

}  // namespace rkt::stage0
