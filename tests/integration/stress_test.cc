// Concurrency: on one data dir, at once, fetches of the same image and of different ones, runs,
// pods started then stopped and removed, list, status and image list, gc and image gc. Bounded
// (a few hundred commands); longer runs belong in bench/. Every command succeeds, or fails only
// as a race allows (rm or status of a pod gc took first); afterwards every invariant holds:
// listed images are whole, gc leaves no pod file, mount or cgroup, image gc leaves nothing staged
// or orphaned, and a fresh run works.

#include <mutex>
#include <thread>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

class StressTest : public RunTest {
 protected:
  // Runs the command; a failure is recorded unless `allowed` says the race explains it.
  CommandResult check(const std::string& who, std::vector<std::string> args,
                      const std::function<bool(const CommandResult&)>& allowed = nullptr) {
    auto r = rkt(args);
    if (r.exit_code != 0 && !(allowed && allowed(r))) {
      std::string cmd;
      for (const auto& a : args) cmd += " " + a;
      std::lock_guard<std::mutex> g(mu_);
      failures_.push_back(who + ": rkt" + cmd + " exited " + std::to_string(r.exit_code) + ": " + r.err);
    }
    return r;
  }
  void add_uuid(const std::string& u) {
    std::lock_guard<std::mutex> g(mu_);
    uuids_.push_back(u);
  }
  std::vector<std::string> uuids() {
    std::lock_guard<std::mutex> g(mu_);
    return uuids_;
  }

  std::mutex mu_;
  std::vector<std::string> failures_;
  std::vector<std::string> uuids_;
};

// gc may take a pod that exited before rm or status gets to it.
bool gone(const CommandResult& r) {
  return r.err.find("no matches found") != std::string::npos ||
         r.err.find("is currently being deleted") != std::string::npos;
}

TEST_F(StressTest, EverythingAtOnceOnOneDataDir) {
  std::vector<std::string> images;
  for (int i = 0; i < 4; ++i)
    images.push_back(build_image("example.com/stress-" + std::to_string(i), "s" + std::to_string(i) + ".aci"));
  ASSERT_EQ(rkt({"fetch", image_}).exit_code, 0);  // stage1 imported once, before the race

  std::vector<std::thread> workers;
  workers.emplace_back([&] {
    for (int i = 0; i < 8; ++i) check("fetch-same", {"fetch", image_});
  });
  workers.emplace_back([&] {
    for (int i = 0; i < 8; ++i) check("fetch-distinct", {"fetch", images[static_cast<size_t>(i) % images.size()]});
  });
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < 6; ++i) {
        std::string f = tmp_ / ("run-" + std::to_string(w) + "-" + std::to_string(i));
        auto r = check("run", {"run", "--net=host", "--uuid-file-save=" + f, i % 2 ? image_ : images[0],
                               "--exec=/probe", "--", "exit:0"});
        if (r.exit_code == 0) add_uuid(read_file(f));
      }
    });
  }
  workers.emplace_back([&] {
    for (int i = 0; i < 4; ++i) {
      std::string f = tmp_ / ("long-" + std::to_string(i));
      pid_t pid = start_trapped({rkt_binary(), "--dir=" + (tmp_ / "data"), "--insecure-options=image", "run",
                                 "--net=host", "--uuid-file-save=" + f, image_, "--exec=/probe", "--", "trap:0"},
                                f + ".out");
      std::string uuid = read_file(f);
      add_uuid(uuid);
      check("stop", {"stop", uuid});
      int st = 0;
      ::waitpid(pid, &st, 0);
      check("rm", {"rm", uuid}, gone);
    }
  });
  workers.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      check("list", {"list"});
      check("image-list", {"image", "list"});
      for (const auto& u : uuids()) check("status", {"status", u}, gone);
    }
  });
  workers.emplace_back([&] {
    for (int i = 0; i < 10; ++i) check("gc", {"gc", "--grace-period=0s"});
  });
  workers.emplace_back([&] {
    for (int i = 0; i < 10; ++i) check("image-gc", {"image", "gc", "--grace-period=24h"});
  });
  for (auto& t : workers) t.join();
  for (const auto& f : failures_) ADD_FAILURE() << f;

  expect_images_whole();
  expect_collected(uuids_);
  expect_store_swept();
  auto again = probe({}, {}, {"exit:0"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace
}  // namespace rkt::test
