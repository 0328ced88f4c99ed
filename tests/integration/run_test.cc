// rkt run, prepare and run-prepared: exit codes, multi-app pods, signals, handlers, stage1 choice.

#include <sstream>
#include <string>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

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
  std::vector<std::string> argv = {rkt_binary(),
                                   "--dir=" + (tmp_ / "data"),
                                   "--insecure-options=image",
                                   "run",
                                   "--net=host",
                                   image_,
                                   "--exec=/probe",
                                   "--",
                                   "trap:42"};
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

TEST_F(RunTest, SystemdNotifyIsRelayedForImagesThatSupportIt) {
  std::string img = build_image("example.com/notify", "notify.aci");
  // An image annotated as supporting systemd notification.
  write_file(tmp_ / "notify-manifest.json",
             R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/notify",
                 "app":{"exec":["/probe","notify","exit:0"],"user":"0","group":"0"},
                 "annotations":[{"name":"appc.io/executor/supports-systemd-notify","value":"true"}]})");
  auto p = run_command(
      {actool_binary(), "patch-manifest", "--replace", "--manifest=" + (tmp_ / "notify-manifest.json"), img});
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
  write_file(tmp_ / "bad.json",
             R"({"acVersion":"0.8.11","acKind":"PodManifest","apps":[{"name":"Bad","image":{"id":"x"}}]})");
  auto bad = rkt({"run", "--net=host", "--pod-manifest=" + (tmp_ / "bad.json")});
  EXPECT_EQ(bad.exit_code, 254);
  EXPECT_NE(bad.err.find("field \"/apps/0/name\""), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("field \"/apps/0/image/id\""), std::string::npos) << bad.err;
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

// --stage1-url and --stage1-from-dir, paths.d's stage1 images directory and stage1.d's default,
// as rkt chooses; a stage1 outside the default images directory is verified like any image.
TEST_F(RunTest, Stage1FromTheConfigurationAndItsImagesDirectory) {
  std::string dir = tmp_ / "stage1-images";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(
      run_command({"/bin/cp", std::string(RKT_TEST_BUILD_DIR) + "/stage1/stage1.aci", dir + "/mine.aci"}).exit_code, 0);
  ::mkdir((tmp_ / "etc").c_str(), 0755);
  ASSERT_EQ(::mkdir((tmp_ / "etc/paths.d").c_str(), 0755), 0);
  write_file(tmp_ / "etc/paths.d/paths.json",
             R"({"rktKind":"paths","rktVersion":"v1","stage1-images":")" + dir + R"("})");
  auto from_dir = probe({"--stage1-from-dir=mine.aci"}, {}, {"exit:3"});
  EXPECT_EQ(from_dir.exit_code, 3) << from_dir.err;
  EXPECT_NE(from_dir.err.find("mine.aci"), std::string::npos) << "an unsigned stage1 is named: " << from_dir.err;
  auto by_url = probe({"--stage1-url=file://" + dir + "/mine.aci"}, {}, {"exit:4"});
  EXPECT_EQ(by_url.exit_code, 4) << by_url.err;

  // Without --insecure-options=image the unsigned file is refused: it is not in a trusted place.
  auto app_id = rkt({"fetch", image_});
  ASSERT_EQ(app_id.exit_code, 0) << app_id.err;
  auto unsigned_ = rkt({"run", "--insecure-options=none", "--net=host", "--stage1-from-dir=mine.aci",
                        app_id.out.substr(0, app_id.out.find('\n')), "--exec=/probe", "--", "exit:0"});
  EXPECT_EQ(unsigned_.exit_code, 254);
  EXPECT_NE(unsigned_.err.find("stage1 image \"" + dir + "/mine.aci\""), std::string::npos) << unsigned_.err;
  EXPECT_NE(unsigned_.err.find("is not signed"), std::string::npos) << unsigned_.err;
  auto escape = probe({"--stage1-from-dir=../stage1-images/mine.aci"}, {}, {"exit:0"});
  EXPECT_EQ(escape.exit_code, 254);
  EXPECT_NE(escape.err.find("must be a file name"), std::string::npos) << escape.err;
  auto both = probe({"--stage1-path=" + dir + "/mine.aci", "--stage1-name=rkt.local/stage1"}, {}, {"exit:0"});
  EXPECT_EQ(both.exit_code, 254);
  EXPECT_NE(both.err.find("flags --stage1-name and --stage1-path are mutually exclusive"), std::string::npos)
      << both.err;

  // stage1.d's location is the default stage1 ...
  ASSERT_EQ(::mkdir((tmp_ / "etc/stage1.d").c_str(), 0755), 0);
  write_file(tmp_ / "etc/stage1.d/s.json",
             R"({"rktKind":"stage1","rktVersion":"v1","location":")" + dir + R"(/missing.aci"})");
  auto missing = probe({}, {}, {"exit:0"});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find(dir + "/missing.aci"), std::string::npos) << missing.err;
  // ... unless its name and version are in the store.
  write_file(tmp_ / "etc/stage1.d/s.json", R"({"rktKind":"stage1","rktVersion":"v1","name":"rkt.local/stage1",
    "version":"0.1.0","location":")" + dir + R"(/missing.aci"})");
  auto by_name = probe({}, {}, {"exit:5"});
  EXPECT_EQ(by_name.exit_code, 5) << by_name.err;
  auto printed = rkt({"config", "--pretty-print=false"});
  EXPECT_NE(printed.out.find(R"({"rktVersion":"v1","rktKind":"paths","data":"","stage1-images":")" + dir + "\"}"),
            std::string::npos)
      << printed.out;
  EXPECT_NE(printed.out.find(R"("name":"rkt.local/stage1","version":"0.1.0","location":")" + dir + "/missing.aci\"}"),
            std::string::npos)
      << printed.out;
}

