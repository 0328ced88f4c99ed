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

TEST(PodsJsonTest, ListIsRktsFormat) {
  EXPECT_EQ(
      pods_json({exited_pod()}, false),
      R"([{"name":"5f3c1e2a-0000-4000-8000-000000000001","state":"exited","networks":[],)"
      R"("app_names":["web","side"],"apps":[{"name":"web","state":"exited","image_id":"sha512-aa","exit_code":3},)"
      R"({"name":"side","state":"created","image_id":"sha512-bb"}],"created_at":100,"started_at":200}])");
  PodInfo embryo;
  embryo.ref = {"u", PodPhase::Embryo, "/y"};
  embryo.state = PodState::Embryo;
  EXPECT_EQ(pods_json({embryo}, false),
            R"([{"name":"u","state":"embryo","networks":[],"app_names":[],"apps":[],"created_at":0}])");
  EXPECT_EQ(pods_json({}, true), "[]");
}

TEST(PodsJsonTest, StatusIsRktsFormat) {
  EXPECT_EQ(pod_status_json(exited_pod(), false),
            R"({"name":"5f3c1e2a-0000-4000-8000-000000000001","state":"exited","created_at":100,"started_at":200,)"
            R"("apps":[{"name":"web","exit_code":3}]})");
  EXPECT_NE(pod_status_json(exited_pod(), true).find("\n    \"state\": \"exited\""), std::string::npos);
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
