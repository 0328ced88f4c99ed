#include "stage0/extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include <gtest/gtest.h>

#include "common/unique_fd.h"
#include "tests/support/command.h"
#include "tests/support/tar_builder.h"

namespace rkt::stage0 {
namespace {

using test::manifest_for;
using test::TarBuilder;

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::mkdir((tmp_ / "root").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((tmp_ / "outside").c_str(), 0755), 0);
  }

  Status extract(const std::string& tar, ExtractLimits limits = {}) {
    archive* a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    std::unique_ptr<archive, int (*)(archive*)> guard(a, archive_read_free);
    if (archive_read_open_filename(a, tar.c_str(), 4096) != ARCHIVE_OK) return Error(Errc::Generic, "open");
    UniqueFd root(::open((tmp_ / "root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    manifest_.clear();
    return extract_rootfs(
        a, root.get(), "\"test.aci\"", limits,
        [&](std::string m) {
          manifest_ = std::move(m);
          return ok();
        },
        &stats_);
  }

  bool exists(const std::string& rel) {
    struct stat st {};
    return ::lstat((tmp_ / rel).c_str(), &st) == 0;
  }

  test::TempDir tmp_;
  std::string manifest_;
  ExtractStats stats_;
};

TEST_F(ExtractTest, ExtractsAnOrdinaryImage) {
  std::string tar = tmp_ / "ok.tar";
  {
    TarBuilder t(tar);
    t.image(manifest_for("example.com/x"))
        .dir("rootfs/bin")
        .file("rootfs/bin/app", "#!/bin/sh\n", 04755)
        .symlink("rootfs/bin/alias", "app")
        .hardlink("rootfs/bin/hard", "rootfs/bin/app")
        .file("./rootfs/etc/deep/conf", "x=1\n")  // parent directories are implied
        .fifo("rootfs/pipe")
        .device("rootfs/dev-null");
  }
  Status s = extract(tar);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(manifest_, manifest_for("example.com/x"));
  EXPECT_EQ(test::read_file(tmp_ / "root/bin/app"), "#!/bin/sh\n");
  struct stat st {};
  ASSERT_EQ(::stat((tmp_ / "root/bin/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1500000000);
  EXPECT_EQ(st.st_nlink, 2u);
  if (::geteuid() == 0) {
    EXPECT_EQ(st.st_mode & 07777, 04755u) << "setuid kept as root";
  }
  char target[16] = {};
  ASSERT_GT(::readlink((tmp_ / "root/bin/alias").c_str(), target, sizeof target), 0);
  EXPECT_STREQ(target, "app");
  EXPECT_EQ(test::read_file(tmp_ / "root/etc/deep/conf"), "x=1\n");
  ASSERT_EQ(::lstat((tmp_ / "root/pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_FALSE(exists("root/dev-null")) << "device nodes are not created";
  EXPECT_EQ(stats_.skipped_devices, 1u);
}

struct Hostile {
  const char* name;
  void (*build)(TarBuilder&);
  Errc code;
  const char* message;
};

const Hostile kHostile[] = {
    {"absolute", [](TarBuilder& t) { t.file("/etc/evil", "x"); }, Errc::UnsafePath, "absolute path"},
    {"dotdot", [](TarBuilder& t) { t.file("rootfs/../../outside/evil", "x"); }, Errc::UnsafePath, "\"..\""},
    {"symlink-then-file",
     [](TarBuilder& t) {
       t.symlink("rootfs/etc", "../../outside");
       t.file("rootfs/etc/evil", "x");
     },
     Errc::UnsafePath, "is a symlink or not a directory"},
    {"absolute-symlink-then-file",
     [](TarBuilder& t) {
       t.symlink("rootfs/etc", "/tmp");
       t.file("rootfs/etc/evil", "x");
     },
     Errc::UnsafePath, "is a symlink or not a directory"},
    {"symlink-replaced-dir",
     [](TarBuilder& t) {
       t.dir("rootfs/d");
       t.file("rootfs/d", "now a file");
     },
     Errc::InvalidImage, "would replace a directory"},
    {"file-then-symlink-then-write",
     [](TarBuilder& t) {
       t.file("rootfs/a", "x");
       t.symlink("rootfs/a", "../../outside");
       t.file("rootfs/a/evil", "x");
     },
     Errc::UnsafePath, "is a symlink or not a directory"},
    {"hardlink-outside", [](TarBuilder& t) { t.hardlink("rootfs/h", "/etc/shadow"); }, Errc::UnsafePath,
     "points outside rootfs"},
    {"hardlink-dotdot", [](TarBuilder& t) { t.hardlink("rootfs/h", "rootfs/../../outside/x"); }, Errc::UnsafePath,
     "points outside rootfs"},
    {"hardlink-through-symlink",
     [](TarBuilder& t) {
       t.symlink("rootfs/l", "../../outside");
       t.hardlink("rootfs/h", "rootfs/l/secret");
     },
     Errc::UnsafePath, "is a symlink or not a directory"},
    {"hardlink-missing", [](TarBuilder& t) { t.hardlink("rootfs/h", "rootfs/nothing"); }, Errc::InvalidImage,
     "does not exist"},
    {"outside-rootfs", [](TarBuilder& t) { t.file("etc/passwd", "x"); }, Errc::InvalidImage, "unexpected entry"},
    {"second-manifest", [](TarBuilder& t) { t.file("manifest", "{}"); }, Errc::InvalidImage, "duplicate entry"},
};

TEST_F(ExtractTest, HostileEntriesAreRefusedAndNothingEscapes) {
  test::write_file(tmp_ / "outside/secret", "secret");
  for (const auto& h : kHostile) {
    std::string tar = tmp_ / (std::string(h.name) + ".tar");
    {
      TarBuilder t(tar);
      t.image(manifest_for("example.com/x"));
      h.build(t);
    }
    Status s = extract(tar);
    ASSERT_FALSE(s) << h.name;
    EXPECT_EQ(s.error().code(), h.code) << h.name << ": " << s.error().message();
    EXPECT_NE(s.error().message().find(h.message), std::string::npos) << h.name << ": " << s.error().message();
    EXPECT_NE(s.error().message().find("image \"test.aci\""), std::string::npos) << s.error().message();
    EXPECT_FALSE(exists("outside/evil")) << h.name;
    EXPECT_EQ(test::read_file(tmp_ / "outside/secret"), "secret") << h.name;
    test::run_command({"/bin/rm", "-rf", tmp_ / "root"});
    ::mkdir((tmp_ / "root").c_str(), 0755);
  }
}

TEST_F(ExtractTest, SizeAndEntryLimitsStopBombs) {
  std::string tar = tmp_ / "big.tar";
  {
    TarBuilder t(tar, "gzip");
    t.image(manifest_for("example.com/x")).file("rootfs/zeros", std::string(1 << 20, '\0'));
  }
  ExtractLimits small;
  small.max_bytes = 1000;
  Status s = extract(tar, small);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("exceeds the limit of 1000 bytes"), std::string::npos) << s.error().message();

  std::string many = tmp_ / "many.tar";
  {
    TarBuilder t(many);
    t.image(manifest_for("example.com/x"));
    for (int i = 0; i < 20; ++i) t.file("rootfs/f" + std::to_string(i), "");
  }
  ExtractLimits few;
  few.max_entries = 10;
  Status m = extract(many, few);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("more than 10 entries"), std::string::npos);
}

TEST_F(ExtractTest, ManifestRules) {
  std::string none = tmp_ / "none.tar";
  {
    TarBuilder t(none);
    t.dir("rootfs").file("rootfs/x", "x");
  }
  Status s = extract(none);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("no manifest"), std::string::npos);
  std::string huge = tmp_ / "huge.tar";
  {
    TarBuilder t(huge);
    t.file("manifest", std::string((1 << 20) + 1, ' ')).dir("rootfs");
  }
  Status h = extract(huge);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message().find("manifest is larger than"), std::string::npos);
}

}  // namespace
}  // namespace rkt::stage0
