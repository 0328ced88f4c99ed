#include "common/fs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace rkt {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rkt-fs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(FsTest, AtomicWriteThenRead) {
  std::string p = dir_ + "/f";
  ASSERT_TRUE(write_file_atomic(p, "hello", 0644, Overwrite::No));
  auto r = read_file(p, 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "hello");
}

TEST_F(FsTest, NoOverwriteKeepsTheOldFile) {
  std::string p = dir_ + "/f";
  ASSERT_TRUE(write_file_atomic(p, "old", 0644, Overwrite::No));
  Status s = write_file_atomic(p, "new", 0644, Overwrite::No);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::AlreadyExists);
  EXPECT_EQ(*read_file(p, 100), "old");
  ASSERT_TRUE(write_file_atomic(p, "new", 0644, Overwrite::Yes));
  EXPECT_EQ(*read_file(p, 100), "new");
}

TEST_F(FsTest, ReadRefusesOversizedAndMissingFiles) {
  std::string p = dir_ + "/big";
  ASSERT_TRUE(write_file_atomic(p, std::string(1000, 'x'), 0644, Overwrite::No));
  auto big = read_file(p, 999);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message().find("larger than 999 bytes"), std::string::npos);
  auto missing = read_file(dir_ + "/missing", 10);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sys_errno(), ENOENT);
  EXPECT_NE(missing.error().message().find("/missing\""), std::string::npos);
}

TEST_F(FsTest, MakeDirsAndRemoveTree) {
  std::string deep = dir_ + "/a/b/c";
  ASSERT_TRUE(make_dirs(deep, 0755));
  ASSERT_TRUE(make_dirs(deep, 0755)) << "existing directories are fine";
  ASSERT_TRUE(write_file_atomic(deep + "/f", "x", 0644, Overwrite::No));
  // A symlink to a directory outside: removed, never followed.
  std::string outside = dir_ + "/outside";
  ASSERT_TRUE(make_dirs(outside, 0755));
  ASSERT_TRUE(write_file_atomic(outside + "/keep", "x", 0644, Overwrite::No));
  ASSERT_EQ(::symlink(outside.c_str(), (dir_ + "/a/b/link").c_str()), 0);
  ASSERT_EQ(::chmod((dir_ + "/a/b").c_str(), 0555), 0);
  ASSERT_TRUE(remove_tree(dir_ + "/a"));
  EXPECT_NE(::access((dir_ + "/a").c_str(), F_OK), 0);
  EXPECT_EQ(::access((outside + "/keep").c_str(), F_OK), 0);
  EXPECT_TRUE(remove_tree(dir_ + "/a")) << "a missing tree is not an error";
}

TEST(Quote, EscapesControlBytes) {
  EXPECT_EQ(quote("a\"b\n"), "\"a\\\"b\\x0a\"");
}

}  // namespace
}  // namespace rkt
