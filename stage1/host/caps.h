#pragma once

// Capability sets of apps: appc's default set, changed by the retain and remove isolators.
// Runs in stage1 on the host, before any fork.

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::stage1 {

/// The 14 capabilities of appc's default set (spec/ace.md, os/linux/capabilities-remove-set).
uint64_t default_capabilities();

/// "CAP_NET_ADMIN" or "net_admin" -> bit; an error names an unknown capability.
Result<int> capability_number(const std::string& name);

/// Every capability the running kernel knows.
uint64_t all_capabilities();

struct CapSets {
  uint64_t bounding = 0;
  uint64_t ambient = 0;  ///< for non-root apps with an explicit retain set
};

/// Applies the app's isolators to the default set. With `insecure` (--insecure-options=
/// capabilities) every capability is kept. A retain set replaces the default set; a remove set
/// takes capabilities out of it.
Result<CapSets> app_capabilities(const spec::Isolators& isolators, bool non_root, bool insecure);

}  // namespace rkt::stage1
