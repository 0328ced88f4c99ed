// What a pod's app sees, checked from inside: namespaces, capabilities, seccomp, users,
// environment, /etc files, mounts and volumes, /proc masking, cgroups and sysctls.

#include <sys/mman.h>

#include "common/unique_fd.h"
#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

TEST_F(RunTest, NamespacesHostnameAndPid) {
  auto r = probe({"--net=none"}, {}, {"ns", "hostname", "pid", "ppid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  for (const char* ns : {"mnt", "pid", "net", "uts", "ipc"}) {
    EXPECT_NE(m[std::string("ns-") + ns], self_ns(ns)) << ns << " namespace is the host's";
  }
  EXPECT_EQ(m["hostname"].rfind("rkt-", 0), 0u) << m["hostname"];
  EXPECT_NE(m["pid"], "1") << "the supervisor is PID 1, not the app";
  EXPECT_EQ(m["ppid"], "1") << "an app without post-stop handlers needs no keeper: it is the supervisor's child";
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
  // runc CVE-2022-29162: nothing inheritable or ambient, so an execve of a file with
  // capabilities gains none beyond the bounding set.
  EXPECT_EQ(m["CapInh"], "0000000000000000");
  EXPECT_EQ(m["CapAmb"], "0000000000000000");
  EXPECT_EQ(m["Seccomp"], "2");
  EXPECT_EQ(m["NoNewPrivs"], "0");
  EXPECT_EQ(m["add-key"], "Operation not permitted") << "add_key is in the default remove set";
}

TEST_F(RunTest, CapabilityFlags) {
  auto retain = lines(probe({}, {"--caps-retain=CAP_NET_ADMIN,CAP_CHOWN"}, {"status"}).out);
  EXPECT_EQ(retain["CapBnd"], "0000000000001001");
  EXPECT_EQ(retain["CapEff"], "0000000000001001");
  // A non-root app keeps an explicit retain set as ambient capabilities, inheritable for that only.
  auto user = lines(probe({}, {"--user=1000", "--caps-retain=CAP_NET_ADMIN"}, {"status"}).out);
  EXPECT_EQ(user["CapEff"], "0000000000001000");
  EXPECT_EQ(user["CapAmb"], "0000000000001000");
  EXPECT_EQ(user["CapInh"], "0000000000001000");
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
  auto off = rkt(
      {"--insecure-options=image,seccomp", "run", "--net=host", image_, "--exec=/probe", "--", "status", "add-key"});
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
  std::string img =
      build_image("example.com/nnp", "nnp.aci", R"(,"isolators":[{"name":"os/linux/no-new-privileges","value":true}])");
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
  // A host variable that is not UTF-8 cannot go into a manifest as it is: it arrives as Go's
  // encoder would write it, with U+FFFD, instead of stopping rkt.
  ::setenv("RKT_TEST_NOT_UTF8", "a\xff<&>", 1);
  auto r = probe({"--inherit-env", "--set-env-file=" + (tmp_ / "env-file"), "--set-env=OVERRIDDEN=set-env"},
                 {"--environment=OVERRIDDEN=app", "--working-dir=/tmp"},
                 {"env:FROM_IMAGE", "env:FROM_FILE", "env:OVERRIDDEN", "env:RKT_TEST_INHERITED", "env:AC_APP_NAME",
                  "env:PATH", "env:RKT_TEST_NOT_UTF8", "cwd"});
  ::unsetenv("RKT_TEST_INHERITED");
  ::unsetenv("RKT_TEST_NOT_UTF8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_EQ(m["env-FROM_IMAGE"], "image");
  EXPECT_EQ(m["env-FROM_FILE"], "file");
  EXPECT_EQ(m["env-OVERRIDDEN"], "app");
  EXPECT_EQ(m["env-RKT_TEST_INHERITED"], "inherited");
  EXPECT_EQ(m["env-AC_APP_NAME"], "probe");
  EXPECT_EQ(m["env-RKT_TEST_NOT_UTF8"], "a\xef\xbf\xbd<&>");
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
  EXPECT_NE(r.out.find("search example.com\nnameserver 192.0.2.53\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("192.0.2.1 gateway.example\n"), std::string::npos) << r.out;
  // Without --hosts-entry the image's own /etc/hosts is kept; an image without one gets rkt's stub.
  auto stub = rkt({"run", "--net=none", image_, "--exec=/probe", "--", "read:/etc/hosts"});
  ASSERT_EQ(stub.exit_code, 0) << stub.err;
  EXPECT_NE(stub.out.find("# This is the default rkt /etc/hosts"), std::string::npos) << stub.out;
  std::string own = build_image("example.com/own-hosts", "own-hosts.aci");
  write_file(tmp_ / "own-hosts.aci.layout/rootfs/etc/hosts", "10.9.9.9 mine\n");
  ASSERT_EQ(run_command({actool_binary(), "build", "--overwrite", tmp_ / "own-hosts.aci.layout", own}).exit_code, 0);
  auto kept = rkt({"run", "--net=none", own, "--exec=/probe", "--", "read:/etc/hosts"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("10.9.9.9 mine"), std::string::npos) << kept.out;
  EXPECT_EQ(kept.out.find("default rkt"), std::string::npos) << kept.out;
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
  auto r =
      probe({"--volume=shared,kind=host,source=" + (tmp_ / "shared"), "--volume=scratch,kind=empty,mode=0700,uid=1000"},
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
                        {"--mount=volume=shared,target=/data"}, {"write:/data/x"})
                      .out);
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
  auto r =
      lines(probe({}, {}, {"write:/proc/sys/kernel/hostname", "read:/proc/timer_list", "mountinfo:/proc/sys"}).out);
  EXPECT_EQ(r["write /proc/sys/kernel/hostname"], "error Read-only file system");
  EXPECT_EQ(r["read /proc/timer_list"], "") << "masked by /dev/null";
  EXPECT_EQ(r["mountinfo /proc/sys"].substr(0, 3), "ro,") << r["mountinfo /proc/sys"];
  if (::access("/proc/sysrq-trigger", F_OK) == 0) {
    auto t = lines(probe({}, {}, {"write:/proc/sysrq-trigger"}).out);
    EXPECT_EQ(t["write /proc/sysrq-trigger"], "error Read-only file system");
  }
  auto open = lines(
      rkt({"--insecure-options=image,paths", "run", "--net=host", image_, "--exec=/probe", "--", "mountinfo:/proc/sys"})
          .out);
  EXPECT_EQ(open["mountinfo /proc/sys"], "none") << "--insecure-options=paths leaves /proc/sys alone";
}

// The inode of the memory cgroup that the first page of `file` is charged to (/proc/kpagecgroup
// at the page's frame, from /proc/self/pagemap); 0 when it cannot be read.
uint64_t page_memcg(const std::string& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  void* p = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) return 0;
  (void)*static_cast<volatile const char*>(p);  // maps the page cache page the runtime wrote
  uint64_t entry = 0, memcg = 0;
  UniqueFd pagemap(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  UniqueFd kpagecgroup(::open("/proc/kpagecgroup", O_RDONLY | O_CLOEXEC));
  auto at = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / 4096 * 8);
  if (::pread(pagemap.get(), &entry, 8, at) == 8 && (entry >> 63) != 0) {
    uint64_t pfn = entry & ((uint64_t{1} << 55) - 1);
    if (::pread(kpagecgroup.get(), &memcg, 8, static_cast<off_t>(pfn * 8)) != 8) memcg = 0;
  }
  ::munmap(p, 4096);
  return memcg;
}

TEST_F(RunTest, CgroupLimitsAreSetOnTheAppsCgroups) {
  std::string out = tmp_ / "bg.out";
  std::vector<std::string> argv = {rkt_binary(),
                                   "--dir=" + (tmp_ / "data"),
                                   "--insecure-options=image",
                                   "run",
                                   "--net=host",
                                   image_,
                                   "--memory=64M",
                                   "--cpu=250m",
                                   "--cpu-shares=512",
                                   "--exec=/probe",
                                   "--",
                                   "cgroup",
                                   "trap:0"};
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
  // The runtime's files in the app's upper directory (/etc/hostname and the others) are not
  // charged to the app's memory cgroup: their page cache would keep it alive in the kernel after
  // the pod exits, two cgroups per pod until gc.
  bool unified = ::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
  std::string memcg = unified ? "/sys/fs/cgroup" + paths["unified"] : "/sys/fs/cgroup/memory" + paths["memory"];
  size_t at = memcg.find("/rkt-");
  ASSERT_NE(at, std::string::npos) << text;
  std::string uuid = memcg.substr(at + 5, 36);
  struct stat cg {};
  ASSERT_EQ(::stat(memcg.c_str(), &cg), 0) << memcg;
  uint64_t charged = page_memcg(tmp_ / ("data/pods/run/" + uuid + "/overlay/probe/upper/etc/hostname"));
  EXPECT_NE(charged, 0u) << "the page of /etc/hostname and its memory cgroup";
  EXPECT_NE(charged, cg.st_ino) << "/etc/hostname is charged to the app's memory cgroup " << memcg;
  // Every process has its owner: while the pod runs, stage1's only child is the pod's PID 1 (none
  // left over from stage0, whose grace-period thread ends before the exec).
  std::string pod = tmp_ / ("data/pods/run/" + uuid);
  std::string stage1_pid = value(pod + "/ppid"), children;
  for (int i = 0; i < 100; ++i) {
    children = value("/proc/" + stage1_pid + "/task/" + stage1_pid + "/children");
    if (children == value(pod + "/pid") + " ") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(children, value(pod + "/pid") + " ") << "the children of stage1 (" << stage1_pid << ")";
  if (unified) {
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
  std::vector<std::string> argv = {rkt_binary(),
                                   "--dir=" + (tmp_ / "data"),
                                   "--insecure-options=image",
                                   "run",
                                   "--net=host",
                                   "--interactive",
                                   image_,
                                   "--exec=/probe",
                                   "--",
                                   "stdin"};
  auto i = run_command(argv, "typed by the user\n");
  EXPECT_NE(i.out.find("stdin: typed by the user"), std::string::npos) << i.out << i.err;
}

TEST_F(RunTest, NamespacedSysctlsOnly) {
  std::string img = build_image(
      "example.com/sysctl", "sysctl.aci",
      R"(,"isolators":[{"name":"os/unix/sysctl","value":{"net.ipv4.ip_forward":"1","kernel.shmmni":"1234"}}])");
  auto r = rkt({"run", "--net=none", img, "--exec=/probe", "--", "read:/proc/sys/net/ipv4/ip_forward",
                "read:/proc/sys/kernel/shmmni"});
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

}  // namespace
}  // namespace rkt::test
