// rkt run end to end, as root: the real rkt, stage1 and stage2 run an image holding the static
// probe, and every property is checked from inside the pod by what the probe prints.

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/command.h"

namespace rkt::test {
namespace {

std::map<std::string, std::string> lines(const std::string& out) {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(": ");
    if (colon == std::string::npos) colon = line.find(":\t");
    if (colon != std::string::npos) m[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return m;
}

std::string self_ns(const char* ns) {
  struct stat st {};
  ::stat((std::string("/proc/self/ns/") + ns).c_str(), &st);
  return std::to_string(st.st_ino);
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RKT_REQUIRE(::geteuid() == 0, "root (rkt run creates namespaces and mounts)");
    ASSERT_EQ(::mkdir((tmp_ / "host-target").c_str(), 0755), 0);
    image_ = build_image("example.com/probe", "probe.aci");
  }

  // An image with the probe at /probe, users, an owned file and a symlink to a host directory.
  std::string build_image(const std::string& name, const std::string& file, const std::string& app_extra = "") {
    std::string l = tmp_ / (file + ".layout");
    for (const char* d : {"", "/rootfs", "/rootfs/etc", "/rootfs/tmp", "/rootfs/data"}) ::mkdir((l + d).c_str(), 0755);
    ::chmod((l + "/rootfs/tmp").c_str(), 01777);
    EXPECT_EQ(run_command({"/bin/cp", probe_binary(), l + "/rootfs/probe"}).exit_code, 0);
    write_file(l + "/rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1001:Alice:/home/alice:/bin/sh\n");
    write_file(l + "/rootfs/etc/group", "root:x:0:\nalice:x:1001:\nextra:x:1002:alice\n");
    write_file(l + "/rootfs/owned", "owned");
    EXPECT_EQ(::chown((l + "/rootfs/owned").c_str(), 4242, 4343), 0);
    ::symlink((tmp_ / "host-target").c_str(), (l + "/rootfs/evil").c_str());
    write_file(l + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" + name +
                                    R"(","app":{"exec":["/probe","id"],"user":"0","group":"0",
              "environment":[{"name":"FROM_IMAGE","value":"image"},{"name":"OVERRIDDEN","value":"image"}])" +
                                    app_extra + "}}");
    std::string out = tmp_ / file;
    auto r = run_command({actool_binary(), "build", "--overwrite", l, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  CommandResult rkt(std::vector<std::string> args) {
    std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"),
                                     "--insecure-options=image"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }

  // rkt run --net=host IMAGE --exec=/probe -- ACTIONS...
  CommandResult probe(std::vector<std::string> pod_flags, std::vector<std::string> app_flags,
                      std::vector<std::string> actions) {
    std::vector<std::string> args = {"run"};
    bool has_net = false;
    for (const auto& f : pod_flags) has_net |= f.rfind("--net", 0) == 0;
    if (!has_net) args.push_back("--net=host");
    args.insert(args.end(), pod_flags.begin(), pod_flags.end());
    args.push_back(image_);
    args.push_back("--exec=/probe");
    args.insert(args.end(), app_flags.begin(), app_flags.end());
    args.push_back("--");
    args.insert(args.end(), actions.begin(), actions.end());
    return rkt(args);
  }

  TempDir tmp_;
  std::string image_;
};

TEST_F(RunTest, ExitCodesPassThrough) {
  for (int code : {0, 1, 7, 200}) {
    auto r = probe({}, {}, {"exit:" + std::to_string(code)});
    EXPECT_EQ(r.exit_code, code) << r.err;
  }
}

TEST_F(RunTest, TheImageDefaultsRun) {
  auto r = rkt({"run", "--net=host", image_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_EQ(m["uid"], "0");
  EXPECT_EQ(m["gid"], "0");
}

TEST_F(RunTest, NamespacesHostnameAndPid) {
  auto r = probe({"--net=none"}, {}, {"ns", "hostname", "pid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  for (const char* ns : {"mnt", "pid", "net", "uts", "ipc"}) {
    EXPECT_NE(m[std::string("ns-") + ns], self_ns(ns)) << ns << " namespace is the host's";
  }
  EXPECT_EQ(m["hostname"].rfind("rkt-", 0), 0u) << m["hostname"];
  EXPECT_NE(m["pid"], "1") << "the supervisor is PID 1, not the app";
  auto host_net = probe({"--net=host", "--hostname=probe-host"}, {}, {"ns", "hostname"});
  auto h = lines(host_net.out);
  EXPECT_EQ(h["ns-net"], self_ns("net")) << "--net=host shares the host's network";
  EXPECT_NE(h["ns-uts"], self_ns("uts"));
  EXPECT_EQ(h["hostname"], "probe-host");
  auto ipc = lines(probe({"--ipc=parent"}, {}, {"ns"}).out);
  EXPECT_EQ(ipc["ns-ipc"], self_ns("ipc")) << "--ipc=parent shares the host's IPC namespace";
  EXPECT_EQ(probe({"--ipc=shared"}, {}, {"ns"}).exit_code, 254);
}

TEST_F(RunTest, DefaultCapabilitiesSeccompAndNoNewPrivs) {
  auto r = probe({}, {}, {"status", "add-key"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_EQ(m["CapBnd"], "00000000a80425fb") << "appc's 14 default capabilities";
  EXPECT_EQ(m["CapEff"], "00000000a80425fb");
  EXPECT_EQ(m["Seccomp"], "2");
  EXPECT_EQ(m["NoNewPrivs"], "0");
  EXPECT_EQ(m["add-key"], "Operation not permitted") << "add_key is in the default remove set";
}

TEST_F(RunTest, CapabilityFlags) {
  auto retain = lines(probe({}, {"--caps-retain=CAP_NET_ADMIN,CAP_CHOWN"}, {"status"}).out);
  EXPECT_EQ(retain["CapBnd"], "0000000000001001");
  EXPECT_EQ(retain["CapEff"], "0000000000001001");
  auto remove = lines(probe({}, {"--caps-remove=CAP_CHOWN,CAP_KILL"}, {"status"}).out);
  EXPECT_EQ(remove["CapBnd"], "00000000a80425da");
  auto bad = probe({}, {"--caps-retain=CAP_NOPE"}, {"status"});
  EXPECT_EQ(bad.exit_code, 254);
  EXPECT_NE(bad.err.find("unknown capability \"CAP_NOPE\""), std::string::npos) << bad.err;
}

TEST_F(RunTest, SeccompFlagsAndInsecureOptions) {
  auto errno_set = lines(probe({}, {"--seccomp=mode=remove,errno=ENOSYS,add_key"}, {"add-key", "status"}).out);
  EXPECT_EQ(errno_set["add-key"], "Function not implemented");
  EXPECT_EQ(errno_set["Seccomp"], "2");
  auto off = rkt({"--insecure-options=image,seccomp", "run", "--net=host", image_, "--exec=/probe", "--", "status", "add-key"});
  auto m = lines(off.out);
  EXPECT_EQ(m["Seccomp"], "0");
  EXPECT_NE(m["add-key"], "Operation not permitted");
}

TEST_F(RunTest, SeccompRetainSetOfRktsDefaultWhitelist) {
  auto r = probe({}, {"--seccomp=mode=retain,errno=ENOSYS,@rkt/default-whitelist,add_key"},
                 {"status", "add-key", "id", "write:/tmp/x", "read:/tmp/x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_EQ(m["Seccomp"], "2");
  EXPECT_NE(m["add-key"], "Function not implemented") << "add_key was retained";
  EXPECT_EQ(m["read /tmp/x"], "probe");
  auto denied = lines(probe({}, {"--seccomp=mode=retain,errno=ENOSYS,@rkt/default-whitelist"}, {"add-key"}).out);
  EXPECT_EQ(denied["add-key"], "Function not implemented") << "a syscall outside the retain set fails with its errno";
}

TEST_F(RunTest, NoNewPrivilegesIsolator) {
  std::string img = build_image("example.com/nnp", "nnp.aci",
                                R"(,"isolators":[{"name":"os/linux/no-new-privileges","value":true}])");
  auto r = rkt({"run", "--net=host", img, "--exec=/probe", "--", "status"});
  EXPECT_EQ(lines(r.out)["NoNewPrivs"], "1") << r.err;
}

TEST_F(RunTest, UsersAndGroups) {
  auto byname = lines(probe({}, {"--user=alice", "--group=extra", "--supplementary-gids=5,6"}, {"id", "status"}).out);
  EXPECT_EQ(byname["uid"], "1000");
  EXPECT_EQ(byname["gid"], "1002");
  EXPECT_EQ(byname["groups"], "5 6");
  EXPECT_EQ(byname["CapEff"], "0000000000000000") << "a non-root app has no effective capabilities";
  EXPECT_EQ(byname["CapBnd"], "00000000a80425fb");
  auto bynumber = lines(probe({}, {"--user=123", "--group=456"}, {"id"}).out);
  EXPECT_EQ(bynumber["uid"], "123");
  EXPECT_EQ(bynumber["gid"], "456");
  auto bypath = lines(probe({}, {"--user=/owned", "--group=/owned"}, {"id"}).out);
  EXPECT_EQ(bypath["uid"], "4242");
  EXPECT_EQ(bypath["gid"], "4343");
  auto unknown = probe({}, {"--user=mallory"}, {"id"});
  EXPECT_EQ(unknown.exit_code, 254);
  EXPECT_NE(unknown.err.find("user \"mallory\" is not in the image's /etc/passwd"), std::string::npos) << unknown.err;
}

TEST_F(RunTest, EnvironmentPrecedenceAndWorkingDirectory) {
  write_file(tmp_ / "env-file", "# comment\nFROM_FILE=file\nOVERRIDDEN=file\n");
  ::setenv("RKT_TEST_INHERITED", "inherited", 1);
  auto r = probe({"--inherit-env", "--set-env-file=" + (tmp_ / "env-file"), "--set-env=OVERRIDDEN=set-env"},
                 {"--environment=OVERRIDDEN=app", "--working-dir=/tmp"},
                 {"env:FROM_IMAGE", "env:FROM_FILE", "env:OVERRIDDEN", "env:RKT_TEST_INHERITED", "env:AC_APP_NAME",
                  "env:PATH", "cwd"});
  ::unsetenv("RKT_TEST_INHERITED");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_EQ(m["env-FROM_IMAGE"], "image");
  EXPECT_EQ(m["env-FROM_FILE"], "file");
  EXPECT_EQ(m["env-OVERRIDDEN"], "app");
  EXPECT_EQ(m["env-RKT_TEST_INHERITED"], "inherited");
  EXPECT_EQ(m["env-AC_APP_NAME"], "probe");
  EXPECT_EQ(m["cwd"], "/tmp");
  auto plain = lines(probe({}, {}, {"env:PATH", "env:HOME"}).out);
  EXPECT_EQ(plain["env-PATH"], "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") << "the spec's default";
  EXPECT_EQ(plain["env-HOME"], "/root");
}

TEST_F(RunTest, EtcFilesAndDns) {
  auto r = probe({"--net=none", "--hostname=pod-one", "--dns=192.0.2.53", "--dns-search=example.com",
                  "--hosts-entry=192.0.2.1=gateway.example"},
                 {}, {"read:/etc/hostname", "read:/etc/resolv.conf", "read:/etc/hosts"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("read /etc/hostname: pod-one"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nameserver 192.0.2.53\nsearch example.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("192.0.2.1\tgateway.example"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pod-one"), std::string::npos);
}

TEST_F(RunTest, ReadOnlyRootfs) {
  auto rw = lines(probe({}, {}, {"write:/written"}).out);
  EXPECT_EQ(rw["write /written"], "ok");
  auto ro = lines(probe({}, {"--readonly-rootfs"}, {"write:/written"}).out);
  EXPECT_EQ(ro["write /written"], "error Read-only file system");
}

TEST_F(RunTest, HostAndEmptyVolumes) {
  ASSERT_EQ(::mkdir((tmp_ / "shared").c_str(), 0755), 0);
  write_file(tmp_ / "shared/hello", "from the host");
  auto r = probe({"--volume=shared,kind=host,source=" + (tmp_ / "shared"), "--volume=scratch,kind=empty,mode=0700,uid=1000"},
                 {"--mount=volume=shared,target=/data", "--mount=volume=scratch,target=/scratch"},
                 {"read:/data/hello", "write:/data/from-pod", "stat:/scratch", "mounted:/data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_EQ(m["read /data/hello"], "from the host");
  EXPECT_EQ(m["write /data/from-pod"], "ok");
  EXPECT_EQ(read_file(tmp_ / "shared/from-pod"), "probe");
  EXPECT_EQ(m["stat /scratch"], "uid=1000 gid=0 mode=700");
  EXPECT_EQ(m["mounted /data"], "yes");
  auto ro = lines(probe({"--volume=shared,kind=host,source=" + (tmp_ / "shared") + ",readOnly=true"},
                        {"--mount=volume=shared,target=/data"}, {"write:/data/x"}).out);
  EXPECT_EQ(ro["write /data/x"], "error Read-only file system");
}

TEST_F(RunTest, MountTargetsStayInsideTheRoot) {
  // The image has /evil -> <host>/host-target. A volume mounted at /evil must land inside the
  // app's root, never on the host directory.
  ASSERT_EQ(::mkdir((tmp_ / "vol").c_str(), 0755), 0);
  auto r = probe({"--volume=v,kind=host,source=" + (tmp_ / "vol")}, {"--mount=volume=v,target=/evil/sub"},
                 {"write:/evil/sub/escaped", "mounted:/evil/sub"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(tmp_ / "vol/escaped"), "probe") << "the write went to the volume";
  auto leaked = run_command({"/usr/bin/find", tmp_ / "host-target", "-mindepth", "1"});
  EXPECT_EQ(leaked.out, "") << "nothing was created in the host directory the symlink names";
  auto mi = read_file("/proc/self/mountinfo");
  EXPECT_EQ(mi.find(tmp_.path()), std::string::npos) << "no mount of the pod is visible on the host";
}

TEST_F(RunTest, NoHostFdOrBinaryReachesTheApp) {
  // runc CVE-2024-21626: no inherited fd may point at the host; CVE-2019-5736: the supervisor's
  // binary (/proc/1/exe, a host file) must not be reachable from the app.
  auto r = probe({}, {}, {"fds", "exe:1", "stat:/dev/console"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  std::istringstream fds(m["fds"]);
  std::string fd;
  while (fds >> fd) {
    int n = std::atoi(fd.c_str());
    EXPECT_LE(n, 2) << "unexpected fd in the app: " << fd;
  }
  EXPECT_NE(m["exe-readlink 1"].find("Permission denied"), std::string::npos) << m["exe-readlink 1"];
  EXPECT_NE(m["exe-open-write 1"], "opened");
  auto escape = probe({}, {"--working-dir=/proc/self/fd/5"}, {"cwd"});
  EXPECT_EQ(escape.exit_code, 254) << escape.out;
}

TEST_F(RunTest, MaskedAndReadOnlyProcPaths) {
  auto r = lines(probe({}, {}, {"write:/proc/sys/kernel/hostname", "read:/proc/timer_list", "mountinfo:/proc/sys"}).out);
  EXPECT_EQ(r["write /proc/sys/kernel/hostname"], "error Read-only file system");
  EXPECT_EQ(r["read /proc/timer_list"], "") << "masked by /dev/null";
  EXPECT_EQ(r["mountinfo /proc/sys"].substr(0, 3), "ro,") << r["mountinfo /proc/sys"];
  if (::access("/proc/sysrq-trigger", F_OK) == 0) {
    auto t = lines(probe({}, {}, {"write:/proc/sysrq-trigger"}).out);
    EXPECT_EQ(t["write /proc/sysrq-trigger"], "error Read-only file system");
  }
  auto open = lines(rkt({"--insecure-options=image,paths", "run", "--net=host", image_, "--exec=/probe", "--",
                         "mountinfo:/proc/sys"}).out);
  EXPECT_EQ(open["mountinfo /proc/sys"], "none") << "--insecure-options=paths leaves /proc/sys alone";
}

TEST_F(RunTest, MultiAppPodTheFirstFailureWins) {
  std::string a = build_image("example.com/a", "a.aci");
  std::string b = build_image("example.com/b", "b.aci");
  std::string c = build_image("example.com/c", "c.aci");
  auto start = std::chrono::steady_clock::now();
  auto r = rkt({"run", "--net=host", "--uuid-file-save=" + (tmp_ / "uuid"), a, "--exec=/probe", "--", "sleep:30", "---",
                b, "--exec=/probe", "--", "sleep:1", "exit:5", "---", c, "--exec=/probe", "--", "trap:0"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_LT(took, std::chrono::seconds(20)) << "the other apps were stopped";
  std::string uuid = read_file(tmp_ / "uuid");
  uuid = uuid.substr(0, uuid.find('\n'));
  std::string status = tmp_ / ("data/pods/run/" + uuid + "/status/");
  EXPECT_EQ(read_file(status + "b"), "5\n");
  EXPECT_EQ(read_file(status + "c"), "0\n") << "c caught SIGTERM and exited 0";
  EXPECT_EQ(read_file(status + "a"), "143\n") << "a was stopped by SIGTERM";
  EXPECT_NE(r.out.find("trap: got SIGTERM"), std::string::npos);
}

TEST_F(RunTest, SigtermStopsThePodAndTheStatusPassesThrough) {
  std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run",
                                   "--net=host", image_, "--exec=/probe", "--", "trap:42"};
  std::string out = tmp_ / "out";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    _exit(127);
  }
  for (int i = 0; i < 400 && read_file(out).find("trap: waiting") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(read_file(out).find("trap: waiting"), std::string::npos);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
}

TEST_F(RunTest, CgroupLimitsAreSetOnTheAppsCgroups) {
  std::string out = tmp_ / "bg.out";
  std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run",
                                   "--net=host", image_, "--memory=64M", "--cpu=250m", "--cpu-shares=512",
                                   "--exec=/probe", "--", "cgroup", "trap:0"};
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    std::vector<char*> a;
    for (auto& x : argv) a.push_back(x.data());
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    _exit(127);
  }
  for (int i = 0; i < 400 && read_file(out).find("trap: waiting") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string text = read_file(out);
  std::map<std::string, std::string> paths;  // controller -> path
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cgroup ", 0) != 0) continue;
    size_t a = line.find(':'), b = line.find(':', a + 1);
    std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    std::istringstream names(ctrls);
    std::string n;
    while (std::getline(names, n, ',')) paths[n] = path;
    if (ctrls.empty()) paths["unified"] = path;
  }
  auto value = [](const std::string& p) {
    std::string v = read_file(p);
    return v.substr(0, v.find('\n'));
  };
  if (::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
    std::string dir = "/sys/fs/cgroup" + paths["unified"];
    EXPECT_NE(dir.find("/rkt-"), std::string::npos) << text;
    EXPECT_EQ(value(dir + "/memory.max"), "64000000");
    EXPECT_EQ(value(dir + "/cpu.max"), "25000 100000");
  } else {
    EXPECT_NE(paths["memory"].find("/rkt-"), std::string::npos) << text;
    EXPECT_EQ(paths["memory"].substr(paths["memory"].rfind('/')), "/probe") << "one cgroup per app";
    EXPECT_EQ(value("/sys/fs/cgroup/memory" + paths["memory"] + "/memory.limit_in_bytes"), "64000000");
    EXPECT_EQ(value("/sys/fs/cgroup/cpu" + paths["cpu"] + "/cpu.cfs_quota_us"), "25000");
    EXPECT_EQ(value("/sys/fs/cgroup/cpu" + paths["cpu"] + "/cpu.shares"), "512");
    EXPECT_EQ(value("/sys/fs/cgroup/pids" + paths["pids"] + "/pids.max"), "16384");
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (!paths["memory"].empty()) {
    EXPECT_NE(::access(("/sys/fs/cgroup/memory" + paths["memory"]).c_str(), F_OK), 0) << "the app's cgroup is removed";
  }
}

TEST_F(RunTest, AnAppOverItsMemoryLimitIsKilledAndReported) {
  auto r = probe({}, {"--memory=32M"}, {"alloc:256", "exit:0"});
  EXPECT_EQ(r.exit_code, 137) << r.out << r.err;
  EXPECT_NE(r.err.find("ran out of memory and was killed (its limit is 32000000 bytes)"), std::string::npos) << r.err;
}

TEST_F(RunTest, OomScoreAdjAndStdin) {
  auto r = probe({}, {"--oom-score-adj=500"}, {"read:/proc/self/oom_score_adj", "stdin"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("read /proc/self/oom_score_adj: 500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stdin: <eof>"), std::string::npos) << "a non-interactive app reads /dev/null";
  std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run",
                                   "--net=host", "--interactive", image_, "--exec=/probe", "--", "stdin"};
  auto i = run_command(argv, "typed by the user\n");
  EXPECT_NE(i.out.find("stdin: typed by the user"), std::string::npos) << i.out << i.err;
}

TEST_F(RunTest, NamespacedSysctlsOnly) {
  std::string img = build_image("example.com/sysctl", "sysctl.aci",
                                R"(,"isolators":[{"name":"os/unix/sysctl","value":{"net.ipv4.ip_forward":"1","kernel.shmmni":"1234"}}])");
  auto r = rkt({"run", "--net=none", img, "--exec=/probe", "--", "read:/proc/sys/net/ipv4/ip_forward", "read:/proc/sys/kernel/shmmni"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("read /proc/sys/net/ipv4/ip_forward: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("read /proc/sys/kernel/shmmni: 1234"), std::string::npos) << r.out;
  EXPECT_NE(read_file("/proc/sys/kernel/shmmni"), "1234\n") << "the host's value is untouched";
  auto host = rkt({"run", "--net=host", img});
  EXPECT_EQ(host.exit_code, 254);
  EXPECT_NE(host.err.find("changes the host's network"), std::string::npos) << host.err;
  std::string bad = build_image("example.com/sysctl2", "sysctl2.aci",
                                R"(,"isolators":[{"name":"os/unix/sysctl","value":{"vm.swappiness":"1"}}])");
  auto refused = rkt({"run", "--net=none", bad});
  EXPECT_EQ(refused.exit_code, 254);
  EXPECT_NE(refused.err.find("sysctl \"vm.swappiness\" is not namespaced"), std::string::npos) << refused.err;
}

TEST_F(RunTest, SystemdNotifyIsRelayedForImagesThatSupportIt) {
  std::string img = build_image("example.com/notify", "notify.aci");
  // An image annotated as supporting systemd notification.
  write_file(tmp_ / "notify-manifest.json",
             R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/notify",
                 "app":{"exec":["/probe","notify","exit:0"],"user":"0","group":"0"},
                 "annotations":[{"name":"appc.io/executor/supports-systemd-notify","value":"true"}]})");
  auto p = run_command({actool_binary(), "patch-manifest", "--replace", "--manifest=" + (tmp_ / "notify-manifest.json"), img});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  // The test plays systemd: it listens on a datagram socket named by NOTIFY_SOCKET.
  std::string sock = tmp_ / "systemd-notify";
  int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::setenv("NOTIFY_SOCKET", sock.c_str(), 1);
  auto r = rkt({"run", "--net=host", img});
  ::unsetenv("NOTIFY_SOCKET");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("notify: sent"), std::string::npos) << r.out;
  char msg[512] = {};
  ssize_t n = ::recv(s, msg, sizeof msg - 1, MSG_DONTWAIT);
  ::close(s);
  ASSERT_GT(n, 0) << "nothing reached the service manager";
  std::string text(msg, static_cast<size_t>(n));
  EXPECT_NE(text.find("READY=1"), std::string::npos) << text;
  EXPECT_NE(text.find("MAINPID="), std::string::npos) << text;
  EXPECT_NE(text.find("STATUS=probe ready"), std::string::npos) << text;
}

TEST_F(RunTest, PodManifestRunsAsGiven) {
  auto fetched = rkt({"fetch", "--full", image_});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  std::string id = fetched.out.substr(0, fetched.out.find('\n'));
  write_file(tmp_ / "pod.json", R"({"acVersion":"0.8.11","acKind":"PodManifest","apps":[{"name":"given",
    "image":{"id":")" + id + R"("},"app":{"exec":["/probe","env:AC_APP_NAME","exit:4"],"user":"0","group":"0"}}]})");
  auto r = rkt({"run", "--net=host", "--pod-manifest=" + (tmp_ / "pod.json")});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.out.find("env-AC_APP_NAME: given"), std::string::npos) << r.out;
  auto conflict = rkt({"run", "--net=host", "--pod-manifest=" + (tmp_ / "pod.json"), "--set-env=A=B"});
  EXPECT_EQ(conflict.exit_code, 254);
  EXPECT_NE(conflict.err.find("conflicting flags: --pod-manifest and --set-env"), std::string::npos) << conflict.err;
  write_file(tmp_ / "bad.json", R"({"acVersion":"0.8.11","acKind":"PodManifest","apps":[{"name":"Bad","image":{"id":"x"}}]})");
  auto bad = rkt({"run", "--net=host", "--pod-manifest=" + (tmp_ / "bad.json")});
  EXPECT_EQ(bad.exit_code, 254);
  EXPECT_NE(bad.err.find("field \"/apps/0/name\""), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("field \"/apps/0/image/id\""), std::string::npos) << bad.err;
}

// Starts `rkt run` in the background, its stdout in `out`; returns its pid once the app printed
// "trap: waiting".
pid_t start_trapped(const std::vector<std::string>& argv, const std::string& out) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    std::vector<char*> a;
    for (const auto& x : argv) a.push_back(const_cast<char*>(x.c_str()));
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    _exit(127);
  }
  for (int i = 0; i < 800 && read_file(out).find("trap: waiting") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return pid;
}

TEST_F(RunTest, LifecycleListStatusStopRmGc) {
  std::string uuid_file = tmp_ / "uuid";
  auto pid = start_trapped({rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run", "--net=host",
                            "--uuid-file-save=" + uuid_file, image_, "--exec=/probe", "--", "trap:9"},
                           tmp_ / "out");
  std::string uuid = read_file(uuid_file).substr(0, 36);
  auto running = rkt({"status", "--uuid-file=" + uuid_file});
  EXPECT_NE(running.out.find("state=running\n"), std::string::npos) << running.out;
  EXPECT_NE(running.out.find("exited=false\n"), std::string::npos);
  EXPECT_NE(running.out.find("pid="), std::string::npos);
  auto list = rkt({"list", "--no-legend"});
  EXPECT_NE(list.out.find(uuid.substr(0, 8) + "\tprobe\texample.com/probe\trunning\t"), std::string::npos) << list.out;
  auto rm_running = rkt({"rm", uuid});
  EXPECT_EQ(rm_running.exit_code, 254);
  EXPECT_NE(rm_running.err.find("is running: stop it first"), std::string::npos) << rm_running.err;
  auto stop = rkt({"stop", uuid.substr(0, 8)});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "\"" + uuid + "\"\n");
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 9);
  auto waited = rkt({"status", "--wait=10s", uuid});
  EXPECT_NE(waited.out.find("state=exited\n"), std::string::npos) << waited.out;
  EXPECT_NE(waited.out.find("app-probe=9\n"), std::string::npos) << waited.out;
  auto json = rkt({"list", "--format=json"});
  EXPECT_NE(json.out.find("\"state\":\"exited\""), std::string::npos) << json.out;
  auto again = rkt({"stop", uuid});
  EXPECT_NE(again.err.find("is already stopped"), std::string::npos);
  auto manifest = rkt({"cat-manifest", uuid});
  EXPECT_NE(manifest.out.find("\"acKind\": \"PodManifest\""), std::string::npos);
  auto rm = rkt({"rm", uuid});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rkt({"status", uuid}).exit_code, 254);
}

TEST_F(RunTest, KilledStage1LeavesAnExitedPodThatGcCleans) {
  std::string uuid_file = tmp_ / "uuid";
  auto pid = start_trapped({rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run", "--net=host",
                            "--uuid-file-save=" + uuid_file, image_, "--memory=64M", "--exec=/probe", "--", "trap:0"},
                           tmp_ / "out");
  std::string uuid = read_file(uuid_file).substr(0, 36);
  std::string pod = tmp_ / ("data/pods/run/" + uuid);
  std::string app_pid = read_file(pod + "/pid");
  std::string cgroups = read_file(pod + "/cgroups");
  ASSERT_FALSE(cgroups.empty());
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  auto status = rkt({"status", "--wait=5s", uuid});
  EXPECT_NE(status.out.find("state=exited"), std::string::npos) << status.out << status.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Dead, or a zombie waiting for the host's init to reap it.
  std::string stat = read_file("/proc/" + std::to_string(std::atoi(app_pid.c_str())) + "/stat");
  bool alive = !stat.empty() && stat.find(") Z ") == std::string::npos;
  EXPECT_FALSE(alive) << "the pod's PID 1 outlived stage1: " << stat;
  auto gc = rkt({"gc", "--grace-period=0"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("Garbage collecting pod \"" + uuid + "\""), std::string::npos) << gc.out;
  std::istringstream dirs(cgroups);
  std::string d;
  while (std::getline(dirs, d)) EXPECT_NE(::access(d.c_str(), F_OK), 0) << "cgroup left behind: " << d;
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/pods", "-mindepth", "2"}).out, "");
  auto second = rkt({"gc", "--grace-period=0"});
  EXPECT_EQ(second.exit_code, 0);
  EXPECT_EQ(second.out, "") << "a second gc has nothing to do";
}

TEST_F(RunTest, ManyPodsLeaveNothingAfterGc) {
  const int kPods = 100;
  for (int i = 0; i < kPods; ++i) {
    auto r = probe({i % 2 ? "--net=none" : "--net=host"}, {"--memory=32M"}, {"exit:0"});
    ASSERT_EQ(r.exit_code, 0) << "pod " << i << ": " << r.err;
  }
  auto gc = rkt({"gc", "--grace-period=0"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_EQ(std::count(gc.out.begin(), gc.out.end(), '\n'), 2 * kPods) << "each pod marked, then collected";
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/pods", "-mindepth", "2"}).out, "") << "no file of the pods remains";
  EXPECT_EQ(read_file("/proc/self/mountinfo").find(tmp_.path()), std::string::npos) << "no mount under the data dir";
  // Only this test's pods: other tests may be running pods at the same time.
  auto cg = run_command({"/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "4", "-name", "rkt-*"});
  std::istringstream collected(gc.out);
  std::string line;
  while (std::getline(collected, line)) {
    size_t q = line.find('"');
    if (q == std::string::npos) continue;
    std::string uuid = line.substr(q + 1, 36);
    EXPECT_EQ(cg.out.find("rkt-" + uuid), std::string::npos) << "a cgroup of pod " << uuid << " remains";
  }
}

TEST_F(RunTest, GcBesidePodsThatStartAndStopNeverTouchesALivePod) {
  pid_t collector = ::fork();
  if (collector == 0) {
    for (;;) {
      run_command({rkt_binary(), "--dir=" + (tmp_ / "data"), "gc", "--grace-period=0", "--expire-prepared=0"});
    }
  }
  int failures = 0;
  for (int i = 0; i < 25; ++i) {
    auto r = probe({}, {}, {"exit:0"});
    if (r.exit_code != 0) {
      ++failures;
      ADD_FAILURE() << "pod " << i << " failed beside gc: " << r.err;
    }
  }
  ::kill(collector, SIGKILL);
  ::waitpid(collector, nullptr, 0);
  EXPECT_EQ(failures, 0);
}

TEST_F(RunTest, ImageGcKeepsImagesThatPodsUse) {
  auto prep = rkt({"prepare", image_});
  ASSERT_EQ(prep.exit_code, 0) << prep.err;
  auto gc = rkt({"image", "gc", "--grace-period=0"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  auto list = rkt({"image", "list", "--no-legend", "--fields=name"});
  EXPECT_NE(list.out.find("example.com/probe"), std::string::npos) << "a prepared pod still uses it";
  ASSERT_EQ(rkt({"rm", prep.out.substr(0, 36)}).exit_code, 0);
  auto gc2 = rkt({"image", "gc", "--grace-period=0"});
  EXPECT_EQ(gc2.exit_code, 0) << gc2.err;
  EXPECT_EQ(rkt({"image", "list", "--no-legend", "--fields=name"}).out.find("example.com/probe"), std::string::npos);
}

TEST_F(RunTest, EnterGetsExactlyTheAppsConfinement) {
  std::string uuid_file = tmp_ / "uuid";
  std::vector<std::string> actions = {"status", "ns", "cgroup", "id"};
  std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run",
                                   "--net=none", "--uuid-file-save=" + uuid_file, image_, "--memory=48M",
                                   "--user=alice", "--caps-retain=CAP_NET_BIND_SERVICE", "--exec=/probe", "--"};
  argv.insert(argv.end(), actions.begin(), actions.end());
  argv.push_back("write:/tmp/from-app");
  argv.push_back("trap:0");
  auto pid = start_trapped(argv, tmp_ / "out");
  std::string uuid = read_file(uuid_file).substr(0, 36);
  std::vector<std::string> enter = {"enter", uuid, "/probe"};
  enter.insert(enter.end(), actions.begin(), actions.end());
  enter.push_back("read:/tmp/from-app");
  auto e = rkt(enter);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto in_app = lines(read_file(tmp_ / "out"));
  auto entered = lines(e.out);
  for (const char* k : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "ns-mnt", "ns-pid",
                        "ns-net", "ns-uts", "ns-ipc", "uid", "gid"}) {
    EXPECT_EQ(entered[k], in_app[k]) << k;
  }
  EXPECT_EQ(entered["Seccomp"], "2");
  EXPECT_EQ(entered["CapBnd"], "0000000000000400");
  EXPECT_EQ(entered["uid"], "1000");
  EXPECT_EQ(entered["read /tmp/from-app"], "probe") << "the same root";
  auto cgroup_line = [](const std::string& out) {
    size_t at = out.find(::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "cgroup 0::" : ":memory:");
    return at == std::string::npos ? std::string("<none>") : out.substr(at, out.find('\n', at) - at);
  };
  EXPECT_EQ(cgroup_line(e.out), cgroup_line(read_file(tmp_ / "out"))) << "the same cgroup";
  EXPECT_NE(cgroup_line(e.out).find("/rkt-" + uuid + "/probe"), std::string::npos) << cgroup_line(e.out);
  auto gone = rkt({"enter", uuid, "/probe", "id"});
  EXPECT_EQ(gone.exit_code, 254);
  EXPECT_NE(gone.err.find("is not running"), std::string::npos) << gone.err;
}

TEST_F(RunTest, ExportAnExitedAppWithItsChanges) {
  for (bool overlay : {true, false}) {
    std::string uuid_file = tmp_ / "uuid";
    std::vector<std::string> pod = {"--uuid-file-save=" + uuid_file};
    if (!overlay) pod.push_back("--no-overlay");
    auto r = probe(pod, {}, {"write:/added", "write:/owned"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string uuid = read_file(uuid_file).substr(0, 36);
    std::string out = tmp_ / (overlay ? "export-overlay.aci" : "export-copy.aci");
    auto exported = rkt({"export", uuid, out});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    auto again = rkt({"export", uuid, out});
    EXPECT_EQ(again.exit_code, 254);
    EXPECT_NE(again.err.find("already exists (use --overwrite)"), std::string::npos);
    if (::access(reference_actool().c_str(), X_OK) == 0) {
      auto v = run_command({reference_actool(), "validate", out});
      EXPECT_EQ(v.exit_code, 0) << v.err;
    }
    // The exported image, run again, has the app's changes.
    ASSERT_EQ(rkt({"image", "rm", "example.com/probe"}).exit_code, 0);
    auto check = rkt({"run", "--net=host", out, "--exec=/probe", "--", "read:/added", "read:/owned"});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    EXPECT_NE(check.out.find("read /added: probe"), std::string::npos) << check.out;
    EXPECT_NE(check.out.find("read /owned: probe"), std::string::npos) << check.out;
    ASSERT_EQ(rkt({"image", "rm", "example.com/probe"}).exit_code, 0);
  }
}

TEST_F(RunTest, Stage1Selection) {
  std::string stage1 = std::string(RKT_TEST_BUILD_DIR) + "/stage1/stage1.aci";
  auto by_path = probe({"--stage1-path=" + stage1}, {}, {"exit:3"});
  EXPECT_EQ(by_path.exit_code, 3) << by_path.err;
  auto listed = rkt({"image", "list", "--no-legend", "--full", "--fields=id,name"});
  std::string id;
  std::istringstream in(listed.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("rkt.local/stage1") != std::string::npos) id = line.substr(0, line.find('\t'));
  }
  ASSERT_FALSE(id.empty()) << "the stage1 image is in the store: " << listed.out;
  EXPECT_EQ(probe({"--stage1-hash=" + id.substr(0, 20)}, {}, {"exit:4"}).exit_code, 4);
  EXPECT_EQ(probe({"--stage1-name=rkt.local/stage1"}, {}, {"exit:5"}).exit_code, 5);
  auto missing = probe({"--stage1-path=/nonexistent/stage1.aci"}, {}, {"exit:0"});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("/nonexistent/stage1.aci"), std::string::npos) << missing.err;
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/pods/prepare", "-mindepth", "1"}).out, "")
      << "a failed prepare leaves no pod behind";
}

TEST_F(RunTest, StartFailuresAreRuntimeFailures) {
  auto missing = probe({}, {"--exec=/nonexistent"}, {});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("executing \"/nonexistent\": No such file or directory"), std::string::npos) << missing.err;
  auto net = rkt({"run", "--net=default", image_});
  EXPECT_EQ(net.exit_code, 254);
  EXPECT_NE(net.err.find("--net=host"), std::string::npos);
  EXPECT_NE(net.err.find("--net=none"), std::string::npos);
  auto relative = probe({}, {"--exec=probe"}, {});
  EXPECT_EQ(relative.exit_code, 254);
  EXPECT_NE(relative.err.find("must be an absolute path"), std::string::npos) << relative.err;
}

TEST_F(RunTest, PrepareThenRunPreparedOnce) {
  auto prep = rkt({"prepare", image_, "--exec=/probe", "--", "hostname", "exit:3"});
  ASSERT_EQ(prep.exit_code, 0) << prep.err;
  std::string uuid = prep.out.substr(0, prep.out.find('\n'));
  EXPECT_EQ(::access((tmp_ / ("data/pods/prepared/" + uuid)).c_str(), F_OK), 0);
  // Two run-prepared at once: exactly one runs the pod.
  pid_t other = ::fork();
  if (other == 0) {
    auto r = rkt({"run-prepared", "--net=host", "--hostname=second", uuid});
    _exit(r.exit_code == 3 ? 3 : (r.exit_code == 254 ? 254 : 1));
  }
  auto r = rkt({"run-prepared", "--net=host", "--hostname=prepared", uuid});
  int status = 0;
  ::waitpid(other, &status, 0);
  int codes[2] = {r.exit_code, WEXITSTATUS(status)};
  std::sort(codes, codes + 2);
  EXPECT_EQ(codes[0], 3) << "one ran the app";
  EXPECT_EQ(codes[1], 254) << "the other was refused";
  EXPECT_EQ(::access((tmp_ / ("data/pods/run/" + uuid)).c_str(), F_OK), 0);
  auto again = rkt({"run-prepared", uuid});
  EXPECT_EQ(again.exit_code, 254);
  EXPECT_NE(again.err.find("is not prepared"), std::string::npos) << again.err;
}

TEST_F(RunTest, NoOverlayCopiesTheImage) {
  auto r = probe({"--no-overlay"}, {}, {"write:/x", "read:/owned"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("read /owned: owned"), std::string::npos);
}

TEST_F(RunTest, PreStartAndPostStopHandlers) {
  std::string img = build_image("example.com/hooks", "hooks.aci",
                                R"(,"eventHandlers":[{"name":"pre-start","exec":["/probe","write:/data/pre"]},
                                    {"name":"post-stop","exec":["/probe","write:/data/post"]}])");
  ASSERT_EQ(::mkdir((tmp_ / "hookvol").c_str(), 0755), 0);
  auto r = rkt({"run", "--net=host", "--volume=d,kind=host,source=" + (tmp_ / "hookvol"), img, "--mount=volume=d,target=/data",
                "--exec=/probe", "--", "read:/data/pre"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("read /data/pre: probe"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(tmp_ / "hookvol/post"), "probe");
}

}  // namespace
}  // namespace rkt::test
