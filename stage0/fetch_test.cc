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

class AuthConfigTest : public ::testing::Test {
 protected:
  void put(const std::string& root, const std::string& file, const std::string& json) {
    ASSERT_TRUE(make_dirs(tmp_ / root + "/auth.d", 0755));
    test::write_file(tmp_ / root + "/auth.d/" + file, json);
  }
  std::map<std::string, std::string> headers() {
    auto a = read_auth_config(tmp_ / "system", tmp_ / "local", tmp_ / "user");
    EXPECT_TRUE(a) << a.error().message();
    std::map<std::string, std::string> out;
    if (a) {
      for (const auto& e : *a) out[e.domains.at(0)] = e.header;
    }
    return out;
  }
  test::TempDir tmp_;
};

TEST_F(AuthConfigTest, BasicAndOauthLocalOverridingSystemPerDomain) {
  put("system", "a.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["a.example","b.example"],"type":"basic",
    "credentials":{"user":"user","password":"secret"}})");
  put("local", "b.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["b.example"],"type":"oauth",
    "credentials":{"token":"tok"}})");
  put("local", "ignored.txt", "not json");
  auto h = headers();
  EXPECT_EQ(h["a.example"], "Authorization: Basic dXNlcjpzZWNyZXQ=");
  EXPECT_EQ(h["b.example"], "Authorization: Bearer tok");
  EXPECT_EQ(h.size(), 2u);
  // --user-config comes last, as rkt merges it, and wins over both.
  put("user", "b.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["b.example"],"type":"oauth",
    "credentials":{"token":"mine"}})");
  EXPECT_EQ(headers()["b.example"], "Authorization: Bearer mine");
  EXPECT_EQ(headers()["a.example"], "Authorization: Basic dXNlcjpzZWNyZXQ=");
}

TEST_F(AuthConfigTest, DockerAuthFilesAreForRegistriesOnly) {
  put("local", "quay.json", R"({"rktKind":"dockerAuth","rktVersion":"v1","registries":["quay.io"],
    "credentials":{"user":"user","password":"secret"}})");
  put("local", "web.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["quay.io"],"type":"oauth",
    "credentials":{"token":"tok"}})");
  auto a = read_auth_config("", tmp_ / "local");
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_EQ(a->size(), 2u) << "a registry's credentials and a web server's of the same host are kept apart";
  for (const auto& e : *a) {
    EXPECT_EQ(e.header, e.docker ? "Authorization: Basic dXNlcjpzZWNyZXQ=" : "Authorization: Bearer tok");
  }
}

TEST_F(AuthConfigTest, BadFilesAreErrorsNamingTheFile) {
  put("local", "bad.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["x"],"type":"digest"})");
  auto a = read_auth_config(tmp_ / "system", tmp_ / "local");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message(),
            "auth config \"" + (tmp_ / "local") + "/auth.d/bad.json\": type \"digest\" must be basic or oauth");
  put("local", "bad.json", "[1,2]");
  EXPECT_NE(read_auth_config("", tmp_ / "local").error().message().find("not a JSON object"), std::string::npos);
  put("local", "bad.json", R"({"rktKind":"auth","rktVersion":"v2"})");
  EXPECT_NE(read_auth_config("", tmp_ / "local").error().message().find("rktVersion must be \"v1\""),
            std::string::npos);
}

}  // namespace
}  // namespace rkt::stage0
