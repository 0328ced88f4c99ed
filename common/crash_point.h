#pragma once

// Fault injection for the crash tests: crash_point("name") SIGKILLs this process when the
// environment variable RKT_TEST_CRASH_AT names that point, so a test can stop fetch, prepare,
// run start-up or gc exactly between two of their steps (tests/integration/crash_test.cc lists
// the points). Otherwise it costs one getenv.

namespace rkt {

void crash_point(const char* name);

}  // namespace rkt
