#include "spec/ports.h"

#include <gtest/gtest.h>

#include "spec/manifest.h"

namespace rkt::spec {
namespace {

PodManifest pod(const std::string& ports, const std::string& app_ports_a, const std::string& app_ports_b = "[]") {
  auto m = parse_pod_manifest(R"({"acKind":"PodManifest","acVersion":"0.8.11","apps":[
      {"name":"a","image":{"id":"sha512-)" +
                                  std::string(128, 'a') + R"("},"app":{"exec":["/a"],"user":"0","group":"0","ports":)" +
                                  app_ports_a + R"(}},
      {"name":"b","image":{"id":"sha512-)" +
                                  std::string(128, 'b') + R"("},"app":{"exec":["/b"],"user":"0","group":"0","ports":)" +
                                  app_ports_b + R"(}}],
      "ports":)" + ports + "}",
                              "pod");
  EXPECT_TRUE(m) << m.error().message();
  return m ? *m : PodManifest{};
}

TEST(ForwardedPorts, MatchAppPortsByName) {
  auto fps = forwarded_ports(
      pod(R"([{"name":"http","hostPort":8080},{"name":"dns","hostPort":53,"hostIP":"127.0.0.1"}])",
          R"([{"name":"http","protocol":"tcp","port":80}])", R"([{"name":"dns","protocol":"udp","port":5353}])"));
  ASSERT_TRUE(fps) << fps.error().message();
  ASSERT_EQ(fps->size(), 2u);
  EXPECT_EQ((*fps)[0].protocol, "tcp");
  EXPECT_EQ((*fps)[0].host_ip, "0.0.0.0");
  EXPECT_EQ((*fps)[0].host_port, 8080u);
  EXPECT_EQ((*fps)[0].pod_port, 80u);
  EXPECT_EQ((*fps)[1].protocol, "udp");
  EXPECT_EQ((*fps)[1].host_ip, "127.0.0.1");
  EXPECT_EQ((*fps)[1].pod_port, 5353u);
}

TEST(ForwardedPorts, RktsErrors) {
  auto missing = forwarded_ports(pod(R"([{"name":"web","hostPort":8080}])", "[]"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "port name \"web\" could not be found in any apps");
  auto twice =
      forwarded_ports(pod(R"([{"name":"http","hostPort":8080}])", R"([{"name":"http","protocol":"tcp","port":80}])",
                          R"([{"name":"http","protocol":"tcp","port":81}])"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "port name \"http\" defined multiple apps");
  auto conflict =
      forwarded_ports(pod(R"([{"name":"a1","hostPort":8080,"hostIP":"10.0.0.1"},{"name":"a2","hostPort":8080}])",
                          R"([{"name":"a1","protocol":"tcp","port":80},{"name":"a2","protocol":"tcp","port":81}])"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().message(), "port tcp-0.0.0.0:8080 already mapped to pod port 80");
  auto other_proto =
      forwarded_ports(pod(R"([{"name":"a1","hostPort":53},{"name":"a2","hostPort":53}])",
                          R"([{"name":"a1","protocol":"tcp","port":53},{"name":"a2","protocol":"udp","port":53}])"));
  EXPECT_TRUE(other_proto) << "tcp and udp do not conflict";
  auto other_ip = forwarded_ports(
      pod(R"([{"name":"a1","hostPort":80,"hostIP":"10.0.0.1"},{"name":"a2","hostPort":80,"hostIP":"10.0.0.2"}])",
          R"([{"name":"a1","protocol":"tcp","port":80},{"name":"a2","protocol":"tcp","port":81}])"));
  EXPECT_TRUE(other_ip) << "two addresses do not conflict";
}

}  // namespace
}  // namespace rkt::spec
