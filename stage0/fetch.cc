#include "stage0/fetch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "actool/aci.h"
#include "common/duration.h"
#include "common/fs.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"
#include "spec/names.h"
#include "stage0/discovery.h"
#include "stage0/oci.h"
#include "stage0/pgp.h"

namespace rkt::stage0 {
namespace {

constexpr size_t kMaxSignatureBytes = 1 << 20;
constexpr size_t kMaxPageBytes = 1 << 20;

std::string host_arch() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "i386" || m == "i486" || m == "i586" || m == "i686") return "i386";
  return m;
}

// The request's labels with the host's os and arch added where missing, as discovery needs.
spec::Labels with_host_labels(spec::Labels labels) {
  if (!spec::find_label(labels, "os")) labels.push_back({"os", "linux"});
  if (!spec::find_label(labels, "arch")) labels.push_back({"arch", host_arch()});
  return labels;
}

std::string host_of(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return {};
  start += 3;
  size_t end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (size_t colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) {
    host.resize(colon);
  }
  return host;
}

// Checks the manifest against what was asked for: the name, and every label given.
Status check_expected(const spec::ImageManifest& m, const ImageRef& want, const std::string& what) {
  if (m.name != want.value) {
    return Error(Errc::BadSignature,
                 "image " + what + " is named " + quote(m.name) + ", not the requested " + quote(want.value));
  }
  for (const auto& l : want.labels) {
    const std::string* v = spec::find_label(m.labels, l.name);
    if (!v && (l.name == "os" || l.name == "arch")) continue;
    if (!v || *v != l.value) {
      return Error(Errc::BadSignature, "image " + what + " has label " + quote(l.name) + " = " +
                                           quote(v ? *v : std::string("(none)")) + ", not the requested " +
                                           quote(l.value));
    }
  }
  return ok();
}

}  // namespace

Result<ImageRef> parse_image_ref(const std::string& arg) {
  if (arg.empty()) return Error(Errc::Usage, "empty image argument");
  if (arg.rfind("file://", 0) == 0) return ImageRef{ImageRef::Kind::File, arg.substr(7), {}};
  if (arg.rfind("https://", 0) == 0 || arg.rfind("http://", 0) == 0) return ImageRef{ImageRef::Kind::Url, arg, {}};
  if (arg.rfind("docker:", 0) == 0) {
    RKT_TRY(oci::parse_docker_reference(arg));
    return ImageRef{ImageRef::Kind::Oci, arg, {}};
  }
  if (arg.rfind("oci:", 0) == 0) {
    RKT_TRY(oci::parse_reference(arg));
    return ImageRef{ImageRef::Kind::Oci, arg, {}};
  }
  for (const char* prefix : {"oci-archive:", "docker-archive:"}) {
    if (arg.rfind(prefix, 0) == 0) {
      RKT_TRY(oci::parse_archive_reference(arg, prefix));
      return ImageRef{ImageRef::Kind::Oci, arg, {}};
    }
  }
  struct stat st {};
  bool exists = ::stat(arg.c_str(), &st) == 0;
  bool looks_like_path = arg[0] == '/' || arg.rfind("./", 0) == 0 || arg.rfind("../", 0) == 0 ||
                         (arg.size() > 4 && arg.substr(arg.size() - 4) == ".aci");
  if (exists || looks_like_path) {
    if (!exists) return Error(Errc::NotFound, "image file " + quote(arg) + " does not exist");
    return ImageRef{ImageRef::Kind::File, arg, {}};
  }
  if (arg.rfind("sha512-", 0) == 0) return ImageRef{ImageRef::Kind::Id, arg, {}};
  // name[:version][,label=value...]
  ImageRef ref{ImageRef::Kind::Name, arg, {}};
  std::string rest;
  if (size_t comma = arg.find(','); comma != std::string::npos) {
    ref.value = arg.substr(0, comma);
    rest = arg.substr(comma + 1);
  }
  if (size_t colon = ref.value.find(':'); colon != std::string::npos) {
    ref.labels.push_back({"version", ref.value.substr(colon + 1)});
    ref.value = ref.value.substr(0, colon);
  }
  if (std::string msg = spec::check_ac_identifier(ref.value); !msg.empty()) {
    return Error(Errc::Usage, "image " + quote(arg) + " is not a file, a URL, an image ID or an image name: " + msg);
  }
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string kv = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    size_t eq = kv.find('=');
    if (eq == std::string::npos)
      return Error(Errc::Usage, "image " + quote(arg) + ": label " + quote(kv) + " is not name=value");
    std::string name = kv.substr(0, eq);
    if (std::string msg = spec::check_ac_identifier(name); !msg.empty()) {
      return Error(Errc::Usage, "image " + quote(arg) + ": label name " + quote(name) + ": " + msg);
    }
    if (spec::find_label(ref.labels, name))
      return Error(Errc::Usage, "image " + quote(arg) + ": label " + quote(name) + " given twice");
    ref.labels.push_back({name, kv.substr(eq + 1)});
  }
  return ref;
}

