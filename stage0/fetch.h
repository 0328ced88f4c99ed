#pragma once

// Getting images into the store: from a file, an http(s) URL, or an appc name found by
// discovery. Every image is verified before it is unpacked: its detached signature must be made
// by a key trusted for the name the image turns out to have, and that name (and the labels asked
// for) must match what was requested.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "spec/types.h"
#include "stage0/config.h"
#include "stage0/http.h"
#include "stage0/keystore.h"
#include "stage0/store.h"

namespace rkt::stage0 {

/// --pull-policy: never (the store only), new (fetch what the store lacks), update (check the
/// remote for a newer image).
enum class PullPolicy { Never, New, Update };

/// An image argument as the command line gives it.
struct ImageRef {
  enum class Kind { File, Url, Name, Id, Oci } kind;
  std::string value;    ///< path, URL, name, image ID, or the whole oci:DIR[:REF]
  spec::Labels labels;  ///< for names: version and other labels given with it
};

/// Classifies "./img.aci", "file:///x.aci", "https://...", "sha512-...", "example.com/app:1.0,os=linux".
Result<ImageRef> parse_image_ref(const std::string& arg);

/// Credentials for a domain, from <config>/auth.d/*.json (rkt's format).
struct FetchOptions {
  PullPolicy policy = PullPolicy::New;
  std::string signature;        ///< --signature: the signature of the image given as a file
  bool insecure_image = false;  ///< skip signature verification (and say so)
  bool insecure_http = false;   ///< allow plain http
  bool insecure_tls = false;    ///< skip TLS checks
  bool progress = true;
  std::vector<AuthEntry> auth;
  std::function<void(const std::string&)> warn = [](const std::string&) {};
};

class Fetcher {
 public:
  Fetcher(Store& store, const Keystore& keystore, FetchOptions options)
      : store_(store), keystore_(keystore), opts_(std::move(options)) {}

  /// Fetches one image (and its dependencies) and renders its tree. Returns the image key.
  Result<std::string> fetch(const std::string& arg);

 private:
  Result<std::string> fetch_ref(const ImageRef& ref);
  Result<std::string> fetch_file(const std::string& path, const std::string& signature_path);
  Result<std::string> fetch_url(const std::string& url, const std::string& signature_url, const ImageRef* expected);
  Result<std::string> fetch_name(const ImageRef& ref);
  Result<std::string> fetch_oci(const std::string& arg);
  /// `verifier`, when given, holds the trusted keys already (see fetch_file).
  Result<std::string> verify_and_import(const std::string& path, const std::string& what, const std::string& signature,
                                        const std::string& signature_source, const ImageRef* expected,
                                        const SignatureVerifier* verifier = nullptr);
  Result<std::string> import_with_dependencies(int fd, const std::string& what, Store::Input input);
  Status fetch_dependencies(const std::string& key);
  HttpRequest request(const std::string& url) const;

  Store& store_;
  const Keystore& keystore_;
  FetchOptions opts_;
  std::vector<std::string> fetching_;  // names being fetched, to catch dependency cycles
  std::vector<std::string> added_;     // images this fetch added to the store, for a rollback
};

}  // namespace rkt::stage0
