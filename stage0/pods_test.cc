#include "stage0/pods.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs.h"
#include "common/stage1_abi.h"
#include "spec/manifest.h"
#include "tests/support/command.h"

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

// What pod_info makes of the manifest: the apps as shown, the annotations and labels.
PodInfo briefed(PodInfo v) {
  stage1_abi::PodSummary brief;
  brief_manifest(*v.manifest, &brief);
  v.apps = brief.apps;
  v.user_annotations = brief.user_annotations;
  v.user_labels = brief.user_labels;
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
      pods_json({briefed(v)}, false),
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
  v = briefed(v);
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

// A pod manifest of one app, "web", with `rest` after its image.
std::string web_manifest(const std::string& rest = "") {
  return R"({"acVersion":"0.8.11","acKind":"PodManifest","apps":[{"name":"web","image":{"name":"example.com/web","id":"sha512-)" +
         std::string(64, 'a') + R"("})" + rest + "}]}";
}

// The summary gives what the pod's files give, and is not used when it is behind the pod's state.
TEST(PodSummaryTest, ListReadsTheSummaryOnlyWhenItIsAsFarAlongAsThePod) {
  test::TempDir tmp;
  std::string dir = tmp / "pods/run/5f3c1e2a-0000-4000-8000-000000000001";
  ASSERT_TRUE(make_dirs(dir + "/status", 0750));
  std::string manifest = web_manifest();
  test::write_file(dir + "/pod", manifest);
  test::write_file(dir + "/pod-created", "");
  test::write_file(dir + "/pid", "42\n");
  test::write_file(dir + "/status/web", "3\n");
  test::write_file(dir + "/lock", "");
  PodRef ref{"5f3c1e2a-0000-4000-8000-000000000001", PodPhase::Run, dir};
  auto from_files = pod_info(ref);
  ASSERT_TRUE(from_files) << from_files.error().message();
  EXPECT_EQ(from_files->state, PodState::Exited);
  EXPECT_EQ(from_files->app_exit_codes.at("web"), "3");

  stage1_abi::PodSummary s;
  s.manifest = manifest;
  s.pid = "42";
  // Behind: the pod exited (unlocked) but the summary says only that it started (a crash
  // between the apps' exit and the summary): the pod's files answer.
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  test::write_file(dir + "/status/web", "5\n");
  EXPECT_EQ(pod_info(ref)->app_exit_codes.at("web"), "5");
  // As far along: it answers, and the same as the files did.
  s.exit_codes = {{"web", "5"}};
  s.exited = true;
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  ASSERT_EQ(::unlink((dir + "/pod").c_str()), 0);  // proof that it is not read
  auto summarized = pod_info(ref);
  ASSERT_TRUE(summarized) << summarized.error().message();
  EXPECT_EQ(summarized->state, PodState::Exited);
  ASSERT_TRUE(summarized->manifest);
  EXPECT_EQ(summarized->manifest->apps.at(0).name, "web");
  EXPECT_EQ(summarized->app_exit_codes.at("web"), "5");
  EXPECT_EQ(summarized->pid, "42");
  EXPECT_EQ(summarized->created_ns, from_files->created_ns);
  EXPECT_EQ(summarized->started_ns, from_files->started_ns);
  // For list's table, the summary's apps as shown, without the manifest.
  s.apps = {{"web", "sha512-" + std::string(64, 'a'), "example.com/web", {}, {}, {}}};
  s.apps_listed = true;
  s.manifest = "not a manifest";
  s.created_ns = 12345;
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  auto brief = pod_info(ref, PodDetail::Apps);
  ASSERT_TRUE(brief) << brief.error().message();
  EXPECT_FALSE(brief->manifest);
  ASSERT_EQ(brief->apps.size(), 1u);
  EXPECT_EQ(brief->apps[0].image_name, "example.com/web");
  EXPECT_EQ(brief->created_ns, 12345) << "the time recorded with the summary";
  test::write_file(dir + "/pod", manifest);
  EXPECT_EQ(pod_info(ref)->apps.size(), 1u) << "in full, the pod's manifest (the summary's is unreadable)";
  EXPECT_EQ(summarized->apps.size(), 1u);
  s.manifest = manifest;
  // Running (locked) with a summary that has no pid yet: the files answer.
  test::write_file(dir + "/pod", manifest);
  int lock = ::open((dir + "/lock").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  s = {};
  s.manifest = manifest;
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  auto running = pod_info(ref);
  ASSERT_TRUE(running) << running.error().message();
  EXPECT_EQ(running->state, PodState::Running);
  EXPECT_EQ(running->pid, "42");
  ::close(lock);
}

// A networked pod's addresses come from the summary when it lists them (no net-info.json read
// per pod), and from net-info.json when it does not.
TEST(PodSummaryTest, NetworksComeFromTheSummaryWhenItListsThem) {
  test::TempDir tmp;
  std::string dir = tmp / "pods/run/5f3c1e2a-0000-4000-8000-000000000003";
  ASSERT_TRUE(make_dirs(dir, 0750));
  std::string manifest = web_manifest();
  test::write_file(dir + "/pod", manifest);
  test::write_file(dir + "/pod-created", "");
  test::write_file(dir + "/lock", "");
  test::write_file(dir + "/" + stage1_abi::kNetInfo,
                   R"([{"netName":"default","netConf":"/n.conf","pluginPath":"/p","ifName":"eth0","ip":"172.16.28.9",)"
                   R"("args":"","mask":"255.255.255.0"}])");
  PodRef ref{"5f3c1e2a-0000-4000-8000-000000000003", PodPhase::Run, dir};
  stage1_abi::PodSummary s;
  s.manifest = manifest;
  s.pid = "42";
  s.exited = true;
  s.networks = true;
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  auto from_file = pod_info(ref, PodDetail::Apps);
  ASSERT_TRUE(from_file) << from_file.error().message();
  ASSERT_EQ(from_file->networks.size(), 1u);
  EXPECT_EQ(from_file->networks_text(), "default:ip4=172.16.28.9") << "not listed in the summary: net-info.json";
  s.nets = {{"default", "/n.conf", "/p", "eth0", "172.16.28.10", "", "255.255.255.0"}};
  s.nets_listed = true;
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  ASSERT_EQ(::unlink((dir + "/" + stage1_abi::kNetInfo).c_str()), 0);  // proof that it is not read
  auto listed = pod_info(ref, PodDetail::Apps);
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->networks_text(), "default:ip4=172.16.28.10");
  EXPECT_EQ(listed->networks, s.nets);
}

