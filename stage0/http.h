#pragma once

// HTTP(S) for stage0 through libcurl: images, signatures, keys and discovery pages. TLS is
// verified against the system's CA bundle (or $SSL_CERT_FILE) unless the caller says otherwise.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::stage0 {

struct HttpRequest {
  std::string url;
  std::string if_none_match;         ///< a previous ETag: a 304 answer means "unchanged"
  std::vector<std::string> headers;  ///< extra request headers ("Authorization: ...")
  bool insecure_tls = false;         ///< skip certificate and host name checks
  bool allow_http = false;           ///< allow plain http (and redirects to it)
  bool progress = false;             ///< draw a progress bar on stderr
};

struct HttpResponse {
  long status = 0;
  std::string etag;
  std::optional<int64_t> max_age;  ///< from Cache-Control
  bool no_store = false;           ///< Cache-Control: no-store or no-cache
  std::string content_type;
  std::string www_authenticate;  ///< the challenge of a 401
  std::string url;               ///< after redirects
};

/// GETs `req.url`, writing a 200 body to the file `dest` (created or truncated). Other statuses
/// are returned, not errors; transport and TLS failures are errors naming the URL.
Result<HttpResponse> http_get_file(const HttpRequest& req, const std::string& dest);

/// GETs a small text resource (keys, discovery pages): its body when the status is 200.
Result<std::string> http_get_text(const HttpRequest& req, size_t max_bytes, HttpResponse* response = nullptr);

}  // namespace rkt::stage0
