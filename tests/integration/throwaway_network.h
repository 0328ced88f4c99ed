#pragma once

// The integration tests' stand-in for the host's network: new network and mount namespaces for
// this test process (and every rkt it starts), with loopback up and fresh tmpfs on the paths
// CNI writes (/var/run/netns, /var/lib/cni). Links, addresses, routes, iptables rules, network
// namespace bindings and IPAM leases made there vanish with the process; the machine's own
// network is never touched.

#include <string>

namespace rkt::test {

/// Moves this process there (again, for a fresh one, when called twice). "" on success, else
/// what failed. Directories it had to create on the host are removed by leave_throwaway_network.
std::string enter_throwaway_network();
void leave_throwaway_network();

}  // namespace rkt::test
