#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt {
namespace {

class FsTest : public ::testing::Test {
 protected:
  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
};

TEST_F(FsTest, AtomicWriteThenRead) {
  std::string p = dir_ + "/f";
  ASSERT_TRUE(write_file_atomic(p, "hello", 0644, Overwrite::No));
  auto r = read_file(p, 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "hello");
}

TEST_F(FsTest, SyncsNameWhatTheyCannotSync) {
  ASSERT_TRUE(write_file_atomic(dir_ + "/f", "x", 0644, Overwrite::No, Durability::Sync));
  EXPECT_TRUE(sync_dir(dir_));
  EXPECT_TRUE(sync_filesystem(dir_ + "/f"));
  Status d = sync_dir(dir_ + "/missing");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message(), "syncing directory \"" + dir_ + "/missing\": No such file or directory");
  Status f = sync_filesystem(dir_ + "/missing");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("syncing the filesystem of \"" + dir_ + "/missing\""), std::string::npos);
  // A file is not a directory to sync.
  EXPECT_FALSE(sync_dir(dir_ + "/f"));
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

TEST_F(FsTest, LinkTreeMakesNewDirectoriesAndLinksEverythingElse) {
  std::string src = dir_ + "/src", dst = dir_ + "/dst";
  ASSERT_TRUE(make_dirs(src + "/sub/deeper", 0755));
  ASSERT_TRUE(make_dirs(dst, 0755));
  ASSERT_EQ(::chmod((src + "/sub").c_str(), 0710), 0);
  ASSERT_TRUE(write_file_atomic(src + "/sub/file", "bytes", 0640, Overwrite::No));
  ASSERT_EQ(::symlink("sub/file", (src + "/link").c_str()), 0);
  ASSERT_EQ(::mkfifo((src + "/fifo").c_str(), 0600), 0);
  UniqueFd s(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  UniqueFd d(::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  uint64_t bytes = 0, entries = 0;
  ASSERT_TRUE(link_tree(s.get(), d.get(), src, &bytes, &entries));
  EXPECT_EQ(bytes, 5u) << "the regular files' bytes";
  EXPECT_EQ(entries, 5u) << "sub, sub/deeper, sub/file, link, fifo";
  struct stat a {
  }, b{};
  ASSERT_EQ(::stat((src + "/sub/file").c_str(), &a), 0);
  ASSERT_EQ(::stat((dst + "/sub/file").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "a file is a link, not a copy";
  EXPECT_EQ(b.st_mode & 07777, 0640u);
  ASSERT_EQ(::lstat((src + "/sub").c_str(), &a), 0);
  ASSERT_EQ(::lstat((dst + "/sub").c_str(), &b), 0);
  EXPECT_NE(a.st_ino, b.st_ino) << "a directory is new";
  EXPECT_EQ(b.st_mode & 07777, 0710u);
  ASSERT_EQ(::lstat((dst + "/sub/deeper").c_str(), &b), 0);
  EXPECT_TRUE(S_ISDIR(b.st_mode));
  ASSERT_EQ(::lstat((dst + "/link").c_str(), &b), 0);
  EXPECT_TRUE(S_ISLNK(b.st_mode));
  ASSERT_EQ(::lstat((dst + "/fifo").c_str(), &b), 0);
  EXPECT_TRUE(S_ISFIFO(b.st_mode));
  // Replacing a name in the new tree leaves the old one as it was.
  ASSERT_TRUE(write_file_atomic(dst + "/sub/file", "other", 0644, Overwrite::Yes));
  EXPECT_EQ(*read_file(src + "/sub/file", 100), "bytes");
}

TEST(Quote, EscapesControlBytes) { EXPECT_EQ(quote("a\"b\n"), "\"a\\\"b\\x0a\""); }

TEST_F(FsTest, PrivateCopyOfAFileIsItsBytesAndIsRemovedWithItsOwner) {
  std::string src = dir_ + "/src";
  ASSERT_TRUE(write_file_atomic(src, "image bytes", 0644, Overwrite::No));
  UniqueFd fd(::open(src.c_str(), O_RDONLY));
  ASSERT_TRUE(fd.valid());
  std::string copy_path;
  {
    auto copy = copy_to_private_file(fd.get(), dir_, 1 << 20, "\"src\"");
    ASSERT_TRUE(copy) << copy.error().message();
    copy_path = copy->path();
    // Rewriting the source afterwards changes nothing of the copy.
    ASSERT_TRUE(write_file_atomic(src, "other bytes", 0644, Overwrite::Yes));
    auto r = read_file(copy_path, 100);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, "image bytes");
    struct stat st {};
    ASSERT_EQ(::stat(copy_path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }
  EXPECT_NE(::access(copy_path.c_str(), F_OK), 0) << "removed by its owner";
}

TEST_F(FsTest, PrivateCopyOfAPipeAndTheSizeBound) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::write(p[1], "0123456789", 10), 10);
  ::close(p[1]);
  UniqueFd rd(p[0]);
  auto copy = copy_to_private_file(rd.get(), dir_, 1 << 20, "the pipe");
  ASSERT_TRUE(copy) << copy.error().message();
  auto r = read_file(copy->path(), 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "0123456789");
  copy->reset();

  std::string src = dir_ + "/big";
  ASSERT_TRUE(write_file_atomic(src, std::string(100, 'x'), 0644, Overwrite::No));
  UniqueFd fd(::open(src.c_str(), O_RDONLY));
  auto refused = copy_to_private_file(fd.get(), dir_, 99, "\"big\"");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "\"big\" is larger than 99 bytes");
  auto left = list_directory(dir_);
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, std::vector<std::string>{"big"}) << "the refused copy is removed";
}

}  // namespace
}  // namespace rkt
