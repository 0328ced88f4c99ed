#include "stage0/config.h"

#include <unistd.h>

#include <map>

#include <gtest/gtest.h>

#include "common/fs.h"
#include "tests/support/command.h"

namespace rkt::stage0 {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void put(const std::string& root, const std::string& file, const std::string& json,
           const std::string& sub = "auth.d") {
    ASSERT_TRUE(make_dirs(tmp_ / root + "/" + sub, 0755));
    test::write_file(tmp_ / root + "/" + sub + "/" + file, json);
  }
  std::map<std::string, std::string> headers() {
    auto c = read_config({tmp_ / "system", tmp_ / "local", tmp_ / "user"});
    EXPECT_TRUE(c) << c.error().message();
    std::map<std::string, std::string> out;
    if (c) {
      for (const auto& e : c->auth) out[e.domains.at(0)] = e.header;
    }
    return out;
  }
  test::TempDir tmp_;
};

TEST_F(ConfigTest, BasicAndOauthLocalOverridingSystemPerDomain) {
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

TEST_F(ConfigTest, DockerAuthFilesAreForRegistriesOnly) {
  put("local", "quay.json", R"({"rktKind":"dockerAuth","rktVersion":"v1","registries":["quay.io"],
    "credentials":{"user":"user","password":"secret"}})");
  put("local", "web.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["quay.io"],"type":"oauth",
    "credentials":{"token":"tok"}})");
  auto c = read_config({"", tmp_ / "local"});
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->auth.size(), 2u) << "a registry's credentials and a web server's of the same host are kept apart";
  for (const auto& e : c->auth) {
    EXPECT_EQ(e.header, e.docker ? "Authorization: Basic dXNlcjpzZWNyZXQ=" : "Authorization: Bearer tok");
  }
}

TEST_F(ConfigTest, BadFilesAreErrorsNamingTheFile) {
  put("local", "bad.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["x"],"type":"digest"})");
  auto c = read_config({tmp_ / "system", tmp_ / "local"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(),
            "config file \"" + (tmp_ / "local") + "/auth.d/bad.json\": type \"digest\" must be basic or oauth");
  auto error = [&] { return read_config({"", tmp_ / "local"}).error().message(); };
  put("local", "bad.json", "[1,2]");
  EXPECT_NE(error().find("not a JSON object"), std::string::npos);
  put("local", "bad.json", R"({"rktKind":"auth","rktVersion":"v2"})");
  EXPECT_NE(error().find("rktVersion must be \"v1\""), std::string::npos);
  put("local", "bad.json", R"({"rktKind":"paths","rktVersion":"v1"})");
  EXPECT_NE(error().find("expects configuration files of kinds \"auth\", \"dockerAuth\", but it has kind \"paths\""),
            std::string::npos)
      << error();
  put("local", "bad.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["x"],"type":"basic",
    "credentials":{"user":"u"}})");
  EXPECT_NE(error().find("password not specified"), std::string::npos) << error();
  put("local", "bad.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["x"],"type":"oauth",
    "credentials":{"token":"t"}})");
  put("local", "bad2.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["x"],"type":"oauth",
    "credentials":{"token":"u"}})");
  EXPECT_NE(error().find("bad2.json\": auth for domain \"x\" is already specified"), std::string::npos) << error();
}

TEST_F(ConfigTest, PathsAndStage1FromTheirDirectoriesTheLaterDirectoryWinning) {
  put("system", "p.json", R"({"rktKind":"paths","rktVersion":"v1","data":"/srv/rkt","stage1-images":"/opt/s1"})",
      "paths.d");
  put("system", "s.json", R"({"rktKind":"stage1","rktVersion":"v1","name":"example.com/s1","version":"1.0",
    "location":"/opt/s1/s1.aci"})",
      "stage1.d");
  put("local", "p.json", R"({"rktKind":"paths","rktVersion":"v1","data":"/var/lib/other"})", "paths.d");
  put("local", "s.json", R"({"rktKind":"stage1","rktVersion":"v1","location":"https://example.com/s1.aci"})",
      "stage1.d");
  auto c = read_config({tmp_ / "system", tmp_ / "local", ""});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->data_dir, "/var/lib/other");
  EXPECT_EQ(c->stage1_images_dir, "/opt/s1");
  EXPECT_EQ(c->stage1.name, "example.com/s1");
  EXPECT_EQ(c->stage1.version, "1.0");
  EXPECT_EQ(c->stage1.location, "https://example.com/s1.aci");
}

