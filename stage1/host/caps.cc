#include "stage1/host/caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "common/fs.h"

namespace rkt::stage1 {
namespace {

const std::map<std::string, int>& names() {
  static const std::map<std::string, int> kNames = {
      {"CAP_CHOWN", 0},
      {"CAP_DAC_OVERRIDE", 1},
      {"CAP_DAC_READ_SEARCH", 2},
      {"CAP_FOWNER", 3},
      {"CAP_FSETID", 4},
      {"CAP_KILL", 5},
      {"CAP_SETGID", 6},
      {"CAP_SETUID", 7},
      {"CAP_SETPCAP", 8},
      {"CAP_LINUX_IMMUTABLE", 9},
      {"CAP_NET_BIND_SERVICE", 10},
      {"CAP_NET_BROADCAST", 11},
      {"CAP_NET_ADMIN", 12},
      {"CAP_NET_RAW", 13},
      {"CAP_IPC_LOCK", 14},
      {"CAP_IPC_OWNER", 15},
      {"CAP_SYS_MODULE", 16},
      {"CAP_SYS_RAWIO", 17},
      {"CAP_SYS_CHROOT", 18},
      {"CAP_SYS_PTRACE", 19},
      {"CAP_SYS_PACCT", 20},
      {"CAP_SYS_ADMIN", 21},
      {"CAP_SYS_BOOT", 22},
      {"CAP_SYS_NICE", 23},
      {"CAP_SYS_RESOURCE", 24},
      {"CAP_SYS_TIME", 25},
      {"CAP_SYS_TTY_CONFIG", 26},
      {"CAP_MKNOD", 27},
      {"CAP_LEASE", 28},
      {"CAP_AUDIT_WRITE", 29},
      {"CAP_AUDIT_CONTROL", 30},
      {"CAP_SETFCAP", 31},
      {"CAP_MAC_OVERRIDE", 32},
      {"CAP_MAC_ADMIN", 33},
      {"CAP_SYSLOG", 34},
      {"CAP_WAKE_ALARM", 35},
      {"CAP_BLOCK_SUSPEND", 36},
      {"CAP_AUDIT_READ", 37},
      {"CAP_PERFMON", 38},
      {"CAP_BPF", 39},
      {"CAP_CHECKPOINT_RESTORE", 40},
  };
  return kNames;
}

uint64_t bit(int n) { return uint64_t{1} << n; }

}  // namespace

uint64_t default_capabilities() {
  uint64_t set = 0;
  for (const char* n : {"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_KILL",
                        "CAP_MKNOD", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP",
                        "CAP_SETFCAP", "CAP_SYS_CHROOT"}) {
    set |= bit(names().at(n));
  }
  return set;
}

uint64_t all_capabilities() {
  uint64_t set = 0;
  for (int cap = 0; cap < 64; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0) set |= bit(cap);
  }
  return set;
}

Result<int> capability_number(const std::string& name) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper.rfind("CAP_", 0) != 0) upper = "CAP_" + upper;
  auto it = names().find(upper);
  if (it == names().end()) return Error(Errc::InvalidArgument, "unknown capability " + quote(name));
  return it->second;
}

Result<CapSets> app_capabilities(const spec::Isolators& isolators, bool non_root, bool insecure) {
  CapSets out;
  out.bounding = insecure ? all_capabilities() : default_capabilities();
  bool retained = false;
  for (const auto& iso : isolators) {
    if (iso.name != spec::kIsolatorCapsRetain && iso.name != spec::kIsolatorCapsRemove) continue;
    const auto* set = std::get_if<spec::CapabilitySet>(&iso.value);
    if (!set) continue;
    uint64_t mask = 0;
    for (const auto& n : set->set) {
      auto c = capability_number(n);
      RKT_TRY_WRAP(c, "isolator " + iso.name);
      mask |= bit(*c);
    }
    if (iso.name == spec::kIsolatorCapsRetain) {
      out.bounding = retained ? (out.bounding | mask) : mask;
      retained = true;
    } else {
      out.bounding &= ~mask;
    }
  }
  if (non_root && retained) out.ambient = out.bounding;
  return out;
}

}  // namespace rkt::stage1
