#include "stage0/pods.h"

#include <gtest/gtest.h>

namespace rkt::stage0 {
namespace {

PodInfo exited_pod() {
  PodInfo v;
  v.ref = {"5f3c1e2a-0000-4000-8000-000000000001", PodPhase::Run, "/x"};
  v.state = PodState::Exited;
  v.manifest.emplace();
  spec::RuntimeApp a, b;
  a.name = "web";
  a.image.id = "sha512-aa";
  b.name = "side";
  b.image.id = "sha512-bb";
  v.manifest->apps = {a, b};
  v.created_ns = 100;
  v.started_ns = 200;
  v.pid = "42";
  v.app_exit_codes = {{"web", "3"}};
  return v;
}

TEST(PodsJsonTest, ListIsRktsV1Pod) {
  PodInfo v = exited_pod();
  spec::Volume data;
  data.name = "data";
  data.kind = "host";
  data.source = "/srv";
  data.read_only = true;
  v.manifest->volumes = {data};
  v.manifest->apps[0].mounts = {{"data", "/data", std::nullopt}};
  v.manifest->apps[0].app.emplace();
  v.manifest->apps[0].app->user_labels = {{"tier", "web"}};
  v.manifest->user_annotations = {{"owner", "ops"}};
  v.created_ns = 1700000000123456789;
  v.started_ns = 1700000001123456789;
  EXPECT_EQ(
      pods_json({v}, false),
      R"([{"name":"5f3c1e2a-0000-4000-8000-000000000001","state":"exited","app_names":["web","side"],)"
      R"("apps":[{"name":"web","state":"exited","created_at":1700000000123456789,"started_at":1700000001123456789,)"
      R"("exit_code":3,"image_id":"sha512-aa","mounts":[{"name":"data","container_path":"/data","host_path":"/srv",)"
      R"("read_only":true}],"user_labels":{"tier":"web"}},)"
      R"({"name":"side","state":"exited","created_at":1700000000123456789,"started_at":1700000001123456789,)"
      R"("image_id":"sha512-bb"}],"created_at":1700000000,"started_at":1700000001,"user_annotations":{"owner":"ops"}}])");
  PodInfo embryo;
  embryo.ref = {"u", PodPhase::Embryo, "/y"};
  embryo.state = PodState::Embryo;
  EXPECT_EQ(pods_json({embryo}, false), R"([{"name":"u","state":"embryo"}])") << "empty members are left out";
  EXPECT_EQ(pods_json({}, true), "[]");
}

TEST(PodsJsonTest, StatusIsTheSameObject) {
  PodInfo v = exited_pod();
  v.state = PodState::Running;
  v.app_exit_codes.clear();
  v.gc_marked_ns = 0;
  EXPECT_EQ(pod_status_json(v, false),
            R"({"name":"5f3c1e2a-0000-4000-8000-000000000001","state":"running","app_names":["web","side"],)"
            R"("apps":[{"name":"web","state":"running","created_at":100,"started_at":200,"image_id":"sha512-aa"},)"
            R"({"name":"side","state":"running","created_at":100,"started_at":200,"image_id":"sha512-bb"}],)"
            R"("created_at":0,"started_at":0})");
  EXPECT_NE(pod_status_json(v, true).find("\n\t\"state\": \"running\""), std::string::npos) << "indented with tabs";
}

TEST(PodsJsonTest, ExitedAndReady) {
  PodInfo v = exited_pod();
  EXPECT_TRUE(v.exited());
  EXPECT_FALSE(v.ready());
  v.state = PodState::Running;
  EXPECT_FALSE(v.exited());
  EXPECT_TRUE(v.ready());
  v.pid.clear();
  EXPECT_FALSE(v.ready()) << "running but not started yet";
}

}  // namespace
}  // namespace rkt::stage0
