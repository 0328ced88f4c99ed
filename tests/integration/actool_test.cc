// actool end to end: images it builds and patches are accepted by the reference actool
// (appc's own validator), and its refusals name the file at fault.

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt::test {
namespace {

const char* kManifest = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hello",
  "labels":[{"name":"version","value":"1.0"},{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],
  "app":{"exec":["/bin/hello"],"user":"0","group":"0"}})";

class ActoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::mkdir((tmp_ / "layout").c_str(), 0755);
    ::mkdir((tmp_ / "layout/rootfs").c_str(), 0755);
    ::mkdir((tmp_ / "layout/rootfs/bin").c_str(), 0755);
    write_file(tmp_ / "layout/manifest", kManifest);
    write_file(tmp_ / "layout/rootfs/bin/hello", "#!/bin/sh\necho hello\n");
    ::chmod((tmp_ / "layout/rootfs/bin/hello").c_str(), 0755);
    ::symlink("hello", (tmp_ / "layout/rootfs/bin/hi").c_str());
  }

  void expect_reference_accepts(const std::string& image) {
    RKT_REQUIRE(::access(reference_actool().c_str(), X_OK) == 0,
                "the reference actool (golang-go, golang-github-appc-spec-dev)");
    auto r = run_command({reference_actool(), "--debug", "validate", image});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("valid app container image"), std::string::npos) << r.err;
  }

  TempDir tmp_;
};

