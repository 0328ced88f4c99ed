#include "stage0/fetch.h"

#include <gtest/gtest.h>

#include "common/fs.h"
#include "tests/support/command.h"

namespace rkt::stage0 {
namespace {

TEST(ImageRefTest, Kinds) {
  test::TempDir tmp;
  test::write_file(tmp / "local.aci", "x");
  auto file = parse_image_ref(tmp / "local.aci");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, ImageRef::Kind::File);
  auto scheme = parse_image_ref("file:///srv/app.aci");
  ASSERT_TRUE(scheme);
  EXPECT_EQ(scheme->kind, ImageRef::Kind::File);
  EXPECT_EQ(scheme->value, "/srv/app.aci");
  EXPECT_EQ(parse_image_ref("https://example.com/app.aci")->kind, ImageRef::Kind::Url);
  EXPECT_EQ(parse_image_ref("http://example.com/app.aci")->kind, ImageRef::Kind::Url);
  EXPECT_EQ(parse_image_ref("sha512-0123abcd")->kind, ImageRef::Kind::Id);
  auto missing = parse_image_ref("./missing.aci");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Errc::NotFound);
}

TEST(ImageRefTest, NamesWithVersionAndLabels) {
  auto r = parse_image_ref("example.com/app:1.0,os=linux,channel=beta");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->kind, ImageRef::Kind::Name);
  EXPECT_EQ(r->value, "example.com/app");
  EXPECT_EQ(r->labels, (spec::Labels{{"version", "1.0"}, {"os", "linux"}, {"channel", "beta"}}));
  EXPECT_EQ(parse_image_ref("example.com/app,os=linux,os=darwin").error().message(),
            "image \"example.com/app,os=linux,os=darwin\": label \"os\" given twice");
  EXPECT_EQ(parse_image_ref("example.com/app,os").error().message(),
            "image \"example.com/app,os\": label \"os\" is not name=value");
  EXPECT_FALSE(parse_image_ref("Example.com/App"));
  EXPECT_FALSE(parse_image_ref(""));
  EXPECT_EQ(parse_image_ref("docker://busybox")->kind, ImageRef::Kind::Oci)
      << "docker images go through the OCI import";
  EXPECT_FALSE(parse_image_ref("docker://Not_Valid"));
}

}  // namespace
}  // namespace rkt::stage0
