#pragma once

// The integration tests' stand-in for the host's network: new network and mount namespaces for
// this test process (and every rkt it starts), with loopback up and fresh tmpfs where CNI and
// the metadata service write (/run, with /run/netns and /run/rkt; /var/lib, with /var/lib/cni). Links,
// addresses, routes, iptables rules, network namespace bindings, IPAM leases and sockets made
// there vanish with the process; the machine's own network is never touched.

#include <string>

namespace rkt::test {

/// Moves this process there (again, for a fresh one, when called twice). "" on success, else
/// what failed. Nothing is created outside the new namespaces.
std::string enter_throwaway_network();

}  // namespace rkt::test
