#include "spec/quantity.h"

#include <gtest/gtest.h>

namespace rkt::spec {
namespace {

int64_t bytes(const char* s) {
  std::string err;
  auto q = parse_quantity(s, &err);
  EXPECT_TRUE(q) << s << ": " << err;
  return q ? q->ceil_value() : -1;
}

TEST(Quantity, Suffixes) {
  EXPECT_EQ(bytes("0"), 0);
  EXPECT_EQ(bytes("1024"), 1024);
  EXPECT_EQ(bytes("1Ki"), 1024);
  EXPECT_EQ(bytes("128Mi"), 128LL << 20);
  EXPECT_EQ(bytes("1G"), 1000000000);
  EXPECT_EQ(bytes("1.5Gi"), 3LL << 29);
  EXPECT_EQ(bytes("2K"), 2000) << "the spec's K";
  EXPECT_EQ(bytes("2k"), 2000) << "rkt's (Kubernetes') k";
  EXPECT_EQ(bytes("1E"), 1000000000000000000LL);
}

TEST(Quantity, MilliValues) {
  std::string err;
  EXPECT_EQ(parse_quantity("500m", &err)->ceil_milli_value(), 500);
  EXPECT_EQ(parse_quantity("1.5", &err)->ceil_milli_value(), 1500);
  EXPECT_EQ(parse_quantity("0.1", &err)->ceil_milli_value(), 100);
  EXPECT_EQ(parse_quantity("0.0001", &err)->ceil_milli_value(), 1);  // rounds up
  EXPECT_EQ(parse_quantity("-1", &err)->ceil_value(), -1);
}

TEST(Quantity, Rejects) {
  std::string err;
  // Exponents and the n and u suffixes are Kubernetes', not the spec's (ace.md: "unsuffixed,
  // ... metric suffices (E, P, T, G, M, K) or binary ... (Ei, Pi, Ti, Gi, Mi, Ki)", "300m").
  for (const char* bad :
       {"", "abc", "1Q", "1.5.5", "Mi", "1KiB", "1e", "1e+", "1ee3", ".", "1e3", "2E+2", "1u", "1n"}) {
    EXPECT_FALSE(parse_quantity(bad, &err)) << bad;
    EXPECT_NE(err.find("bad quantity"), std::string::npos);
  }
}

}  // namespace
}  // namespace rkt::spec
