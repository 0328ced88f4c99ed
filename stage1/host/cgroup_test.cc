#include "stage1/host/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/fs.h"

namespace rkt::stage1 {
namespace {

// A fake cgroup tree: directories and the files the kernel would provide in each new cgroup.
class FakeCgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rkt-cgroup-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { (void)remove_tree(root_); }
  void touch(const std::string& p, const std::string& content = "") { std::ofstream(p) << content; }
  std::string slurp(const std::string& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  // The kernel creates a new cgroup's files on mkdir; the fake creates them ahead of time.
  void precreate(const std::string& dir, std::initializer_list<const char*> files) {
    ASSERT_TRUE(make_dirs(dir, 0755));
    for (const char* f : files) touch(dir + "/" + f);
  }
  std::string root_;
};

TEST_F(FakeCgroupTree, V2PodAndAppWithLimits) {
  touch(root_ + "/cgroup.controllers", "cpu memory pids");
  precreate(root_ + "/user.slice/job", {"cgroup.procs", "cgroup.subtree_control"});
  touch(root_ + "/user.slice/job/cgroup.controllers", "cpu io memory pids");
  precreate(root_ + "/user.slice/job/rkt-u1/web", {"cgroup.procs", "memory.max", "cpu.max", "cpu.weight", "pids.max"});
  touch(root_ + "/user.slice/job/rkt-u1/cgroup.subtree_control");
  auto cg = Cgroups::detect(root_, "0::/user.slice/job\n");
  ASSERT_TRUE(cg) << cg.error().message();
  EXPECT_TRUE(cg->unified());
  CgroupLimits l;
  l.memory_bytes = 50 << 20;
  l.cpu_millis = 500;
  l.cpu_shares = 1024;
  std::string job = root_ + "/user.slice/job";
  EXPECT_EQ(cg->pod_dirs("u1", {"web"}),
            (std::vector<std::string>{job + "/rkt-u1/web", job + "/rkt-u1/_stage1", job + "/rkt-u1"}))
      << "deepest first, stage1's leaf included below a cgroup other than the root";
  ASSERT_TRUE(cg->create_pod("u1", {l}));
  EXPECT_EQ(slurp(job + "/rkt-u1/_stage1/cgroup.procs"), std::to_string(::getpid()))
      << "stage1 moves into its leaf: a v2 cgroup that gives controllers to its children holds no processes";
  EXPECT_EQ(slurp(job + "/cgroup.subtree_control"), "+pids") << "memory, cpu, then pids (the last write)";
  EXPECT_EQ(slurp(job + "/rkt-u1/cgroup.subtree_control"), "+pids");
  auto app = cg->create_app("u1", "web", l);
  ASSERT_TRUE(app) << app.error().message();
  std::string dir = root_ + "/user.slice/job/rkt-u1/web";
  EXPECT_EQ(slurp(dir + "/memory.max"), "52428800");
  EXPECT_EQ(slurp(dir + "/cpu.max"), "50000 100000");
  EXPECT_EQ(slurp(dir + "/cpu.weight"), "39");
  EXPECT_EQ(slurp(dir + "/pids.max"), "16384");
  EXPECT_EQ(app->procs_files, std::vector<std::string>{dir + "/cgroup.procs"});
  EXPECT_EQ(app->oom_events, dir + "/memory.events");
  touch(dir + "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  EXPECT_TRUE(oom_killed(*app));
  touch(dir + "/memory.events", "oom 0\noom_kill 0\n");
  EXPECT_FALSE(oom_killed(*app));
}

TEST_F(FakeCgroupTree, V1HierarchiesNestUnderTheCallersCgroups) {
  precreate(root_ + "/memory", {"cgroup.procs"});
  precreate(root_ + "/memory/ci/job", {"cgroup.procs"});
  precreate(root_ + "/memory/ci/job/rkt-u2/db", {"cgroup.procs", "memory.limit_in_bytes", "memory.oom_control"});
  precreate(root_ + "/cpu", {"cgroup.procs"});
  precreate(root_ + "/cpu/rkt-u2/db", {"cgroup.procs", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"});
  precreate(root_ + "/pids", {"cgroup.procs"});
  precreate(root_ + "/pids/rkt-u2/db", {"cgroup.procs", "pids.max"});
  auto cg = Cgroups::detect(root_, "8:pids:/\n4:memory:/ci/job\n2:cpu,cpuacct:/\n0::/\n");
  ASSERT_TRUE(cg) << cg.error().message();
  EXPECT_FALSE(cg->unified());
  CgroupLimits l;
  l.memory_bytes = 1 << 30;
  l.cpu_millis = 1500;
  l.cpu_shares = 512;
  ASSERT_TRUE(cg->create_pod("u2", {l}));
  auto app = cg->create_app("u2", "db", l);
  ASSERT_TRUE(app) << app.error().message();
  EXPECT_EQ(slurp(root_ + "/memory/ci/job/rkt-u2/db/memory.limit_in_bytes"), "1073741824");
  EXPECT_EQ(slurp(root_ + "/cpu/rkt-u2/db/cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(slurp(root_ + "/cpu/rkt-u2/db/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(slurp(root_ + "/cpu/rkt-u2/db/cpu.shares"), "512");
  EXPECT_EQ(slurp(root_ + "/pids/rkt-u2/db/pids.max"), "16384");
  EXPECT_EQ(app->procs_files.size(), 3u);
  touch(root_ + "/memory/ci/job/rkt-u2/db/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  EXPECT_TRUE(oom_killed(*app));
}

TEST_F(FakeCgroupTree, LimitsNeedTheirController) {
  precreate(root_ + "/pids", {"cgroup.procs"});
  precreate(root_ + "/pids/rkt-u3/x", {"cgroup.procs", "pids.max"});
  auto cg = Cgroups::detect(root_, "8:pids:/\n");
  ASSERT_TRUE(cg);
  CgroupLimits l;
  l.memory_bytes = 1000;
  ASSERT_TRUE(cg->create_pod("u3", {l}));
  auto app = cg->create_app("u3", "x", l);
  ASSERT_FALSE(app);
  EXPECT_NE(app.error().message().find("no memory cgroup controller"), std::string::npos);
  EXPECT_FALSE(Cgroups::detect(root_ + "/nowhere", "0::/\n"));
}

TEST_F(FakeCgroupTree, V2ControllersNotDelegatedAreNamed) {
  touch(root_ + "/cgroup.controllers", "cpu memory pids");
  precreate(root_ + "/system.slice/web.service", {"cgroup.procs", "cgroup.subtree_control"});
  touch(root_ + "/system.slice/web.service/cgroup.controllers", "pids");
  auto cg = Cgroups::detect(root_, "0::/system.slice/web.service\n");
  ASSERT_TRUE(cg);
  CgroupLimits l;
  l.memory_bytes = 1 << 20;
  Status s = cg->create_pod("u4", {CgroupLimits{}, l});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), "cgroup \"" + root_ +
                                     "/system.slice/web.service\" that rkt runs in has no memory controller, which the "
                                     "pod's limits need: the cgroup above it did not delegate it (a systemd unit needs "
                                     "Delegate=yes)");
  EXPECT_TRUE(cg->create_pod("u5", {CgroupLimits{}})) << "a pod without limits needs no controller";
}

TEST_F(FakeCgroupTree, V2ACgroupSharedWithOtherProcessesGivesNoController) {
  touch(root_ + "/cgroup.controllers", "cpu memory pids");
  precreate(root_ + "/user.slice/session-1.scope", {"cgroup.subtree_control"});
  std::string scope = root_ + "/user.slice/session-1.scope";
  touch(scope + "/cgroup.controllers", "cpu memory pids");
  touch(scope + "/cgroup.procs", "4242\n");  // the user's shell
  auto cg = Cgroups::detect(root_, "0::/user.slice/session-1.scope\n");
  ASSERT_TRUE(cg);
  ASSERT_TRUE(cg->create_pod("u7", {CgroupLimits{}})) << "a pod without limits runs";
  EXPECT_EQ(slurp(scope + "/cgroup.subtree_control"), "")
      << "not even pids: a cgroup with processes that gives cpu or pids becomes a thread root";
  touch(scope + "/cgroup.procs", "4242\n");
  CgroupLimits l;
  l.cpu_shares = 100;
  Status s = cg->create_pod("u8", {l});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("cannot give the pod its cpu controller: other processes share that cgroup"),
            std::string::npos)
      << s.error().message();
}

TEST_F(FakeCgroupTree, V2AtTheRootStage1StaysWhereItIs) {
  touch(root_ + "/cgroup.controllers", "cpu memory pids");
  touch(root_ + "/cgroup.subtree_control", "cpu memory pids");
  auto cg = Cgroups::detect(root_, "0::/\n");
  ASSERT_TRUE(cg);
  EXPECT_EQ(cg->pod_dirs("u6", {"a", "b"}),
            (std::vector<std::string>{root_ + "/rkt-u6/a", root_ + "/rkt-u6/b", root_ + "/rkt-u6"}));
  ASSERT_TRUE(cg->create_pod("u6", {CgroupLimits{}}));
  EXPECT_NE(::access((root_ + "/rkt-u6/_stage1").c_str(), F_OK), 0);
  ::unlink((root_ + "/rkt-u6/cgroup.subtree_control").c_str());  // the kernel's file, in a real tree
  EXPECT_TRUE(cg->remove_pod("u6", {"a", "b"}));
  EXPECT_NE(::access((root_ + "/rkt-u6").c_str(), F_OK), 0);
}

TEST(CgroupLimits, FromIsolators) {
  spec::Isolators isos;
  spec::ResourceValue mem;
  std::string err;
  mem.limit = spec::parse_quantity("64Mi", &err);
  isos.push_back({spec::kIsolatorMemory, "", mem});
  spec::ResourceValue cpu;
  cpu.limit = spec::parse_quantity("250m", &err);
  isos.push_back({spec::kIsolatorCpu, "", cpu});
  isos.push_back({spec::kIsolatorCpuShares, "", int64_t{2048}});
  auto l = limits_from_isolators(isos);
  EXPECT_EQ(l.memory_bytes, 64 << 20);
  EXPECT_EQ(l.cpu_millis, 250);
  EXPECT_EQ(l.cpu_shares, 2048);
}

}  // namespace
}  // namespace rkt::stage1
