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

TEST(Duration, FollowsGoOnEdgesAndNeverThrows) {
  // Fractions with no whole part or no digits after the point, as Go's time.ParseDuration.
  EXPECT_EQ(*parse_duration(".5s"), 500000000);
  EXPECT_EQ(*parse_duration("1.s"), 1000000000);
  EXPECT_EQ(*parse_duration("1.5h"), 5400LL * 1000000000);
  EXPECT_EQ(*parse_duration("3\u00b5s"), 3000);
  EXPECT_EQ(*parse_duration("3\u03bcs"), 3000);
  EXPECT_EQ(*parse_duration("2us"), 2000);
  EXPECT_EQ(*parse_duration("1h0.5m7ns"), 3600LL * 1000000000 + 30LL * 1000000000 + 7);
  // More fraction digits than fit are dropped, not an error.
  EXPECT_EQ(*parse_duration("0.1000000000000000000000000001s"), 100000000);
  // The largest duration Go has, and one past it.
  EXPECT_EQ(*parse_duration("9223372036854775807ns"), INT64_MAX);
  EXPECT_EQ(*parse_duration("2562047h47m16.854775807s"), INT64_MAX);
  // Each of these once threw from std::stod or overflowed a double-to-int conversion.
  for (const char* bad : {".", ".s", "..5s", "1.5.5s", "9223372036854775808ns", "2562048h", "99999999999999999999h",
                          "1e3s", "1h.", "s1"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find(std::string("\"") + bad + "\""), std::string::npos) << r.error().message();
  }
}

TEST(Duration, Humanizes) {
  const int64_t s = 1000000000;
  // go-humanize's magnitudes, as rkt vendored them.
  const int64_t day = 86400 * s;
  EXPECT_EQ(humanize_since(0, 0), "now");
  EXPECT_EQ(humanize_since(0, s / 2), "now");
  EXPECT_EQ(humanize_since(0, 1 * s), "1 second ago");
  EXPECT_EQ(humanize_since(0, 59 * s), "59 seconds ago");
  EXPECT_EQ(humanize_since(0, 120 * s), "2 minutes ago");
  EXPECT_EQ(humanize_since(0, 3 * day), "3 days ago");
  EXPECT_EQ(humanize_since(0, 8 * day), "1 week ago");
  EXPECT_EQ(humanize_since(0, 20 * day), "2 weeks ago");
  EXPECT_EQ(humanize_since(0, 45 * day), "1 month ago");
  EXPECT_EQ(humanize_since(0, 400 * day), "1 year ago");
  EXPECT_EQ(humanize_since(0, 600 * day), "2 years ago");
  EXPECT_EQ(humanize_since(0, 40 * 365 * day), "a long while ago");
  EXPECT_EQ(humanize_since(90 * s, 0), "1 minute from now");
  EXPECT_EQ(humanize_bytes(5), "5B");
  EXPECT_EQ(humanize_bytes(512), "512B");
  EXPECT_EQ(humanize_bytes(1536), "1.5KiB");
  EXPECT_EQ(humanize_bytes(3u << 20), "3.0MiB");
  EXPECT_EQ(humanize_bytes(82854982), "79MiB") << "go-humanize's own example";
}

}  // namespace
}  // namespace rkt
