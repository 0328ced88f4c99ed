#pragma once

// The appc metadata service (spec/ace.md "App Container Metadata Service"), as rkt 1.30's
// `rkt metadata-service`: pods register over a unix socket that only root reaches
// (/run/rkt/metadata-svc.sock), and their apps read their pod's and their own metadata over HTTP
// on TCP port 18112 at AC_METADATA_URL = http://<host>:18112/<token>. The token is a secret of 128
// random bits per pod: it, not the caller's address, says which pod asks, and one pod's token
// reads nothing of another's. State lives in memory only (a restart forgets the pods, as rkt's).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/stage1_abi.h"

namespace rkt::stage0::mds {

inline constexpr const char* kSocket = "/run/rkt/metadata-svc.sock";
inline constexpr int kPort = stage1_abi::kMetadataPort;
/// Marks a pod registered (<pod>/mds-registered): gc unregisters it.
inline constexpr const char* kRegisteredMarker = "mds-registered";

/// 16 random bytes as 32 lowercase hex digits.
Result<std::string> new_token();

/// Registers a prepared pod (its manifest, then each app's image manifest, from the pod
/// directory) and marks it registered. On failure nothing stays registered; the error names the
/// socket and says how to run without the service.
Status register_pod(const std::string& socket, const std::string& pod_dir, const std::string& uuid,
                    const std::string& token);
/// Unregisters a pod that was registered (the marker); a pod that was not is left alone.
Status unregister_pod(const std::string& socket, const std::string& pod_dir, const std::string& uuid);

/// One HTTP request, parsed.
struct Request {
  std::string method, path, query, content_type, body;
};
struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=us-ascii";
  std::string body;
};

/// The registered pods and the service's HMAC key: every answer of the service, without sockets.
class Registry {
 public:
  /// `hmac_key`: the pods' identity key (random at each start, as rkt's).
  explicit Registry(std::string hmac_key) : hmac_key_(std::move(hmac_key)) {}
  /// The registration API (the unix socket): PUT /pods/UUID?token=T, PUT /pods/UUID/APP,
  /// DELETE /pods/UUID.
  Response handle_registration(const Request& r);
  /// The public API (TCP): /TOKEN/acMetadata/v1/...
  Response handle_public(const Request& r) const;
  size_t size() const { return pods_.size(); }

 private:
  struct Pod {
    std::string uuid, token, manifest;
    std::map<std::string, std::string> images;  ///< app name -> image manifest
  };
  std::string hmac_key_;
  std::map<std::string, Pod> pods_;           ///< by UUID
  std::map<std::string, std::string> token_;  ///< token -> UUID
};

struct ServeOptions {
  std::string socket_path = kSocket;
  int registration_fd = -1;  ///< a listening unix socket passed by systemd (LISTEN_FDS)
  int port = kPort;
  /// Called once both sockets listen and SIGTERM is handled: from then on requests are served.
  std::function<void()> ready = [] {};
};

/// Serves until SIGTERM or SIGINT (then 0), logging "METHOD URI - STATUS" per request to stderr.
Result<int> serve(const ServeOptions& options);

}  // namespace rkt::stage0::mds
