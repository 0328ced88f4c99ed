#include "common/stage1_abi.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/support/command.h"

#include "common/fs.h"

namespace rkt::stage1_abi {
namespace {

class Stage1AbiTest : public ::testing::Test {
 protected:
  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
};

TEST_F(Stage1AbiTest, RuntimeConfigRoundTripsAndAbsentKeysTakeTheDefaults) {
  RuntimeConfig rc;
  rc.net = "host";
  rc.local_config = "/srv/rkt";
  rc.hostname = "h";
  rc.dns = {"1.1.1.1", "8.8.8.8"};
  rc.dns_search = {"a", "b"};
  rc.dns_opt = {"ndots:2"};
  rc.dns_domain = "example.com";
  rc.hosts_entries = {"10.0.0.1=db", "host"};
  rc.interactive = true;
  rc.ipc = "parent";
  rc.insecure_seccomp = true;
  rc.mds_token = "0123456789abcdef0123456789abcdef";
  auto back = RuntimeConfig::parse(rc.render(), "rc");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, rc);

  auto empty = RuntimeConfig::parse("", "rc");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, RuntimeConfig{}) << "the reader's defaults are the writer's";
  EXPECT_EQ(empty->net, "default");
}

TEST_F(Stage1AbiTest, PodSummaryRoundTripsAndRefusesWhatItDidNotWrite) {
  PodSummary s;
  s.manifest = "{\"acKind\": \"PodManifest\"}\nmanifest\nexited\n";  // its bytes, whatever they hold
  ASSERT_TRUE(write_pod_summary(dir_, s));
  EXPECT_EQ(read_pod_summary(dir_), s);
  s.created_ns = 1796300850007861920;
  s.started_ns = 1796300850251861920;
  s.apps = {{"web", "sha512-aa", "example.com/web:1.0 beta", {}, {}, {}},
            {"side", "sha512-bb", "example.com/side", {}, {}, {}}};
  s.apps_listed = true;
  s.pid = "4242";
  s.networks = true;
  s.exit_codes = {{"web", "0"}, {"side", "143"}};
  s.exited = true;
  EXPECT_EQ(s.render(),
            "rkt-pod-summary 1\ncreated 1796300850007861920\nstarted 1796300850251861920\n"
            "app web sha512-aa example.com/web:1.0 beta\napp side sha512-bb example.com/side\napps\n"
            "pid 4242\nnetworks\nexit side 143\nexit web 0\nexited\nmanifest\n" +
                s.manifest);
  ASSERT_TRUE(write_pod_summary(dir_, s));
  EXPECT_EQ(read_pod_summary(dir_), s);
  s.manifest = std::string(100000, 'x');  // longer than one read
  ASSERT_TRUE(write_pod_summary(dir_, s));
  EXPECT_EQ(read_pod_summary(dir_), s);
  for (const char* bad : {"", "rkt-pod-summary 2\nmanifest\n{}", "rkt-pod-summary 1\npid 12x\nmanifest\n{}",
                          "rkt-pod-summary 1\nexit web\nmanifest\n{}", "rkt-pod-summary 1\nstarted\nmanifest\n{}",
                          "rkt-pod-summary 1\npid 1\n", "rkt-pod-summary 1\ncreated 99999999999999999999\nmanifest\n{}",
                          "rkt-pod-summary 1\ncreated -5\nmanifest\n{}", "rkt-pod-summary 1\napp web\nmanifest\n{}"}) {
    EXPECT_FALSE(PodSummary::parse(bad)) << bad;
  }
  ASSERT_EQ(::unlink((dir_ + "/" + kPodSummary).c_str()), 0);
  EXPECT_FALSE(read_pod_summary(dir_));
}

