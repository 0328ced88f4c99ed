// Contained networking with the real CNI plugins (Debian's containernetworking-plugins), as
// root. Every test first moves itself into a fresh throwaway network and mount namespace that
// plays the host (throwaway_network.h): its veths, routes, iptables rules, /var/run/netns and
// /var/lib/cni (host-local's leases) exist only there and vanish with the test process, so the
// machine's own network is never touched and no packet leaves it.

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <regex>

#include "common/stage1_abi.h"
#include "tests/integration/pod_fixture.h"
#include "tests/integration/throwaway_network.h"

namespace rkt::test {
namespace {

constexpr const char* kBusybox = "/bin/busybox";

class NetworkTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    RKT_REQUIRE(::access("/usr/lib/cni/ptp", X_OK) == 0, "Debian's containernetworking-plugins (/usr/lib/cni)");
    RKT_REQUIRE(::access("/usr/sbin/iptables", X_OK) == 0, "iptables");
    RKT_REQUIRE(::access(kBusybox, X_OK) == 0, "busybox-static");
    // A fresh one for each test (the whole binary already runs in one).
    ASSERT_EQ(enter_throwaway_network(), "");
    ASSERT_EQ(::mkdir((tmp_ / "etc").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((tmp_ / "etc/net.d").c_str(), 0755), 0);
    busybox_ = build_busybox_image();
  }

  static CommandResult ip(std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/sbin/ip");
    return run_command(args);
  }
  static std::string iptables_nat() { return run_command({"/usr/sbin/iptables", "-t", "nat", "-S"}).out; }

  // busybox with its applets, /www/index.html, and `sh -c` as the app.
  std::string build_busybox_image(const std::string& name = "busybox", const std::string& app_extra = "") {
    std::string l = tmp_ / (name + ".layout");
    for (const char* d : {"", "/rootfs", "/rootfs/bin", "/rootfs/etc", "/rootfs/www", "/rootfs/tmp"})
      ::mkdir((l + d).c_str(), 0755);
    EXPECT_EQ(run_command({"/bin/cp", kBusybox, l + "/rootfs/bin/busybox"}).exit_code, 0);
    for (const char* a : {"sh", "ip", "cat", "cut", "wget", "httpd", "sleep", "echo", "true", "timeout"})
      ::symlink("busybox", (l + "/rootfs/bin/" + a).c_str());
    write_file(l + "/rootfs/www/index.html", "hello from the pod\n");
    write_file(l + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/)" + name +
                                    R"(","app":{"exec":["/bin/sh"],"user":"0","group":"0")" + app_extra + "}}");
    std::string out = tmp_ / (name + ".aci");
    auto r = run_command({actool_binary(), "build", "--overwrite", l, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  // rkt run POD_FLAGS busybox --exec=/bin/sh -- -c SCRIPT
  CommandResult sh(std::vector<std::string> pod_flags, const std::string& script) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), pod_flags.begin(), pod_flags.end());
    args.insert(args.end(), {busybox_, "--exec=/bin/sh", "--", "-c", script});
    return rkt(args);
  }

  void net_conf(const std::string& file, const std::string& json) { write_file(tmp_ / ("etc/net.d/" + file), json); }

  std::string uuid_of(const std::string& file) { return read_file(file); }

  // Nothing of any pod is left on the "host": no veth, no route to a pod, no NAT rule, no network
  // namespace binding, no lease (host-local's lock and last-reserved files aside).
  void expect_nothing_left() {
    auto links = ip({"-o", "link", "show"});
    EXPECT_EQ(links.out.find("veth"), std::string::npos) << links.out;
    auto routes = ip({"route", "show"});
    EXPECT_EQ(routes.out, "") << routes.out;
    // portmap's chains shared by every pod (CNI-HOSTPORT-*) stay, as host-local's lock does.
    std::string per_pod;
    std::istringstream rules(iptables_nat());
    for (std::string line; std::getline(rules, line);) {
      if (line.find("CNI-") != std::string::npos && line.find("CNI-HOSTPORT-") == std::string::npos) {
        per_pod += line + "\n";
      }
    }
    EXPECT_EQ(per_pod, "") << iptables_nat();
    auto ns = run_command({"/bin/ls", "-A", "/var/run/netns"});
    EXPECT_EQ(ns.out, "") << "network namespaces left: " << ns.out;
    auto leases = run_command({"/bin/sh", "-c",
                               "cd /var/lib/cni/networks 2>/dev/null && ls -A */ | "
                               "grep -v -e '^lock$' -e '^last_reserved_ip' -e ':$' -e '^$' || true"});
    EXPECT_EQ(leases.out, "") << "leases left: " << leases.out;
  }

  void gc_all() {
    auto gc = rkt({"gc", "--grace-period=0s"});
    EXPECT_EQ(gc.exit_code, 0) << gc.out << gc.err;
  }

  std::string busybox_;
};

