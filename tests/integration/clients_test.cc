// rkt's real clients, replayed: the command lines Nomad's rkt driver, the kubelet's rkt runtime
// and rktlet build (../shared/reference/clients.md cites each from their sources), run against
// this rkt, with every output parsed by the fields those clients read. docs/compatibility.md's
// client table points here. The only addition to their command lines is --dir (and the test's
// --local-config), so that nothing of the machine's /var/lib/rkt is touched.

#include <regex>

#include <nlohmann/json.hpp>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

using Json = nlohmann::json;

class ClientTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    ported_ =
        build_image("example.com/ported", "ported.aci", R"(,"ports":[{"name":"http","protocol":"tcp","port":8080}])");
  }
  std::vector<std::string> argv(std::vector<std::string> globals, const std::string& cmd,
                                std::vector<std::string> args) {
    std::vector<std::string> out = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc")};
    out.insert(out.end(), globals.begin(), globals.end());
    out.push_back(cmd);
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }
  static std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" \n\t"), b = s.find_last_not_of(" \n\t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
  }
  static size_t line_count(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }
  std::string ported_;
};

// Nomad's version gate: `rkt [vV]ersion[:]? (\d[.\d]+)` and `appc [vV]ersion[:]? (\d[.\d]+)`, and
// rkt >= 1.27.0 (0.7+; >= 1.0.0 before).
TEST_F(ClientTest, NomadVersionGate) {
  auto v = run_command({rkt_binary(), "version"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  std::smatch rkt_m, appc_m;
  ASSERT_TRUE(std::regex_search(v.out, rkt_m, std::regex(R"(rkt [vV]ersion[:]? (\d[.\d]+))"))) << v.out;
  ASSERT_TRUE(std::regex_search(v.out, appc_m, std::regex(R"(appc [vV]ersion[:]? (\d[.\d]+))"))) << v.out;
  int major = 0, minor = 0, patch = 0;
  ASSERT_EQ(std::sscanf(rkt_m[1].str().c_str(), "%d.%d.%d", &major, &minor, &patch), 3);
  EXPECT_TRUE(major > 1 || (major == 1 && minor >= 27)) << rkt_m[1];
  EXPECT_EQ(appc_m[1], "0.8.11");
}

// Nomad 0.8.7 and 0.9.7: prepare with the alloc, local and secrets volumes (and a read-only one),
// the UUID from trimmed stdout, run-prepared in the foreground on the default network, status
// --format=json for the pod's IP, cat-manifest for the app's ports, enter, and rm after exit.
TEST_F(ClientTest, NomadPrepareRunPreparedStatusCatManifestEnterRm) {
  std::vector<std::string> prepare = {"--no-overlay=true"};
  for (const char* v : {"alloc", "local", "secrets"}) {
    std::string dir = tmp_ / v;
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    write_file(dir + "/file", std::string("in ") + v);
    prepare.push_back(std::string("--volume=web-task-") + v + ",kind=host,source=" + dir);
    prepare.push_back(std::string("--mount=volume=web-task-") + v + ",target=/" + v);
  }
  ASSERT_EQ(::mkdir((tmp_ / "ro").c_str(), 0755), 0);
  prepare.insert(prepare.end(), {"--volume=extra,kind=host,source=" + (tmp_ / "ro") + ",readOnly=true",
                                 "--mount=volume=extra,target=/ro", "--set-env=NOMAD_TASK_NAME=web",
                                 "--set-env=NOMAD_ALLOC_DIR=/alloc", ported_, "--exec=/probe", "--memory=64M",
                                 "--cpu=500m", "--port=http:18080", "--user=0", "--group=0", "--", "read:/alloc/file",
                                 "read:/secrets/file", "env:NOMAD_TASK_NAME", "write:/ro/x", "trap:0"});
  auto p = run_command(argv({"--insecure-options=all", "--debug=false"}, "prepare", prepare));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  std::string uuid = trim(p.out);
  ASSERT_EQ(uuid.size(), 36u) << p.out;

  pid_t pid = start_trapped(argv({"--insecure-options=all", "--debug=false"}, "run-prepared",
                                 {"--dns=10.1.2.3", "--dns-search=example.com", uuid}),
                            tmp_ / "run.out");
  auto status = run_command(argv({}, "status", {"--format=json", uuid}));
  auto manifest = run_command(argv({}, "cat-manifest", {uuid}));
  auto entered = run_command(argv({}, "enter", {uuid, "/probe", "env:NOMAD_TASK_NAME", "read:/etc/resolv.conf"}));
  ::kill(pid, SIGTERM);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << read_file(tmp_ / "run.out");

  auto out = lines(read_file(tmp_ / "run.out"));
  EXPECT_EQ(out["read /alloc/file"], "in alloc");
  EXPECT_EQ(out["read /secrets/file"], "in secrets");
  EXPECT_EQ(out["env-NOMAD_TASK_NAME"], "web");
  EXPECT_NE(out["write /ro/x"].find("Read-only file system"), std::string::npos) << out["write /ro/x"];

  // Nomad 0.8: rkt's v1.Pod; 0.9: name, state, networks[{netName, netConf, pluginPath, ifName, ip, args}].
  ASSERT_EQ(status.exit_code, 0) << status.err;
  Json pod = Json::parse(status.out, nullptr, false);
  ASSERT_TRUE(pod.is_object()) << status.out;
  EXPECT_EQ(pod["name"], uuid);
  EXPECT_EQ(pod["state"], "running");
  ASSERT_TRUE(pod["networks"].is_array() && pod["networks"].size() == 1) << status.out;
  const Json& net = pod["networks"][0];
  EXPECT_EQ(net["netName"], "default");
  for (const char* k : {"netConf", "pluginPath", "ifName", "ip"}) {
    EXPECT_TRUE(net[k].is_string() && !net[k].get<std::string>().empty()) << k << ": " << status.out;
  }
  EXPECT_EQ(net["ip"].get<std::string>().rfind("172.16.28.", 0), 0u) << status.out;

  // appc's PodManifest: apps[0].app.ports[].name/port.
  ASSERT_EQ(manifest.exit_code, 0) << manifest.err;
  Json pm = Json::parse(manifest.out, nullptr, false);
  ASSERT_TRUE(pm.is_object()) << manifest.out;
  EXPECT_EQ(pm["apps"][0]["app"]["ports"][0]["name"], "http") << manifest.out;
  EXPECT_EQ(pm["apps"][0]["app"]["ports"][0]["port"], 8080) << manifest.out;

  ASSERT_EQ(entered.exit_code, 0) << entered.err;
  auto in = lines(entered.out);
  EXPECT_EQ(in["env-NOMAD_TASK_NAME"], "web");
  EXPECT_NE(entered.out.find("nameserver 10.1.2.3\n"), std::string::npos) << entered.out;
  EXPECT_NE(entered.out.find("search example.com\n"), std::string::npos) << entered.out;

  auto rm = run_command(argv({}, "rm", {uuid}));
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_NE(run_command(argv({}, "status", {uuid})).exit_code, 0) << "the pod is gone";
}

// The kubelet's rkt runtime (1.4-1.9): prepare --quiet --pod-manifest with --stage1-name (one line
// of output, the UUID), run-prepared as its unit's ExecStart= runs it, enter --app, rm, image rm.
TEST_F(ClientTest, KubeletPrepareQuietPodManifestRunPreparedEnterRm) {
  auto fetched = rkt({"fetch", image_});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  std::string id = trim(fetched.out);
  auto s1 = rkt({"fetch", "--insecure-options=image", std::string(RKT_TEST_BUILD_DIR) + "/stage1/stage1.aci"});
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  write_file(tmp_ / "pod.json", R"({"acVersion":"0.8.11","acKind":"PodManifest","apps":[{"name":"k8s-app",
    "image":{"name":"example.com/probe","id":")" +
                                    id + R"("},"app":{"exec":["/probe","env:KUBE","trap:0"],
    "user":"0","group":"0","environment":[{"name":"KUBE","value":"let"}]}}],
    "annotations":[{"name":"rkt.kubernetes.io/managed-by-kubelet","value":"true"}]})");
  std::vector<std::string> globals = {"--debug=true", "--insecure-options=image,ondisk"};
  auto p = run_command(
      argv(globals, "prepare", {"--quiet", "--pod-manifest", tmp_ / "pod.json", "--stage1-name=rkt.local/stage1"}));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  ASSERT_EQ(line_count(p.out), 1u) << "exactly one line: " << p.out;
  std::string uuid = trim(p.out);
  ASSERT_EQ(uuid.size(), 36u) << p.out;

  std::vector<std::string> g2 = globals;
  g2[1] += ",all-run";  // a privileged pod
  pid_t pid = start_trapped(argv(g2, "run-prepared",
                                 {"--net=host", "--dns=10.0.0.10", "--dns-search=default.svc.cluster.local",
                                  "--dns-opt=ndots:5", "--hostname=web-0", uuid}),
                            tmp_ / "run.out");
  auto entered = run_command(argv({}, "enter", {"--app=k8s-app", uuid, "/probe", "hostname", "env:KUBE"}));
  ::kill(pid, SIGTERM);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_EQ(entered.exit_code, 0) << entered.err;
  EXPECT_EQ(lines(entered.out)["hostname"], "web-0");
  EXPECT_EQ(lines(entered.out)["env-KUBE"], "let");
  EXPECT_EQ(run_command(argv({}, "rm", {uuid})).exit_code, 0);
  auto irm = run_command(argv({}, "image", {"rm", id}));
  EXPECT_EQ(irm.exit_code, 0) << irm.err;
}

