#include "stage0/pgp.h"

#include <gtest/gtest.h>

#include "tests/support/command.h"
#include "tests/support/test_keys.h"

namespace rkt::stage0 {
namespace {

class PgpTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    key_ = test::make_key(tmp_.path(), GetParam(), "Image Signer <signer@example.com>");
    ASSERT_FALSE(key_.fingerprint.empty()) << "gpg could not make a " << GetParam() << " key";
    other_ = test::make_key(tmp_.path() + "/..", GetParam() + std::string("x"), "Other <o@example.com>");
    data_ = tmp_ / "image.aci";
    test::write_file(data_, "pretend this is an image");
    signature_ = test::sign(key_, data_);
    ASSERT_FALSE(signature_.empty());
  }
  void TearDown() override { test::stop_agent(key_); }

  test::TempDir tmp_;
  test::GpgKey key_, other_;
  std::string data_, signature_;
};

TEST_P(PgpTest, ReadsFingerprintAndUserIds) {
  auto k = read_public_key(key_.public_key, "signer.asc");
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(k->fingerprint, key_.fingerprint);
  ASSERT_EQ(k->user_ids.size(), 1u);
  EXPECT_EQ(k->user_ids[0], "Image Signer <signer@example.com>");
}

TEST_P(PgpTest, VerifiesAGoodSignature) {
  auto r = verify_detached(data_, signature_, "image.aci.asc", {{key_.public_key, "trusted/key"}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, key_.fingerprint);
}

TEST_P(PgpTest, RefusesTamperedData) {
  test::write_file(data_, "pretend this is an image!");
  auto r = verify_detached(data_, signature_, "image.aci.asc", {{key_.public_key, "trusted/key"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::BadSignature);
  EXPECT_NE(r.error().message().find("bad signature by " + key_.fingerprint), std::string::npos) << r.error().message();
}

TEST_P(PgpTest, RefusesAnUntrustedSigner) {
  auto r = verify_detached(data_, signature_, "image.aci.asc", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::BadSignature);
  // The key id is the last 16 hex digits of the fingerprint (v4 keys).
  EXPECT_NE(r.error().message().find("key id " + key_.fingerprint.substr(24)), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("not trusted"), std::string::npos);
  if (!other_.fingerprint.empty()) {
    auto wrong = verify_detached(data_, signature_, "image.aci.asc", {{other_.public_key, "other"}});
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message().find("not trusted"), std::string::npos);
  }
}

TEST_P(PgpTest, RefusesGarbage) {
  EXPECT_FALSE(read_public_key("not a key", "junk.asc"));
  auto r = verify_detached(data_, "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n", "bad.asc",
                           {{key_.public_key, "k"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::BadSignature);
  EXPECT_NE(r.error().message().find("\"bad.asc\""), std::string::npos) << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(Algorithms, PgpTest, ::testing::Values("ed25519", "rsa2048"));

TEST(Pgp, OneKeyPerFile) {
  test::TempDir tmp;
  auto a = test::make_key(tmp.path(), "ed25519", "A <a@example.com>");
  auto b = test::make_key(tmp.path(), "rsa2048", "B <b@example.com>");
  ASSERT_FALSE(a.fingerprint.empty());
  ASSERT_FALSE(b.fingerprint.empty());
  auto r = read_public_key(a.public_key + b.public_key, "two.asc");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("holds 2 public keys"), std::string::npos) << r.error().message();
  test::stop_agent(a);
  test::stop_agent(b);
}

}  // namespace
}  // namespace rkt::stage0
