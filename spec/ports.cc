#include "spec/ports.h"

namespace rkt::spec {

// (Names are ACNames: quoting them needs no escaping.)

Result<std::vector<ForwardedPort>> forwarded_ports(const PodManifest& manifest) {
  std::vector<ForwardedPort> out;
  for (const auto& ep : manifest.ports) {
    const Port* pod_port = ep.pod_port ? &*ep.pod_port : nullptr;
    if (!pod_port) {
      for (const auto& app : manifest.apps) {
        if (!app.app) continue;
        for (const auto& p : app.app->ports) {
          if (p.name != ep.name) continue;
          if (pod_port) return Error(Errc::InvalidManifest, "port name \"" + ep.name + "\" defined multiple apps");
          pod_port = &p;
        }
      }
    }
    if (!pod_port) {
      return Error(Errc::InvalidManifest, "port name \"" + ep.name + "\" could not be found in any apps");
    }
    ForwardedPort fp{ep.name, pod_port->protocol, ep.host_ip.value_or("0.0.0.0"), ep.host_port, pod_port->port};
    for (const auto& o : out) {
      bool same_address = o.host_ip == fp.host_ip || o.host_ip == "0.0.0.0" || fp.host_ip == "0.0.0.0";
      if (o.protocol == fp.protocol && o.host_port == fp.host_port && same_address) {
        return Error(Errc::InvalidManifest, "port " + fp.protocol + "-" + fp.host_ip + ":" +
                                                std::to_string(fp.host_port) + " already mapped to pod port " +
                                                std::to_string(o.pod_port));
      }
    }
    out.push_back(std::move(fp));
  }
  return out;
}

}  // namespace rkt::spec
