#include "common/duration.h"

#include <gtest/gtest.h>

namespace rkt {
namespace {

TEST(Duration, ParsesGoStyle) {
  EXPECT_EQ(*parse_duration("0"), 0);
  EXPECT_EQ(*parse_duration("30m"), 30LL * 60 * 1000000000);
  EXPECT_EQ(*parse_duration("24h"), 24LL * 3600 * 1000000000);
  EXPECT_EQ(*parse_duration("1h30m"), 90LL * 60 * 1000000000);
  EXPECT_EQ(*parse_duration("1.5s"), 1500000000);
  EXPECT_EQ(*parse_duration("250ms"), 250000000);
  for (const char* bad : {"", "h", "10", "5 m", "1d", "-1h"}) EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, Humanizes) {
  const int64_t s = 1000000000;
  EXPECT_EQ(humanize_since(0, 0), "just now");
  EXPECT_EQ(humanize_since(0, 1 * s), "1 second ago");
  EXPECT_EQ(humanize_since(0, 120 * s), "2 minutes ago");
  EXPECT_EQ(humanize_since(0, 3 * 86400 * s), "3 days ago");
  EXPECT_EQ(humanize_bytes(512), "512 B");
  EXPECT_EQ(humanize_bytes(1536), "1.5 KiB");
  EXPECT_EQ(humanize_bytes(3u << 20), "3.0 MiB");
}

}  // namespace
}  // namespace rkt