// The details `rkt list --format=json` reads hold any bytes: paths and annotations with spaces,
// newlines and percent signs come back as they were.
TEST_F(Stage1AbiTest, PodSummaryDetailsHoldAnyBytes) {
  PodSummary s;
  s.manifest = "{}";
  s.apps = {{"web", "sha512-aa", "example.com/web", {}, {}, {}}, {"side", "sha512-bb", "example.com/side", {}, {}, {}}};
  s.apps[0].mounts = {{"data", "/my data", "/srv/100%\nsure", true}, {"scratch", "/tmp", "", false}};
  s.apps[0].user_annotations = {{"note", "two words\tand a tab"}, {"empty", ""}};
  s.apps[1].user_labels = {{"tier", "back end"}};
  s.user_annotations = {{"io.kubernetes.pod.uid", "1234"}};
  s.user_labels = {{"line", "a\nb"}};
  s.apps_listed = s.details = true;
  s.networks = s.nets_listed = true;
  s.nets = {
      {"default", "/etc/rkt/net.d/99 default.conf", "/usr/lib/cni/ptp", "eth0", "172.16.28.5", "", "255.255.255.0"}};
  std::string text = s.render();
  EXPECT_NE(
      text.find(
          "\nnet default /etc/rkt/net.d/99%20default.conf /usr/lib/cni/ptp eth0 172.16.28.5  255.255.255.0\nnets\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\napp-mount data 1 /my%20data /srv/100%25%0Asure\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\napp-mount scratch 0 /tmp \n"), std::string::npos) << "an empty field: " << text;
  ASSERT_TRUE(write_pod_summary(dir_, s));
  EXPECT_EQ(read_pod_summary(dir_), s);
  s.details = false;
  EXPECT_EQ(s.render().find("app-mount"), std::string::npos) << "details only when they are complete";
  for (const char* bad :
       {"rkt-pod-summary 1\napp-mount d 0 /x /y\nmanifest\n{}",  // before any app
        "rkt-pod-summary 1\napp w i n\napp-mount d 2 /x /y\nmanifest\n{}",
        "rkt-pod-summary 1\napp w i n\napp-mount d 0 /x\nmanifest\n{}",
        "rkt-pod-summary 1\napp w i n\napp-label k %4\nmanifest\n{}", "rkt-pod-summary 1\nlabel k %zz\nmanifest\n{}",
        "rkt-pod-summary 1\nannotation k\nmanifest\n{}", "rkt-pod-summary 1\nannotation k v w\nmanifest\n{}",
        "rkt-pod-summary 1\nnet a b c d e f\nmanifest\n{}"}) {
    EXPECT_FALSE(PodSummary::parse(bad)) << bad;
  }
}

// flush_pod flushes what a reader of an exited pod needs, with or without statuses, and names the
// pod when it cannot. (That it survives a power cut is vm.powerloss's to show.)
TEST_F(Stage1AbiTest, FlushPodFlushesTheRecordsAndNamesAPodItCannot) {
  std::string pod = tmp_ / "run/pod-a";
  ASSERT_TRUE(make_dirs(pod + "/" + kAppStatusDir, 0750));
  PodSummary s;
  s.manifest = "{}";
  ASSERT_TRUE(write_pod_summary(pod, s));
  ASSERT_TRUE(flush_pod(pod)) << "no manifest, no status yet";
  test::write_file(pod + "/" + kAppStatusDir + "/app", "7\n");
  test::write_file(pod + "/" + kPodManifest, "{}");
  auto flushed = flush_pod(pod);
  EXPECT_TRUE(flushed) << flushed.error().message();
  EXPECT_EQ(test::read_file(pod + "/" + kAppStatusDir + "/app"), "7\n");
  auto gone = flush_pod(tmp_ / "run/pod-b");
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message().find("pod-b"), std::string::npos) << gone.error().message();
}

TEST_F(Stage1AbiTest, RuntimeConfigRefusesWhatItDoesNotKnow) {
  auto unknown = RuntimeConfig::parse("net=host\nfrobnicate=1\n", "\"rc\"");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "\"rc\": line 2: unknown key \"frobnicate\"");
  auto boolean = RuntimeConfig::parse("interactive=yes\n", "\"rc\"");
  ASSERT_FALSE(boolean);
  EXPECT_EQ(boolean.error().message(), "\"rc\": line 1: \"interactive\" must be 0 or 1, not \"yes\"");
  EXPECT_FALSE(RuntimeConfig::parse("net\n", "rc"));
}

TEST_F(Stage1AbiTest, NetListFollowsRktsSyntaxAndChecks) {
  auto nets = parse_net_list("default:IP=172.16.28.50;K=V,mine,all");
  ASSERT_TRUE(nets) << nets.error().message();
  EXPECT_EQ(*nets, (std::vector<NetRequest>{{"default", "IP=172.16.28.50;K=V"}, {"mine", ""}, {"all", ""}}));
  EXPECT_EQ(net_mode(*nets), NetMode::Contained);
  EXPECT_EQ(net_mode(*parse_net_list("none")), NetMode::None);
  EXPECT_EQ(net_mode(*parse_net_list("default,host")), NetMode::Host) << "host anywhere wins, as in rkt";

  auto message = [](const std::string& v) {
    auto r = parse_net_list(v);
    return r ? std::string("accepted") : r.error().message();
  };
  EXPECT_EQ(message(""), "--net: netname must not be empty");
  EXPECT_EQ(message("a,"), "--net: netname must not be empty");
  EXPECT_EQ(message(":IP=1.2.3.4"), "--net: netname must not be empty");
  EXPECT_EQ(message("a,b,a:K=V"), "--net: found duplicate netname \"a\"");
  EXPECT_EQ(message("host:K=V"), "--net: arguments are not supported by special netname \"host\"");
  EXPECT_EQ(message("all:K=V"), "--net: arguments are not supported by special netname \"all\"");
  EXPECT_EQ(message("n:IP=fe80::1"), "--net: network \"n\" provided with invalid arguments: \"IP=fe80::1\"");
  EXPECT_EQ(message("none:K=V"), "accepted") << "rkt allows arguments on none";
}

