// Crash injection: rkt SIGKILLed at named points of fetch, prepare, run start-up (stage0 and
// stage1) and gc (RKT_TEST_CRASH_AT, common/crash_point.h), then the normal commands: the store
// opens and lists, no half-imported image is visible, the pod reads as aborted or exited, and
// `rkt gc` removes everything the crash left, mounts and cgroups included.

#include <cstdlib>
#include <filesystem>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

enum class Step { Fetch, Prepare, Run, RunPrepared, Gc, Rm };

struct Point {
  const char* name;
  Step step;
  const char* state;  ///< of the pod after the crash, in rkt status; "" when there is no pod
};

// For gtest's test names.
std::ostream& operator<<(std::ostream& o, const Point& p) { return o << p.name; }

class CrashPointTest : public RunTest, public ::testing::WithParamInterface<Point> {
 protected:
  // Runs the step with the crash point set; it must die by SIGKILL there.
  CommandResult crash(const std::vector<std::string>& args) {
    ::setenv("RKT_TEST_CRASH_AT", GetParam().name, 1);
    auto r = rkt(args);
    ::unsetenv("RKT_TEST_CRASH_AT");
    return r;
  }
};

TEST_P(CrashPointTest, TheNextCommandsRecover) {
  const Point& p = GetParam();
  std::string uuid_file = tmp_ / "uuid";
  std::string uuid;
  if (p.step != Step::Fetch) {
    // The image and stage1 stored, so that the step itself imports nothing.
    auto warm = probe({}, {}, {"exit:0"});
    ASSERT_EQ(warm.exit_code, 0) << warm.err;
    ASSERT_EQ(rkt({"gc", "--grace-period=0s"}).exit_code, 0);
  }
  CommandResult r;
  switch (p.step) {
    case Step::Fetch:
      r = crash({"fetch", image_});
      break;
    case Step::Prepare:
      r = crash({"prepare", "--quiet", "--uuid-file-save=" + uuid_file, "example.com/probe"});
      break;
    case Step::Run:
      r = crash(
          {"run", "--net=host", "--uuid-file-save=" + uuid_file, "example.com/probe", "--exec=/probe", "--", "exit:0"});
      break;
    case Step::RunPrepared: {
      auto prep = rkt({"prepare", "--quiet", "--uuid-file-save=" + uuid_file, "example.com/probe"});
      ASSERT_EQ(prep.exit_code, 0) << prep.err;
      r = crash({"run-prepared", "--net=host", read_file(uuid_file)});
      break;
    }
    case Step::Gc:
    case Step::Rm: {
      auto run = probe({"--uuid-file-save=" + uuid_file}, {}, {"exit:0"});
      ASSERT_EQ(run.exit_code, 0) << run.err;
      r = p.step == Step::Gc ? crash({"gc", "--grace-period=0s"}) : crash({"rm", read_file(uuid_file)});
      break;
    }
  }
  ASSERT_EQ(r.exit_code, -1) << "killed at " << p.name << ": " << r.out << r.err;
  if (std::filesystem::exists(uuid_file)) uuid = read_file(uuid_file);

  // The store opens and lists, and every image it lists is whole.
  auto images = rkt({"image", "list", "--no-legend", "--full", "--fields=id"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  std::istringstream ids(images.out);
  for (std::string id; std::getline(ids, id);) {
    auto v = rkt({"image", "verify", id});
    EXPECT_EQ(v.exit_code, 0) << "listed image " << id << " is not whole: " << v.err;
  }
  // The pod, if there is one, reads as aborted or exited.
  auto list = rkt({"list", "--no-legend"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  if (*p.state) {
    ASSERT_EQ(uuid.size(), 36u) << "the uuid file";
    auto status = rkt({"status", uuid});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find(std::string("state=") + p.state + "\n"), std::string::npos) << status.out;
  } else if (!uuid.empty()) {
    EXPECT_NE(rkt({"status", uuid}).exit_code, 0) << "pod " << uuid << " is gone";
  }
  // gc removes everything the crash left: files, mounts, cgroups.
  auto gc = rkt({"gc", "--grace-period=0s"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/pods", "-mindepth", "2"}).out, "") << "no pod file remains";
  EXPECT_EQ(read_file("/proc/self/mountinfo").find(tmp_.path()), std::string::npos) << "no mount under the data dir";
  if (!uuid.empty()) {
    auto cg = run_command({"/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "4", "-name", "rkt-" + uuid + "*"});
    EXPECT_EQ(cg.out, "") << "a cgroup of pod " << uuid << " remains";
  }
  auto igc = rkt({"image", "gc", "--grace-period=24h"});
  EXPECT_EQ(igc.exit_code, 0) << igc.err;
  EXPECT_TRUE(std::filesystem::is_empty(tmp_ / "data/cas/tmp")) << "image gc sweeps what the crash staged";
  // ... and what it committed without an index record: each blob and tree left is a listed image's.
  auto listed = rkt({"image", "list", "--no-legend", "--full", "--fields=id"}).out;
  auto blobs = run_command({"/usr/bin/find", tmp_ / "data/cas/blob", "-type", "f", "-printf", "%f\n"}).out;
  std::istringstream bl(blobs);
  for (std::string b; std::getline(bl, b);) EXPECT_NE(listed.find(b), std::string::npos) << "orphan blob " << b;
  for (const auto& t : std::filesystem::directory_iterator(tmp_ / "data/cas/tree")) {
    std::string owner = read_file(t.path().string() + "/image");
    EXPECT_NE(listed.find(owner.substr(0, owner.find('\n'))), std::string::npos) << "orphan tree " << t.path();
  }
  // And the next fetch and run work.
  auto again = probe({}, {}, {"exit:0"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

std::string point_name(const ::testing::TestParamInfo<Point>& info) {
  static const char* const kSteps[] = {"Fetch", "Prepare", "Run", "RunPrepared", "Gc", "Rm"};
  std::string n = std::string(kSteps[static_cast<int>(info.param.step)]) + "_" + info.param.name;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Points, CrashPointTest,
    ::testing::Values(Point{"import-unpacked", Step::Fetch, ""}, Point{"import-committed", Step::Fetch, ""},
                      Point{"import-indexed", Step::Fetch, ""}, Point{"prepare-embryo", Step::Prepare, "embryo"},
                      Point{"prepare-filling", Step::Prepare, "aborted prepare"},
                      Point{"prepare-filled", Step::Prepare, "aborted prepare"},
                      Point{"run-moved", Step::Run, "exited"}, Point{"stage1-cgroups", Step::Run, "exited"},
                      Point{"stage1-started", Step::Run, "exited"}, Point{"run-moved", Step::RunPrepared, "exited"},
                      Point{"stage1-cgroups", Step::RunPrepared, "exited"},
                      Point{"gc-marked", Step::Gc, "exited garbage"}, Point{"gc-torn-down", Step::Gc, "exited garbage"},
                      Point{"gc-claimed", Step::Gc, ""}, Point{"gc-torn-down", Step::Rm, "exited garbage"},
                      Point{"gc-claimed", Step::Rm, ""}),
    point_name);

}  // namespace
}  // namespace rkt::test