TEST_F(ConfigTest, PathsAndStage1ValuesAreCheckedAsRktChecksThem) {
  auto error = [&] {
    auto c = read_config({tmp_ / "local"});
    return c ? std::string() : c.error().message();
  };
  put("local", "p.json", R"({"rktKind":"paths","rktVersion":"v1","data":"relative"})", "paths.d");
  EXPECT_NE(error().find("p.json\": data directory must be an absolute path"), std::string::npos) << error();
  put("local", "p.json", R"({"rktKind":"paths","rktVersion":"v1","data":"/a"})", "paths.d");
  put("local", "q.json", R"({"rktKind":"paths","rktVersion":"v1","data":"/b"})", "paths.d");
  EXPECT_NE(error().find("q.json\": data directory is already specified"), std::string::npos) << error();
  ::unlink((tmp_ / "local/paths.d/q.json").c_str());
  EXPECT_EQ(error(), "");
  put("local", "s.json", R"({"rktKind":"stage1","rktVersion":"v1","name":"n"})", "stage1.d");
  EXPECT_NE(error().find("default stage1 image name specified, but version is missing"), std::string::npos);
  put("local", "s.json", R"({"rktKind":"stage1","rktVersion":"v1","location":"s1.aci"})", "stage1.d");
  EXPECT_NE(error().find("is either a relative path or a URL without scheme"), std::string::npos) << error();
  put("local", "s.json", R"({"rktKind":"stage1","rktVersion":"v1","location":"ftp://x/s1.aci"})", "stage1.d");
  EXPECT_NE(error().find("invalid scheme \"ftp\", allowed schemes are \"docker\", \"file\", \"http\", \"https\""),
            std::string::npos)
      << error();
  put("local", "s.json", R"({"rktKind":"stage1","rktVersion":"v1","name":7})", "stage1.d");
  EXPECT_NE(error().find("\"name\" must be a string"), std::string::npos) << error();
  ::unlink((tmp_ / "local/stage1.d/s.json").c_str());
  test::write_file(tmp_ / "local/stage1.d-file", "");
  ::rmdir((tmp_ / "local/stage1.d").c_str());
  ASSERT_EQ(::rename((tmp_ / "local/stage1.d-file").c_str(), (tmp_ / "local/stage1.d").c_str()), 0);
  EXPECT_NE(error().find("to be a directory"), std::string::npos) << error();
}

TEST_F(ConfigTest, PrintedAsRktPrintsIt) {
  put("local", "a.json", R"({"rktKind":"auth","rktVersion":"v1","domains":["b.example","a.example"],"type":"oauth",
    "credentials":{"token":"t<&>"}})");
  put("local", "d.json", R"({"rktKind":"dockerAuth","rktVersion":"v1","registries":["quay.io"],
    "credentials":{"user":"u","password":"p"}})");
  put("local", "p.json", R"({"rktKind":"paths","rktVersion":"v1","data":"/srv/rkt"})", "paths.d");
  auto c = read_config({tmp_ / "local"});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(config_json(*c, false),
            R"({"stage0":[{"rktVersion":"v1","rktKind":"auth","domains":["a.example"],"type":"oauth",)"
            R"("credentials":{"token":"t\u003c\u0026\u003e"}},{"rktVersion":"v1","rktKind":"auth","domains":)"
            R"(["b.example"],"type":"oauth","credentials":{"token":"t\u003c\u0026\u003e"}},{"rktVersion":"v1",)"
            R"("rktKind":"dockerAuth","registries":["quay.io"],"credentials":{"user":"u","password":"p"}},)"
            R"({"rktVersion":"v1","rktKind":"paths","data":"/srv/rkt","stage1-images":""},)"
            R"({"rktVersion":"v1","rktKind":"stage1","name":"","version":"","location":""}]})");
  auto empty = read_config({});
  ASSERT_TRUE(empty);
  EXPECT_EQ(config_json(*empty, true),
            "{\n\t\"stage0\": [\n\t\t{\n\t\t\t\"rktVersion\": \"v1\",\n\t\t\t\"rktKind\": \"paths\",\n"
            "\t\t\t\"data\": \"\",\n\t\t\t\"stage1-images\": \"\"\n\t\t},\n\t\t{\n\t\t\t\"rktVersion\": \"v1\",\n"
            "\t\t\t\"rktKind\": \"stage1\",\n\t\t\t\"name\": \"\",\n\t\t\t\"version\": \"\",\n"
            "\t\t\t\"location\": \"\"\n\t\t}\n\t]\n}");
}

}  // namespace
}  // namespace rkt::stage0
