#include "common/error.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace rkt {
namespace {

TEST(Error, WrapPutsContextInFront) {
  Error e(Errc::NotFound, "no such image");
  e.wrap("fetching \"x\"").wrap("running pod");
  EXPECT_EQ(e.message(), "running pod: fetching \"x\": no such image");
  EXPECT_EQ(e.cause(), "no such image");
  EXPECT_EQ(e.code(), Errc::NotFound);
  EXPECT_EQ(e.chain(), "running pod\n  fetching \"x\"\n    no such image\n");
}

TEST(Error, SysErrorAppendsStrerrorOnce) {
  Error e = sys_error("opening \"/nope\"", ENOENT);
  e.wrap("reading manifest");
  EXPECT_EQ(e.message(), "reading manifest: opening \"/nope\": No such file or directory");
  EXPECT_EQ(e.sys_errno(), ENOENT);
}

Result<int> half(int v) {
  if (v % 2) return Error(Errc::InvalidArgument, "odd value " + std::to_string(v));
  return v / 2;
}

Status twice_half(int v, int* out) {
  auto r = half(v);
  RKT_TRY(r);
  *out = *r;
  return ok();
}

TEST(Result, CarriesValueOrError) {
  auto good = half(4);
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(*good, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "odd value 3");
  int out = 0;
  EXPECT_TRUE(twice_half(8, &out));
  EXPECT_EQ(out, 4);
  Status s = twice_half(5, &out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::InvalidArgument);
}

}  // namespace
}  // namespace rkt
