#include "tests/support/test_keys.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "tests/support/command.h"

namespace rkt::test {

GpgKey make_key(const std::string& dir, const std::string& algo, const std::string& uid) {
  GpgKey k;
  k.home = dir + "/gnupg-" + algo;
  k.uid = uid;
  ::mkdir(k.home.c_str(), 0700);
  auto gen = test::run_command({"/usr/bin/gpg", "--homedir", k.home, "--batch", "--quiet", "--passphrase", "",
                                "--quick-gen-key", uid, algo, "sign", "never"});
  if (gen.exit_code != 0) return k;
  auto list = test::run_command({"/usr/bin/gpg", "--homedir", k.home, "--batch", "--with-colons", "--list-keys", uid});
  std::istringstream in(list.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("fpr:", 0) == 0) {
      std::string fpr = line.substr(0, line.size() - 1);
      fpr = fpr.substr(fpr.rfind(':') + 1);
      std::transform(fpr.begin(), fpr.end(), fpr.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      k.fingerprint = fpr;
      break;
    }
  }
  k.public_key = test::run_command({"/usr/bin/gpg", "--homedir", k.home, "--batch", "--armor", "--export", uid}).out;
  return k;
}

std::string sign(const GpgKey& key, const std::string& file) {
  auto r = test::run_command({"/usr/bin/gpg", "--homedir", key.home, "--batch", "--yes", "--armor", "--local-user",
                              key.uid, "--output", "-", "--detach-sign", file});
  return r.exit_code == 0 ? r.out : "";
}

void stop_agent(const GpgKey& key) {
  test::run_command({"/usr/bin/gpgconf", "--homedir", key.home, "--kill", "gpg-agent"});
}

std::string rkt_fingerprint(const std::string& hex) {
  std::string spaced;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (i && i % 4 == 0) spaced += i == hex.size() / 2 ? "  " : " ";
    spaced += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
  }
  return spaced;
}

}  // namespace rkt::test
