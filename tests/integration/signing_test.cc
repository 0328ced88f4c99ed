// The signing workflow end to end, with the real rkt and actool and real GnuPG keys made at test
// time: actool build -> gpg --detach-sign -> rkt trust -> rkt fetch. Only a correctly signed
// image from a key trusted for its name enters the store; every refusal says why.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/command.h"
#include "tests/support/test_keys.h"

namespace rkt::test {
namespace {

using test::GpgKey;

class SigningTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    key_ = test::make_key(tmp_.path(), GetParam(), "Signer <signer@example.com>");
    ASSERT_FALSE(key_.fingerprint.empty());
    write_file(tmp_ / "signer.pub", key_.public_key);
    image_ = build_image("example.com/hello", "hello.aci");
  }
  void TearDown() override { test::stop_agent(key_); }

  std::string build_image(const std::string& name, const std::string& file, const std::string& content = "hi") {
    std::string layout = tmp_ / (file + ".layout");
    ::mkdir(layout.c_str(), 0755);
    ::mkdir((layout + "/rootfs").c_str(), 0755);
    write_file(layout + "/rootfs/greeting", content);
    write_file(layout + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" + name +
                                         R"(","labels":[{"name":"version","value":"1.0"}],
        "app":{"exec":["/bin/true"],"user":"0","group":"0"}})");
    std::string out = tmp_ / file;
    auto r = run_command({actool_binary(), "build", "--overwrite", layout, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  void sign(const GpgKey& key, const std::string& image) { write_file(image + ".asc", test::sign(key, image)); }

  CommandResult rkt(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"),
                                     "--system-config=" + (tmp_ / "usr-lib")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, input);
  }

  void trust(const std::string& prefix) {
    auto r = rkt({"trust", "--skip-fingerprint-review", "--prefix=" + prefix, tmp_ / "signer.pub"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void expect_refused(const CommandResult& r, const std::string& why) {
    EXPECT_EQ(r.exit_code, 254) << r.out << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    auto list = rkt({"image", "list", "--no-legend"});
    EXPECT_EQ(list.exit_code, 0);
    EXPECT_EQ(list.out, "") << "nothing entered the store";
  }

  TempDir tmp_;
  GpgKey key_;
  std::string image_;
};

TEST_P(SigningTest, ASignedImageFromATrustedKeyIsFetched) {
  sign(key_, image_);
  trust("example.com/hello");
  auto r = rkt({"fetch", "--full", image_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("sha512-", 0), 0u);
  EXPECT_EQ(r.out.size(), 7 + 64 + 1u);
  auto list = rkt({"image", "list", "--no-legend", "--fields=name"});
  EXPECT_EQ(list.out, "example.com/hello:1.0\n");
  EXPECT_EQ(rkt({"image", "verify", "example.com/hello"}).exit_code, 0);
  auto again = rkt({"fetch", image_});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, r.out.substr(0, 7 + 32) + "\n") << "rkt's short ID (32 hex digits) by default";
}

TEST_P(SigningTest, TamperedImageIsRefused) {
  sign(key_, image_);
  trust("example.com/hello");
  std::string other = build_image("example.com/hello", "other.aci", "tampered");
  ASSERT_EQ(::rename(other.c_str(), image_.c_str()), 0);
  expect_refused(rkt({"fetch", image_}), "bad signature by " + key_.fingerprint);
}

TEST_P(SigningTest, UnsignedImageIsRefused) {
  trust("example.com/hello");
  expect_refused(rkt({"fetch", image_}), "is not signed: no signature \"" + image_ + ".asc\"");
}

TEST_P(SigningTest, UntrustedKeyIsRefused) {
  sign(key_, image_);
  expect_refused(rkt({"fetch", image_}), "not trusted for this image");
}

TEST_P(SigningTest, KeyTrustedForAnotherPrefixIsRefused) {
  sign(key_, image_);
  trust("example.org");
  expect_refused(rkt({"fetch", image_}),
                 "is by key " + key_.fingerprint + ", which is not trusted for \"example.com/hello\"");
  trust("example.com/hell");  // a string prefix, not a path prefix
  expect_refused(rkt({"fetch", image_}), "not trusted for \"example.com/hello\"");
}

TEST_P(SigningTest, MaskedSystemKeyIsRefused) {
  sign(key_, image_);
  std::string sys = tmp_ / "usr-lib/trustedkeys/prefix.d/example.com";
  ASSERT_EQ(run_command({"/bin/mkdir", "-p", sys}).exit_code, 0);
  write_file(sys + "/" + key_.fingerprint, key_.public_key);
  ASSERT_EQ(rkt({"fetch", image_}).exit_code, 0) << "a system key is trusted";
  ASSERT_EQ(rkt({"image", "rm", "example.com/hello"}).exit_code, 0);
  std::string local = tmp_ / "etc/trustedkeys/prefix.d/example.com";
  ASSERT_EQ(run_command({"/bin/mkdir", "-p", local}).exit_code, 0);
  write_file(local + "/" + key_.fingerprint, "");
  expect_refused(rkt({"fetch", image_}), "not trusted");
}

TEST_P(SigningTest, InsecureOptionsImageSkipsVerificationAndSaysSo) {
  auto r = rkt({"--insecure-options=image", "fetch", image_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: signature verification is disabled"), std::string::npos) << r.err;
}

TEST_P(SigningTest, SignatureFlagNamesTheSignatureFile) {
  write_file(tmp_ / "elsewhere.asc", test::sign(key_, image_));
  trust("example.com");
  auto r = rkt({"fetch", "--signature=" + (tmp_ / "elsewhere.asc"), image_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Feeds `data` to the FIFO at `path` once, from a thread (the reader may open it only once).
std::thread feed_fifo(const std::string& path, std::string data) {
  EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
  return std::thread([path, data = std::move(data)] {
    // Waits up to 60 s for a reader (ENXIO until one opens it), so a reader that never comes
    // fails the test instead of hanging it.
    int fd = -1;
    for (int i = 0; i < 6000 && fd < 0; ++i) {
      fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (fd < 0) return;
    ::fcntl(fd, F_SETFL, 0);
    ::signal(SIGPIPE, SIG_IGN);
    for (size_t off = 0; off < data.size();) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  });
}

TEST_P(SigningTest, ImageAndSignatureFromFifosAreReadOnce) {
  // A FIFO can be read only once: the signature check and the import must use that one read.
  sign(key_, image_);
  trust("example.com/hello");
  auto expected = rkt({"fetch", "--full", image_});
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  ASSERT_EQ(rkt({"image", "rm", "example.com/hello"}).exit_code, 0);
  std::thread image = feed_fifo(tmp_ / "image.fifo", read_file(image_));
  std::thread signature = feed_fifo(tmp_ / "signature.fifo", read_file(image_ + ".asc"));
  auto r = run_command({"/usr/bin/timeout", "60", rkt_binary(), "--dir=" + (tmp_ / "data"),
                        "--local-config=" + (tmp_ / "etc"), "--system-config=" + (tmp_ / "usr-lib"), "fetch", "--full",
                        "--signature=" + (tmp_ / "signature.fifo"), tmp_ / "image.fifo"});
  image.join();
  signature.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, expected.out);
  EXPECT_EQ(rkt({"image", "list", "--no-legend", "--fields=name"}).out, "example.com/hello:1.0\n");
  auto leftovers = run_command({"/usr/bin/find", tmp_ / "data/cas/tmp", "-mindepth", "1"});
  EXPECT_EQ(leftovers.out, "") << "the private copy is removed";
}

TEST_P(SigningTest, ADirectoryIsNotAnImage) {
  ::mkdir((tmp_ / "dir.aci").c_str(), 0755);
  write_file(tmp_ / "dir.aci.asc", "x");
  trust("example.com/hello");
  expect_refused(rkt({"fetch", tmp_ / "dir.aci"}), "image \"" + (tmp_ / "dir.aci") + "\" is a directory");
}

class SwapTest : public SigningTest {};

TEST_P(SwapTest, SwappingTheFileDuringAFetchNeverImportsTheUnsignedImage) {
  // A signed image and an unsigned one of the same name take turns at one path (atomic renames,
  // as anyone who can write the directory can do) while rkt fetches that path again and again.
  // Every fetch either imports the signed image or refuses; the unsigned one never enters.
  sign(key_, image_);
  trust("example.com/hello");
  std::string evil = build_image("example.com/hello", "evil.aci", "unsigned content");
  TempDir probe_dir;
  auto keys_of = [&](const std::string& file) {
    auto r =
        run_command({rkt_binary(), "--dir=" + probe_dir.path(), "--insecure-options=image", "fetch", "--full", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  std::string good_key = keys_of(image_), evil_key = keys_of(evil);
  ASSERT_NE(good_key, evil_key);
  evil_key.pop_back();
  std::string path = tmp_ / "shared.aci";
  ASSERT_EQ(::link(image_.c_str(), path.c_str()), 0);
  write_file(path + ".asc", read_file(image_ + ".asc"));
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    std::string next = path + ".next";
    for (unsigned i = 0; !stop; ++i) {
      ::unlink(next.c_str());
      if (::link((i % 2 ? image_ : evil).c_str(), next.c_str()) != 0) break;
      ::rename(next.c_str(), path.c_str());
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      t.join();
    }
  } join{stop, swapper};
  int imported = 0, refused = 0;
  for (int round = 0; round < 120; ++round) {
    auto r = rkt({"fetch", "--full", path});
    if (r.exit_code == 0) {
      ++imported;
      EXPECT_EQ(r.out, good_key) << "round " << round;
    } else {
      ++refused;
      EXPECT_EQ(r.exit_code, 254) << r.err;
    }
    ASSERT_NE(::access((tmp_ / "data/cas/index/" + evil_key).c_str(), F_OK), 0)
        << "round " << round << ": the unsigned image entered the store";
  }
  EXPECT_GT(imported, 0) << "the signed image was never fetched";
  EXPECT_GT(refused, 0) << "the swaps never reached a fetch";
}

INSTANTIATE_TEST_SUITE_P(Keys, SwapTest, ::testing::Values("ed25519"));

INSTANTIATE_TEST_SUITE_P(Keys, SigningTest, ::testing::Values("ed25519", "rsa2048"));

class TrustTest : public SigningTest {};

TEST_P(TrustTest, FingerprintReviewAsksFirst) {
  // As rkt's pubkey.go: the fingerprint in rkt's grouping (two spaces in the middle), the user ids,
  // then yes/no, asked again until one of them; "no" trusts nothing and is not a failure.
  std::string spaced = test::rkt_fingerprint(key_.fingerprint);
  std::string src = tmp_ / "signer.pub";
  auto no = rkt({"trust", "--prefix=example.com/hello", src}, "maybe\nno\n");
  EXPECT_EQ(no.exit_code, 0) << no.err;
  EXPECT_EQ(no.out, "gpg key fingerprint is: " + spaced +
                        "\n\tSigner <signer@example.com>\n"
                        "Are you sure you want to trust this key (yes/no)?\nPlease enter 'yes' or 'no'\n"
                        "Are you sure you want to trust this key (yes/no)?\n");
  EXPECT_EQ(no.err,
            "pubkey: prefix: \"example.com/hello\"\nkey: \"" + src + "\"\npubkey: not trusting \"" + src + "\"\n");
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "etc", "-type", "f"}).out, "") << "nothing trusted";
  auto yes = rkt({"trust", "--prefix=example.com/hello", src}, "yes\n");
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_NE(yes.out.find("Trusting \"" + src + "\" for prefix \"example.com/hello\" after fingerprint review.\n"),
            std::string::npos)
      << yes.out;
  EXPECT_NE(yes.out.find("Added key for prefix \"example.com/hello\" at \""), std::string::npos) << yes.out;
  auto eof = rkt({"trust", "--prefix=example.com/other", src}, "");
  EXPECT_EQ(eof.exit_code, 254);
  EXPECT_NE(eof.err.find("error reviewing key"), std::string::npos) << eof.err;
}

TEST_P(TrustTest, SubkeysAreListedAsRktListsThem) {
  // pubkey.go displayKey: a "    Subkey fingerprint: " line per subkey, after the fingerprint.
  auto add = run_command({"/usr/bin/gpg", "--homedir", key_.home, "--batch", "--quiet", "--passphrase", "",
                          "--quick-add-key", key_.fingerprint, GetParam(), "sign", "never"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  auto list = run_command({"/usr/bin/gpg", "--homedir", key_.home, "--batch", "--with-colons", "--list-keys"});
  std::istringstream in(list.out);
  std::string line, subkey;
  bool in_sub = false;
  while (std::getline(in, line)) {
    if (line.rfind("sub:", 0) == 0) in_sub = true;
    if (in_sub && line.rfind("fpr:", 0) == 0) {
      subkey = line.substr(0, line.size() - 1);
      subkey = subkey.substr(subkey.rfind(':') + 1);
      break;
    }
  }
  ASSERT_EQ(subkey.size(), key_.fingerprint.size()) << list.out;
  write_file(tmp_ / "with-subkey.pub",
             run_command({"/usr/bin/gpg", "--homedir", key_.home, "--batch", "--armor", "--export", key_.uid}).out);
  auto r = rkt({"trust", "--prefix=example.com/hello", "--skip-fingerprint-review", tmp_ / "with-subkey.pub"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string spaced = test::rkt_fingerprint(subkey);
  EXPECT_NE(r.out.find("\n    Subkey fingerprint: " + spaced + "\n\tSigner <signer@example.com>\n"), std::string::npos)
      << r.out;
}

TEST_P(TrustTest, RefusesUnboundedOrMalformedTrust) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"trust", tmp_ / "signer.pub"}, "refusing implicit unbounded trust"},
      {{"trust", "--root", "--prefix=example.com", tmp_ / "signer.pub"}, "cannot be combined"},
      {{"trust", "--prefix=https://example.com", tmp_ / "signer.pub"}, "must not have a URL scheme"},
      {{"trust", "--root", "--skip-fingerprint-review", tmp_ / "missing.pub"}, "missing.pub"},
      {{"trust", "--root", "--skip-fingerprint-review", image_}, "is not an OpenPGP public key"},
  };
  for (const auto& c : cases) {
    auto r = rkt(c.args);
    EXPECT_EQ(r.exit_code, 254) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  auto root = rkt({"trust", "--root", "--skip-fingerprint-review", tmp_ / "signer.pub"});
  EXPECT_EQ(root.exit_code, 0) << root.err;
  EXPECT_NE(root.out.find("Added root key at"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Keys, TrustTest, ::testing::Values("ed25519"));

class HostileImageTest : public SigningTest {};

TEST_P(HostileImageTest, UnsafeTarIsRefusedAndLeavesNothing) {
  // A tar whose symlink would redirect a later file to the host, signed by a trusted key: the
  // signature is good, the content is still refused.
  std::string dir = tmp_ / "evil";
  ASSERT_EQ(run_command({"/bin/mkdir", "-p", dir + "/rootfs"}).exit_code, 0);
  write_file(dir + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hello"})");
  ASSERT_EQ(::symlink((tmp_ / "outside").c_str(), (dir + "/rootfs/etc").c_str()), 0);
  ::mkdir((tmp_ / "outside").c_str(), 0755);
  std::string evil = tmp_ / "evil.aci";
  // tar appends rootfs/etc/passwd after the symlink rootfs/etc.
  write_file(tmp_ / "passwd", "owned");
  auto t = run_command({"/bin/tar", "-C", dir, "-cf", evil, "manifest", "rootfs", "--transform",
                        "s,^passwd,rootfs/etc/passwd,", "-C", tmp_.path(), "passwd"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  sign(key_, evil);
  trust("example.com/hello");
  expect_refused(rkt({"fetch", evil}), "is a symlink or not a directory");
  EXPECT_NE(::access((tmp_ / "outside/passwd").c_str(), F_OK), 0) << "nothing written outside";
  auto leftovers = run_command({"/usr/bin/find", tmp_ / "data/cas/tmp", tmp_ / "data/cas/tree", "-mindepth", "1"});
  EXPECT_EQ(leftovers.out, "");
}

INSTANTIATE_TEST_SUITE_P(Keys, HostileImageTest, ::testing::Values("ed25519"));

class CrashTest : public SigningTest {};

TEST_P(CrashTest, FetchKilledAtRandomPointsLeavesAWorkingStore) {
  // A larger image, so a fetch takes long enough to be interrupted in every phase.
  std::string layout = tmp_ / "big";
  ASSERT_EQ(run_command({"/bin/mkdir", "-p", layout + "/rootfs"}).exit_code, 0);
  write_file(layout + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/big"})");
  for (int i = 0; i < 40; ++i) {
    std::string data;
    std::mt19937 rng(static_cast<unsigned>(i));
    data.resize(500000);
    for (auto& c : data) c = static_cast<char>(rng());
    write_file(layout + "/rootfs/f" + std::to_string(i), data);
  }
  std::string big = tmp_ / "big.aci";
  ASSERT_EQ(run_command({actool_binary(), "build", layout, big}).exit_code, 0);
  sign(key_, big);
  trust("example.com");
  std::mt19937 rng(42);
  for (int round = 0; round < 12; ++round) {
    std::vector<std::string> argv = {rkt_binary(),
                                     "--dir=" + (tmp_ / "data"),
                                     "--local-config=" + (tmp_ / "etc"),
                                     "--system-config=" + (tmp_ / "usr-lib"),
                                     "fetch",
                                     big};
    pid_t pid = ::fork();
    if (pid == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      ::execv(a[0], a.data());
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 400000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    auto list = rkt({"image", "list", "--no-legend", "--fields=name"});
    ASSERT_EQ(list.exit_code, 0) << "round " << round << ": " << list.err;
    EXPECT_TRUE(list.out.empty() || list.out == "example.com/big\n") << list.out;
    if (!list.out.empty()) {
      ASSERT_EQ(rkt({"image", "verify", "example.com/big"}).exit_code, 0) << "round " << round;
      ASSERT_EQ(rkt({"image", "rm", "example.com/big"}).exit_code, 0);
    }
  }
  auto r = rkt({"fetch", big});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(rkt({"image", "verify", "example.com/big"}).exit_code, 0);
  auto gc = rkt({"image", "gc"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  auto tmp = run_command({"/usr/bin/find", tmp_ / "data/cas/tmp", "-mindepth", "1"});
  EXPECT_EQ(tmp.out, "") << "gc removed what the kills left";
  EXPECT_EQ(rkt({"image", "list", "--no-legend", "--fields=name"}).out, "example.com/big\n");
}

INSTANTIATE_TEST_SUITE_P(Keys, CrashTest, ::testing::Values("ed25519"));

}  // namespace
}  // namespace rkt::test
