#include "actool/image_rules.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

namespace rkt::aci {
namespace {

TEST(ImageRulesTest, EntriesAreClassified) {
  auto m = classify_entry("./manifest", "\"i\"");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, ImageEntry::Kind::Manifest);
  auto r = classify_entry("rootfs/", "\"i\"");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ImageEntry::Kind::Rootfs);
  auto f = classify_entry("rootfs//etc/./passwd", "\"i\"");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, ImageEntry::Kind::InRootfs);
  EXPECT_EQ(f->name, "rootfs/etc/passwd");
  EXPECT_EQ(f->path, (std::vector<std::string>{"etc", "passwd"}));
}

TEST(ImageRulesTest, HostileNamesAreRefusedWithTheImageAndEntry) {
  struct Case {
    const char* name;
    Errc code;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"/etc/passwd", Errc::UnsafePath, "image \"i\": entry \"/etc/passwd\": "},
           {"rootfs/../../x", Errc::UnsafePath, "image \"i\": entry \"rootfs/../../x\": "},
           {"./", Errc::UnsafePath, "image \"i\": entry \"./\": empty path"},
           {nullptr, Errc::UnsafePath, "image \"i\": entry \"\": empty path"},
           {"manifest/x", Errc::InvalidImage, "image \"i\": unexpected entry \"manifest/x\""},
           {"extra", Errc::InvalidImage,
            "image \"i\": unexpected entry \"extra\" (only manifest and rootfs/ belong in an image)"},
       }) {
    auto e = classify_entry(c.name, "\"i\"");
    ASSERT_FALSE(e) << (c.name ? c.name : "(null)");
    EXPECT_EQ(e.error().code(), c.code);
    EXPECT_EQ(e.error().message().rfind(c.message, 0), 0u) << e.error().message();
  }
}

TEST(ImageRulesTest, HardLinksStayInRootfs) {
  auto t = hard_link_target("rootfs/bin/sh", "rootfs/bin/ash", "\"i\"");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, (std::vector<std::string>{"bin", "sh"}));
  for (const char* bad : {"manifest", "rootfs", "/etc/shadow", "rootfs/../../etc/shadow", ""}) {
    auto r = hard_link_target(bad, "rootfs/x", "\"i\"");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message(),
              std::string("image \"i\": hard link \"rootfs/x\" points outside rootfs to \"") + bad + "\"");
  }
  EXPECT_FALSE(hard_link_target(nullptr, "rootfs/x", "\"i\""));
}

TEST(ImageRulesTest, TheManifestIsABoundedRegularFile) {
  EXPECT_TRUE(check_manifest_entry(S_IFREG | 0644, 100, "\"i\""));
  EXPECT_EQ(check_manifest_entry(S_IFLNK, 0, "\"i\"").error().message(), "image \"i\": manifest is not a regular file");
  EXPECT_EQ(check_manifest_entry(S_IFDIR, 0, "\"i\"").error().message(), "image \"i\": manifest is not a regular file");
  EXPECT_FALSE(check_manifest_entry(S_IFREG, (1 << 20) + 1, "\"i\""));
  EXPECT_FALSE(check_manifest_entry(S_IFREG, -1, "\"i\""));
}

}  // namespace
}  // namespace rkt::aci
