#pragma once

// The trust store, with rkt's layout and semantics. Under each config directory (--system-config,
// then --local-config):
//   trustedkeys/root.d/<fingerprint>              trusted for every image
//   trustedkeys/prefix.d/<prefix>/<fingerprint>   trusted for images named <prefix> or below it
// A key file is named by the key's lowercase fingerprint. An empty file in the local directory
// masks the system key of the same name and prefix.

#include <string>
#include <vector>

#include "common/error.h"
#include "stage0/pgp.h"

namespace rkt::stage0 {

class Keystore {
 public:
  Keystore(std::string system_config, std::string local_config)
      : system_(std::move(system_config)), local_(std::move(local_config)) {}

  /// The keys trusted for `image_name`: root keys and keys of every prefix of the name
  /// ("example.com" covers "example.com/app" and "example.com/app/web"), local over system.
  Result<std::vector<TrustedKey>> keys_for(const std::string& image_name) const;

  /// Every trusted key, whatever its prefix (to find who signed an image before its name is
  /// known; the signer must then be trusted for the name it turns out to have).
  Result<std::vector<TrustedKey>> all_keys() const;

  /// Stores `key` in the local config, for `prefix` (or for every image when `prefix` is
  /// empty). Returns the path written. Replacing the same key is not an error.
  Result<std::string> store(const std::string& key_data, const PublicKey& key, const std::string& prefix) const;

 private:
  std::string system_;
  std::string local_;
};

/// Checks a trust prefix: an AC Identifier, without a URL scheme.
Status check_prefix(const std::string& prefix);

struct KeyFetchOptions {
  bool allow_http = false;    ///< --insecure-allow-http
  bool insecure_tls = false;  ///< --insecure-options=tls
};

/// Reads a public key to trust from a file or an http(s) URL (at most 1 MiB).
Result<std::string> read_key_source(const std::string& source, const KeyFetchOptions& options);

/// The key URLs that appc discovery advertises for `prefix` (ac-discovery-pubkeys).
Result<std::vector<std::string>> discover_key_sources(const std::string& prefix, const KeyFetchOptions& options);

}  // namespace rkt::stage0
