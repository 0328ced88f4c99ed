#include "common/error.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

// Counts this test binary's heap allocations, to show that success costs none. The replacement
// operators pair malloc with free; gcc cannot see that through inlining and warns of a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

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

Status succeed() { return ok(); }

Status wrap_failure(bool fail) {
  RKT_TRY_WRAP(fail ? Status(Error(Errc::NotFound, "inner")) : ok(), "outer " + std::to_string(1));
  return ok();
}

TEST(Status, SuccessAllocatesNothing) {
  long before = g_allocations;
  for (int i = 0; i < 100; ++i) {
    Status s = succeed();
    EXPECT_TRUE(s);
    EXPECT_TRUE(wrap_failure(false)) << "the context is not even built on success";
  }
  EXPECT_EQ(g_allocations - before, 0);
  Status failed = wrap_failure(true);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message(), "outer 1: inner");
}

}  // namespace
}  // namespace rkt
