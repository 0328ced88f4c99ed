#include "stage0/cli/global.h"

#include <gtest/gtest.h>

namespace rkt::stage0 {
namespace {

TEST(InsecureOptions, ParsesItemsAndGroups) {
  auto none = parse_insecure_options("none");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->none());
  auto some = parse_insecure_options("image,tls");
  ASSERT_TRUE(some);
  EXPECT_TRUE(some->image);
  EXPECT_TRUE(some->tls);
  EXPECT_FALSE(some->http);
  EXPECT_EQ(some->to_string(), "image,tls");
  auto fetch = parse_insecure_options("all-fetch");
  EXPECT_EQ(fetch->to_string(), "image,tls,ondisk,http,pubkey");
  auto run = parse_insecure_options("all-run");
  EXPECT_EQ(run->to_string(), "capabilities,paths,seccomp");
  EXPECT_EQ(parse_insecure_options("all")->to_string(), "image,tls,ondisk,http,pubkey,capabilities,paths,seccomp");
}

TEST(InsecureOptions, RejectsUnknown) {
  auto bad = parse_insecure_options("image,everything");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Errc::Usage);
  EXPECT_NE(bad.error().message().find("unknown option \"everything\""), std::string::npos);
}

TEST(GlobalFlags, DefaultsAreRkts) {
  GlobalOptions g;
  FlagSet fs("rkt");
  add_global_flags(fs, g);
  ASSERT_TRUE(fs.parse({}));
  ASSERT_TRUE(finish_global_flags(g));
  EXPECT_EQ(g.dir, "/var/lib/rkt");
  EXPECT_EQ(g.local_config, "/etc/rkt");
  EXPECT_EQ(g.system_config, "/usr/lib/rkt");
  EXPECT_TRUE(g.insecure.none());
  EXPECT_FALSE(g.debug);
}

}  // namespace
}  // namespace rkt::stage0
