#include "stage0/prepare.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

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

// rkt's trusted stage1 locations: the default image and the default stage1 images directory.
// The path is resolved first, so neither ".." nor a symlink leads out of them.
bool trusted_stage1(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) return false;
  std::string real = buf, dir = default_stage1_images_dir();
  for (const std::string& d : {default_stage1_image(), std::string(RKT_STAGE1_DEFAULT)}) {
    if (::realpath(d.c_str(), buf) && real == buf) return true;
  }
  if (::realpath(dir.c_str(), buf)) dir = buf;
  return real.rfind(dir + "/", 0) == 0;
}

// Sets the stage1 image of `po`: a trusted file to import as it is, or a key in the store.
Status choose_stage1(Store& store, const Keystore& keystore, const FetchOptions& fetch, const Stage1Choice& c,
                     PrepareOptions* po) {
  if (!c.hash.empty() || !c.name.empty()) {
    auto key = !c.hash.empty() ? store.resolve(c.hash) : resolve_image(store, c.name);
    RKT_TRY_WRAP(key, "stage1");
    po->stage1_key = *key;
    return ok();
  }
  // A local file that is trusted is used as it is; anything else is fetched and verified.
  auto from = [&](const std::string& location, bool is_path) -> Status {
    if (is_path && trusted_stage1(location)) {
      po->stage1_image = location;
      return ok();
    }
    FetchOptions fo = fetch;
    fo.policy = PullPolicy::New;
    fo.signature.clear();
    Fetcher fetcher(store, keystore, fo);
    auto key = fetcher.fetch(location);
    RKT_TRY_WRAP(key, "stage1 image " + quote(location));
    po->stage1_key = *key;
    return ok();
  };
  auto is_path = [](const std::string& l) { return l.find("://") == std::string::npos && l.rfind("docker:", 0) != 0; };
  if (!c.path.empty()) return from(c.path, true);
  if (!c.url.empty()) return from(c.url, is_path(c.url));
  if (!c.from_dir.empty()) {
    if (c.from_dir.find('/') != std::string::npos || c.from_dir == "." || c.from_dir == "..") {
      return Error(Errc::Usage, "--stage1-from-dir " + quote(c.from_dir) + " must be a file name, without '/'");
    }
    return from((c.images_dir.empty() ? default_stage1_images_dir() : c.images_dir) + "/" + c.from_dir, true);
  }
  if (!c.configured.name.empty()) {
    auto key = resolve_image(store, c.configured.name + ":" + c.configured.version);
    if (key) {
      po->stage1_key = *key;
      return ok();
    }
  }
  if (c.configured.location.empty()) {
    po->stage1_image = default_stage1_image();
    return ok();
  }
  const std::string& loc = c.configured.location;
  Status s = from(loc, loc[0] == '/');
  if (s || loc[0] != '/') return s;
  // As rkt: a configured file that cannot be used falls back to the one of its name beside rkt.
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return s;
  exe[n] = '\0';
  std::string beside = std::string(exe).substr(0, std::string(exe).rfind('/')) + loc.substr(loc.rfind('/'));
  if (::access(beside.c_str(), R_OK) != 0) return s;
  po->stage1_key.clear();
  po->stage1_image = beside;
  return ok();
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
  RKT_TRY(choose_stage1(store, keystore, req.fetch, req.stage1, &po));
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
