#include "stage0/discovery.h"

#include <map>

#include <gtest/gtest.h>

namespace rkt::stage0 {
namespace {

TEST(DiscoveryTest, MetaTagsAreFoundWhateverTheMarkup) {
  auto tags = parse_meta_tags(R"(<html><head>
    <meta name="ac-discovery" content="example.com https://example.com/{os}/{arch}/{name}-{version}.{ext}">
    <META content='example.com/app https://cdn.example.com/{name}.{ext}' name='ac-discovery'/>
    <meta name="ac-discovery-pubkeys" content="example.com https://example.com/pubkeys.gpg">
    <meta name="description" content="not discovery">
  </head></html>)");
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].name, "ac-discovery");
  EXPECT_EQ(tags[0].prefix, "example.com");
  EXPECT_EQ(tags[0].value, "https://example.com/{os}/{arch}/{name}-{version}.{ext}");
  EXPECT_EQ(tags[1].prefix, "example.com/app");
  EXPECT_EQ(tags[2].name, "ac-discovery-pubkeys");
}

TEST(DiscoveryTest, TemplatesNeedEveryLabelTheyName) {
  spec::Labels labels = {{"version", "1.0"}, {"os", "linux"}, {"arch", "amd64"}};
  std::string out;
  ASSERT_TRUE(expand_template("https://e/{os}/{arch}/{name}-{version}.{ext}", "example.com/app", labels, "aci", &out));
  EXPECT_EQ(out, "https://e/linux/amd64/example.com/app-1.0.aci");
  EXPECT_FALSE(expand_template("https://e/{name}-{channel}.{ext}", "example.com/app", labels, "aci", &out));
}

TEST(DiscoveryTest, TheNameIsTriedThenEachParent) {
  std::vector<std::string> asked;
  std::map<std::string, std::string> pages = {
      {"https://example.com?ac-discovery=1",
       R"(<meta name="ac-discovery" content="example.com https://example.com/{name}-{version}.{ext}">)"}};
  auto fetch = [&](const std::string& url) -> Result<std::string> {
    asked.push_back(url);
    auto it = pages.find(url);
    if (it == pages.end()) return Error(Errc::NotFound, "404");
    return it->second;
  };
  auto d = discover_image("example.com/group/app", {{"version", "2"}}, fetch, false);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->image_url, "https://example.com/example.com/group/app-2.aci");
  EXPECT_EQ(d->signature_url, "https://example.com/example.com/group/app-2.aci.asc");
  EXPECT_EQ(asked, (std::vector<std::string>{"https://example.com/group/app?ac-discovery=1",
                                             "https://example.com/group?ac-discovery=1",
                                             "https://example.com?ac-discovery=1"}));
  asked.clear();
  auto missing = discover_image("example.com/app", {}, fetch, false);
  ASSERT_FALSE(missing) << "the only template needs {version}";
  EXPECT_NE(missing.error().message().find("that the labels complete"), std::string::npos) << missing.error().message();
  asked.clear();
  (void)discover_image("other.org/app", {}, fetch, true);
  EXPECT_EQ(asked[1], "http://other.org/app?ac-discovery=1") << "plain http only when allowed, after https";
}

TEST(DiscoveryTest, PubkeysOfThePrefix) {
  auto fetch = [](const std::string&) -> Result<std::string> {
    return std::string(R"(<meta name="ac-discovery-pubkeys" content="example.com https://example.com/a.gpg">
      <meta name="ac-discovery-pubkeys" content="other.org https://other.org/b.gpg">)");
  };
  auto keys = discover_pubkeys("example.com/app", fetch, false);
  ASSERT_TRUE(keys) << keys.error().message();
  EXPECT_EQ(*keys, std::vector<std::string>{"https://example.com/a.gpg"});
}

}  // namespace
}  // namespace rkt::stage0
