#include "stage0/http.h"

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "common/fs.h"
#include "common/handle.h"
#include "common/lazy_library.h"
#include "common/unique_fd.h"

namespace rkt::stage0 {
namespace {

// libcurl is loaded on first use: it pulls in dozens of libraries (TLS, LDAP, SSH, HTTP/2...)
// whose loading would otherwise slow every rkt command, `rkt run` of a stored image included.
// These pointers hide the library's functions of the same names within this file.
// clang-format off
#define RKT_CURL_FUNCTIONS(X) \
  X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_setopt) \
  X(curl_easy_perform) X(curl_easy_getinfo) X(curl_easy_strerror) X(curl_slist_append) \
  X(curl_slist_free_all)
// clang-format on
RKT_CURL_FUNCTIONS(RKT_LAZY_DECLARE)

Status load_curl() {
  static const Status loaded = load_library("libcurl.so.4", {RKT_CURL_FUNCTIONS(RKT_LAZY_SYMBOL)});
  return loaded;
}

struct Transfer {
  int fd = -1;
  std::string* text = nullptr;
  size_t max_text = 0;
  bool too_big = false;
  bool write_failed = false;
  HttpResponse* response = nullptr;
  bool progress = false;
  std::string label;
  bool drew = false;
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    // A new status line (after a redirect): forget the previous response's headers.
    if (line.rfind("HTTP/", 0) == 0) *t->response = HttpResponse{};
    return size * n;
  }
  std::string name = trim(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = trim(line.substr(colon + 1));
  if (name == "etag") t->response->etag = value;
  if (name == "content-type") t->response->content_type = value;
  if (name == "www-authenticate") t->response->www_authenticate = value;
  if (name == "cache-control") {
    std::string v = value;
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v.find("no-store") != std::string::npos || v.find("no-cache") != std::string::npos)
      t->response->no_store = true;
    if (size_t p = v.find("max-age="); p != std::string::npos) {
      t->response->max_age = std::strtoll(v.c_str() + p + 8, nullptr, 10);
    }
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->text) {
    if (t->text->size() + len > t->max_text) {
      t->too_big = true;
      return 0;
    }
    t->text->append(data, len);
    return len;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = ::write(t->fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      t->write_failed = true;
      return 0;
    }
    off += static_cast<size_t>(w);
  }
  return len;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->progress || total <= 0) return 0;
  int width = 30;
  int filled = static_cast<int>(now * width / total);
  std::string bar(static_cast<size_t>(filled), '=');
  bar.resize(static_cast<size_t>(width), ' ');
  std::fprintf(stderr, "\rDownloading %s: [%s] %lld/%lld KiB", t->label.c_str(), bar.c_str(),
               static_cast<long long>(now / 1024), static_cast<long long>(total / 1024));
  t->drew = true;
  return 0;
}

Result<HttpResponse> perform(const HttpRequest& req, Transfer& t) {
  RKT_TRY(load_curl());
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) return Error(Errc::Generic, "initializing libcurl");
  bool https = req.url.rfind("https://", 0) == 0;
  bool http = req.url.rfind("http://", 0) == 0;
  if (!https && !http) return Error(Errc::InvalidArgument, "unsupported URL " + quote(req.url));
  if (http && !req.allow_http) {
    return Error(Errc::InvalidArgument, "refusing plain http for " + quote(req.url) + " (use --insecure-options=http)");
  }
  Handle<CURL, &curl_easy_cleanup> c(curl_easy_init());
  if (!c) return Error(Errc::Generic, "initializing libcurl");
  HttpResponse resp;
  t.response = &resp;
  t.label = req.url.substr(req.url.rfind('/') + 1);
  Handle<curl_slist, &curl_slist_free_all> headers;
  curl_slist* list = nullptr;
  for (const auto& h : req.headers) list = curl_slist_append(list, h.c_str());
  if (!req.if_none_match.empty()) list = curl_slist_append(list, ("If-None-Match: " + req.if_none_match).c_str());
  headers.reset(list);
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  const char* protocols = req.allow_http ? "https,http" : "https";
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "rkt/" RKT_VERSION);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  if (const char* ca = std::getenv("SSL_CERT_FILE"); ca && *ca) curl_easy_setopt(h, CURLOPT_CAINFO, ca);
  if (req.insecure_tls) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (t.progress) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  if (t.drew) std::fprintf(stderr, "\n");
  if (t.too_big) return Error(Errc::InvalidArgument, quote(req.url) + " is larger than expected");
  if (t.write_failed) return sys_error("writing the download of " + quote(req.url));
  if (rc != CURLE_OK) {
    return Error(Errc::Generic, "fetching " + quote(req.url) + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  char* eff = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
  resp.url = eff ? eff : req.url;
  return resp;
}

}  // namespace

Result<HttpResponse> http_get_file(const HttpRequest& req, const std::string& dest) {
  UniqueFd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return sys_error("creating " + quote(dest));
  Transfer t;
  t.fd = fd.get();
  t.progress = req.progress && ::isatty(2);
  auto r = perform(req, t);
  if (!r) return r;
  if (r->status != 200 && ::ftruncate(fd.get(), 0) != 0) return sys_error("truncating " + quote(dest));
  return r;
}

Result<std::string> http_get_text(const HttpRequest& req, size_t max_bytes, HttpResponse* response) {
  std::string body;
  Transfer t;
  t.text = &body;
  t.max_text = max_bytes;
  auto r = perform(req, t);
  RKT_TRY(r);
  if (response) *response = *r;
  if (r->status != 200)
    return Error(Errc::NotFound, "fetching " + quote(req.url) + ": HTTP status " + std::to_string(r->status));
  return body;
}

}  // namespace rkt::stage0