// rktlet's calls outside `rkt app`: global flags after the first word, one line of JSON each,
// stop --force and the two error texts it matches, image list/cat-manifest/rm.
TEST_F(ClientTest, RktletListStatusStopRmAndImageCalls) {
  const std::vector<std::string> g = {"--debug=false", "--dir=" + (tmp_ / "data"), "--insecure-options=image,ondisk"};
  auto call = [&](const std::string& cmd, std::vector<std::string> args) {
    std::vector<std::string> a = {rkt_binary(), cmd};
    a.insert(a.end(), g.begin(), g.end());
    a.insert(a.end(), args.begin(), args.end());
    return run_command(a);
  };
  std::string uuid_file = tmp_ / "uuid";
  pid_t pid =
      start_trapped({rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run", "--net=host",
                     "--uuid-file-save=" + uuid_file, "--user-annotation=io.kubernetes.pod.uid=1234",
                     "--user-label=app=web", "--user-label=tier=<a&b>", image_, "--exec=/probe", "--", "trap:0"},
                    tmp_ / "run.out");
  std::string uuid = read_file(uuid_file);
  ASSERT_EQ(uuid.size(), 36u) << "read raw: " << uuid;

  auto status = call("status", {uuid, "--format=json", "--wait-ready=10s"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(line_count(status.out), 1u) << status.out;
  Json pod = Json::parse(status.out, nullptr, false);
  EXPECT_EQ(pod["state"], "running") << status.out;

  auto list = call("list", {"--format=json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(line_count(list.out), 1u) << list.out;
  Json pods = Json::parse(list.out, nullptr, false);
  ASSERT_TRUE(pods.is_array() && pods.size() == 1) << list.out;
  EXPECT_EQ(pods[0]["name"], uuid);
  EXPECT_EQ(pods[0]["app_names"], Json::array({"probe"}));
  EXPECT_EQ(pods[0]["user_annotations"]["io.kubernetes.pod.uid"], "1234") << "isKubernetesPod: " << list.out;
  EXPECT_EQ(pods[0]["user_labels"]["app"], "web");
  EXPECT_NE(list.out.find(R"("tier":"\u003ca\u0026b\u003e")"), std::string::npos) << "as Go escapes: " << list.out;
  EXPECT_TRUE(pods[0]["created_at"].is_number_integer()) << list.out;

  auto stop = call("stop", {"--force=true", uuid});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  auto again = call("stop", {"--force=false", uuid});
  EXPECT_TRUE(std::regex_search(again.out + again.err, std::regex(R"(pod "[^"]+" is already stopped)")))
      << again.out << again.err;
  auto missing = call("stop", {"--force=true", "00000000-0000-0000-0000-000000000000"});
  EXPECT_TRUE(
      std::regex_search(missing.out + missing.err, std::regex(R"(stop: cannot get pod: no matches found for "[^"]+")")))
      << missing.err;
  EXPECT_EQ(call("rm", {uuid}).exit_code, 0);

  auto images = call("image", {"list", "--full", "--format=json", "--sort=importtime"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  Json entries = Json::parse(images.out.substr(0, images.out.find('\n')), nullptr, false);
  ASSERT_TRUE(entries.is_array()) << images.out;
  std::string id;
  for (const auto& e : entries) {
    EXPECT_TRUE(e["size"].is_number_integer()) << e.dump();
    if (e["name"] == "example.com/probe") id = e["id"];
  }
  ASSERT_EQ(id.size(), 7u + 64) << images.out;
  auto cat = call("image", {"cat-manifest", id});
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  Json im = Json::parse(cat.out, nullptr, false);
  EXPECT_EQ(im["app"]["user"], "0") << cat.out;
  EXPECT_EQ(call("image", {"rm", id}).exit_code, 0);
}

}  // namespace
}  // namespace rkt::test
