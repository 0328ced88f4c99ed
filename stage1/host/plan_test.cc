#include "stage1/host/plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/support/command.h"

#include "common/fs.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"

namespace rkt::stage1 {
namespace {

Result<std::string> fake_host_file(const std::string& path) {
  if (path == "/etc/hosts") return std::string("10.1.1.1\thost-only\n");
  if (path == "/etc/resolv.conf") return std::string("nameserver 192.0.2.53\n");
  return Error(Errc::NotFound, path);
}

TEST(CStringsTest, CopiesAndMovesPointAtTheirOwnStrings) {
  auto original = std::make_unique<CStrings>(std::vector<std::string>{"/bin/sh", "-c", "x"});
  CStrings copy = *original;
  CStrings assigned;
  assigned = *original;
  EXPECT_NE(copy.data()[0], original->data()[0]);
  original.reset();
  for (const CStrings* c : {&copy, &assigned}) {
    ASSERT_EQ(c->size(), 3u);
    EXPECT_STREQ(c->data()[0], "/bin/sh");
    EXPECT_STREQ(c->data()[2], "x");
    EXPECT_EQ(c->data()[3], nullptr);
  }
  CStrings moved = std::move(copy);
  EXPECT_STREQ(moved.data()[1], "-c");
  EXPECT_EQ(copy.data()[0], nullptr) << "a moved-from array is empty, not dangling";
}

TEST(PlanTest, HostsFile) {
  stage1_abi::RuntimeConfig rc;
  rc.hosts_entries = {"10.0.0.2=db"};
  EXPECT_EQ(render_hosts(rc, "web", fake_host_file),
            "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "127.0.1.1\tweb\n10.0.0.2\tdb\n");
  rc.hosts_entries = {"host", "10.0.0.2=db"};
  EXPECT_EQ(render_hosts(rc, "web", fake_host_file), "10.1.1.1\thost-only\n10.0.0.2\tdb\n");
}

TEST(PlanTest, ResolvConf) {
  stage1_abi::RuntimeConfig rc;
  EXPECT_EQ(render_resolv_conf(rc, true, fake_host_file), "nameserver 192.0.2.53\n") << "host network: the host's";
  EXPECT_EQ(render_resolv_conf(rc, false, fake_host_file), "") << "own network, no --dns: the image's";
  rc.dns = {"none"};
  EXPECT_EQ(render_resolv_conf(rc, true, fake_host_file), "");
  rc.dns = {"host"};
  EXPECT_EQ(render_resolv_conf(rc, false, fake_host_file), "nameserver 192.0.2.53\n");
  rc.dns = {"1.1.1.1", "9.9.9.9"};
  rc.dns_search = {"a.example", "b.example"};
  rc.dns_opt = {"ndots:3"};
  rc.dns_domain = "example";
  EXPECT_EQ(render_resolv_conf(rc, false, fake_host_file),
            "nameserver 1.1.1.1\nnameserver 9.9.9.9\nsearch a.example b.example\noptions ndots:3\ndomain example\n");
}

spec::Isolators sysctl(const std::string& key) {
  return {spec::make_isolator(spec::kIsolatorSysctl, spec::Sysctl{{key, "1"}})};
}

TEST(PlanTest, OnlyNamespacedSysctls) {
  PodPlan own;
  own.host_network = false;
  ASSERT_TRUE(add_sysctls(sysctl("net.ipv4.ip_forward"), "pod", own));
  ASSERT_EQ(own.sysctls.size(), 1u);
  EXPECT_EQ(own.sysctls[0].first, "/proc/sys/net/ipv4/ip_forward");
  EXPECT_TRUE(add_sysctls(sysctl("kernel.shmmax"), "pod", own));
  auto host_kernel = add_sysctls(sysctl("kernel.hostname"), "app \"a\"", own);
  ASSERT_FALSE(host_kernel);
  EXPECT_EQ(host_kernel.error().message(),
            "app \"a\": sysctl \"kernel.hostname\" is not namespaced: the pod cannot set it");
  PodPlan host;
  host.host_network = true;
  host.host_ipc = true;
  EXPECT_FALSE(add_sysctls(sysctl("net.ipv4.ip_forward"), "pod", host));
  EXPECT_FALSE(add_sysctls(sysctl("kernel.shmmax"), "pod", host));
  EXPECT_FALSE(add_sysctls(sysctl("net.ipv4/../../x"), "pod", own));
}

TEST(PlanTest, Environment) {
  spec::App a;
  a.environment = {{"FOO", "1"}, {"AC_APP_NAME", "forged"}};
  auto env = app_environment(a, "web", "/home/web", false);
  EXPECT_EQ(env.strings(),
            (std::vector<std::string>{"FOO=1", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                      "HOME=/home/web", "AC_APP_NAME=web"}));
  a.environment = {{"PATH", "/x"}, {"HOME", "/y"}};
  EXPECT_EQ(app_environment(a, "web", "/home/web", false).strings(),
            (std::vector<std::string>{"PATH=/x", "HOME=/y", "AC_APP_NAME=web"}));
}

TEST(PlanTest, Mounts) {
  spec::RuntimeApp ra;
  ra.name = "web";
  ra.app.emplace();
  ra.app->mount_points = {{"data", "/data", true}};
  ra.mounts = {{"data", "/data", std::nullopt}, {"scratch", "/tmp/s", std::nullopt}};
  spec::Volume data, scratch;
  data.name = "data";
  data.kind = "host";
  data.source = "/srv/data";
  scratch.name = "scratch";
  scratch.kind = "empty";
  scratch.recursive = false;
  auto m = app_mounts(ra, {data, scratch}, "/pod");
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].source, "/srv/data");
  EXPECT_TRUE((*m)[0].read_only) << "the image's mount point is read-only";
  EXPECT_TRUE((*m)[0].recursive);
  EXPECT_EQ((*m)[1].source, "/pod/volumes/scratch");
  EXPECT_FALSE((*m)[1].read_only);
  EXPECT_FALSE((*m)[1].recursive);
  auto missing = app_mounts(ra, {data}, "/pod");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "app \"web\": no volume \"scratch\"");
}