TEST_F(ActoolTest, BuildValidateCatManifest) {
  std::string image = tmp_ / "hello.aci";
  auto b = run_command({actool_binary(), "build", "--owner-root", tmp_ / "layout", image});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = run_command({actool_binary(), "validate", image, tmp_ / "layout", tmp_ / "layout/manifest"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  auto c = run_command({actool_binary(), "cat-manifest", image});
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.out, std::string(kManifest) + "\n");
  auto p = run_command({actool_binary(), "cat-manifest", "--pretty-print", image});
  EXPECT_NE(p.out.find("\n    \"name\": \"example.com/hello\""), std::string::npos) << p.out;
  expect_reference_accepts(image);
}

TEST_F(ActoolTest, OutputIsReproducible) {
  ASSERT_EQ(run_command({actool_binary(), "build", tmp_ / "layout", tmp_ / "a.aci"}).exit_code, 0);
  ASSERT_EQ(run_command({actool_binary(), "build", tmp_ / "layout", tmp_ / "b.aci"}).exit_code, 0);
  EXPECT_EQ(read_file(tmp_ / "a.aci"), read_file(tmp_ / "b.aci"));
  auto again = run_command({actool_binary(), "build", tmp_ / "layout", tmp_ / "a.aci"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists (use --overwrite)"), std::string::npos) << again.err;
  EXPECT_EQ(run_command({actool_binary(), "build", "--overwrite", tmp_ / "layout", tmp_ / "a.aci"}).exit_code, 0);
}

TEST_F(ActoolTest, PatchManifestThenReferenceValidates) {
  std::string image = tmp_ / "hello.aci", patched = tmp_ / "patched.aci";
  ASSERT_EQ(run_command({actool_binary(), "build", tmp_ / "layout", image}).exit_code, 0);
  auto r = run_command({actool_binary(), "patch-manifest", "--name=example.com/patched", "--exec=/bin/hi --loud",
                        "--user=1000", "--group=1000", "--supplementary-groups=10,20", "--capability=CAP_NET_RAW",
                        "--mounts=name=data,path=/data", "--ports=name=http,protocol=tcp,port=8080",
                        "--isolators=resource/memory,limit=64M", "--seccomp-mode=retain,errno=ENOSYS",
                        "--seccomp-set=read,write,exit", image, patched});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto c = run_command({actool_binary(), "cat-manifest", patched});
  for (const char* s :
       {"\"name\":\"example.com/patched\"", "\"exec\":[\"/bin/hi\",\"--loud\"]", "\"user\":\"1000\"",
        "\"supplementaryGIDs\":[10,20]", "os/linux/capabilities-retain-set", "CAP_NET_RAW", "\"path\":\"/data\"",
        "\"port\":8080", "\"limit\":\"64M\"", "os/linux/seccomp-retain-set", "\"errno\":\"ENOSYS\""}) {
    EXPECT_NE(c.out.find(s), std::string::npos) << s << " in " << c.out;
  }
  expect_reference_accepts(patched);
  auto replace = run_command({actool_binary(), "patch-manifest", "--replace", "--name=example.com/inplace", patched});
  ASSERT_EQ(replace.exit_code, 0) << replace.err;
  EXPECT_NE(run_command({actool_binary(), "cat-manifest", patched}).out.find("example.com/inplace"), std::string::npos);
}

TEST_F(ActoolTest, RefusalsNameTheFileAndField) {
  write_file(tmp_ / "bad.json", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"Bad",
    "app":{"exec":["rel"],"user":"0"}})");
  auto v = run_command({actool_binary(), "validate", tmp_ / "bad.json"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.err.find("image manifest \"" + (tmp_ / "bad.json") + "\" is invalid"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("field \"/name\""), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("field \"/app/exec/0\""), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("field \"/app/group\": is required"), std::string::npos) << v.err;

  write_file(tmp_ / "layout/manifest", "{ not json");
  auto b = run_command({actool_binary(), "build", tmp_ / "layout", tmp_ / "x.aci"});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("JSON error at line 1, column 4"), std::string::npos) << b.err;
  EXPECT_NE(::access((tmp_ / "x.aci").c_str(), F_OK), 0) << "nothing half-written is left";

  auto missing = run_command({actool_binary(), "validate", tmp_ / "missing.aci"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("missing.aci\": No such file or directory"), std::string::npos) << missing.err;

  auto usage = run_command({actool_binary(), "build", tmp_ / "layout"});
  EXPECT_EQ(usage.exit_code, 2);
}

TEST_F(ActoolTest, ValidateChecksEveryFileGiven) {
  write_file(tmp_ / "bad.json", R"({"acKind":"PodManifest"})");
  write_file(tmp_ / "good.json", R"({"acKind":"PodManifest","acVersion":"0.8.11","apps":[]})");
  auto v = run_command({actool_binary(), "validate", tmp_ / "bad.json", tmp_ / "good.json", tmp_ / "bad.json"});
  EXPECT_EQ(v.exit_code, 1);
  size_t first = v.err.find("bad.json");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(v.err.find("bad.json", first + 1), std::string::npos) << "both bad files reported: " << v.err;
  EXPECT_EQ(v.err.find("good.json"), std::string::npos);
}

TEST_F(ActoolTest, FileNamesAreBytesInAnyLocale) {
  // A Debian root holds names outside ASCII (ca-certificates' "Főtanúsítvány"); names need not
  // be UTF-8 at all. Both go through build, validate, fetch, extract and export unchanged.
  const std::string utf8 =
                        "F\xc5\x91tan\xc3\xba"
                        "s\xc3\xadtv\xc3\xa1ny.crt",
                    binary =
                        "bad\xff\xfe"
                        "name";
  write_file(tmp_ / ("layout/rootfs/" + utf8), "utf8");
  write_file(tmp_ / ("layout/rootfs/" + binary), "binary");
  for (const char* locale : {"LC_ALL=C", "LC_ALL=C.UTF-8"}) {
    std::string out = tmp_ / (std::string("img-") + locale + ".aci");
    std::string data = tmp_ / (std::string("data-") + locale);
    auto b = run_command({"/usr/bin/env", locale, actool_binary(), "build", tmp_ / "layout", out});
    ASSERT_EQ(b.exit_code, 0) << locale << ": " << b.err;
    auto v = run_command({"/usr/bin/env", locale, actool_binary(), "validate", out});
    EXPECT_EQ(v.exit_code, 0) << locale << ": " << v.err;
    expect_reference_accepts(out);
    auto f =
        run_command({"/usr/bin/env", locale, rkt_binary(), "--dir=" + data, "--insecure-options=image", "fetch", out});
    ASSERT_EQ(f.exit_code, 0) << locale << ": " << f.err;
    std::string x = tmp_ / (std::string("x-") + locale);
    auto e = run_command(
        {"/usr/bin/env", locale, rkt_binary(), "--dir=" + data, "image", "extract", "example.com/hello", x});
    ASSERT_EQ(e.exit_code, 0) << locale << ": " << e.err;
    EXPECT_EQ(read_file(x + "/rootfs/" + utf8), "utf8") << locale;
    EXPECT_EQ(read_file(x + "/rootfs/" + binary), "binary") << locale;
    std::string exported = tmp_ / (std::string("exported-") + locale + ".aci");
    auto ex = run_command(
        {"/usr/bin/env", locale, rkt_binary(), "--dir=" + data, "image", "export", "example.com/hello", exported});
    ASSERT_EQ(ex.exit_code, 0) << ex.err;
    std::string built = run_command({"/bin/sh", "-c", "gzip -dc '" + out + "'"}).out;
    EXPECT_TRUE(read_file(exported) == built) << locale << ": export gives the tar that was built";
  }
}

}  // namespace
}  // namespace rkt::test