HttpRequest Fetcher::request(const std::string& url) const {
  HttpRequest req;
  req.url = url;
  req.insecure_tls = opts_.insecure_tls;
  req.allow_http = opts_.insecure_http;
  std::string host = host_of(url);
  for (const auto& a : opts_.auth) {
    if (!a.docker && std::find(a.domains.begin(), a.domains.end(), host) != a.domains.end()) {
      req.headers.push_back(a.header);
    }
  }
  return req;
}

Result<std::string> Fetcher::fetch(const std::string& arg) {
  auto ref = parse_image_ref(arg);
  RKT_TRY(ref);
  added_.clear();
  auto key = fetch_ref(*ref);
  Status done = key ? ok() : Status(key.error());
  if (key) {
    auto tree = store_.render(*key);
    if (!tree) done = std::move(tree).error().wrap("rendering image " + quote(arg));
  }
  if (!done) {
    // All or nothing: an image whose dependencies could not be fetched (a cycle, one missing)
    // or that cannot be rendered does not stay, nor do the dependencies this fetch added.
    // Images that were stored before are kept.
    for (auto k = added_.rbegin(); k != added_.rend(); ++k) {
      if (Status s = store_.remove(*k); !s) opts_.warn("removing image " + *k + ": " + s.error().message());
    }
    added_.clear();
    return std::move(done).error();
  }
  added_.clear();
  return key;
}

Result<std::string> Fetcher::fetch_ref(const ImageRef& ref) {
  switch (ref.kind) {
    case ImageRef::Kind::File:
      return fetch_file(ref.value, opts_.signature.empty() ? ref.value + ".asc" : opts_.signature);
    case ImageRef::Kind::Url:
      return fetch_url(ref.value, ref.value + ".asc", nullptr);
    case ImageRef::Kind::Id:
      return store_.resolve(ref.value);
    case ImageRef::Kind::Name:
      return fetch_name(ref);
    case ImageRef::Kind::Oci:
      return fetch_oci(ref.value);
  }
  return Error(Errc::Generic, "unreachable");
}

Result<std::string> Fetcher::verify_and_import(const std::string& path, const std::string& what,
                                               const std::string& signature, const std::string& signature_source,
                                               const ImageRef* expected, const SignatureVerifier* verifier) {
  // `path` is a file only rkt writes (a download, or the copy of a local source in the store's
  // staging directory): the bytes verified below are the bytes imported.
  if (opts_.insecure_image) {
    opts_.warn("signature verification is disabled (--insecure-options=image): image " + what + " is not verified");
    if (expected) {
      auto m = aci::read_manifest_only(path, what);
      RKT_TRY(m);
      RKT_TRY(check_expected(*m, *expected, what));
    }
  } else {
    // Who signed it? Any trusted key may answer; whether that key is trusted for this image's
    // name is checked once the name is known. Nothing of the image but its manifest is read
    // before the signature is good.
    std::optional<Result<SignatureVerifier>> made;
    if (!verifier) {
      auto all = keystore_.all_keys();
      RKT_TRY(all);
      made.emplace(SignatureVerifier::create(*all));
      RKT_TRY_WRAP(*made, "verifying image " + what);
      verifier = &**made;
    }
    auto signer = verifier->verify(path, signature, signature_source);
    RKT_TRY_WRAP(signer, "verifying image " + what);
    auto m = aci::read_manifest_only(path, what);
    RKT_TRY(m);
    if (expected) {
      RKT_TRY(check_expected(*m, *expected, what));
    }
    auto allowed = keystore_.keys_for(m->name);
    RKT_TRY(allowed);
    bool trusted = false;
    for (const auto& k : *allowed) {
      auto pk = read_public_key(k.data, k.origin);
      if (pk && pk->fingerprint == *signer) trusted = true;
    }
    if (!trusted) {
      return Error(Errc::BadSignature, "verifying image " + what + ": signature " + quote(signature_source) +
                                           " is by key " + *signer + ", which is not trusted for " + quote(m->name) +
                                           " (see 'rkt trust --prefix')");
    }
  }
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return sys_error("opening image " + what);
  return import_with_dependencies(fd.get(), what, Store::Input::Scratch);
}

