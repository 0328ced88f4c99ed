// rkt metadata-service [--listen-port=18112]: the appc metadata service (stage0/mds.h). Started
// by hand, or by systemd through rkt-metadata.socket, which passes the registration socket
// (LISTEN_FDS).

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "common/number.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/mds.h"

namespace rkt::stage0 {

Result<int> cmd_metadata_service(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt metadata-service");
  std::string port = std::to_string(mds::kPort);
  fs.add_string("listen-port", &port, "the TCP port of the public API");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (!pos->empty()) return Error(Errc::Usage, "rkt metadata-service takes no arguments");
  RKT_TRY(require_root("rkt metadata-service"));
  mds::ServeOptions opts;
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p <= 0 || p > 65535) {
    return Error(Errc::Usage, "--listen-port=" + port + ": not a TCP port number");
  }
  opts.port = static_cast<int>(p);
  // Socket activation (sd_listen_fds): one socket, at fd 3, meant for this process.
  const char* fds = std::getenv("LISTEN_FDS");
  const char* pid = std::getenv("LISTEN_PID");
  if (fds && pid && parse_decimal(pid) == static_cast<uint64_t>(::getpid())) {
    if (std::string(fds) != "1") return Error(Errc::Usage, "LISTEN_FDS=" + std::string(fds) + ": expected one socket");
    opts.registration_fd = 3;
  }
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDNAMES");
  // Said once the service answers, so that whoever waits for the line can use it.
  opts.ready = [&opts] {
    std::cerr << "metadata service: registration on "
              << (opts.registration_fd >= 0 ? "the socket passed by systemd" : opts.socket_path)
              << ", public API on TCP port " << opts.port << std::endl;
  };
  return mds::serve(opts);
}

}  // namespace rkt::stage0
