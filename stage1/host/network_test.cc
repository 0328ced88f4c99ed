#include "stage1/host/network.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/support/command.h"

#include "common/fs.h"

namespace rkt::stage1 {
namespace {

class NetConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_dirs(builtin_, 0755));
    ASSERT_TRUE(make_dirs(user_, 0755));
    put(builtin_, "99-default.conf", R"({"cniVersion":"0.1.0","name":"default","type":"ptp","ipMasq":true})");
    put(builtin_, "99-default-restricted.conf", R"({"cniVersion":"0.1.0","name":"default-restricted","type":"ptp"})");
  }
  static void put(const std::string& dir, const std::string& name, const std::string& text) {
    ASSERT_TRUE(write_file_atomic(dir + "/" + name, text, 0644, Overwrite::Yes));
  }
  Result<std::vector<NetConfig>> load(const std::string& list) {
    auto req = stage1_abi::parse_net_list(list);
    EXPECT_TRUE(req);
    return load_net_configs(*req, builtin_, user_, [this](const std::string& w) { warnings_.push_back(w); });
  }
  static std::vector<std::string> names(const std::vector<NetConfig>& v) {
    std::vector<std::string> out;
    for (const auto& c : v) out.push_back(c.name);
    return out;
  }

  test::TempDir tmp_;
  std::string builtin_ = tmp_ / "stage1/etc/rkt/net.d", user_ = tmp_ / "etc/rkt/net.d";
  std::vector<std::string> warnings_;
};

TEST_F(NetConfigTest, DefaultIsTheStage1sAndRestrictedOnlyWhenNamed) {
  auto d = load("default");
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(names(*d), std::vector<std::string>{"default"});
  EXPECT_EQ((*d)[0].type, "ptp");
  EXPECT_TRUE((*d)[0].ip_masq);
  EXPECT_EQ((*d)[0].bytes, R"({"cniVersion":"0.1.0","name":"default","type":"ptp","ipMasq":true})")
      << "the plugin gets the file unchanged";
  auto both = load("default-restricted,default");
  ASSERT_TRUE(both);
  EXPECT_EQ(names(*both), (std::vector<std::string>{"default-restricted", "default"}))
      << "attached in file-name order: 99-default-restricted.conf sorts before 99-default.conf";
}

TEST_F(NetConfigTest, UserNetworksOverrideByNameAndAttachInFileNameOrder) {
  put(user_, "10-mine.conf", R"({"name":"mine","type":"bridge"})");
  put(user_, "50-default.conf", R"({"name":"default","type":"bridge"})");
  put(user_, "60-again.conf", R"({"name":"mine","type":"macvlan"})");
  put(user_, "notes.txt", "not a configuration");
  ASSERT_EQ(::mkdir((user_ + "/dir.conf").c_str(), 0755), 0);
  auto nets = load("default:IP=172.16.28.9,mine");
  ASSERT_TRUE(nets) << nets.error().message();
  ASSERT_EQ(names(*nets), (std::vector<std::string>{"mine", "default"}));
  EXPECT_EQ((*nets)[0].type, "bridge") << "the first file of a name wins within a directory";
  EXPECT_EQ((*nets)[1].type, "bridge") << "the user's default replaces the stage1's";
  EXPECT_EQ((*nets)[1].file, user_ + "/50-default.conf");
  EXPECT_EQ((*nets)[1].args, "IP=172.16.28.9");
  EXPECT_EQ(warnings_,
            (std::vector<std::string>{"overriding \"default\" network with one from \"" + user_ + "\"",
                                      "\"mine\" network already defined, ignoring \"" + user_ + "/60-again.conf\""}));
  auto all = load("all");
  ASSERT_TRUE(all);
  EXPECT_EQ(names(*all), (std::vector<std::string>{"mine", "default", "default-restricted"}));
}

TEST_F(NetConfigTest, ErrorsNameTheNetworksOrTheFile) {
  auto missing = load("zeta,default,alpha");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "networks not found: alpha, zeta");
  put(user_, "bad.conf", "{\"name\":");
  auto bad = load("default");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "network configuration \"" + user_ + "/bad.conf\" is not a JSON object");
  put(user_, "bad.conf", R"({"name":"x","type":"../../bin/sh"})");
  bad = load("x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("is not a plugin's file name"), std::string::npos) << bad.error().message();
  put(user_, "bad.conf", R"({"name":"x"})");
  bad = load("x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "network configuration \"" + user_ + "/bad.conf\": \"type\" must be a non-empty string");
}

