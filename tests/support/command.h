#pragma once

// Runs the project's real binaries from integration tests.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace rkt::test {

struct CommandResult {
  int exit_code = -1;  ///< -1 when killed by a signal
  std::string out;
  std::string err;
};

/// Runs argv[0] (a path) with the given arguments and optional stdin, waiting for it to end.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "");

/// A fresh temporary directory, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Starts argv[0] (a path) in the background with its stdout in the file `out`; its pid.
pid_t spawn_to_file(const std::vector<std::string>& argv, const std::string& out);
/// Waits until the file `path` holds `text`, at most `limit`; whether it does.
bool wait_for_text(const std::string& path, const std::string& text, std::chrono::milliseconds limit);

void write_file(const std::string& path, const std::string& data);
std::string read_file(const std::string& path);

/// Paths of the built binaries (from the build tree).
std::string rkt_binary();
std::string actool_binary();
std::string reference_actool();
std::string probe_binary();

/// In CI (RKT_TESTS_MUST_RUN=1) a test that cannot run must fail instead of skipping.
bool must_run();

}  // namespace rkt::test

/// Skips the current test when `cond` is false, except in CI (RKT_TESTS_MUST_RUN=1), where a
/// test that cannot run fails.
#define RKT_REQUIRE(cond, what)                                                 \
  do {                                                                          \
    if (!(cond)) {                                                              \
      if (::rkt::test::must_run()) FAIL() << "cannot run here: needs " << what; \
      GTEST_SKIP() << "needs " << what;                                         \
    }                                                                           \
  } while (0)
