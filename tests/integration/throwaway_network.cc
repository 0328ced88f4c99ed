#include "tests/integration/throwaway_network.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt::test {
namespace {

std::vector<std::string>& created_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}

// Every test of this binary runs in a throwaway network: a pod on rkt's default network must
// never attach to the machine's.
class ThrowawayNetwork : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() != 0) return;  // tests that need root say so themselves
    std::string err = enter_throwaway_network();
    ASSERT_EQ(err, "") << "entering a throwaway network namespace";
  }
  void TearDown() override { leave_throwaway_network(); }
};

const auto* const registered = ::testing::AddGlobalTestEnvironment(new ThrowawayNetwork);

}  // namespace

std::string enter_throwaway_network() {
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) return std::string("unshare: ") + std::strerror(errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return std::string("making the mounts private: ") + std::strerror(errno);
  }
  for (const char* d : {"/run/netns", "/var/lib/cni"}) {
    if (::mkdir(d, 0755) == 0) {
      created_dirs().push_back(d);
    } else if (errno != EEXIST) {
      return std::string("creating ") + d + ": " + std::strerror(errno);
    }
    if (::mount("tmpfs", d, "tmpfs", 0, "mode=0755") != 0) {
      return std::string("mounting a tmpfs on ") + d + ": " + std::strerror(errno);
    }
  }
  auto lo = run_command({"/usr/sbin/ip", "link", "set", "lo", "up"});
  if (lo.exit_code != 0) return "bringing up lo: " + lo.err;
  return "";
}

void leave_throwaway_network() {
  for (const auto& d : created_dirs()) {
    while (::umount2(d.c_str(), MNT_DETACH) == 0) {
    }
    ::rmdir(d.c_str());
  }
  created_dirs().clear();
}

}  // namespace rkt::test
