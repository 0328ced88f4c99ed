// Pods after they run: list, status, stop, rm, enter, export, and gc with no daemon.

#include <fcntl.h>
#include <sys/file.h>

#include <filesystem>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

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
  // With its legend, aligned as rkt's tabwriter aligns it: with tabs expanded to 8 columns, every
  // column starts at the same place on every line.
  auto legend = rkt({"list"});
  std::vector<std::vector<size_t>> starts;
  std::istringstream rows(legend.out);
  for (std::string row; std::getline(rows, row);) {
    std::vector<size_t> at = {0};
    size_t col = 0;
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i] != '\t') {
        ++col;
        continue;
      }
      col = (col / 8 + 1) * 8;
      if (i + 1 < row.size() && row[i + 1] == '\t') continue;
      at.push_back(col);
    }
    starts.push_back(at);
  }
  ASSERT_EQ(starts.size(), 2u) << legend.out;
  EXPECT_EQ(starts[0], starts[1]) << legend.out;
  EXPECT_EQ(legend.out.rfind("UUID\t\tAPP\t", 0), 0u) << legend.out;
  auto rm_running = rkt({"rm", uuid});
  EXPECT_EQ(rm_running.exit_code, 254);
  EXPECT_NE(rm_running.err.find("\" is currently running"), std::string::npos) << rm_running.err;
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
  // rktlet matches these texts: `pod "[^"]+" is already stopped` and
  // `stop: cannot get pod: no matches found for "[^"]+"`.
  auto again = rkt({"stop", uuid});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "pod \"" + uuid + "\" is already stopped\n");
  auto missing = rkt({"stop", "--force=true", "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_EQ(missing.err,
            "stop: cannot get pod: no matches found for \"00000000-0000-4000-8000-000000000000\"\n"
            "stop: failed to stop 1 pod(s)\n");
  auto manifest = rkt({"cat-manifest", uuid});
  EXPECT_NE(manifest.out.find("\"acKind\": \"PodManifest\""), std::string::npos);
  auto rm = rkt({"rm", uuid});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "\"" + uuid + "\"\n");
  auto rm_again = rkt({"rm", uuid});
  EXPECT_EQ(rm_again.exit_code, 254);
  EXPECT_EQ(rm_again.err.rfind("rm: cannot get pod: no matches found for \"" + uuid + "\"\n", 0), 0u) << rm_again.err;
  EXPECT_EQ(rkt({"status", uuid}).exit_code, 254);
}