Result<std::string> Fetcher::import_with_dependencies(int fd, const std::string& what, Store::Input input) {
  bool added = false;
  auto key = store_.import(fd, what, &added, input);
  if (!key) return key;
  if (added) added_.push_back(*key);
  RKT_TRY_WRAP(fetch_dependencies(*key), "fetching the dependencies of " + what);
  return key;
}

Result<std::string> Fetcher::fetch_oci(const std::string& arg) {
  std::string what = quote(arg);
  // As rkt for docker images: there is no appc signature to check.
  if (!opts_.insecure_image) {
    return Error(Errc::BadSignature,
                 std::string("signature verification for ") + (arg.rfind("docker", 0) == 0 ? "docker" : "OCI") +
                     " images is not supported (try --insecure-options=image; their blobs are still checked against "
                     "their digests)");
  }
  bool registry = arg.rfind("docker:", 0) == 0;
  std::optional<RemoteInfo> before;  // what the reference gave last time, its image still stored
  if (registry) {
    // As rkt: a docker image already fetched by this reference is reused unless --pull-policy=update.
    auto cached = store_.remote(arg);
    RKT_TRY(cached);
    if (*cached && store_.info((*cached)->key)) before = **cached;
    if (before && opts_.policy != PullPolicy::Update) return before->key;
  }
  if (opts_.policy == PullPolicy::Never) {
    return Error(Errc::NotFound, "--pull-policy=never: image " + what + " is not fetched (give its name or ID)");
  }
  opts_.warn("signature verification is disabled (--insecure-options=image): image " + what +
             " is not signed; its blobs are checked against their digests");
  auto staging_dir = store_.staging_dir();
  RKT_TRY(staging_dir);
  Result<TempFile> aci = Error(Errc::Generic, "unreachable");
  oci::RegistryResult got;  // of a registry: the manifest digest and layers, kept in the store
  if (arg.rfind("oci:", 0) == 0) {
    auto ref = oci::parse_reference(arg);
    RKT_TRY(ref);
    aci = oci::layout_to_aci(*ref, arg, *staging_dir, what, ExtractLimits{});
  } else if (arg.rfind("docker:", 0) == 0) {
    auto ref = oci::parse_docker_reference(arg);
    RKT_TRY(ref);
    oci::RegistryOptions ro;
    ro.allow_http = opts_.insecure_http;
    ro.insecure_tls = opts_.insecure_tls;
    for (const auto& a : opts_.auth) {
      bool for_host = std::find(a.domains.begin(), a.domains.end(), ref->host) != a.domains.end();
      if (a.docker && for_host) ro.headers.push_back(a.header);
    }
    ro.layer_cache = store_.layer_cache();
    ro.layer_trees = store_.layer_trees();
    // The manifest digest is remembered per reference (as the remote record's ETag): an update
    // that finds the same manifest fetches nothing more.
    aci = oci::registry_to_aci(*ref, arg, ro, *staging_dir, what, ExtractLimits{}, before ? before->etag : "", &got);
    if (aci && got.unchanged) return before->key;
  } else {
    bool docker = arg.rfind("docker-archive:", 0) == 0;
    auto ref = oci::parse_archive_reference(arg, docker ? "docker-archive:" : "oci-archive:");
    RKT_TRY(ref);
    aci = docker ? oci::docker_archive_to_aci(*ref, arg, *staging_dir, what, ExtractLimits{})
                 : oci::oci_archive_to_aci(*ref, arg, *staging_dir, what, ExtractLimits{});
  }
  RKT_TRY(aci);
  UniqueFd fd(::open(aci->path().c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return sys_error("opening the image made from " + what);
  auto key = import_with_dependencies(fd.get(), what, Store::Input::Scratch);
  if (key && registry) {
    RemoteInfo r{arg, "", got.manifest_digest, *key, 0, now_ns()};
    if (Status s = store_.put_remote(r); !s)
      opts_.warn("not recording the fetch of " + what + ": " + s.error().message());
    if (Status s = store_.put_layer_refs(*key, got.layers); !s)
      opts_.warn("not keeping the layers of " + what + ": " + s.error().message());
  }
  return key;
}

Result<std::string> Fetcher::fetch_file(const std::string& path, const std::string& signature_path) {
  std::string what = quote(path);
  if (opts_.policy == PullPolicy::Never) {
    return Error(Errc::NotFound, "--pull-policy=never: image file " + what + " is not fetched (give its name or ID)");
  }
  std::string signature;
  if (!opts_.insecure_image) {
    UniqueFd sig_fd(::open(signature_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!sig_fd.valid()) {
      if (errno == ENOENT) {
        return Error(Errc::BadSignature, "image " + what + " is not signed: no signature " + quote(signature_path) +
                                             " (give one with --signature, or skip verification with "
                                             "--insecure-options=image)");
      }
      return sys_error("opening signature " + quote(signature_path));
    }
    auto sig = read_fd(sig_fd.get(), kMaxSignatureBytes, "signature " + quote(signature_path));
    RKT_TRY(sig);
    signature = std::move(*sig);
  }
  // The source is opened once and read once: a file that others can replace or rewrite while
  // rkt works (a shared directory, a build output, a FIFO) cannot give the signature check one
  // image and the store another.
  UniqueFd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!src.valid()) return sys_error("opening image " + what);
  struct stat st {};
  if (::fstat(src.get(), &st) != 0) return sys_error("reading image " + what);
  if (S_ISDIR(st.st_mode)) return Error(Errc::InvalidImage, "image " + what + " is a directory, not an image file");
  if (opts_.insecure_image) {
    // Nothing is verified, so nothing needs to agree with what is imported: one streaming pass.
    opts_.warn("signature verification is disabled (--insecure-options=image): image " + what + " is not verified");
    return import_with_dependencies(src.get(), what, Store::Input::Kept);
  }
  // librnp and the trusted keys load while the image is copied (neither needs the other).
  auto keys = keystore_.all_keys();
  RKT_TRY(keys);
  std::optional<Result<SignatureVerifier>> verifier;
  std::thread setup([&] { verifier.emplace(SignatureVerifier::create(*keys)); });
  auto copy = store_.copy_in(src.get(), what);
  setup.join();
  RKT_TRY(copy);
  src.reset();
  RKT_TRY_WRAP(*verifier, "verifying image " + what);
  return verify_and_import(copy->path(), what, signature, signature_path, nullptr, &**verifier);
}

Result<std::string> Fetcher::fetch_url(const std::string& url, const std::string& signature_url,
                                       const ImageRef* expected) {
  auto cached = store_.remote(url);
  RKT_TRY(cached);
  auto cached_info = *cached ? store_.info((*cached)->key) : Result<ImageInfo>(Error(Errc::NotFound, ""));
  bool have = cached_info.has_value();
  // What the URL gave before must still be what is asked for now.
  auto reuse = [&](const std::string& key) -> Result<std::string> {
    if (expected) {
      RKT_TRY(check_expected(cached_info->manifest, *expected, quote(url)));
    }
    return key;
  };
  if (have && opts_.policy != PullPolicy::Update) return reuse((*cached)->key);
  if (opts_.policy == PullPolicy::Never) {
    return Error(Errc::NotFound, "image " + quote(url) + " is not in the store (--pull-policy=never)");
  }
  if (have && (*cached)->max_age_s > 0 && now_ns() < (*cached)->download_time_ns + (*cached)->max_age_s * 1000000000) {
    return reuse((*cached)->key);
  }
  auto staging = store_.staging_dir();
  RKT_TRY(staging);
  std::string tmp = *staging + "/download-" + sha256_hex(url + std::to_string(now_ns()));
  TempFile cleanup(tmp);
  HttpRequest req = request(url);
  req.progress = opts_.progress;
  if (have) req.if_none_match = (*cached)->etag;
  auto resp = http_get_file(req, tmp);
  RKT_TRY(resp);
  if (resp->status == 304 && have) {
    RemoteInfo r = **cached;
    r.download_time_ns = now_ns();
    if (resp->max_age) r.max_age_s = *resp->max_age;
    (void)store_.put_remote(r);
    return reuse(r.key);
  }
  if (resp->status != 200) {
    return Error(Errc::NotFound, "fetching " + quote(url) + ": HTTP status " + std::to_string(resp->status));
  }
  std::string signature;
  if (!opts_.insecure_image) {
    auto sig = http_get_text(request(signature_url), kMaxSignatureBytes);
    if (!sig) {
      return Error(Errc::BadSignature, "image " + quote(url) + " is not signed: fetching its signature " +
                                           quote(signature_url) + " failed: " + sig.error().message());
    }
    signature = std::move(*sig);
  }
  auto key = verify_and_import(tmp, quote(url), signature, signature_url, expected);
  if (!key) return key;
  RemoteInfo r{url, signature_url, resp->etag, *key, resp->no_store ? 0 : resp->max_age.value_or(0), now_ns()};
  if (Status s = store_.put_remote(r); !s)
    opts_.warn("not recording the fetch of " + quote(url) + ": " + s.error().message());
  return key;
}

Result<std::string> Fetcher::fetch_name(const ImageRef& ref) {
  if (std::find(fetching_.begin(), fetching_.end(), ref.value) != fetching_.end()) {
    return Error(Errc::InvalidImage, "image dependency cycle through " + quote(ref.value));
  }
  if (opts_.policy != PullPolicy::Update) {
    auto found = store_.find(ref.value, with_host_labels(ref.labels));
    RKT_TRY(found);
    if (*found) return **found;
    if (opts_.policy == PullPolicy::Never) {
      return Error(Errc::NotFound, "image " + quote(ref.value) + " is not in the store (--pull-policy=never)");
    }
  }
  fetching_.push_back(ref.value);
  struct Pop {
    std::vector<std::string>& v;
    ~Pop() { v.pop_back(); }
  } pop{fetching_};
  auto page = [this](const std::string& url) { return http_get_text(request(url), kMaxPageBytes); };
  auto where = discover_image(ref.value, with_host_labels(ref.labels), page, opts_.insecure_http);
  RKT_TRY(where);
  ImageRef expected = ref;
  return fetch_url(where->image_url, where->signature_url, &expected);
}

Status Fetcher::fetch_dependencies(const std::string& key) {
  auto info = store_.info(key);
  RKT_TRY(info);
  for (const auto& dep : info->manifest.dependencies) {
    if (dep.image_id && store_.resolve(*dep.image_id)) continue;
    ImageRef ref{ImageRef::Kind::Name, dep.image_name, dep.labels};
    FetchOptions saved = opts_;
    if (opts_.policy == PullPolicy::Update) opts_.policy = PullPolicy::New;
    auto dk = fetch_name(ref);
    opts_ = saved;
    RKT_TRY_WRAP(dk, "dependency " + quote(dep.image_name));
    if (dep.image_id && dk->rfind(dep.image_id->substr(0, std::min<size_t>(dep.image_id->size(), 7 + 64)), 0) != 0) {
      return Error(Errc::BadSignature, "dependency " + quote(dep.image_name) + " has ID " + *dk + ", not the " +
                                           *dep.image_id + " the manifest requires");
    }
  }
  return ok();
}

}  // namespace rkt::stage0