TEST_F(NetworkTest, APlainRunGetsEth0OnTheDefaultNetworkAndGcLeavesNothing) {
  std::string uuid_file = tmp_ / "uuid";
  auto r = sh({"--uuid-file-save=" + uuid_file}, "ip -4 addr show eth0; ip route; ip link show lo");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("inet 172\\.16\\.28\\.[0-9]+/24"))) << r.out;
  EXPECT_NE(r.out.find("default via 172.16.28.1 dev eth0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LOOPBACK,UP"), std::string::npos) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("inet (172\\.16\\.28\\.[0-9]+)/24")));
  std::string pod_ip = m[1];
  std::string uuid = uuid_of(uuid_file);

  // The host's end of the pod's veth, and the masquerade rule ptp made for it.
  EXPECT_NE(ip({"-4", "addr"}).out.find("inet 172.16.28.1/32"), std::string::npos);
  EXPECT_NE(iptables_nat().find("-A POSTROUTING -s " + pod_ip + "/32"), std::string::npos) << iptables_nat();

  // What the pod directory records, in rkt's layout.
  std::string pod = tmp_ / ("data/pods/run/" + uuid);
  std::string netns = read_file(pod + "/netns");
  EXPECT_TRUE(std::regex_match(netns, std::regex("/var/run/netns/cni-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                                 "[0-9a-f]{12}")))
      << netns;
  EXPECT_EQ(read_file(pod + "/net-info.json"),
            R"([{"netName":"default","netConf":"net/99-default.conf","pluginPath":"/usr/lib/cni/ptp","ifName":"eth0",)"
            R"("ip":")" +
                pod_ip + R"(","args":"","mask":"255.255.255.0"}])" + "\n");
  EXPECT_NE(read_file(pod + "/net/99-default.conf").find("\"subnet\": \"172.16.28.0/24\""), std::string::npos);

  // The summary lists the network, for rkt list to read no net-info.json.
  auto summary = stage1_abi::read_pod_summary(pod);
  ASSERT_TRUE(summary);
  EXPECT_TRUE(summary->nets_listed);
  ASSERT_EQ(summary->nets.size(), 1u);
  EXPECT_EQ(summary->nets[0].ip, pod_ip);

  // rkt list and rkt status show the address, as rkt prints it.
  auto list = rkt({"list", "--no-legend"});
  EXPECT_NE(list.out.find("\tdefault:ip4=" + pod_ip + "\n"), std::string::npos) << list.out;
  auto status = rkt({"status", uuid});
  EXPECT_NE(status.out.find("\nnetworks=default:ip4=" + pod_ip + "\n"), std::string::npos) << status.out;
  auto json = rkt({"status", "--format=json", uuid});
  EXPECT_NE(json.out.find(R"("networks":[{"netName":"default","netConf":"net/99-default.conf")"), std::string::npos)
      << json.out;

  gc_all();
  expect_nothing_left();
  auto again = rkt({"gc", "--grace-period=0s"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(NetworkTest, TheHostReachesAnHttpdInAPodAndAnotherPodReachesItToo) {
  std::string uuid_file = tmp_ / "server-uuid", out = tmp_ / "server.out";
  pid_t server = spawn_to_file({rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"),
                                "--insecure-options=image", "run", "--uuid-file-save=" + uuid_file, busybox_,
                                "--exec=/bin/sh", "--", "-c", "httpd -p 80 -h /www && echo serving && sleep 60"},
                               out);
  ASSERT_TRUE(wait_for_text(out, "serving", std::chrono::seconds(30))) << read_file(out);
  auto status = rkt({"status", uuid_of(uuid_file)});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(status.out, m, std::regex("networks=default:ip4=([0-9.]+)"))) << status.out;
  std::string server_ip = m[1];

  // (busybox's wget -T crashes; timeout bounds it instead.)
  auto from_host =
      run_command({kBusybox, "timeout", "10", kBusybox, "wget", "-q", "-O", "-", "http://" + server_ip + "/"});
  EXPECT_EQ(from_host.out, "hello from the pod\n") << from_host.err;
  auto from_pod = sh({}, "timeout 10 wget -q -O - http://" + server_ip + "/");
  EXPECT_EQ(from_pod.exit_code, 0) << from_pod.err;
  EXPECT_EQ(from_pod.out, "hello from the pod\n");

  EXPECT_EQ(rkt({"stop", uuid_of(uuid_file)}).exit_code, 0);
  int st = 0;
  ::waitpid(server, &st, 0);
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, UserNetworksAttachInFileNameOrderWithTheirArguments) {
  // A bridge network of the user's, with a CNI 0.3.1 configuration (its result has ips[]).
  net_conf("10-inner.conf", R"({"cniVersion":"0.3.1","name":"inner","type":"bridge","bridge":"rkt-br0",
    "isGateway":true,"ipam":{"type":"host-local","subnet":"10.99.0.0/24"}})");
  std::string uuid_file = tmp_ / "uuid";
  auto r = sh({"--uuid-file-save=" + uuid_file, "--net=default:IP=172.16.28.50", "--net=inner"},
              "ip -4 -o addr show eth0; ip -4 -o addr show eth1");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("eth0 +inet 10\\.99\\.0\\.[0-9]+/24"))) << r.out;
  EXPECT_NE(r.out.find("eth1    inet 172.16.28.50/24"), std::string::npos) << r.out;
  auto list = rkt({"list", "--no-legend"});
  EXPECT_TRUE(
      std::regex_search(list.out, std::regex("\tinner:ip4=10\\.99\\.0\\.[0-9]+, default:ip4=172\\.16\\.28\\.50\n")))
      << "a CNI 0.3.1 result (ips[]) is read as well as a 0.1.0 one: " << list.out;
  std::string info = read_file(tmp_ / ("data/pods/run/" + uuid_of(uuid_file) + "/net-info.json"));
  EXPECT_NE(info.find(R"("ifName":"eth1","ip":"172.16.28.50","args":"IP=172.16.28.50")"), std::string::npos) << info;
  gc_all();
  // The bridge itself is the plugin's, shared by the pods on it, and stays: this test made it.
  EXPECT_EQ(ip({"link", "del", "rkt-br0"}).exit_code, 0);
  expect_nothing_left();
}