TEST_F(RunTest, GlobalFlagsAfterTheCommand) {
  // As rkt's (cobra's persistent flags): global flags may follow the command word.
  auto r = run_command({rkt_binary(), "run", "--dir=" + (tmp_ / "data"), "--insecure-options=image", "--net=host",
                        "--local-config=" + (tmp_ / "etc"), image_, "--exec=/probe", "--", "exit:7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  auto prepared =
      run_command({rkt_binary(), "prepare", "--insecure-options=image", "--dir=" + (tmp_ / "data"), image_});
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  auto listed = run_command({rkt_binary(), "list", "--dir=" + (tmp_ / "data"), "--no-legend"});
  EXPECT_NE(listed.out.find("prepared"), std::string::npos) << listed.out;
}

TEST_F(RunTest, NomadCommandLines) {
  ::mkdir((tmp_ / "alloc").c_str(), 0755);
  write_file(tmp_ / "alloc/data", "from the host");
  // Nomad 0.5.6: global, pod and app flags after the image.
  auto v05 = run_command({rkt_binary(), "run", "--dir=" + (tmp_ / "data"),
                          "--volume=alloc,kind=host,source=" + (tmp_ / "alloc"), "--mount=volume=alloc,target=/alloc",
                          image_, "--insecure-options=all", "--debug=false", "--set-env=NOMAD_TASK=web",
                          "--exec=/probe", "--memory=64M", "--cpu=500m", "--dns=host", "--net=host", "--",
                          "env:NOMAD_TASK", "read:/alloc/data", "exit:3"});
  EXPECT_EQ(v05.exit_code, 3) << v05.err;
  auto out05 = lines(v05.out);
  EXPECT_EQ(out05["env-NOMAD_TASK"], "web");
  EXPECT_EQ(out05["read /alloc/data"], "from the host");
  // Nomad 0.6.3: globals before run, the UUID file read raw.
  std::string uuid_file = tmp_ / "rkt.uuid";
  auto v06 = run_command({rkt_binary(), "--insecure-options=all", "--debug=false", "run", "--dir=" + (tmp_ / "data"),
                          "--no-overlay=true", "--uuid-file-save=" + uuid_file, image_, "--set-env=K=V",
                          "--exec=/probe", "--memory=64M", "--net=host", "--", "env:K"});
  EXPECT_EQ(v06.exit_code, 0) << v06.err;
  EXPECT_EQ(lines(v06.out)["env-K"], "V");
  std::string uuid = read_file(uuid_file);
  EXPECT_EQ(uuid.size(), 36u) << "the bare UUID, no newline: " << uuid;
  auto status = run_command({rkt_binary(), "--dir=" + (tmp_ / "data"), "status", uuid});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("state=exited"), std::string::npos) << status.out;
  // Nomad 0.7+ unmarshals this into rkt's v1.Pod: pod times in seconds, the app's exit code.
  auto json = run_command({rkt_binary(), "--dir=" + (tmp_ / "data"), "status", "--format=json", uuid});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.rfind("{\"name\":\"" + uuid + "\",\"state\":\"exited\",\"app_names\":[\"probe\"]", 0), 0u)
      << json.out;
  EXPECT_NE(json.out.find("\"exit_code\":0,"), std::string::npos) << json.out;
  size_t created = json.out.rfind("\"created_at\":");
  ASSERT_NE(created, std::string::npos) << json.out;
  EXPECT_EQ(json.out.find_first_not_of("0123456789", created + 13) - (created + 13), 10u)
      << "the pod's created_at is in seconds: " << json.out;
  // Flags after an image's arguments apply again, and a second set of arguments is refused.
  auto twice = rkt({"run", "--net=host", image_, "--exec=/probe", "--", "exit:0", "---", "--", "exit:1"});
  EXPECT_EQ(twice.exit_code, 254);
  EXPECT_NE(twice.err.find("only one set of app arguments"), std::string::npos) << twice.err;
}

