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

  expect_images_whole();
  // The pod, if there is one, reads as aborted or exited.
  auto list = rkt({"list", "--no-legend"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  if (*p.state) {
    ASSERT_EQ(uuid.size(), 36u) << "the uuid file";
    auto status = rkt({"status", uuid});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find(std::string("state=") + p.state + "\n"), std::string::npos) << status.out;
    // What the pod's summary says (stage1_abi.h) is what its files say.
    std::filesystem::remove(tmp_ / ("data/pods/run/" + uuid + "/summary"));
    std::filesystem::remove(tmp_ / ("data/pods/prepared/" + uuid + "/summary"));
    auto from_files = rkt({"status", uuid});
    EXPECT_EQ(from_files.out, status.out) << "without the summary";
  } else if (!uuid.empty()) {
    EXPECT_NE(rkt({"status", uuid}).exit_code, 0) << "pod " << uuid << " is gone";
  }
  // gc removes everything the crash left, and image gc what it staged or committed unindexed.
  expect_collected(uuid.empty() ? std::vector<std::string>{} : std::vector<std::string>{uuid});
  expect_store_swept();
  // And the next fetch and run work.
  auto again = probe({}, {}, {"exit:0"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  auto by_name =
      rkt({"run", "--net=host", "--pull-policy=never", "example.com/probe", "--exec=/probe", "--", "exit:0"});
  EXPECT_EQ(by_name.exit_code, 0) << "the name index finds it: " << by_name.err;
}

// What a power cut can leave of a pod that had not reported anything yet (rkt run flushes a pod
// once, when it has exited: stage1/main.cc): files empty or missing (ext4 allocates their blocks
// late), or the pod still in prepare/ when its move into run/ was lost. Every command reads it
// without failing (cat-manifest fails naming the pod), and gc removes it.
enum class Cut { FilesEmpty, FilesMissing, MoveLost };

class PowerCutTest : public RunTest, public ::testing::WithParamInterface<Cut> {};

TEST_P(PowerCutTest, APodTheCutLeftHalfWrittenReadsAndIsCollected) {
  std::string uuid_file = tmp_ / "uuid";
  auto run = probe({"--uuid-file-save=" + uuid_file}, {}, {"exit:7"});
  ASSERT_EQ(run.exit_code, 7) << run.err;
  std::string uuid = read_file(uuid_file);
  namespace fs = std::filesystem;
  fs::path pod = tmp_ / ("data/pods/run/" + uuid);
  std::vector<fs::path> files;  // the pod's own files: not its apps' root filesystems
  for (auto it = fs::recursive_directory_iterator(pod); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == "rootfs" || it->path().filename() == "overlay") it.disable_recursion_pending();
    if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
  }
  ASSERT_GT(files.size(), 8u);
  const char* state = "exited";
  switch (GetParam()) {
    case Cut::FilesEmpty:
      for (const auto& f : files) fs::resize_file(f, 0);
      break;
    case Cut::FilesMissing:
      for (const auto& f : files) {
        if (f.filename() != "lock") fs::remove(f);
      }
      break;
    case Cut::MoveLost:
      fs::create_directories(tmp_ / "data/pods/prepare");
      fs::rename(pod, tmp_ / ("data/pods/prepare/" + uuid));
      state = "aborted prepare";
      break;
  }
  auto list = rkt({"list", "--no-legend", "--full"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(uuid), std::string::npos) << list.out;
  auto json = rkt({"list", "--format=json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  auto status = rkt({"status", uuid});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(std::string("state=") + state + "\n"), std::string::npos) << status.out;
  if (GetParam() != Cut::MoveLost) {
    auto cat = rkt({"cat-manifest", uuid});
    EXPECT_EQ(cat.exit_code, 254);
    EXPECT_NE(cat.err.find("pod " + uuid), std::string::npos) << cat.err;
  }
  expect_collected({uuid});
}

std::string cut_name(const ::testing::TestParamInfo<Cut>& info) {
  static const char* const kNames[] = {"FilesEmpty", "FilesMissing", "MoveLost"};
  return kNames[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Cuts, PowerCutTest, ::testing::Values(Cut::FilesEmpty, Cut::FilesMissing, Cut::MoveLost),
                         cut_name);

std::string point_name(const ::testing::TestParamInfo<Point>& info) {
  static const char* const kSteps[] = {"Fetch", "Prepare", "Run", "RunPrepared", "Gc", "Rm"};
  std::string n = std::string(kSteps[static_cast<int>(info.param.step)]) + "_" + info.param.name;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Points, CrashPointTest,
    ::testing::Values(
        Point{"import-unpacked", Step::Fetch, ""}, Point{"import-committed", Step::Fetch, ""},
        Point{"import-named", Step::Fetch, ""}, Point{"import-indexed", Step::Fetch, ""},
        Point{"prepare-embryo", Step::Prepare, "embryo"}, Point{"prepare-filling", Step::Prepare, "aborted prepare"},
        Point{"prepare-filled", Step::Prepare, "aborted prepare"}, Point{"run-moved", Step::Run, "exited"},
        Point{"stage1-cgroups", Step::Run, "exited"}, Point{"stage1-started", Step::Run, "exited"},
        Point{"stage1-exited", Step::Run, "exited"}, Point{"run-moved", Step::RunPrepared, "exited"},
        Point{"stage1-cgroups", Step::RunPrepared, "exited"}, Point{"gc-marked", Step::Gc, "exited garbage"},
        Point{"gc-torn-down", Step::Gc, "exited garbage"}, Point{"gc-claimed", Step::Gc, ""},
        Point{"gc-torn-down", Step::Rm, "exited garbage"}, Point{"gc-claimed", Step::Rm, ""}),
    point_name);

}  // namespace
}  // namespace rkt::test
