#include "tests/integration/throwaway_network.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt::test {
namespace {

// Every test of this binary runs in a throwaway network: a pod on rkt's default network must
// never attach to the machine's.
class ThrowawayNetwork : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() != 0) return;  // tests that need root say so themselves
    // No test may run outside it: a failure here ends the process before any test starts.
    if (std::string err = enter_throwaway_network(); !err.empty()) {
      std::fprintf(stderr, "cannot enter a throwaway network namespace: %s\n", err.c_str());
      std::_Exit(1);
    }
  }
};

const auto* const registered = ::testing::AddGlobalTestEnvironment(new ThrowawayNetwork);

}  // namespace

std::string enter_throwaway_network() {
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) return std::string("unshare: ") + std::strerror(errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return std::string("making the mounts private: ") + std::strerror(errno);
  }
  // Fresh tmpfs over the parents, so that nothing (not even a directory) is created on the
  // machine's own file systems: /run holds /run/netns, /run/rkt and iptables' lock, /var/lib
  // holds /var/lib/cni. Nothing the tests run needs the machine's files there.
  for (const char* d : {"/run", "/var/lib"}) {
    if (::mount("tmpfs", d, "tmpfs", 0, "mode=0755") != 0) {
      return std::string("mounting a tmpfs on ") + d + ": " + std::strerror(errno);
    }
  }
  for (const char* d : {"/run/netns", "/run/rkt", "/var/lib/cni"}) {
    if (::mkdir(d, 0755) != 0) return std::string("creating ") + d + ": " + std::strerror(errno);
  }
  auto lo = run_command({"/usr/sbin/ip", "link", "set", "lo", "up"});
  if (lo.exit_code != 0) return "bringing up lo: " + lo.err;
  return "";
}

}  // namespace rkt::test