// The stage1 image is self-contained: its binary runs in a root that has nothing else in it (no
// dynamic loader, no libseccomp, no libstdc++), so a host's libraries do not matter.
TEST_F(RunTest, TheStage1ImageRunsOnARootWithNoLibraries) {
  std::string root = tmp_ / "bare";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  auto x = run_command(
      {"/bin/tar", "-xzf", std::string(RKT_TEST_BUILD_DIR) + "/stage1/stage1.aci", "-C", root, "rootfs/init"});
  ASSERT_EQ(x.exit_code, 0) << x.err;
  auto r = run_command({"/usr/sbin/chroot", root + "/rootfs", "/init"});
  EXPECT_EQ(r.exit_code, 254) << "not 127: the binary needs no loader or library; " << r.err;
  EXPECT_NE(r.err.find("stage1: usage: init"), std::string::npos) << r.err;
  auto files = run_command({"/usr/bin/find", root + "/rootfs", "-mindepth", "1"});
  EXPECT_EQ(files.out, root + "/rootfs/init\n") << "the root had nothing else";
}

TEST_F(RunTest, Stage1RewrittenInPlaceIsReadAgain) {
  // The import of a --stage1-path file is reused while the file is unchanged. Rewriting it in
  // place with its size and mtime kept (anyone who owns it can) must not pass for unchanged.
  std::string stage1 = tmp_ / "stage1.aci";
  ASSERT_EQ(run_command({"/bin/cp", std::string(RKT_TEST_BUILD_DIR) + "/stage1/stage1.aci", stage1}).exit_code, 0);
  EXPECT_EQ(probe({"--stage1-path=" + stage1}, {}, {"exit:3"}).exit_code, 3);
  struct stat before {};
  ASSERT_EQ(::stat(stage1.c_str(), &before), 0);
  {
    int fd = ::open(stage1.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    std::string junk(4096, 'x');
    ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), before.st_size / 2), static_cast<ssize_t>(junk.size()));
    ::close(fd);
  }
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, stage1.c_str(), times, 0), 0);
  auto changed = probe({"--stage1-path=" + stage1}, {}, {"exit:3"});
  EXPECT_EQ(changed.exit_code, 254) << "the rewritten (now corrupt) stage1 was not read: " << changed.err;
  EXPECT_NE(changed.err.find(stage1), std::string::npos) << changed.err;
}

TEST_F(RunTest, StartFailuresAreRuntimeFailures) {
  auto missing = probe({}, {"--exec=/nonexistent"}, {});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("executing \"/nonexistent\": No such file or directory"), std::string::npos)
      << missing.err;
  auto net = rkt({"run", "--net=nosuch", image_});
  EXPECT_EQ(net.exit_code, 254);
  EXPECT_NE(net.err.find("networks not found: nosuch"), std::string::npos) << net.err;
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
                                R"(,"eventHandlers":[{"name":"pre-start","exec":["/probe","write:/data/pre","cgroup"]},
                                    {"name":"post-stop","exec":["/probe","write:/data/post"]}])");
  ASSERT_EQ(::mkdir((tmp_ / "hookvol").c_str(), 0755), 0);
  auto r = rkt({"run", "--net=host", "--volume=d,kind=host,source=" + (tmp_ / "hookvol"), img,
                "--mount=volume=d,target=/data", "--exec=/probe", "--", "read:/data/pre", "ppid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("read /data/pre: probe"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ppid: 1\n"), std::string::npos) << "a keeper waits to run the post-stop handler\n" << r.out;
  EXPECT_EQ(read_file(tmp_ / "hookvol/post"), "probe");
  // The keeper builds the root while the supervisor moves it into the app's cgroups; nothing of
  // the app, its pre-start handler included, runs before it is in.
  std::string memory, unified;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("cgroup ", 0) != 0) continue;
    std::string path = line.substr(line.find(':', line.find(':') + 1) + 1);
    if (line.find(":memory:") != std::string::npos) memory = path;
    if (line.rfind("cgroup 0::", 0) == 0) unified = path;
  }
  std::string in = memory.empty() ? unified : memory;
  EXPECT_NE(in.find("/rkt-"), std::string::npos) << r.out;
  EXPECT_EQ(in.substr(in.rfind('/') + 1), "hooks") << r.out;
}

}  // namespace
}  // namespace rkt::test