TEST(CniResultTest, ReadsBothResultShapes) {
  auto old = parse_cni_result(R"({"cniVersion":"0.1.0","ip4":{"ip":"172.16.28.2/24","gateway":"172.16.28.1",
      "routes":[{"dst":"0.0.0.0/0"}]},"dns":{"nameservers":["10.0.0.53"],"search":["example.com"]}})",
                              "network \"default\"");
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_EQ(old->ip, "172.16.28.2");
  EXPECT_EQ(old->mask, "255.255.255.0");
  EXPECT_EQ(old->gateway, "172.16.28.1");
  EXPECT_EQ(old->nameservers, std::vector<std::string>{"10.0.0.53"});
  EXPECT_TRUE(old->has_dns());

  auto current = parse_cni_result(R"({"cniVersion":"1.0.0",
      "interfaces":[{"name":"veth1","mac":"aa"},{"name":"eth0","sandbox":"/var/run/netns/cni-1"}],
      "ips":[{"address":"10.1.0.1/16","interface":0},{"address":"fd00::2/64","interface":1},
             {"address":"10.1.0.7/16","gateway":"10.1.0.1","interface":1}],"dns":{}})",
                                  "network \"mine\"");
  ASSERT_TRUE(current) << current.error().message();
  EXPECT_EQ(current->ip, "10.1.0.7") << "the pod's IPv4 address, not the host side's";
  EXPECT_EQ(current->mask, "255.255.0.0");
  EXPECT_EQ(current->gateway, "10.1.0.1");
  EXPECT_FALSE(current->has_dns());

  auto none = parse_cni_result(R"({"cniVersion":"1.0.0","ips":[{"address":"fd00::2/64"}]})", "network \"v6\"");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(), "network \"v6\": the plugin's result has no IPv4 address for the pod");
  EXPECT_FALSE(parse_cni_result("[]", "n"));
  EXPECT_FALSE(parse_cni_result(R"({"ip4":{"ip":"300.1.1.1/24"}})", "n"));
  EXPECT_FALSE(parse_cni_result(R"({"ip4":{"ip":"10.0.0.1/33"}})", "n"));
}

TEST(CniResultTest, PluginErrorsBecomeOneLine) {
  EXPECT_EQ(cni_error_message(R"({"code":11,"msg":"failed to allocate","details":"range\nfull"})"),
            "failed to allocate; range full");
  EXPECT_EQ(cni_error_message(R"({"code":7,"msg":"invalid config"})"), "invalid config");
  EXPECT_EQ(cni_error_message("panic: oops"),
            "netplugin failed but error parsing its diagnostic message \"panic: oops\"");
}

TEST(PluginTest, FoundInOrderAndOnlyIfExecutable) {
  test::TempDir tmp;
  std::string a = tmp / "a", b = tmp / "b";
  ASSERT_TRUE(make_dirs(a, 0755));
  ASSERT_TRUE(make_dirs(b, 0755));
  ASSERT_TRUE(write_file_atomic(a + "/ptp", "not executable", 0644, Overwrite::Yes));
  ASSERT_TRUE(write_file_atomic(b + "/ptp", "#!/bin/sh\n", 0755, Overwrite::Yes));
  auto p = find_plugin("ptp", {a, b});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(*p, b + "/ptp");
  auto missing = find_plugin("bridge", {a, b});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "could not find plugin \"bridge\" in " + a + ", " + b);
  auto dirs = plugin_dirs("/etc/rkt", "/var/lib/rkt/pods/run/U");
  EXPECT_EQ(dirs, (std::vector<std::string>{"/etc/rkt/net.d", "/usr/lib/rkt/plugins/net",
                                            "/var/lib/rkt/pods/run/U/stage1/rootfs/usr/lib/rkt/plugins/net",
                                            "/usr/lib/cni"}));
}

}  // namespace
}  // namespace rkt::stage1
