// appc's own executor conformance test: the ACE validator (built from Debian's
// golang-github-appc-spec-dev) runs as two apps of one pod, main and sidekick, and checks from
// inside what this runtime set up: the pre-start and post-stop hooks, the environment and
// working directory, the shared volume, and the metadata service over the pod's network. Each
// stage prints "<stage> OK"; all four must, and the pod must exit 0.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>

#include <regex>

#include "tests/integration/pod_fixture.h"
#include "tests/integration/throwaway_network.h"

namespace rkt::test {
namespace {

class AceTest : public RunTest {
 protected:
  void SetUp() override {
    // The registration socket is one path for the whole host (/run/rkt/metadata-svc.sock, as
    // rkt's): two of these tests at once (ctest -j) would register each other's pods with the
    // wrong service. They take turns, on a lock of the build directory (which this creates nothing in).
    serial_ = ::open(RKT_TEST_BUILD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(serial_, 0);
    ASSERT_EQ(::flock(serial_, LOCK_EX), 0);
    RunTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    RKT_REQUIRE(::access(RKT_ACE_VALIDATOR, X_OK) == 0,
                "appc's ACE validator (golang-go, golang-github-appc-spec-dev)");
    RKT_REQUIRE(::access("/usr/lib/cni/ptp", X_OK) == 0, "Debian's containernetworking-plugins");
    ASSERT_EQ(enter_throwaway_network(), "");
    main_ = build("main", R"("exec":["/ace-validator","main"],
      "eventHandlers":[{"name":"pre-start","exec":["/ace-validator","prestart"]},
                       {"name":"post-stop","exec":["/ace-validator","poststop"]}],
      "user":"0","group":"0","workingDirectory":"/opt/acvalidator",
      "environment":[{"name":"IN_ACE_VALIDATOR","value":"correct"}],
      "mountPoints":[{"name":"database","path":"/db","readOnly":false}],
      "ports":[{"name":"www","protocol":"tcp","port":80}],
      "isolators":[{"name":"resource/memory","value":{"limit":"1G"}}]},
      "annotations":[{"name":"authors","value":"Carly Container <carly@example.com>"},{"name":"lorem","value":"ipsum"}])");
    sidekick_ = build("sidekick", R"("exec":["/ace-validator","sidekick"],"user":"0","group":"0",
      "mountPoints":[{"name":"database","path":"/db","readOnly":false}]})");
    mds_out_ = tmp_ / "mds.log";
    mds_ = spawn_to_file({"/bin/sh", "-c", "exec " + rkt_binary() + " metadata-service 2>&1"}, mds_out_);
    ASSERT_TRUE(wait_for_text(mds_out_, "public API on TCP port 18112", std::chrono::seconds(10)))
        << read_file(mds_out_);
    for (int i = 0; i < 200 && ::access("/run/rkt/metadata-svc.sock", F_OK) != 0; ++i) usleep(10000);
  }
  void TearDown() override {
    if (mds_ > 0) {
      ::kill(mds_, SIGTERM);
      int st = 0;
      ::waitpid(mds_, &st, 0);
      EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "the metadata service stops cleanly on SIGTERM\n"
                                                         << read_file(mds_out_);
    }
    if (serial_ >= 0) ::close(serial_);
  }