// While a collector holds a garbage pod's lock, the pod is "exited deleting" (it ran) or
// "deleting" (it never did), as rkt reports them; exited= is false then, as in rkt.
TEST_F(RunTest, PodsBeingCollectedReadAsDeleting) {
  auto ran = rkt({"run", "--net=host", image_, "--exec=/probe", "--", "exit:3"});
  ASSERT_EQ(ran.exit_code, 3) << ran.err;
  auto prepared = rkt({"prepare", image_});
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  std::string never = prepared.out.substr(0, 36);
  auto listed = rkt({"list", "--no-legend", "--full"});
  std::string exited =
      listed.out.substr(0, 36) == never ? listed.out.substr(listed.out.find('\n') + 1, 36) : listed.out.substr(0, 36);
  ASSERT_EQ(rkt({"gc", "--mark-only"}).exit_code, 0);
  // The prepared pod is not garbage yet: move it as `rkt rm` does first.
  ::mkdir((tmp_ / "data/pods/garbage").c_str(), 0750);
  ASSERT_EQ(::rename((tmp_ / ("data/pods/prepared/" + never)).c_str(), (tmp_ / ("data/pods/garbage/" + never)).c_str()),
            0);
  auto hold = [&](const std::string& dir) {
    int fd = ::open((dir + "/lock").c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << dir;
    EXPECT_EQ(::flock(fd, LOCK_EX), 0);
    return fd;
  };
  int a = hold(tmp_ / ("data/pods/exited-garbage/" + exited));
  int b = hold(tmp_ / ("data/pods/garbage/" + never));
  auto s1 = rkt({"status", exited});
  EXPECT_NE(s1.out.find("state=exited deleting\n"), std::string::npos) << s1.out;
  EXPECT_NE(s1.out.find("exited=false\n"), std::string::npos) << s1.out;
  EXPECT_NE(s1.out.find("app-probe=3\n"), std::string::npos) << s1.out;
  auto s2 = rkt({"status", never});
  EXPECT_NE(s2.out.find("state=deleting\n"), std::string::npos) << s2.out;
  EXPECT_NE(s2.out.find("exited=false\n"), std::string::npos) << "as rkt prints it: " << s2.out;
  auto json = rkt({"status", "--format=json", exited});
  EXPECT_NE(json.out.find("\"state\":\"exited deleting\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"apps\":[{\"name\":\"probe\",\"state\":\"exited\""), std::string::npos) << json.out;
  auto busy = rkt({"gc", "--grace-period=0s"});
  EXPECT_EQ(busy.exit_code, 0) << busy.err;
  ::close(a);
  ::close(b);
  auto gc = rkt({"gc", "--grace-period=0s"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_EQ(rkt({"list", "--no-legend"}).out, "") << "both collected once their locks are free";
}

// rkt completion bash, sourced in bash: commands, a command's flags, and pod UUIDs and image IDs
// from the data directory typed on the line.
TEST_F(RunTest, BashCompletionCompletesCommandsFlagsPodsAndImages) {
  auto ran = rkt({"run", "--net=host", image_, "--exec=/probe", "--", "exit:0"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::string uuid = rkt({"list", "--no-legend"}).out.substr(0, 8);
  std::string id = rkt({"image", "list", "--no-legend", "--fields=id"}).out;
  write_file(tmp_ / "complete.sh",
             "eval \"$(\"$RKT\" completion bash)\"\n"
             "PATH=$(dirname \"$RKT\"):$PATH\n"
             "COMP_LINE=\"$1\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _rkt\n"
             "printf '%s\\n' \"${COMPREPLY[@]}\"\n");
  auto complete = [&](const std::string& line) {
    auto r = run_command({"/usr/bin/env", "RKT=" + rkt_binary(), "/bin/bash", tmp_ / "complete.sh", line});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(complete("rkt sta"), "status\n");
  EXPECT_EQ(complete("rkt fetch --pu"), "--pull-policy\n");
  std::string dir = "--dir=" + (tmp_ / "data");
  EXPECT_EQ(complete("rkt " + dir + " status "), uuid + "\n");
  EXPECT_EQ(complete("rkt " + dir + " rm " + uuid.substr(0, 3)), uuid + "\n");
  EXPECT_EQ(complete("rkt " + dir + " enter "), "\n") << "no running pod";
  EXPECT_NE(complete("rkt " + dir + " image rm ").find(id), std::string::npos);
  EXPECT_EQ(rkt({"completion", "zsh"}).out.rfind("# zsh completion for rkt", 0), 0u);
  auto fish = rkt({"completion", "fish"});
  EXPECT_EQ(fish.exit_code, 254);
  EXPECT_NE(fish.err.find("'fish' shell is not supported"), std::string::npos) << fish.err;
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
  EXPECT_EQ(std::count(gc.out.begin(), gc.out.end(), '\n'), kPods) << "each pod collected (stdout)";
  EXPECT_EQ(std::count(gc.err.begin(), gc.err.end(), '\n'), kPods) << "each pod marked (stderr, as rkt's gc: logger)";
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/pods", "-mindepth", "2"}).out, "")
      << "no file of the pods remains";
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
  // rkt's streams: a line per removed image on stdout, the count on stderr.
  EXPECT_EQ(std::count(gc2.out.begin(), gc2.out.end(), '\n'), 1) << gc2.out;
  EXPECT_EQ(gc2.out.rfind("successfully removed aci for image: \"sha512-", 0), 0u) << gc2.out;
  EXPECT_NE(gc2.err.find("gc: 1 image(s) successfully removed\n"), std::string::npos) << gc2.err;
}

TEST_F(RunTest, ImageRmSaysWhatItRemovedOnStdoutAndCountsOnStderr) {
  auto fetched = rkt({"fetch", "--full", image_});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  std::string key = fetched.out.substr(0, fetched.out.find('\n'));
  auto rm = rkt({"image", "rm", key, "example.com/nothing"});
  EXPECT_EQ(rm.exit_code, 254) << "one of the two was not there";
  EXPECT_EQ(rm.out, "successfully removed aci for image: \"" + key + "\"\n");
  EXPECT_NE(rm.err.find("rm: 1 image(s) successfully removed\n"), std::string::npos) << rm.err;
  EXPECT_NE(rm.err.find("example.com/nothing"), std::string::npos) << rm.err;
  EXPECT_NE(rm.err.find("1 image(s) cannot be removed"), std::string::npos) << rm.err;
}

// The host pid of a stopped descendant of `ancestor`, and its pid in its own PID namespace.
std::pair<pid_t, std::string> stopped_descendant(pid_t ancestor) {
  for (int tries = 0; tries < 200; ++tries) {
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
      std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::istringstream st(read_file(e.path().string() + "/status"));
      std::string line, state, nspid;
      pid_t ppid = 0;
      while (std::getline(st, line)) {
        if (line.rfind("State:", 0) == 0) state = line;
        if (line.rfind("PPid:", 0) == 0) ppid = std::atoi(line.c_str() + 5);
        if (line.rfind("NSpid:", 0) == 0) nspid = line.substr(line.rfind('\t') + 1);
      }
      if (state.find("(stopped)") == std::string::npos) continue;
      for (pid_t p = ppid; p > 1;) {
        if (p == ancestor) return {std::atoi(name.c_str()), nspid};
        std::istringstream ps(read_file("/proc/" + std::to_string(p) + "/status"));
        pid_t next = 0;
        while (std::getline(ps, line)) {
          if (line.rfind("PPid:", 0) == 0) next = std::atoi(line.c_str() + 5);
        }
        p = next;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {0, ""};
}

TEST_F(RunTest, EnterCannotBeReachedThroughProcExe) {
  // runc CVE-2019-5736, for rkt enter: until the command executes, the entering process inside
  // the pod is stage1's binary on the host, confined as the app already. A pod process must not
  // reach that binary through /proc/<pid>/exe, to read it or to write it.
  std::string uuid_file = tmp_ / "uuid";
  auto pod = start_trapped({rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run", "--net=host",
                            "--uuid-file-save=" + uuid_file, image_, "--exec=/probe", "--", "trap:0"},
                           tmp_ / "out");
  std::string uuid = read_file(uuid_file).substr(0, 36);
  ::setenv("RKT_TEST_STOP_AT", "stage2-exec", 1);
  pid_t held = spawn_to_file({rkt_binary(), "--dir=" + (tmp_ / "data"), "enter", uuid, "/probe", "id"}, tmp_ / "held");
  ::unsetenv("RKT_TEST_STOP_AT");
  auto [host_pid, pod_pid] = stopped_descendant(held);
  ASSERT_GT(host_pid, 0) << "the entering process stops before it executes";
  auto r = rkt({"enter", uuid, "/probe", "exe:" + pod_pid});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto m = lines(r.out);
  EXPECT_NE(m["exe-readlink " + pod_pid].find("Permission denied"), std::string::npos) << r.out;
  EXPECT_NE(m["exe-open-write " + pod_pid], "opened") << r.out;
  ::kill(host_pid, SIGKILL);
  ::waitpid(held, nullptr, 0);
  ::kill(pod, SIGTERM);
  ::waitpid(pod, nullptr, 0);
}

TEST_F(RunTest, EnterGetsExactlyTheAppsConfinement) {
  std::string uuid_file = tmp_ / "uuid";
  std::vector<std::string> actions = {"status", "ns", "cgroup", "id"};
  std::vector<std::string> argv = {rkt_binary(),
                                   "--dir=" + (tmp_ / "data"),
                                   "--insecure-options=image",
                                   "run",
                                   "--net=none",
                                   "--uuid-file-save=" + uuid_file,
                                   image_,
                                   "--memory=48M",
                                   "--user=alice",
                                   "--caps-retain=CAP_NET_BIND_SERVICE",
                                   "--exec=/probe",
                                   "--"};
  argv.insert(argv.end(), actions.begin(), actions.end());
  argv.push_back("write:/tmp/from-app");
  argv.push_back("trap:0");
  auto pid = start_trapped(argv, tmp_ / "out");
  std::string uuid = read_file(uuid_file).substr(0, 36);
  std::vector<std::string> enter = {"enter", uuid, "/probe"};
  enter.insert(enter.end(), actions.begin(), actions.end());
  enter.push_back("read:/tmp/from-app");
  auto e = rkt(enter);
  // A command that cannot be started: one readable line, the runtime's status.
  auto missing = rkt({"enter", uuid, "/nonexistent"});
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("\"/nonexistent\": No such file or directory"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  for (char c : missing.err)
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << "raw bytes on stderr: " << missing.err;
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
    auto r = probe(pod, {}, {"write:/added", "write:/owned", "fsopts:/"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // An overlay root is volatile: the pod's exit does not sync the host's filesystem, and what
    // the app wrote is still there to export.
    auto fs = lines(r.out)["fsopts /"];
    EXPECT_EQ(fs.rfind("overlay ", 0) == 0, overlay) << fs;
    // Kernels name the option `volatile` (Debian 12's 6.1) or `fsync=volatile` (later ones).
    bool volatile_root =
        (fs + ",").find(",volatile,") != std::string::npos || (fs + ",").find(",fsync=volatile,") != std::string::npos;
    EXPECT_EQ(volatile_root, overlay) << fs;
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

}  // namespace
}  // namespace rkt::test
