#pragma once

// OpenPGP through librnp: reading public keys, and verifying the detached, ASCII-armored
// signatures (.aci.asc) that GnuPG makes over images. No packet is parsed here by hand.

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::stage0 {

struct PublicKey {
  std::string fingerprint;                       ///< of the primary key, lowercase hex
  std::vector<std::string> subkey_fingerprints;  ///< lowercase hex, in the key's order
  std::vector<std::string> user_ids;
};

/// Reads one OpenPGP public key (armored or binary) holding exactly one primary key. `source`
/// names it in errors.
Result<PublicKey> read_public_key(const std::string& data, const std::string& source);

struct TrustedKey {
  std::string data;    ///< the key as stored in the trust store
  std::string origin;  ///< where it was found, for messages
};

/// Checks detached signatures with a fixed set of trusted keys. Made in two steps, so that the
/// first (loading librnp and the keys, which needs no image byte) can run while the image is
/// being copied, on another thread: nothing else may use librnp meanwhile.
class SignatureVerifier {
 public:
  static Result<SignatureVerifier> create(const std::vector<TrustedKey>& trusted);
  /// Verifies the detached signature `signature` over the file at `path` with the trusted keys
  /// only. Returns the fingerprint of the primary key that made the valid signature. Errors are
  /// Errc::BadSignature and say why: no signature in the file, a signer that is not trusted
  /// (with its key id), a signature that does not match the data, an expired or revoked key.
  Result<std::string> verify(const std::string& path, const std::string& signature,
                             const std::string& signature_source) const;

 private:
  struct Keyring;  // librnp's ffi, holding the trusted keys
  explicit SignatureVerifier(std::shared_ptr<Keyring> keys) : keys_(std::move(keys)) {}
  std::shared_ptr<Keyring> keys_;
};

/// SignatureVerifier::create and verify in one call.
Result<std::string> verify_detached(const std::string& path, const std::string& signature,
                                    const std::string& signature_source, const std::vector<TrustedKey>& trusted);

}  // namespace rkt::stage0
