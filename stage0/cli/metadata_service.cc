#include "common/number.h"
// rkt metadata-service [--listen-port=18112]: the appc metadata service (stage0/mds.h). Started
#include "common/number.h"
// by hand, or by systemd through rkt-metadata.socket, which passes the registration socket
#include "common/number.h"
// (LISTEN_FDS).
#include "common/number.h"

#include <unistd.h>
#include "common/number.h"

#include <cstdlib>
#include <iostream>
#include "common/number.h"

#include "common/number.h"
#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"
#include "stage0/mds.h"

#include "common/number.h"
namespace rkt::stage0 {
#include "common/number.h"

#include "common/number.h"
Result<int> cmd_metadata_service(GlobalOptions& g, const std::vector<std::string>& args) {
#include "common/number.h"
  FlagSet fs("rkt metadata-service");
#include "common/number.h"
  std::string port = std::to_string(mds::kPort);
#include "common/number.h"
  fs.add_string("listen-port", &port, "the TCP port of the public API");
#include "common/number.h"
  auto pos = parse_command_line(fs, g, args);
#include "common/number.h"
  RKT_TRY(pos);
#include "common/number.h"
  if (!pos->empty()) return Error(Errc::Usage, "rkt metadata-service takes no arguments");
#include "common/number.h"
  RKT_TRY(require_root("rkt metadata-service"));
#include "common/number.h"
  mds::ServeOptions opts;
#include "common/number.h"
  char* end = nullptr;
#include "common/number.h"
  long p = std::strtol(port.c_str(), &end, 10);
#include "common/number.h"
  if (port.empty() || *end != '\0' || p <= 0 || p > 65535) {
#include "common/number.h"
    return Error(Errc::Usage, "--listen-port=" + port + ": not a TCP port number");
#include "common/number.h"
  }
#include "common/number.h"
  opts.port = static_cast<int>(p);
#include "common/number.h"
  // Socket activation (sd_listen_fds): one socket, at fd 3, meant for this process.
#include "common/number.h"
  const char* fds = std::getenv("LISTEN_FDS");
#include "common/number.h"
  const char* pid = std::getenv("LISTEN_PID");
#include "common/number.h"
  if (fds && pid && parse_decimal(pid) == static_cast<uint64_t>(::getpid())) {
#include "common/number.h"
    if (std::string(fds) != "1") return Error(Errc::Usage, "LISTEN_FDS=" + std::string(fds) + ": expected one socket");
#include "common/number.h"
    opts.registration_fd = 3;
#include "common/number.h"
  }
#include "common/number.h"
  ::unsetenv("LISTEN_FDS");
#include "common/number.h"
  ::unsetenv("LISTEN_PID");
#include "common/number.h"
  ::unsetenv("LISTEN_FDNAMES");
#include "common/number.h"
  // Said once the service answers, so that whoever waits for the line can use it.
#include "common/number.h"
  opts.ready = [&opts] {
#include "common/number.h"
    std::cerr << "metadata service: registration on "
#include "common/number.h"
              << (opts.registration_fd >= 0 ? "the socket passed by systemd" : opts.socket_path)
#include "common/number.h"
              << ", public API on TCP port " << opts.port << std::endl;
#include "common/number.h"
  };
#include "common/number.h"
  return mds::serve(opts);
#include "common/number.h"
}
#include "common/number.h"

#include "common/number.h"
}  // namespace rkt::stage0
