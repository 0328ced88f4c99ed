#pragma once

// Test helpers: OpenPGP keys made by GnuPG at test time (no key material is committed).

#include <string>

namespace rkt::test {

struct GpgKey {
  std::string home;  ///< GNUPGHOME holding the secret key
  std::string uid;
  std::string fingerprint;  ///< lowercase hex
  std::string public_key;   ///< armored
};

/// Generates a signing key: algo is "ed25519" or "rsa2048". Empty fingerprint on failure.
GpgKey make_key(const std::string& dir, const std::string& algo, const std::string& uid);

/// Makes an armored detached signature of `file` with `key`; "" on failure.
std::string sign(const GpgKey& key, const std::string& file);

/// A hex fingerprint as rkt prints it (pubkey.go fingerToString): upper case, groups of four,
/// two spaces in the middle.
std::string rkt_fingerprint(const std::string& hex);

/// Stops the gpg-agent of the key's home.
void stop_agent(const GpgKey& key);

}  // namespace rkt::test