TEST(PodSummaryTest, BriefResolvesEachMountsVolume) {
  spec::PodManifest m;
  spec::RuntimeApp a;
  a.name = "web";
  a.image.id = "sha512-aa";
  a.image.name = "example.com/web";
  a.image.labels = {{"version", "1.0"}};
  spec::Volume data, inline_vol;
  data.name = "data";
  data.kind = "host";
  data.source = "/srv";
  data.read_only = true;
  inline_vol.name = "own";
  inline_vol.kind = "host";
  inline_vol.source = "/opt/own";
  a.mounts = {{"data", "/data", std::nullopt}, {"own", "/own", inline_vol}, {"nowhere", "/n", std::nullopt}};
  a.app.emplace();
  a.app->user_annotations = {{"k", "v"}};
  m.apps = {a};
  m.volumes = {data};
  m.user_labels = {{"tier", "web"}};
  stage1_abi::PodSummary s;
  brief_manifest(m, &s);
  EXPECT_TRUE(s.apps_listed && s.details);
  ASSERT_EQ(s.apps.size(), 1u);
  EXPECT_EQ(s.apps[0].image_name, "example.com/web:1.0");
  EXPECT_EQ(s.apps[0].mounts,
            (std::vector<stage1_abi::PodSummary::Mount>{
                {"data", "/data", "/srv", true}, {"own", "/own", "/opt/own", false}, {"nowhere", "/n", "", false}}));
  EXPECT_EQ(s.apps[0].user_annotations.at("k"), "v");
  EXPECT_EQ(s.user_labels.at("tier"), "web");
}

// rkt list --format=json answers from the summary when it has the details, and from the
// manifest when it does not (a summary another version wrote).
TEST(PodSummaryTest, AJsonListReadsTheDetailsFromTheSummary) {
  test::TempDir tmp;
  std::string dir = tmp / "pods/prepared/5f3c1e2a-0000-4000-8000-000000000002";
  ASSERT_TRUE(make_dirs(dir, 0750));
  std::string manifest =
      web_manifest(R"(,"app":{"exec":["/w"],"user":"0","group":"0","userLabels":{"from":"manifest"}})");
  test::write_file(dir + "/pod", manifest);
  test::write_file(dir + "/pod-created", "");
  PodRef ref{"5f3c1e2a-0000-4000-8000-000000000002", PodPhase::Prepared, dir};
  stage1_abi::PodSummary s;
  s.manifest = manifest;
  s.apps = {{"web", "sha512-" + std::string(64, 'a'), "example.com/web", {}, {}, {}}};
  s.apps_listed = true;
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  auto old = pod_info(ref, PodDetail::Listing);
  ASSERT_TRUE(old) << old.error().message();
  ASSERT_EQ(old->apps.size(), 1u);
  EXPECT_EQ(old->apps[0].user_labels.at("from"), "manifest") << "no details in the summary: the manifest's";
  s.details = true;
  s.apps[0].user_labels = {{"from", "summary"}};
  s.manifest = "not a manifest";
  ASSERT_TRUE(stage1_abi::write_pod_summary(dir, s));
  ASSERT_EQ(::unlink((dir + "/pod").c_str()), 0);  // proof that it is not read
  auto listed = pod_info(ref, PodDetail::Listing);
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_FALSE(listed->manifest) << "not parsed";
  ASSERT_EQ(listed->apps.size(), 1u);
  EXPECT_EQ(listed->apps[0].user_labels.at("from"), "summary");
  EXPECT_NE(pods_json({*listed}, false).find(R"("user_labels":{"from":"summary"})"), std::string::npos);
}

}  // namespace
}  // namespace rkt::stage0