TEST_F(NetworkTest, TeardownWorksWhenTheNamespaceBindingIsGoneAsAfterAReboot) {
  std::string uuid_file = tmp_ / "uuid";
  auto r = sh({"--uuid-file-save=" + uuid_file}, "true");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string netns = read_file(tmp_ / ("data/pods/run/" + uuid_of(uuid_file) + "/netns"));
  // A reboot empties /var/run (the binding is gone, and with the namespace the pod's veth) and
  // the kernel's tables (the masquerade rules), but host-local's lease on disk remains until DEL
  // releases it.
  ASSERT_EQ(::umount2(netns.c_str(), MNT_DETACH), 0);
  ASSERT_EQ(::unlink(netns.c_str()), 0);
  ASSERT_EQ(run_command({"/usr/sbin/iptables", "-t", "nat", "-F"}).exit_code, 0);
  ASSERT_EQ(run_command({"/usr/sbin/iptables", "-t", "nat", "-X"}).exit_code, 0);
  for (int i = 0; i < 100 && ip({"-o", "link"}).out.find("veth") != std::string::npos; ++i) usleep(20000);
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, AUserNetworkNamedDefaultReplacesTheBuiltInOne) {
  net_conf("50-mine.conf", R"({"cniVersion":"0.1.0","name":"default","type":"ptp",
    "ipam":{"type":"host-local","subnet":"10.77.0.0/24"}})");
  auto r = sh({}, "ip -4 -o addr show eth0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("inet 10.77.0."), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("overriding \"default\" network with one from"), std::string::npos) << r.err;
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, ErrorsNameTheNetworkAndAFailedSetupLeavesNothing) {
  auto missing = sh({"--net=zeta,alpha,default"}, "true");
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("networks not found: alpha, zeta"), std::string::npos) << missing.err;

  auto bad_flag = sh({"--net=host:K=V"}, "true");
  EXPECT_EQ(bad_flag.exit_code, 254);
  EXPECT_NE(bad_flag.err.find("arguments are not supported by special netname \"host\""), std::string::npos)
      << bad_flag.err;

  // The second network's plugin fails: the first is deleted again and the namespace destroyed.
  net_conf("10-inner.conf", R"({"cniVersion":"0.1.0","name":"inner","type":"ptp",
    "ipam":{"type":"host-local","subnet":"10.99.0.0/24"}})");
  auto failed = sh({"--net=inner,default:IP=10.1.2.3"}, "true");
  EXPECT_EQ(failed.exit_code, 254);
  EXPECT_NE(failed.err.find("adding network \"default\": "), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("10.1.2.3"), std::string::npos) << "the plugin's own message: " << failed.err;
  EXPECT_TRUE(std::regex_search(failed.err, std::regex("\nstage1: failed to set up the network of pod [-0-9a-f]+: "
                                                       "adding network \"default\": [^\n]*10\\.1\\.2\\.3[^\n]*\n$")))
      << "one line: " << failed.err;
  expect_nothing_left();

  // A plugin that is not there.
  net_conf("20-nowhere.conf", R"({"cniVersion":"0.1.0","name":"nowhere","type":"no-such-plugin"})");
  auto no_plugin = sh({"--net=nowhere"}, "true");
  EXPECT_EQ(no_plugin.exit_code, 254);
  EXPECT_NE(no_plugin.err.find("network \"nowhere\": could not find plugin \"no-such-plugin\""), std::string::npos)
      << no_plugin.err;
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, DnsComesFromTheNetworkUnlessFlagsSayOtherwise) {
  net_conf("10-dns.conf", R"({"cniVersion":"0.1.0","name":"dns","type":"ptp",
    "ipam":{"type":"host-local","subnet":"10.98.0.0/24"},
    "dns":{"nameservers":["10.98.0.53"],"search":["pods.example"]}})");
  auto r = sh({"--net=dns"}, "cat /etc/resolv.conf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "# Generated by rkt from network dns\n\nsearch pods.example\nnameserver 10.98.0.53\n");
  auto flags = sh({"--net=dns", "--dns=192.0.2.1"}, "cat /etc/resolv.conf");
  ASSERT_EQ(flags.exit_code, 0) << flags.err;
  EXPECT_NE(flags.out.find("nameserver 192.0.2.1"), std::string::npos) << flags.out;
  EXPECT_EQ(flags.out.find("10.98.0.53"), std::string::npos) << "--dns wins over the network's: " << flags.out;
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, DnsAndHostsFlagsAreCheckedAsRktChecksThem) {
  auto r = sh({"--dns=192.0.2.1,192.0.2.2", "--dns-search=pods.example", "--dns-opt=ndots:2",
               "--hosts-entry=10.1.1.1=db,10.1.1.2=cache", "--hosts-entry=10.1.1.1=db2"},
              "cat /etc/resolv.conf /etc/hosts");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // rkt's formats exactly: MakeResolvConf's order, and hosts-fallback with the entries by address.
  EXPECT_NE(r.out.find("# Generated by rkt run\n\nsearch pods.example\nnameserver 192.0.2.1\nnameserver "
                       "192.0.2.2\noptions ndots:2\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("# This is the default rkt /etc/hosts\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n\n# Added by rkt run --hosts-entry\n10.1.1.1 db db2\n10.1.1.2 cache\n"), std::string::npos)
      << r.out;
  auto message = [&](std::vector<std::string> flags) { return sh(std::move(flags), "true").err; };
  EXPECT_NE(message({"--dns=host", "--dns=192.0.2.1"}).find("no other --dns options allowed when --dns=host is passed"),
            std::string::npos);
  EXPECT_NE(message({"--dns=192.0.2.300"}).find("Invalid IP passed to --dns: 192.0.2.300"), std::string::npos);
  EXPECT_NE(message({"--dns=none", "--dns-search=x"})
                .find("Cannot call --dns-opt, --dns-search, or --dns-domain with --dns=none"),
            std::string::npos);
  EXPECT_NE(message({"--hosts-entry=host", "--hosts-entry=10.0.0.1=a"})
                .find("cannot pass --hosts-entry=host with multiple hosts-entries"),
            std::string::npos);
  EXPECT_NE(message({"--hosts-entry=nonsense=a"}).find("Invalid IP passed to --hosts-entry: nonsense"),
            std::string::npos);
  EXPECT_NE(message({"--hosts-entry=justaname"}).find("Did not understand --hosts-entry justaname"), std::string::npos);
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, AStage1KilledDuringSetupIsCollectedClean) {
  // A plugin that announces itself, takes its time, then is the real ptp.
  std::string started = tmp_ / "plugin-started", done = tmp_ / "plugin-done";
  write_file(tmp_ / "etc/net.d/slowptp",
             "#!/bin/sh\ntouch " + started + "\nsleep 1\n/usr/lib/cni/ptp\nrc=$?\ntouch " + done + "\nexit $rc\n");
  ASSERT_EQ(::chmod((tmp_ / "etc/net.d/slowptp").c_str(), 0755), 0);
  net_conf("10-slow.conf", R"({"cniVersion":"0.1.0","name":"slow","type":"slowptp",
    "ipam":{"type":"host-local","subnet":"10.97.0.0/24"}})");
  std::string out = tmp_ / "killed.out";
  pid_t pid = spawn_to_file({rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"),
                             "--insecure-options=image", "run", "--net=slow", busybox_, "--exec=/bin/true"},
                            out);
  for (int i = 0; i < 300 && ::access(started.c_str(), F_OK) != 0; ++i) usleep(20000);
  ASSERT_EQ(::access(started.c_str(), F_OK), 0) << "the plugin never ran";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);  // rkt exec'd stage1: this is stage1, mid-ADD
  int st = 0;
  ::waitpid(pid, &st, 0);
  for (int i = 0; i < 300 && ::access(done.c_str(), F_OK) != 0; ++i) usleep(20000);
  ASSERT_EQ(::access(done.c_str(), F_OK), 0) << "the plugin never finished";
  EXPECT_NE(ip({"-o", "link"}).out.find("veth"), std::string::npos) << "the orphaned ADD made its veth";
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, FiftyPodsRunAndCollectedLeaveNothing) {
  for (int i = 0; i < 50; ++i) {
    auto r = sh({}, "true");
    ASSERT_EQ(r.exit_code, 0) << "pod " << i << ": " << r.err;
  }
  gc_all();
  expect_nothing_left();
}

