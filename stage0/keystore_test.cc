#include "stage0/keystore.h"

#include <gtest/gtest.h>

#include "common/fs.h"
#include "tests/support/command.h"
#include "tests/support/test_keys.h"

namespace rkt::stage0 {
namespace {

class KeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = test::make_key(tmp_.path(), "ed25519", "Signer <s@example.com>");
    ASSERT_FALSE(key_.fingerprint.empty());
    pub_ = *read_public_key(key_.public_key, "key.asc");
  }
  void TearDown() override { test::stop_agent(key_); }

  test::TempDir tmp_;
  test::GpgKey key_;
  PublicKey pub_;
  std::string system_ = tmp_ / "usr-lib-rkt", local_ = tmp_ / "etc-rkt";
};

TEST_F(KeystoreTest, PrefixCoversNamesBelowItOnly) {
  Keystore ks(system_, local_);
  auto path = ks.store(key_.public_key, pub_, "example.com/hello");
  ASSERT_TRUE(path) << path.error().message();
  EXPECT_EQ(*path, local_ + "/trustedkeys/prefix.d/example.com/hello/" + key_.fingerprint);
  EXPECT_EQ(ks.keys_for("example.com/hello")->size(), 1u);
  EXPECT_EQ(ks.keys_for("example.com/hello/web")->size(), 1u);
  EXPECT_EQ(ks.keys_for("example.com/helloworld")->size(), 0u);
  EXPECT_EQ(ks.keys_for("example.com")->size(), 0u);
  EXPECT_EQ(ks.keys_for("other.org/hello")->size(), 0u);
}

TEST_F(KeystoreTest, RootKeysCoverEverything) {
  Keystore ks(system_, local_);
  ASSERT_TRUE(ks.store(key_.public_key, pub_, ""));
  EXPECT_EQ(ks.keys_for("anything.org/at/all")->size(), 1u);
}

TEST_F(KeystoreTest, SystemKeysAndLocalMasks) {
  std::string sys_dir = system_ + "/trustedkeys/prefix.d/example.com";
  ASSERT_TRUE(make_dirs(sys_dir, 0755));
  ASSERT_TRUE(write_file_atomic(sys_dir + "/" + key_.fingerprint, key_.public_key, 0644, Overwrite::No));
  Keystore ks(system_, local_);
  auto keys = ks.keys_for("example.com/app");
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].origin, sys_dir + "/" + key_.fingerprint);
  // An empty file of the same name in the local config masks it.
  std::string local_dir = local_ + "/trustedkeys/prefix.d/example.com";
  ASSERT_TRUE(make_dirs(local_dir, 0755));
  ASSERT_TRUE(write_file_atomic(local_dir + "/" + key_.fingerprint, "", 0644, Overwrite::No));
  EXPECT_EQ(ks.keys_for("example.com/app")->size(), 0u);
}

TEST_F(KeystoreTest, AllKeysSkipsMaskedOnes) {
  Keystore ks(system_, local_);
  ASSERT_TRUE(ks.store(key_.public_key, pub_, "example.com/a"));
  ASSERT_TRUE(ks.store(key_.public_key, pub_, ""));
  EXPECT_EQ(ks.all_keys()->size(), 2u);
  ASSERT_TRUE(write_file_atomic(local_ + "/trustedkeys/root.d/" + key_.fingerprint, "", 0644, Overwrite::Yes));
  EXPECT_EQ(ks.all_keys()->size(), 1u);
}

TEST_F(KeystoreTest, RefusesBadPrefixes) {
  Keystore ks(system_, local_);
  for (const char* bad : {"https://example.com/app", "Example.com", "example.com/../../etc", "/abs"}) {
    auto r = ks.store(key_.public_key, pub_, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Errc::Usage);
  }
  EXPECT_FALSE(ks.keys_for("example.com/../x"));
}

}  // namespace
}  // namespace rkt::stage0
