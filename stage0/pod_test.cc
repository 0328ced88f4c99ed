#include "stage0/pod.h"

#include <gtest/gtest.h>

#include "spec/manifest.h"
#include "tests/support/command.h"
#include "tests/support/tar_builder.h"

namespace rkt::stage0 {
namespace {

using test::TarBuilder;

class PodManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(tmp_ / "data");
    ASSERT_TRUE(s) << s.error().message();
    store_.emplace(std::move(*s));
  }
  std::string import(const std::string& name, const std::string& app_json) {
    std::string path = tmp_ / (name.substr(name.rfind('/') + 1) + ".aci");
    {
      TarBuilder t(path, "gzip");
      t.image(R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" + name + "\"" + app_json + "}");
    }
    auto key = store_->import(path, quote(path));
    EXPECT_TRUE(key) << key.error().message();
    return key ? *key : "";
  }
  Result<spec::PodManifest> build(std::vector<ResolvedApp> apps, const PodRequest& pod = {}) {
    return build_pod_manifest(*store_, apps, pod, [this](const std::string& w) { warnings_.push_back(w); });
  }
  test::TempDir tmp_;
  std::optional<Store> store_;
  std::vector<std::string> warnings_;
};

constexpr const char* kApp = R"(,"app":{"exec":["/bin/app","--from-image"],"user":"0","group":"0",
  "environment":[{"name":"A","value":"image"},{"name":"B","value":"image"}],
  "mountPoints":[{"name":"data","path":"/data"}],
  "isolators":[{"name":"resource/memory","value":{"limit":"1G"}},
               {"name":"os/linux/capabilities-remove-set","value":{"set":["CAP_KILL"]}}]})";

TEST_F(PodManifestTest, RequestsOverrideTheImageByKind) {
  std::string key = import("example.com/web-server", kApp);
  AppRequest req;
  req.args = std::vector<std::string>{"--from-request"};
  req.environment = {{"B", "request"}};
  req.isolators = {spec::make_isolator(spec::kIsolatorCapsRetain, spec::CapabilitySet{{"CAP_CHOWN"}})};
  PodRequest pod;
  pod.inherited_environment = {{"A", "inherited"}, {"C", "inherited"}};
  pod.environment = {{"A", "pod"}};
  spec::Volume data;
  data.name = "data";
  data.kind = "host";
  data.source = "/srv";
  pod.volumes = {data};
  auto pm = build({{req, key}}, pod);
  ASSERT_TRUE(pm) << pm.error().message();
  ASSERT_EQ(pm->apps.size(), 1u);
  const auto& app = pm->apps[0];
  EXPECT_EQ(app.name, "web-server");
  const spec::App& a = *app.app;
  EXPECT_EQ(a.exec, (std::vector<std::string>{"/bin/app", "--from-request"}));
  std::map<std::string, std::string> env;
  for (const auto& e : a.environment) env[e.name] = e.value;
  EXPECT_EQ(env["A"], "pod") << "pod flags over the image, the image over the inherited environment";
  EXPECT_EQ(env["B"], "request");
  EXPECT_EQ(env["C"], "inherited");
  std::vector<std::string> names;
  for (const auto& i : a.isolators) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{"resource/memory", "os/linux/capabilities-retain-set"}))
      << "a retain set replaces the image's remove set";
  EXPECT_TRUE(app.mounts.empty()) << "as rkt, stage1 matches the mount point to the volume of its name";
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(PodManifestTest, AMountPointWithoutAVolumeIsLeftToStage1WithAWarning) {
  std::string key = import("example.com/app", kApp);
  auto pm = build({{AppRequest{}, key}});
  ASSERT_TRUE(pm) << pm.error().message();
  EXPECT_TRUE(pm->volumes.empty()) << "stage1 makes the implicit volume, as rkt's did";
  EXPECT_TRUE(pm->apps[0].mounts.empty());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(
      warnings_[0].find("no volume for mount point \"data\" of app \"app\": an implicit empty volume \"app-data\""),
      std::string::npos)
      << warnings_[0];
}

TEST_F(PodManifestTest, ConflictsAreUsageErrors) {
  std::string key = import("example.com/app", kApp);
  auto twice = build({{AppRequest{}, key}, {AppRequest{}, key}});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "two apps are named \"app\": give one of them --name");
  AppRequest mount;
  mount.mounts = {AppRequest::Mount{"nope", "/x"}};
  auto missing = build({{mount, key}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "app \"app\": mount of \"/x\": no volume \"nope\"");
  std::string bare = import("example.com/bare", "");
  auto no_exec = build({{AppRequest{}, bare}});
  ASSERT_FALSE(no_exec);
  EXPECT_EQ(no_exec.error().message(), "image \"example.com/bare\" has no app: give --exec for it");
  AppRequest bad_name;
  bad_name.name = "Not_A_Name";
  EXPECT_FALSE(build({{bad_name, key}}));
}

}  // namespace
}  // namespace rkt::stage0
