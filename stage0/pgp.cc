#include "stage0/pgp.h"

#include <fcntl.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/fs.h"
#include "common/handle.h"
#include "common/lazy_library.h"

namespace rkt::stage0 {
namespace {

// librnp (and Botan beneath it) is loaded on first use, so that commands which verify nothing do
// not pay for loading it. These pointers hide the library's functions of the same names here.
// clang-format off
#define RKT_RNP_FUNCTIONS(X) \
  X(rnp_buffer_destroy) X(rnp_ffi_create) X(rnp_ffi_destroy) X(rnp_identifier_iterator_create) \
  X(rnp_identifier_iterator_destroy) X(rnp_identifier_iterator_next) X(rnp_import_keys) \
  X(rnp_input_destroy) X(rnp_input_from_memory) X(rnp_input_from_path) X(rnp_key_get_fprint) \
  X(rnp_key_get_primary_fprint) X(rnp_key_get_subkey_at) X(rnp_key_get_subkey_count) X(rnp_key_get_uid_at) \
  X(rnp_key_get_uid_count) \
  X(rnp_key_handle_destroy) X(rnp_key_is_primary) X(rnp_key_is_revoked) X(rnp_locate_key) \
  X(rnp_op_verify_destroy) X(rnp_op_verify_detached_create) X(rnp_op_verify_execute) \
  X(rnp_op_verify_get_signature_at) X(rnp_op_verify_get_signature_count) \
  X(rnp_op_verify_signature_get_handle) X(rnp_op_verify_signature_get_key) \
  X(rnp_op_verify_signature_get_status) X(rnp_result_to_string) X(rnp_signature_get_keyid) \
  X(rnp_signature_handle_destroy)
// clang-format on
RKT_RNP_FUNCTIONS(RKT_LAZY_DECLARE)

Status load_rnp() {
  static const Status loaded = load_library("librnp.so.0", {RKT_RNP_FUNCTIONS(RKT_LAZY_SYMBOL)});
  return loaded;
}

using Ffi = Handle<rnp_ffi_st, &rnp_ffi_destroy>;
using Input = Handle<rnp_input_st, &rnp_input_destroy>;
using Key = Handle<rnp_key_handle_st, &rnp_key_handle_destroy>;

std::string take(char* s) {
  std::string out = s ? s : "";
  rnp_buffer_destroy(s);
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Debian's librnp is built with its internal logging always on: it writes diagnostics such as
// "signer's key not found" straight to stderr, whatever the ffi's log fd (rnp_ffi_set_log_fd to
// /dev/null was tried: the one-line-error tests in signing_test.cc catch the stray line). rkt reports every
// failure itself, once, so stderr points at /dev/null while librnp works. What may run on another
// thread meanwhile (a fetch's copy of the image, SignatureVerifier) prints nothing.
class QuietStderr {
 public:
  QuietStderr() {
    saved_ = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_ >= 0 && devnull >= 0) ::dup2(devnull, 2);
    if (devnull >= 0) ::close(devnull);
  }
  ~QuietStderr() {
    if (saved_ >= 0) {
      ::dup2(saved_, 2);
      ::close(saved_);
    }
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int saved_ = -1;
};

Ffi new_ffi() {
  rnp_ffi_t f = nullptr;
  if (rnp_ffi_create(&f, "GPG", "GPG") != RNP_SUCCESS) return nullptr;
  return Ffi(f);
}

Input memory_input(const std::string& data) {
  rnp_input_t in = nullptr;
  if (rnp_input_from_memory(&in, reinterpret_cast<const uint8_t*>(data.data()), data.size(), false) != RNP_SUCCESS) {
    return nullptr;
  }
  return Input(in);
}

rnp_result_t import_public(rnp_ffi_t ffi, const std::string& data) {
  Input in = memory_input(data);
  if (!in) return RNP_ERROR_OUT_OF_MEMORY;
  char* results = nullptr;
  rnp_result_t rc = rnp_import_keys(ffi, in.get(), RNP_LOAD_SAVE_PUBLIC_KEYS, &results);
  rnp_buffer_destroy(results);
  return rc;
}

std::vector<std::string> primary_fingerprints(rnp_ffi_t ffi) {
  std::vector<std::string> out;
  rnp_identifier_iterator_t it = nullptr;
  if (rnp_identifier_iterator_create(ffi, &it, "fingerprint") != RNP_SUCCESS) return out;
  Handle<rnp_identifier_iterator_st, &rnp_identifier_iterator_destroy> guard(it);
  const char* id = nullptr;
  while (rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id) {
    rnp_key_handle_t k = nullptr;
    if (rnp_locate_key(ffi, "fingerprint", id, &k) != RNP_SUCCESS || !k) continue;
    Key key(k);
    bool primary = false;
    rnp_key_is_primary(k, &primary);
    if (primary) out.push_back(lower(id));
  }
  return out;
}

// The fingerprint of the primary key of `k` (itself when it is primary).
std::string primary_of(rnp_key_handle_t k) {
  bool primary = false;
  rnp_key_is_primary(k, &primary);
  char* fp = nullptr;
  if (primary) {
    rnp_key_get_fprint(k, &fp);
  } else {
    rnp_key_get_primary_fprint(k, &fp);
  }
  return lower(take(fp));
}

}  // namespace

Result<PublicKey> read_public_key(const std::string& data, const std::string& source) {
  RKT_TRY(load_rnp());
  QuietStderr quiet;
  Ffi ffi = new_ffi();
  if (!ffi) return Error(Errc::Generic, "initializing OpenPGP (librnp)");
  rnp_result_t rc = import_public(ffi.get(), data);
  if (rc != RNP_SUCCESS) {
    return Error(Errc::InvalidArgument, quote(source) + " is not an OpenPGP public key: " + rnp_result_to_string(rc));
  }
  auto fps = primary_fingerprints(ffi.get());
  if (fps.empty()) return Error(Errc::InvalidArgument, quote(source) + " holds no OpenPGP public key");
  if (fps.size() > 1) {
    return Error(Errc::InvalidArgument,
                 quote(source) + " holds " + std::to_string(fps.size()) + " public keys; give one key per file");
  }
  PublicKey key;
  key.fingerprint = fps[0];
  rnp_key_handle_t k = nullptr;
  if (rnp_locate_key(ffi.get(), "fingerprint", fps[0].c_str(), &k) == RNP_SUCCESS && k) {
    Key guard(k);
    size_t n = 0;
    rnp_key_get_uid_count(k, &n);
    for (size_t i = 0; i < n; ++i) {
      char* uid = nullptr;
      if (rnp_key_get_uid_at(k, i, &uid) == RNP_SUCCESS) key.user_ids.push_back(take(uid));
    }
    size_t subkeys = 0;
    rnp_key_get_subkey_count(k, &subkeys);
    for (size_t i = 0; i < subkeys; ++i) {
      rnp_key_handle_t sk = nullptr;
      if (rnp_key_get_subkey_at(k, i, &sk) != RNP_SUCCESS || !sk) continue;
      Key sguard(sk);
      char* fp = nullptr;
      if (rnp_key_get_fprint(sk, &fp) == RNP_SUCCESS) key.subkey_fingerprints.push_back(lower(take(fp)));
    }
  }
  return key;
}

struct SignatureVerifier::Keyring {
  Ffi ffi;
};

Result<SignatureVerifier> SignatureVerifier::create(const std::vector<TrustedKey>& trusted) {
  RKT_TRY(load_rnp());
  QuietStderr quiet;
  auto keys = std::make_shared<Keyring>(Keyring{new_ffi()});
  if (!keys->ffi) return Error(Errc::Generic, "initializing OpenPGP (librnp)");
  for (const auto& t : trusted) {
    if (import_public(keys->ffi.get(), t.data) != RNP_SUCCESS) {
      return Error(Errc::BadSignature, "trusted key " + quote(t.origin) + " is not a valid OpenPGP public key");
    }
  }
  return SignatureVerifier(std::move(keys));
}

Result<std::string> verify_detached(const std::string& path, const std::string& signature,
                                    const std::string& signature_source, const std::vector<TrustedKey>& trusted) {
  auto v = SignatureVerifier::create(trusted);
  RKT_TRY(v);
  return v->verify(path, signature, signature_source);
}

Result<std::string> SignatureVerifier::verify(const std::string& path, const std::string& signature,
                                              const std::string& signature_source) const {
  QuietStderr quiet;
  rnp_ffi_t ffi = keys_->ffi.get();
  rnp_input_t data_in = nullptr;
  if (rnp_input_from_path(&data_in, path.c_str()) != RNP_SUCCESS) return sys_error("opening " + quote(path));
  Input data(data_in);
  Input sig = memory_input(signature);
  if (!sig) return Error(Errc::Generic, "reading signature " + quote(signature_source));
  rnp_op_verify_t op_raw = nullptr;
  if (rnp_op_verify_detached_create(&op_raw, ffi, data.get(), sig.get()) != RNP_SUCCESS) {
    return Error(Errc::BadSignature, "signature " + quote(signature_source) + " is not an OpenPGP signature");
  }
  Handle<rnp_op_verify_st, &rnp_op_verify_destroy> op(op_raw);
  rnp_result_t exec = rnp_op_verify_execute(op.get());
  size_t count = 0;
  rnp_op_verify_get_signature_count(op.get(), &count);
  if (count == 0) {
    return Error(Errc::BadSignature, "signature " + quote(signature_source) + " holds no OpenPGP signature (" +
                                         rnp_result_to_string(exec) + ")");
  }
  std::string why;
  for (size_t i = 0; i < count; ++i) {
    rnp_op_verify_signature_t s = nullptr;
    if (rnp_op_verify_get_signature_at(op.get(), i, &s) != RNP_SUCCESS) continue;
    rnp_result_t status = rnp_op_verify_signature_get_status(s);
    rnp_key_handle_t k = nullptr;
    std::string signer;
    if (rnp_op_verify_signature_get_key(s, &k) == RNP_SUCCESS && k) {
      Key key(k);
      signer = primary_of(k);
      if (status == RNP_SUCCESS) {
        bool revoked = false;
        rnp_key_is_revoked(k, &revoked);
        if (revoked) {
          why = "the signing key " + signer + " is revoked";
          continue;
        }
        return signer;
      }
    } else {
      rnp_signature_handle_t h = nullptr;
      if (rnp_op_verify_signature_get_handle(s, &h) == RNP_SUCCESS && h) {
        Handle<rnp_signature_handle_st, &rnp_signature_handle_destroy> hg(h);
        char* keyid = nullptr;
        if (rnp_signature_get_keyid(h, &keyid) == RNP_SUCCESS) signer = "key id " + lower(take(keyid));
      }
    }
    if (status == RNP_ERROR_KEY_NOT_FOUND) {
      why = "signed by " + (signer.empty() ? std::string("an unknown key") : signer) +
            ", which is not trusted for this image (see 'rkt trust')";
    } else if (status == RNP_ERROR_SIGNATURE_INVALID) {
      why = "bad signature by " + signer + ": the image or the signature was modified";
    } else if (status == RNP_ERROR_SIGNATURE_EXPIRED) {
      why = "the signature by " + signer + " has expired";
    } else if (status != RNP_SUCCESS) {
      why = "signature by " + signer + " cannot be verified: " + rnp_result_to_string(status);
    }
  }
  return Error(Errc::BadSignature, "signature " + quote(signature_source) + ": " + why);
}

}  // namespace rkt::stage0
