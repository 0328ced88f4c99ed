#include "spec/names.h"

#include <gtest/gtest.h>

namespace rkt::spec {
namespace {

TEST(Names, Utf8) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny"));
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));
  for (const char* bad : {"\xfe", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "a\x80"
                          "b"}) {
    EXPECT_FALSE(valid_utf8(bad)) << bad;
  }
}

TEST(Names, AcName) {
  EXPECT_EQ(check_ac_name("database"), "");
  EXPECT_EQ(check_ac_name("product-database-1"), "");
  EXPECT_NE(check_ac_name(""), "");
  EXPECT_NE(check_ac_name("Database"), "");
  EXPECT_NE(check_ac_name("-db"), "");
  EXPECT_NE(check_ac_name("db-"), "");
  EXPECT_EQ(check_ac_name("xn--bcher-kva"), "");
  EXPECT_NE(check_ac_name("a.b"), "");
}

TEST(Names, AcIdentifier) {
  for (const char* ok :
       {"database", "example.com/database", "example.com/~user/app_v1", "sub-domain.example.com/org/product/release"}) {
    EXPECT_EQ(check_ac_identifier(ok), "") << ok;
  }
  for (const char* bad : {"", "Example.com", "example.com/", "/app", "a b", "a:b", "ä", "a//b", "a/../b", "a/./b"}) {
    EXPECT_NE(check_ac_identifier(bad), "") << bad;
  }
}

TEST(Names, Semver) {
  for (const char* ok : {"0.8.11", "1.0.0", "0.0.1", "1.2.3-alpha.1", "1.2.3+build.5", "0.0.0-rc1", "1.0.0-0a"}) {
    EXPECT_EQ(check_semver(ok), "") << ok;
  }
  for (const char* bad :
       {"", "0.0.0", "1.0", "1", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-a..b", "1.x.0", "1.0.0-01", "-1.0.0"}) {
    EXPECT_NE(check_semver(bad), "") << bad;
  }
}

TEST(Names, ImageId) {
  EXPECT_EQ(check_image_id("sha512-" + std::string(64, 'a')), "");
  EXPECT_EQ(check_image_id("sha512-" + std::string(128, '0')), "");
  EXPECT_NE(check_image_id("sha512-" + std::string(129, '0')), "");
  EXPECT_NE(check_image_id("sha512-xyz"), "");
  EXPECT_NE(check_image_id("sha256-abcd"), "");
  EXPECT_NE(check_image_id("sha512-"), "");
  EXPECT_NE(check_image_id("sha512-ab-cd"), "");
  EXPECT_NE(check_image_id("abcd"), "");
}

TEST(Names, Date) {
  for (const char* ok : {"2014-10-27T19:32:27.67021798Z", "2015-05-18T13:49:28-04:00", "2016-02-29T00:00:00Z"}) {
    EXPECT_EQ(check_date(ok), "") << ok;
  }
  for (const char* bad :
       {"", "2014-10-27", "2014-10-27 19:32:27Z", "2015-02-29T00:00:00Z", "2014-13-01T00:00:00Z",
        "2014-10-27T24:00:00Z", "2014-10-27T19:32:27", "2014-10-27T19:32:27.Z", "2014-10-27t19:32:27z"}) {
    EXPECT_NE(check_date(bad), "") << bad;
  }
}

TEST(Names, Url) {
  for (const char* ok :
       {"https://example.com", "http://example.com:8080/docs?x=1#y", "HTTPS://EXAMPLE.COM", "http://[::1]:80/"}) {
    EXPECT_EQ(check_http_url(ok), "") << ok;
  }
  for (const char* bad : {"", "example.com", "ftp://example.com", "http://exa mple.com", "http://host:port/",
                          "http://[::1/", "https://example.com/%zz"}) {
    EXPECT_NE(check_http_url(bad), "") << bad;
  }
}

TEST(Names, EnvAndIpAndOsArch) {
  EXPECT_EQ(check_env_name("PATH"), "");
  EXPECT_EQ(check_env_name("_x.y-z1"), "");
  EXPECT_NE(check_env_name("1X"), "");
  EXPECT_NE(check_env_name("A=B"), "");
  EXPECT_EQ(check_ip("10.0.0.1"), "");
  EXPECT_EQ(check_ip("fe80::1"), "");
  EXPECT_NE(check_ip("10.0.0.256"), "");
  EXPECT_EQ(check_os_arch("linux", "amd64"), "");
  EXPECT_EQ(check_os_arch(std::nullopt, "whatever"), "");
  EXPECT_NE(check_os_arch("linux", "x86_64"), "");
  EXPECT_NE(check_os_arch("plan9", std::nullopt), "");
}

TEST(Names, Uuid) {
  EXPECT_EQ(canonical_uuid("4C1B5A7E8F9D4E2AB3C4D5E6F7A8B9C0"), "4c1b5a7e-8f9d-4e2a-b3c4-d5e6f7a8b9c0");
  EXPECT_EQ(canonical_uuid("4c1b5a7e-8f9d-4e2a-b3c4-d5e6f7a8b9c0"), "4c1b5a7e-8f9d-4e2a-b3c4-d5e6f7a8b9c0");
  EXPECT_FALSE(canonical_uuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(canonical_uuid("4c1b"));
  EXPECT_FALSE(canonical_uuid("zc1b5a7e-8f9d-4e2a-b3c4-d5e6f7a8b9c0"));
}

}  // namespace
}  // namespace rkt::spec
