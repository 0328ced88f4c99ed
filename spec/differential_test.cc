// Differential test: our manifest validator against the reference implementation's
// `actool validate --type=manifest` (appc spec 0.8.11, built from Debian's
// golang-github-appc-spec-dev), over the corpus in testdata/manifests. Each file's name says what
// the spec makes of it (<kind>-<valid|invalid>-<what>.json). Both must agree with it, except
// where testdata/known_differences.json records that the reference contradicts the spec.

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spec/manifest.h"

extern char** environ;

namespace rkt::spec {
namespace {

const std::string kDir = RKT_SPEC_TESTDATA;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> corpus() {
  std::vector<std::string> names;
  DIR* d = ::opendir((kDir + "/manifests").c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string expected_verdict(const std::string& name) {
  size_t a = name.find('-');
  size_t b = name.find('-', a + 1);
  return name.substr(a + 1, b - a - 1);
}

std::string reference_actool() {
  if (const char* env = std::getenv("RKT_REFERENCE_ACTOOL")) return env;
  return RKT_REFERENCE_ACTOOL;
}

// Runs the reference validator on one file: "valid", "invalid" (exit 1) or "crash" (a Go panic
// exits 2).
std::string reference_verdict(const std::string& path) {
  std::string tool = reference_actool();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::string type = "--type=manifest";
  char* argv[] = {tool.data(), const_cast<char*>("validate"), type.data(), const_cast<char*>(path.c_str()), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, tool.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return "spawn-failed";
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return "crash";
  switch (WEXITSTATUS(status)) {
    case 0:
      return "valid";
    case 1:
      return "invalid";
    default:
      return "crash";
  }
}

TEST(Corpus, IsLargeAndNamedByVerdict) {
  auto names = corpus();
  EXPECT_GE(names.size(), 150u);
  size_t valid = 0;
  for (const auto& n : names) {
    std::string v = expected_verdict(n);
    ASSERT_TRUE(v == "valid" || v == "invalid") << n;
    valid += v == "valid";
  }
  EXPECT_GE(valid, 50u);
  EXPECT_GE(names.size() - valid, 50u);
}

TEST(Corpus, OurValidatorFollowsTheSpec) {
  for (const auto& n : corpus()) {
    std::vector<Problem> problems;
    auto r = validate_manifest(slurp(kDir + "/manifests/" + n), n, &problems);
    std::string ours = r ? "valid" : "invalid";
    EXPECT_EQ(ours, expected_verdict(n)) << n << (r ? "" : ":\n" + r.error().message());
    if (!r) {
      EXPECT_FALSE(problems.empty()) << n;
    }
  }
}

TEST(Differential, ReferenceAgreesExceptKnownDifferences) {
  std::string tool = reference_actool();
  if (::access(tool.c_str(), X_OK) != 0) {
    if (std::getenv("RKT_TESTS_MUST_RUN")) FAIL() << "reference actool not found at " << tool;
    GTEST_SKIP() << "needs the reference actool (golang-go, golang-github-appc-spec-dev)";
  }
  auto known = nlohmann::json::parse(slurp(kDir + "/known_differences.json"));
  size_t agreed = 0;
  for (const auto& n : corpus()) {
    std::string ref = reference_verdict(kDir + "/manifests/" + n);
    ASSERT_NE(ref, "spawn-failed") << tool;
    if (known.contains(n)) {
      EXPECT_EQ(ref, known[n]["reference"].get<std::string>())
          << n << ": the reference's verdict changed; update known_differences.json";
      EXPECT_NE(ref, expected_verdict(n)) << n << " is listed as a known difference but the reference agrees";
      EXPECT_FALSE(known[n]["decided_by"].empty()) << n << ": a known difference must cite the spec";
    } else {
      EXPECT_EQ(ref, expected_verdict(n)) << n << ": the reference disagrees with our verdict";
      ++agreed;
    }
  }
  EXPECT_GE(agreed, 150u);
}

TEST(Differential, EveryKnownDifferenceIsInTheCorpus) {
  auto known = nlohmann::json::parse(slurp(kDir + "/known_differences.json"));
  auto names = corpus();
  for (auto it = known.begin(); it != known.end(); ++it) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), it.key())) << it.key();
  }
}

}  // namespace
}  // namespace rkt::spec