  // The validator images as appc's ace/ directory describes them.
  std::string build(const std::string& which, const std::string& app_and_rest) {
    std::string l = tmp_ / ("ace-" + which);
    for (const char* d : {"", "/rootfs", "/rootfs/opt", "/rootfs/opt/acvalidator"}) ::mkdir((l + d).c_str(), 0755);
    EXPECT_EQ(run_command({"/bin/cp", RKT_ACE_VALIDATOR, l + "/rootfs/ace-validator"}).exit_code, 0);
    write_file(l + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"coreos.com/ace-validator-)" +
                                    which + R"(","labels":[{"name":"version","value":"0.8.11"}],"app":{)" +
                                    app_and_rest + "}");
    std::string out = tmp_ / ("ace-validator-" + which + ".aci");
    auto r = run_command({actool_binary(), "build", "--overwrite", l, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  static void expect_all_stages_ok(const CommandResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const char* stage : {"prestart", "main", "sidekick", "poststop"}) {
      EXPECT_NE(r.out.find(std::string(stage) + " OK\n"), std::string::npos) << stage << ":\n" << r.out << r.err;
    }
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out << r.err;
  }

  std::string main_, sidekick_, mds_out_;
  pid_t mds_ = -1;
  int serial_ = -1;  ///< the lock that makes these tests take turns
};

TEST_F(AceTest, AllFourStagesPassWithAnEmptyVolume) {
  auto r = rkt({"run", "--mds-register", "--volume", "database,kind=empty", main_, sidekick_});
  expect_all_stages_ok(r);
  std::string log = read_file(mds_out_);
  EXPECT_NE(log.find("POST /<token>/acMetadata/v1/pod/hmac/verify - 200"), std::string::npos) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("PUT /pods/[-0-9a-f]{36} - 200"))) << log;
  auto gc = rkt({"gc", "--grace-period=0s"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_TRUE(std::regex_search(read_file(mds_out_), std::regex("DELETE /pods/[-0-9a-f]{36} - 200")))
      << "gc unregisters the pod: " << read_file(mds_out_);
}

TEST_F(AceTest, AllFourStagesPassWithAHostVolume) {
  std::string db = tmp_ / "db";
  ASSERT_EQ(::mkdir(db.c_str(), 0755), 0);
  auto r = rkt({"run", "--mds-register", "--volume", "database,kind=host,source=" + db, main_, sidekick_});
  expect_all_stages_ok(r);
  EXPECT_EQ(::access((db + "/main").c_str(), F_OK), 0) << "main wrote to the host volume";
  EXPECT_EQ(::access((db + "/sidekick").c_str(), F_OK), 0) << "and so did the sidekick";
}

TEST_F(AceTest, AllFourStagesPassThroughAPodManifest) {
  std::vector<std::string> ids;
  for (const auto& img : {main_, sidekick_}) {
    auto f = rkt({"fetch", "--full", img});
    ASSERT_EQ(f.exit_code, 0) << f.err;
    ids.push_back(f.out.substr(0, f.out.find('\n')));
  }
  std::string pm = tmp_ / "pod.json";
  write_file(pm, R"({"acKind":"PodManifest","acVersion":"0.8.11","apps":[
      {"name":"ace-validator-main","image":{"id":")" +
                     ids[0] + R"("},
       "annotations":[{"name":"lorem","value":"changed by the pod"},{"name":"extra","value":"added"}]},
      {"name":"ace-validator-sidekick","image":{"id":")" +
                     ids[1] + R"("}}],
    "volumes":[{"name":"database","kind":"empty"}],
    "annotations":[{"name":"pod-level","value":"yes"}]})");
  auto r = rkt({"run", "--mds-register", "--pod-manifest=" + pm});
  expect_all_stages_ok(r);
}

TEST_F(AceTest, TheServiceTakesItsRegistrationSocketFromSystemd) {
  ::kill(mds_, SIGTERM);
  int st = 0;
  ::waitpid(mds_, &st, 0);
  // As rkt-metadata.socket: the socket is made by the caller and passed as fd 3.
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, "/run/rkt/metadata-svc.sock");
  ::unlink(addr.sun_path);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(sock, 16), 0);
  mds_ = ::fork();
  if (mds_ == 0) {
    ::dup2(sock, 3);
    int log = ::open(mds_out_.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0644);
    ::dup2(log, 2);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    std::string bin = rkt_binary();
    ::execl(bin.c_str(), bin.c_str(), "metadata-service", nullptr);
    _exit(127);
  }
  ::close(sock);
  ASSERT_TRUE(wait_for_text(mds_out_, "the socket passed by systemd", std::chrono::seconds(10))) << read_file(mds_out_);
  auto r = rkt({"run", "--mds-register", "--volume", "database,kind=empty", main_, sidekick_});
  expect_all_stages_ok(r);
}

// One raw request to the public API on loopback; the whole response.
std::string raw_request(const std::string& request) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_port = htons(18112);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "connect failed";
  (void)::send(s, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(s);
  return out;
}

TEST_F(AceTest, ThePublicApiRefusesUnknownTokensAndOversizedRequests) {
  std::string unknown = raw_request("GET /" + std::string(32, 'f') + "/acMetadata/v1/pod/uuid HTTP/1.1\r\n\r\n");
  EXPECT_EQ(unknown.rfind("HTTP/1.1 401 ", 0), 0u) << unknown;
  EXPECT_NE(unknown.find("\r\n\r\npod not found\n"), std::string::npos) << "and nothing else: " << unknown;
  std::string huge = raw_request("GET / HTTP/1.1\r\nX-Filler: " + std::string(20000, 'x') + "\r\n\r\n");
  EXPECT_EQ(huge.rfind("HTTP/1.1 413 ", 0), 0u) << huge.substr(0, 100);
  std::string body = raw_request("POST /t/acMetadata/v1/pod/hmac/sign HTTP/1.1\r\nContent-Length: 999999\r\n\r\n");
  EXPECT_EQ(body.rfind("HTTP/1.1 413 ", 0), 0u) << body;
  std::string chunked =
      raw_request("POST /t/acMetadata/v1/pod/hmac/sign HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 501 ", 0), 0u) << chunked;
}

TEST_F(AceTest, RegistrationWithoutTheServiceIsAClearError) {
  ::kill(mds_, SIGTERM);
  int st = 0;
  ::waitpid(mds_, &st, 0);
  mds_ = -1;
  auto r = rkt({"run", "--mds-register", "--volume", "database,kind=empty", main_, sidekick_});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.err.find("could not reach the metadata service at \"/run/rkt/metadata-svc.sock\""), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("main OK"), std::string::npos) << "no app ran";
  auto none = rkt({"run", "--mds-register", "--net=none", main_});
  EXPECT_NE(none.err.find("--mds-register flag does not work with --net=none"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace rkt::test
