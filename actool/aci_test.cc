#include "actool/aci.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/command.h"

#include "spec/manifest.h"

namespace rkt::aci {
namespace {

const char* kManifest = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/test",
  "app":{"exec":["/bin/true"],"user":"0","group":"0"}})";

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

class AciTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layout_ = dir_ + "/layout";
    ASSERT_EQ(::mkdir(layout_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((layout_ + "/rootfs").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((layout_ + "/rootfs/bin").c_str(), 0755), 0);
    spit(layout_ + "/manifest", kManifest);
    spit(layout_ + "/rootfs/bin/true", "#!/bin/sh\n");
    ::chmod((layout_ + "/rootfs/bin/true").c_str(), 0755);
    ASSERT_EQ(::symlink("true", (layout_ + "/rootfs/bin/alias").c_str()), 0);
    ASSERT_EQ(::link((layout_ + "/rootfs/bin/true").c_str(), (layout_ + "/rootfs/bin/hard").c_str()), 0);
  }

  // Writes an archive whose entries are given as (name, type, content-or-link).
  struct E {
    std::string name;
    mode_t type;
    std::string data;
    std::string hardlink;
  };
  std::string write_tar(const std::vector<E>& entries) {
    std::string path = dir_ + "/hostile-" + std::to_string(counter_++) + ".aci";
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_filename(a, path.c_str());
    for (const auto& e : entries) {
      archive_entry* ent = archive_entry_new();
      archive_entry_set_pathname(ent, e.name.c_str());
      archive_entry_set_mode(ent, e.type | 0644);
      if (!e.hardlink.empty()) archive_entry_set_hardlink(ent, e.hardlink.c_str());
      if (e.type == AE_IFLNK) archive_entry_set_symlink(ent, e.data.c_str());
      if (e.type == AE_IFREG && e.hardlink.empty()) archive_entry_set_size(ent, static_cast<la_int64_t>(e.data.size()));
      archive_write_header(a, ent);
      if (e.type == AE_IFREG && e.hardlink.empty()) archive_write_data(a, e.data.data(), e.data.size());
      archive_entry_free(ent);
    }
    archive_write_close(a);
    archive_write_free(a);
    return path;
  }

  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
  std::string layout_;
  int counter_ = 0;
};

TEST_F(AciTest, BuildsAReadableImage) {
  std::string out = dir_ + "/img.aci";
  ASSERT_TRUE(build(layout_, out, {}));
  EXPECT_EQ(detect_compression(slurp(out).substr(0, 8)), Compression::Gzip);
  auto a = read_archive(out);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->manifest_json, kManifest);
  EXPECT_EQ(a->manifest.name, "example.com/test");
}

TEST_F(AciTest, BuildIsReproducible) {
  ASSERT_TRUE(build(layout_, dir_ + "/a.aci", {}));
  // Time passing, and files being read (access times), must not change the output...
  ::sleep(1);
  ASSERT_TRUE(build(layout_, dir_ + "/b.aci", {}));
  EXPECT_EQ(slurp(dir_ + "/a.aci"), slurp(dir_ + "/b.aci"));
  // ...but a change to the tree must.
  struct timeval later[2] = {{2000000000, 0}, {2000000000, 0}};
  ASSERT_EQ(::utimes((layout_ + "/rootfs/bin/true").c_str(), later), 0);
  ASSERT_TRUE(build(layout_, dir_ + "/c.aci", {}));
  EXPECT_NE(slurp(dir_ + "/a.aci"), slurp(dir_ + "/c.aci"));
}

TEST_F(AciTest, BuildKeepsLinksAndOwnerRoot) {
  WriteOptions o;
  o.compression = Compression::None;
  o.owner_root = OwnerRoot::Yes;
  std::string out = dir_ + "/plain.aci";
  ASSERT_TRUE(build(layout_, out, o));
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  ASSERT_EQ(archive_read_open_filename(a, out.c_str(), 4096), ARCHIVE_OK);
  archive_entry* e;
  std::vector<std::string> names;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    names.push_back(archive_entry_pathname(e));
    EXPECT_EQ(archive_entry_uid(e), 0);
    const char* uname = archive_entry_uname(e);
    EXPECT_TRUE(uname == nullptr || *uname == '\0') << uname;
    if (names.back() == "rootfs/bin/alias") {
      EXPECT_STREQ(archive_entry_symlink(e), "true");
    }
    if (names.back() == "rootfs/bin/true") {
      EXPECT_STREQ(archive_entry_hardlink(e), "rootfs/bin/hard");
    }
  }
  archive_read_free(a);
  EXPECT_EQ(names, (std::vector<std::string>{"manifest", "rootfs/", "rootfs/bin/", "rootfs/bin/alias",
                                             "rootfs/bin/hard", "rootfs/bin/true"}));
}

