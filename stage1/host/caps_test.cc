#include "stage1/host/caps.h"

#include <gtest/gtest.h>

namespace rkt::stage1 {
namespace {

spec::Isolator caps(const char* name, std::vector<std::string> set) {
  spec::Isolator i;
  i.name = name;
  i.value = spec::CapabilitySet{std::move(set)};
  return i;
}

TEST(Caps, DefaultSetIsAppcs) { EXPECT_EQ(default_capabilities(), 0xa80425fbULL); }

TEST(Caps, RetainReplacesRemoveSubtracts) {
  auto retain = app_capabilities({caps(spec::kIsolatorCapsRetain, {"CAP_NET_ADMIN", "chown"})}, false, false);
  ASSERT_TRUE(retain);
  EXPECT_EQ(retain->bounding, (1ULL << 12) | 1ULL);
  EXPECT_EQ(retain->ambient, 0u) << "root needs no ambient set";
  auto nonroot = app_capabilities({caps(spec::kIsolatorCapsRetain, {"CAP_NET_BIND_SERVICE"})}, true, false);
  EXPECT_EQ(nonroot->ambient, 1ULL << 10) << "a non-root app keeps an explicit retain set";
  auto remove = app_capabilities({caps(spec::kIsolatorCapsRemove, {"CAP_KILL", "CAP_SYS_ADMIN"})}, false, false);
  EXPECT_EQ(remove->bounding, 0xa80425fbULL & ~(1ULL << 5));
  auto bad = app_capabilities({caps(spec::kIsolatorCapsRemove, {"CAP_FLY"})}, false, false);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("unknown capability \"CAP_FLY\""), std::string::npos);
  EXPECT_EQ(app_capabilities({}, false, true)->bounding, all_capabilities());
}

}  // namespace
}  // namespace rkt::stage1