TEST(PlanTest, MountPointsWithoutMountsTakeTheirVolumeOrAnImplicitEmptyOne) {
  test::TempDir pod;
  spec::RuntimeApp ra;
  ra.name = "web";
  ra.app.emplace();
  ra.app->mount_points = {{"database", "/db", false}, {"cache", "/cache", true}};
  spec::Volume database;
  database.name = "database";
  database.kind = "empty";
  auto m = app_mounts(ra, {database}, pod.path());
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].source, pod.path() + "/volumes/database") << "matched by name, as a pod manifest without mounts";
  EXPECT_EQ((*m)[0].target, "/db");
  EXPECT_EQ((*m)[1].source, pod.path() + "/volumes/web-cache") << "no volume of that name: an implicit empty one";
  EXPECT_TRUE((*m)[1].read_only);
  struct stat st {};
  EXPECT_EQ(::stat((pod.path() + "/volumes/web-cache").c_str(), &st), 0);
}

// Docker's volume semantics: the implicit volume of a converted image starts with the image's
// content at the mount point (symlinks copied as symlinks, never followed, even to the host).
TEST(PlanTest, ImplicitVolumesOfDockerImagesAreSeededFromTheImage) {
  test::TempDir pod, image;
  std::string root = image.path() + "/rootfs";
  ASSERT_TRUE(make_dirs(root + "/var/lib/db/sub", 0750));
  ASSERT_TRUE(write_file_atomic(root + "/var/lib/db/seed", "initial data\n", 0604, Overwrite::No));
  ASSERT_TRUE(write_file_atomic(root + "/var/lib/db/sub/more", "more\n", 0644, Overwrite::No));
  ASSERT_EQ(::symlink("/etc/shadow", (root + "/var/lib/db/shadow").c_str()), 0);
  ASSERT_EQ(::chown((root + "/var/lib/db").c_str(), 999, 998), 0);
  ASSERT_EQ(::symlink("/etc", (root + "/escape").c_str()), 0) << "a mount point that leads to the host's /etc";
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  spec::RuntimeApp ra;
  ra.name = "db";
  ra.app.emplace();
  ra.app->mount_points = {{"data", "/var/lib/db", false}, {"esc", "/escape", false}, {"none", "/nothere", false}};
  auto m = app_mounts(ra, {}, pod.path(), root_fd.get());
  ASSERT_TRUE(m) << m.error().message();
  std::string vol = pod.path() + "/volumes/db-data";
  EXPECT_EQ(test::read_file(vol + "/seed"), "initial data\n");
  EXPECT_EQ(test::read_file(vol + "/sub/more"), "more\n");
  char target[64] = {};
  ASSERT_GT(::readlink((vol + "/shadow").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "/etc/shadow") << "copied as a symlink";
  struct stat st {};
  ASSERT_EQ(::stat(vol.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 999u);
  EXPECT_EQ(st.st_gid, 998u);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(::stat((vol + "/seed").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_NE(::access((pod.path() + "/volumes/db-esc/passwd").c_str(), F_OK), 0) << "not the host's /etc";
  EXPECT_EQ(::access((pod.path() + "/volumes/db-none").c_str(), F_OK), 0) << "nothing there: an empty volume";

  // A volume already made (a pod started again) is not seeded twice; appc images are not seeded.
  ASSERT_EQ(::unlink((vol + "/seed").c_str()), 0);
  ASSERT_TRUE(app_mounts(ra, {}, pod.path(), root_fd.get()));
  EXPECT_NE(::access((vol + "/seed").c_str(), F_OK), 0);
  ra.name = "appc";
  ASSERT_TRUE(app_mounts(ra, {}, pod.path(), -1));
  EXPECT_NE(::access((pod.path() + "/volumes/appc-data/seed").c_str(), F_OK), 0);
}

class BuildPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pod_ = dir_ + "/pod";
    std::string lower = dir_ + "/tree/rootfs";
    ASSERT_TRUE(make_dirs(lower + "/etc", 0755));
    ASSERT_TRUE(write_file_atomic(lower + "/etc/passwd", "web:x:1000:1000::/home/web:/bin/sh\n", 0644, Overwrite::No));
    ASSERT_TRUE(write_file_atomic(lower + "/etc/group", "web:x:1000:\n", 0644, Overwrite::No));
    ASSERT_TRUE(make_dirs(pod_ + "/appsinfo/web", 0755));
    ASSERT_TRUE(write_file_atomic(pod_ + "/appsinfo/web/lower", lower, 0644, Overwrite::No));
    ASSERT_TRUE(write_file_atomic(pod_ + "/appsinfo/web/manifest",
                                  R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/web"})", 0644,
                                  Overwrite::No));
    ASSERT_TRUE(write_file_atomic(pod_ + "/pod", R"({"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"web",
      "image":{"id":"sha512-0000000000000000000000000000000000000000000000000000000000000000"},
      "app":{"exec":["/bin/web","--port=80"],"user":"web","group":"web",
             "eventHandlers":[{"name":"pre-start","exec":["/bin/setup"]}],
             "isolators":[{"name":"os/linux/no-new-privileges","value":true}]}}]})",
                                  0644, Overwrite::No));
  }
  void runtime(const stage1_abi::RuntimeConfig& rc) { ASSERT_TRUE(stage1_abi::write_runtime_config(pod_, rc, true)); }
  test::TempDir tmp_;
  const std::string dir_ = tmp_.path();
  std::string pod_;
};