TEST_F(NetworkTest, PortsAreForwardedFromTheHostThroughPortmap) {
  std::string web = build_busybox_image("web", R"(,"ports":[{"name":"http","protocol":"tcp","port":80}])");
  std::string out = tmp_ / "web.out";
  pid_t server = spawn_to_file(
      {rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"), "--insecure-options=image", "run",
       "--port=http:8080", web, "--exec=/bin/sh", "--", "-c", "httpd -p 80 -h /www && echo serving && sleep 60"},
      out);
  ASSERT_TRUE(wait_for_text(out, "serving", std::chrono::seconds(30))) << read_file(out);
  EXPECT_NE(iptables_nat().find("--dport 8080"), std::string::npos) << iptables_nat();
  // From the host itself, on loopback, and from another pod through the host's address on the
  // pod network (traffic that arrives from outside the host takes that path too).
  auto local = run_command({kBusybox, "timeout", "10", kBusybox, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/"});
  EXPECT_EQ(local.out, "hello from the pod\n") << local.err;
  auto other = sh({}, "timeout 10 wget -q -O - http://172.16.28.1:8080/");
  EXPECT_EQ(other.out, "hello from the pod\n") << other.err;
  ::kill(server, SIGTERM);
  int st = 0;
  ::waitpid(server, &st, 0);
  gc_all();
  expect_nothing_left();
  EXPECT_EQ(iptables_nat().find("8080"), std::string::npos) << iptables_nat();
}

TEST_F(NetworkTest, PortErrorsAreRkts) {
  std::string web = build_busybox_image("web", R"(,"ports":[{"name":"http","protocol":"tcp","port":80}])");
  auto unknown = rkt({"run", "--port=nosuch:8080", web, "--exec=/bin/true"});
  EXPECT_EQ(unknown.exit_code, 254);
  EXPECT_NE(unknown.err.find("port name \"nosuch\" could not be found in any apps"), std::string::npos) << unknown.err;
  auto host = rkt({"run", "--net=host", "--port=http:8080", web, "--exec=/bin/true"});
  EXPECT_EQ(host.exit_code, 254);
  EXPECT_NE(host.err.find("--port flag does not work with 'host' networking"), std::string::npos) << host.err;
  auto none = rkt({"run", "--net=none", "--port=http:8080", web, "--exec=/bin/true"});
  EXPECT_NE(none.err.find("--port flag does not work with 'none' networking"), std::string::npos) << none.err;
  auto twice = rkt({"run", "--port=http:8080", "--port=http:8080", web, "--exec=/bin/true"});
  EXPECT_EQ(twice.exit_code, 254);
  EXPECT_NE(twice.err.find("port tcp-0.0.0.0:8080 already mapped to pod port 80"), std::string::npos) << twice.err;
  auto syntax = rkt({"run", "--port=http:99999", web});
  EXPECT_NE(syntax.err.find("\"99999\" is not a valid port number"), std::string::npos) << syntax.err;
  expect_nothing_left();
}

TEST_F(NetworkTest, NoneHasLoopbackOnlyAndHostSharesTheHostsNetwork) {
  auto none = sh({"--net=none"}, "ip -o link show | cut -d: -f2");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, " lo\n");
  ASSERT_EQ(ip({"link", "add", "hostside0", "type", "veth", "peer", "name", "hostside1"}).exit_code, 0);
  auto host = sh({"--net=host"}, "ip -o link show hostside0");
  EXPECT_EQ(host.exit_code, 0) << host.err;
  EXPECT_NE(host.out.find("hostside0"), std::string::npos);
  ASSERT_EQ(ip({"link", "del", "hostside0"}).exit_code, 0);
  EXPECT_EQ(run_command({"/bin/ls", "-A", "/var/run/netns"}).out, "") << "neither made a network namespace binding";
  gc_all();
}

}  // namespace
}  // namespace rkt::test
