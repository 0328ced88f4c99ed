#include "common/proc_cgroup.h"

#include <gtest/gtest.h>

namespace rkt {
namespace {

TEST(ProcCgroup, ParsesV1AndV2Lines) {
  auto e = parse_proc_cgroup("12:pids:/user.slice\n3:cpu,cpuacct:/\n1:name=systemd:/a:b\n0::/init.scope\nbad\n");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].controllers, std::vector<std::string>{"pids"});
  EXPECT_EQ(e[0].path, "/user.slice");
  EXPECT_EQ(e[1].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(e[1].path, "/");
  EXPECT_EQ(e[2].path, "/a:b") << "a path may hold ':'";
  EXPECT_TRUE(e[3].controllers.empty());
  EXPECT_EQ(e[3].path, "/init.scope");
  EXPECT_TRUE(parse_proc_cgroup("").empty());
}

}  // namespace
}  // namespace rkt
