#include "stage1/host/seccomp.h"

#include <gtest/gtest.h>

namespace rkt::stage1 {
namespace {

spec::Isolator seccomp(const char* name, std::vector<std::string> set, std::string err = "") {
  spec::Isolator i;
  i.name = name;
  i.value = spec::SeccompSet{std::move(set), std::move(err)};
  return i;
}

TEST(Seccomp, DefaultAndExplicitSetsCompile) {
  auto def = compile_seccomp({}, false);
  ASSERT_TRUE(def) << def.error().message();
  EXPECT_GT(def->size(), 10u);
  EXPECT_TRUE(compile_seccomp({}, true)->empty()) << "--insecure-options=seccomp: no filter";
  auto remove =
      compile_seccomp({seccomp(spec::kIsolatorSeccompRemove, {"reboot", "@rkt/default-blacklist"}, "ENOSYS")}, false);
  ASSERT_TRUE(remove) << remove.error().message();
  auto retain = compile_seccomp({seccomp(spec::kIsolatorSeccompRetain, {"@rkt/default-whitelist"})}, false);
  ASSERT_TRUE(retain) << retain.error().message();
  EXPECT_GT(retain->size(), def->size());
}

TEST(Seccomp, RefusesWhatItCannotCompile) {
  auto group = compile_seccomp({seccomp(spec::kIsolatorSeccompRemove, {"@nope/group"})}, false);
  ASSERT_FALSE(group);
  EXPECT_NE(group.error().message().find("unknown seccomp syscall group"), std::string::npos);
  auto name = compile_seccomp({seccomp(spec::kIsolatorSeccompRetain, {"not_a_syscall"})}, false);
  ASSERT_FALSE(name);
  EXPECT_NE(name.error().message().find("unknown syscall \"not_a_syscall\""), std::string::npos);
  auto err = compile_seccomp({seccomp(spec::kIsolatorSeccompRemove, {"reboot"}, "EWHAT")}, false);
  ASSERT_FALSE(err);
}

}  // namespace
}  // namespace rkt::stage1