TEST_F(BuildPlanTest, APodDirectoryBecomesAPlan) {
  stage1_abi::RuntimeConfig rc;
  rc.net = "none";
  runtime(rc);
  ::unsetenv("NOTIFY_SOCKET");
  auto plan = build_plan(pod_, "1234");
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ(plan->hostname, "rkt-1234");
  EXPECT_FALSE(plan->host_network);
  ASSERT_EQ(plan->apps.size(), 1u);
  const AppPlan& app = plan->apps[0];
  EXPECT_EQ(app.exec.strings(), (std::vector<std::string>{"/bin/web", "--port=80"}));
  ASSERT_EQ(app.pre_start.size(), 1u);
  EXPECT_STREQ(app.pre_start[0].data()[0], "/bin/setup");
  EXPECT_EQ(app.ids.uid, 1000u);
  EXPECT_TRUE(app.no_new_privs);
  EXPECT_FALSE(app.seccomp.empty()) << "the default filter";
  EXPECT_NE(app.overlay_opts.find("lowerdir=" + dir_ + "/tree/rootfs,upperdir=" + pod_ + "/overlay/web/upper"),
            std::string::npos);
  EXPECT_EQ(app.etc_hostname, "rkt-1234\n");
  PodPlan copy = *plan;
  plan.value().apps.clear();
  EXPECT_STREQ(copy.apps[0].exec.data()[1], "--port=80") << "a copied plan owns its strings";
}

TEST_F(BuildPlanTest, TheNetworkListDecidesTheNamespaces) {
  stage1_abi::RuntimeConfig rc;
  rc.local_config = "/srv/rkt";
  rc.net = "default:IP=172.16.28.9,mine";
  runtime(rc);
  auto plan = build_plan(pod_, "1234");
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_FALSE(plan->host_network);
  EXPECT_EQ(plan->networks, (std::vector<stage1_abi::NetRequest>{{"default", "IP=172.16.28.9"}, {"mine", ""}}));
  EXPECT_EQ(plan->local_config, "/srv/rkt");
  EXPECT_TRUE(plan->dns_from_network);
  EXPECT_EQ(plan->netns_fd, -1) << "stage1 sets it once the namespace exists";

  rc.net = "none,default";
  rc.dns = {"192.0.2.1"};
  runtime(rc);
  plan = build_plan(pod_, "1234");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->networks.empty()) << "none: loopback only";
  EXPECT_FALSE(plan->dns_from_network) << "--dns wins over a network's DNS";
  rc.net = "host,default";
  runtime(rc);
  plan = build_plan(pod_, "1234");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->host_network);
  EXPECT_TRUE(plan->networks.empty());

  rc.net = "a,a";
  runtime(rc);
  plan = build_plan(pod_, "1234");
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message(), "the runtime configuration's network list: --net: found duplicate netname \"a\"");
}

}  // namespace
}  // namespace rkt::stage1
