#pragma once

// The ports a pod manifest forwards from the host: its `ports` (host side) matched with the
// apps' `ports` (pod side), with rkt 1.30's rules (common/networking/ports.go).

#include <string>
#include <vector>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::spec {

struct ForwardedPort {
  std::string name;      ///< the port's name
  std::string protocol;  ///< tcp, udp
  std::string host_ip;   ///< "0.0.0.0" unless given
  uint32_t host_port = 0;
  uint32_t pod_port = 0;
};

/// Each exposed port with the app port of its name (or its own podPort): errors for a name no
/// app declares, a name two apps declare, and a host port (of one protocol) mapped twice on the
/// same address or on 0.0.0.0 and another.
Result<std::vector<ForwardedPort>> forwarded_ports(const PodManifest& manifest);

}  // namespace rkt::spec
