#include "stage0/keystore.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <map>

#include "common/fs.h"
#include "spec/names.h"
#include "stage0/discovery.h"
#include "stage0/http.h"

namespace rkt::stage0 {
namespace {

constexpr size_t kMaxKeyBytes = 1 << 20;

bool is_fingerprint(const std::string& s) {
  return (s.size() == 40 || s.size() == 64) &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The fingerprint-named files of a directory; a missing directory is empty.
Result<std::vector<std::string>> key_files(const std::string& dir) {
  auto names = list_directory(dir);
  RKT_TRY_WRAP(names, "reading the trust store");
  std::erase_if(*names, [](const std::string& n) { return !is_fingerprint(n); });
  return names;
}

}  // namespace

Status check_prefix(const std::string& prefix) {
  if (prefix.find("://") != std::string::npos) {
    return Error(Errc::Usage, "--prefix " + quote(prefix) + " must not have a URL scheme");
  }
  if (std::string msg = spec::check_ac_identifier(prefix); !msg.empty()) {
    return Error(Errc::Usage, "--prefix " + quote(prefix) + ": " + msg);
  }
  return ok();
}

Result<std::vector<TrustedKey>> Keystore::keys_for(const std::string& image_name) const {
  if (std::string msg = spec::check_ac_identifier(image_name); !msg.empty()) {
    return Error(Errc::InvalidArgument, "image name " + quote(image_name) + ": " + msg);
  }
  std::vector<std::string> subdirs = {"trustedkeys/root.d"};
  for (size_t pos = 0;;) {
    size_t slash = image_name.find('/', pos);
    subdirs.push_back("trustedkeys/prefix.d/" + image_name.substr(0, slash));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  std::vector<TrustedKey> out;
  for (const auto& sub : subdirs) {
    // fingerprint -> path; the local directory overrides (or masks) the system one.
    std::map<std::string, std::string> chosen;
    for (const std::string& root : {system_, local_}) {
      if (root.empty()) continue;
      std::string dir = root + "/" + sub;
      auto files = key_files(dir);
      RKT_TRY(files);
      for (const auto& f : *files) chosen[f] = dir + "/" + f;
    }
    for (const auto& [fp, path] : chosen) {
      auto data = read_file(path, kMaxKeyBytes);
      RKT_TRY(data);
      if (data->empty()) continue;  // masked
      out.push_back({std::move(*data), path});
    }
  }
  return out;
}

Result<std::vector<TrustedKey>> Keystore::all_keys() const {
  // Every directory under trustedkeys/ of both config roots, local over system.
  std::map<std::string, std::string> chosen;  // "<subdir>/<fingerprint>" -> path
  std::function<Status(const std::string&, const std::string&)> walk = [&](const std::string& root,
                                                                           const std::string& sub) -> Status {
    std::string dir = root + "/" + sub;
    auto names = list_directory(dir);
    RKT_TRY(names);
    for (const auto& n : *names) {
      struct stat st {};
      if (::lstat((dir + "/" + n).c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (Status s = walk(root, sub + "/" + n); !s) return s;
      } else if (S_ISREG(st.st_mode) && is_fingerprint(n)) {
        chosen[sub + "/" + n] = dir + "/" + n;
      }
    }
    return ok();
  };
  for (const std::string& root : {system_, local_}) {
    if (root.empty()) continue;
    RKT_TRY(walk(root, "trustedkeys"));
  }
  std::vector<TrustedKey> out;
  for (const auto& [sub, path] : chosen) {
    auto data = read_file(path, kMaxKeyBytes);
    RKT_TRY(data);
    if (!data->empty()) out.push_back({std::move(*data), path});
  }
  return out;
}

Result<std::string> Keystore::store(const std::string& key_data, const PublicKey& key,
                                    const std::string& prefix) const {
  if (!prefix.empty()) {
    RKT_TRY(check_prefix(prefix));
  }
  std::string dir = local_ + "/trustedkeys/" + (prefix.empty() ? "root.d" : "prefix.d/" + prefix);
  RKT_TRY(make_dirs(dir, 0755));
  std::string path = dir + "/" + key.fingerprint;
  RKT_TRY(write_file_atomic(path, key_data, 0644, Overwrite::Yes));
  return path;
}

namespace {

Result<std::string> get(const std::string& url, const KeyFetchOptions& o) {
  HttpRequest req;
  req.url = url;
  req.allow_http = o.allow_http;
  req.insecure_tls = o.insecure_tls;
  return http_get_text(req, 1 << 20);
}

}  // namespace

Result<std::string> read_key_source(const std::string& source, const KeyFetchOptions& options) {
  if (source.rfind("https://", 0) == 0 || source.rfind("http://", 0) == 0) return get(source, options);
  return read_file(source, 1 << 20);
}

Result<std::vector<std::string>> discover_key_sources(const std::string& prefix, const KeyFetchOptions& options) {
  return discover_pubkeys(
      prefix, [&](const std::string& url) { return get(url, options); }, options.allow_http);
}

}  // namespace rkt::stage0
