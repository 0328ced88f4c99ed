// rkt trust: adds OpenPGP keys to the trust store, for a prefix of image names or for all.

#include <unistd.h>

#include <iostream>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {
namespace {

// rkt's fingerToString: groups of four hex digits, upper case, two spaces in the middle.
std::string spaced_fingerprint(const std::string& fp) {
  std::string out;
  for (size_t i = 0; i < fp.size(); ++i) {
    if (i && i % 4 == 0) out += i == fp.size() / 2 ? "  " : " ";
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(fp[i])));
  }
  return out;
}

// rkt's reviewKey: asks until the answer is yes or no.
Result<bool> review() {
  for (;;) {
    std::cout << "Are you sure you want to trust this key (yes/no)?\n" << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return Error(Errc::Usage, "error reviewing key: error reading input");
    if (answer == "yes") return true;
    if (answer == "no") return false;
    std::cout << "Please enter 'yes' or 'no'\n";
  }
}

}  // namespace

Result<int> cmd_trust(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt trust");
  std::string prefix;
  bool root = false, skip_review = false, allow_http = false;
  fs.add_string("prefix", &prefix, "trust the keys for images named PREFIX or below it");
  fs.add_bool("root", &root, "trust the keys for every image");
  fs.add_bool("skip-fingerprint-review", &skip_review, "trust without asking to review the fingerprint");
  fs.add_bool("insecure-allow-http", &allow_http, "allow fetching keys over plain http");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (root && !prefix.empty()) return Error(Errc::Usage, "--root and --prefix cannot be combined");
  if (!root && prefix.empty()) {
    return Error(Errc::Usage, "give --prefix=PREFIX or --root: refusing implicit unbounded trust");
  }
  if (!prefix.empty()) {
    RKT_TRY(check_prefix(prefix));
  }
  std::vector<std::string> sources = *pos;
  if (sources.empty()) {
    if (root) return Error(Errc::Usage, "--root needs the keys to trust");
    auto found = discover_key_sources(prefix, {allow_http, g.insecure.tls});
    RKT_TRY(found);
    sources = *found;
  }
  Keystore ks = open_keystore(g);
  for (const auto& src : sources) {
    auto data = read_key_source(src, {allow_http, g.insecure.tls});
    RKT_TRY_WRAP(data, "reading key " + quote(src));
    auto key = read_public_key(*data, src);
    RKT_TRY(key);
    // As rkt (pubkey.go displayKey and AddKeys): the summary on stderr through pubkey's logger
    // (prefix "pubkey: " on its first line), the fingerprint and user ids on stdout, then the review.
    std::cerr << "pubkey: prefix: " << quote(prefix) << "\nkey: " << quote(src) << "\n";
    std::cout << "gpg key fingerprint is: " << spaced_fingerprint(key->fingerprint) << "\n";
    for (const auto& sk : key->subkey_fingerprints)
      std::cout << "    Subkey fingerprint: " << spaced_fingerprint(sk) << "\n";
    for (const auto& uid : key->user_ids) std::cout << "\t" << uid << "\n";
    if (skip_review) {
      std::cout << "Trusting " << quote(src) << " for prefix " << quote(prefix) << " without fingerprint review.\n";
    } else {
      auto accepted = review();
      RKT_TRY(accepted);
      if (!*accepted) {
        std::cerr << "pubkey: not trusting " << quote(src) << "\n";
        continue;
      }
      std::cout << "Trusting " << quote(src) << " for prefix " << quote(prefix) << " after fingerprint review.\n";
    }
    auto path = ks.store(*data, *key, root ? "" : prefix);
    RKT_TRY(path);
    if (root) {
      std::cout << "Added root key at " << quote(*path) << "\n";
    } else {
      std::cout << "Added key for prefix " << quote(prefix) << " at " << quote(*path) << "\n";
    }
  }
  return 0;
}

}  // namespace rkt::stage0