TEST_F(AciTest, BuildRefusesBadLayoutsAndExistingOutput) {
  std::string out = dir_ + "/img.aci";
  ASSERT_TRUE(build(layout_, out, {}));
  Status again = build(layout_, out, {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::AlreadyExists);
  WriteOptions ow;
  ow.overwrite = Overwrite::Yes;
  EXPECT_TRUE(build(layout_, out, ow));

  spit(layout_ + "/extra", "x");
  Status extra = build(layout_, dir_ + "/x.aci", {});
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.error().message().find("unexpected entry \"extra\""), std::string::npos);
  ::unlink((layout_ + "/extra").c_str());

  spit(layout_ + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"Bad"})");
  Status bad = build(layout_, dir_ + "/y.aci", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Errc::InvalidManifest);
  EXPECT_NE(bad.error().message().find("field \"/name\""), std::string::npos);
  EXPECT_NE(::access((dir_ + "/y.aci").c_str(), F_OK), 0) << "no output on failure";
}

TEST_F(AciTest, ReadsEveryCompression) {
  for (auto c : {Compression::None, Compression::Gzip, Compression::Bzip2, Compression::Xz, Compression::Zstd}) {
    WriteOptions o;
    o.compression = c;
    std::string out = dir_ + "/c" + std::to_string(static_cast<int>(c)) + ".aci";
    ASSERT_TRUE(build(layout_, out, o));
    EXPECT_EQ(detect_compression(slurp(out).substr(0, 8)), c);
    EXPECT_TRUE(looks_like_archive(slurp(out).substr(0, 512)));
    auto a = read_archive(out);
    EXPECT_TRUE(a) << a.error().message();
  }
}

TEST_F(AciTest, RefusesHostileArchives) {
  const E manifest{"manifest", AE_IFREG, kManifest, ""};
  const E rootfs{"rootfs", AE_IFDIR, "", ""};
  struct Case {
    std::vector<E> entries;
    Errc code;
    std::string message;
  };
  std::vector<Case> cases = {
      {{manifest, rootfs, {"/etc/passwd", AE_IFREG, "x", ""}}, Errc::UnsafePath, "absolute path"},
      {{manifest, rootfs, {"rootfs/../../etc/passwd", AE_IFREG, "x", ""}}, Errc::UnsafePath, "contains \"..\""},
      {{manifest, rootfs, {"rootfs/a", AE_IFREG, "", "/etc/shadow"}}, Errc::UnsafePath, "points outside rootfs"},
      {{manifest, rootfs, {"rootfs/a", AE_IFREG, "", "manifest"}}, Errc::UnsafePath, "points outside rootfs"},
      {{manifest, rootfs, {"rootfs/a", AE_IFREG, "", "rootfs/../x"}}, Errc::UnsafePath, "points outside rootfs"},
      {{manifest, rootfs, {"rootfs/a", AE_IFREG, "1", ""}, {"./rootfs/a", AE_IFREG, "2", ""}},
       Errc::InvalidImage,
       "duplicate entry \"rootfs/a\""},
      {{manifest, manifest, rootfs}, Errc::InvalidImage, "duplicate entry \"manifest\""},
      {{rootfs}, Errc::InvalidImage, "has no manifest"},
      {{manifest}, Errc::InvalidImage, "has no rootfs directory"},
      {{manifest, {"rootfs", AE_IFREG, "x", ""}}, Errc::InvalidImage, "rootfs is not a directory"},
      {{{"manifest", AE_IFLNK, "/etc/passwd", ""}, rootfs}, Errc::InvalidImage, "manifest is not a regular file"},
      {{manifest, rootfs, {"other", AE_IFREG, "x", ""}}, Errc::InvalidImage, "unexpected entry \"other\""},
      {{{"manifest", AE_IFREG, std::string(spec::kMaxManifestBytes + 1, ' '), ""}, rootfs},
       Errc::InvalidImage,
       "manifest is larger than"},
      {{{"manifest", AE_IFREG, "{\"acKind\":", ""}, rootfs}, Errc::InvalidManifest, "JSON error"},
  };
  for (const auto& c : cases) {
    std::string path = write_tar(c.entries);
    auto r = read_archive(path);
    ASSERT_FALSE(r) << c.message;
    EXPECT_EQ(r.error().code(), c.code) << r.error().message();
    EXPECT_NE(r.error().message().find(c.message), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(path), std::string::npos) << "the error names the image";
  }
  auto garbage = dir_ + "/garbage.aci";
  spit(garbage, "this is not an archive at all, not even close.............................");
  auto r = read_archive(garbage);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::InvalidImage);
}

TEST_F(AciTest, ReplaceManifestKeepsTheRest) {
  std::string in = dir_ + "/in.aci", out = dir_ + "/out.aci";
  ASSERT_TRUE(build(layout_, in, {}));
  std::string replaced = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/other"})";
  ASSERT_TRUE(replace_manifest(in, out, replaced, {}));
  auto a = read_archive(out);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->manifest_json, replaced);
  WriteOptions in_place;
  in_place.overwrite = Overwrite::Yes;
  ASSERT_TRUE(replace_manifest(out, out, kManifest, in_place));
  EXPECT_EQ(read_archive(out)->manifest_json, kManifest);
}

}  // namespace
}  // namespace rkt::aci