TEST_F(Stage1AbiTest, RuntimeConfigFileIsWrittenOnceUnlessReplaced) {
  RuntimeConfig rc;
  rc.net = "none";
  ASSERT_TRUE(write_runtime_config(dir_, rc, false));
  EXPECT_FALSE(write_runtime_config(dir_, rc, false));
  rc.net = "host";
  ASSERT_TRUE(write_runtime_config(dir_, rc, true));
  auto back = read_runtime_config(dir_);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->net, "host");
}

TEST_F(Stage1AbiTest, EntrypointsAreFoundFromThePodDirectoryAlone) {
  std::string tree = dir_ + "/tree-rootfs";
  ASSERT_TRUE(make_dirs(tree, 0755));
  std::string pod = dir_ + "/pod";
  ASSERT_TRUE(make_dirs(pod, 0755));
  std::string manifest = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"rkt.local/stage1",
    "annotations":[{"name":"coreos.com/rkt/stage1/run","value":"/init"},
                   {"name":"coreos.com/rkt/stage1/stop","value":"/../escape"}]})";
  ASSERT_TRUE(write_stage1(pod, manifest, tree));
  auto run = find_entrypoint(pod, Entrypoint::Run);
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(*run, pod + "/stage1/rootfs/init");
  char target[4096] = {};
  ASSERT_GT(::readlink((pod + "/stage1/rootfs").c_str(), target, sizeof target - 1), 0);
  EXPECT_EQ(std::string(target), tree);
  auto gc = find_entrypoint(pod, Entrypoint::Gc);
  ASSERT_FALSE(gc);
  EXPECT_EQ(gc.error().code(), Errc::Unsupported);
  EXPECT_FALSE(find_entrypoint(pod, Entrypoint::Stop)) << "a path with .. is refused";
  EXPECT_FALSE(find_entrypoint(dir_, Entrypoint::Run)) << "no stage1 recorded";
}

TEST_F(Stage1AbiTest, EntrypointRunsInThePodDirectory) {
  auto rc = run_entrypoint("/bin/sh", dir_, {"-c", "test \"$PWD\" = " + dir_ + " && exit 7"});
  ASSERT_TRUE(rc) << rc.error().message();
  EXPECT_EQ(*rc, 7);
  auto missing = run_entrypoint(dir_ + "/nope", dir_, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Errc::NotFound);
  EXPECT_NE(missing.error().message().find(dir_ + "/nope"), std::string::npos) << missing.error().message();
  auto gone = run_entrypoint("/bin/sh", dir_ + "/gone", {"-c", "exit 0"});
  ASSERT_FALSE(gone) << "a pod directory that is not there";
  EXPECT_NE(gone.error().message().find(dir_ + "/gone"), std::string::npos) << gone.error().message();
  auto own = run_entrypoint("/bin/sh", dir_, {"-c", "exit 127"});
  ASSERT_TRUE(own) << "an entrypoint's own status 127 is a status, not a failure to execute it";
  EXPECT_EQ(*own, 127);
}

TEST_F(Stage1AbiTest, CgroupRecordAndItsRemovalTouchOnlyThePodsCgroups) {
  auto none = read_cgroup_record(dir_);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(remove_pod_cgroups(dir_, "u")) << "a pod without a record made none";
  std::string victim = dir_ + "/rkt-u";
  ASSERT_TRUE(make_dirs(victim, 0755));
  std::vector<std::string> dirs = {"/sys/fs/cgroup/memory/rkt-u/app", victim, "/sys/fs/cgroup/../../" + victim};
  ASSERT_TRUE(write_cgroup_record(dir_, dirs));
  auto back = read_cgroup_record(dir_);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, dirs);
  EXPECT_TRUE(remove_pod_cgroups(dir_, "u"));
  EXPECT_EQ(::access(victim.c_str(), F_OK), 0) << "nothing outside /sys/fs/cgroup is removed";
}

}  // namespace
}  // namespace rkt::stage1_abi
