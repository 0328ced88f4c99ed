#include "stage0/mds.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <list>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base64.h"
#include "common/fs.h"
#include "common/libcrypto.h"
#include "common/number.h"
#include "common/stage1_abi.h"
#include "common/unique_fd.h"

namespace rkt::stage0::mds {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxHeader = 16 << 10;
constexpr size_t kMaxRegistrationBody = 2 << 20;  // a manifest (1 MiB at most) with room to spare
constexpr size_t kMaxPublicBody = 64 << 10;
constexpr int64_t kRequestDeadlineMs = 10000;
constexpr size_t kMaxConnections = 512;

const char* kText = "text/plain; charset=us-ascii";
const char* kJson = "application/json";

Response text(int status, std::string body) { return {status, kText, std::move(body)}; }

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 501:
      return "Not Implemented";
    default:
      return "Error";
  }
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& s : split(path, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded (and query strings): '+' is a space, %XX a byte.
std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> form_values(const std::string& s) {
  std::map<std::string, std::string> out;
  for (const auto& kv : split(s, '&')) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(url_decode(kv.substr(0, eq)), url_decode(kv.substr(eq + 1)));
  }
  return out;
}

bool canonical_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : hex_value(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F')) return false;
  }
  return true;
}

// The UUID's 16 bytes, which the HMAC covers before the content (as rkt's).
std::string uuid_bytes(const std::string& uuid) {
  std::string out;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (uuid[i] == '-') continue;
    out += static_cast<char>(hex_value(uuid[i]) * 16 + hex_value(uuid[i + 1]));
    ++i;
  }
  return out;
}

std::string hmac_sha512(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

// The annotations of a manifest as the service answers them: the document's own value (null
// when it has none), so that a client decoding both sees the same thing.
Json annotations_of(const Json& doc) {
  auto it = doc.find("annotations");
  return it == doc.end() ? Json(nullptr) : *it;
}

const Json* find_named(const Json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const auto& e : list) {
    if (e.is_object() && e.contains("name") && e["name"] == name) return &e;
  }
  return nullptr;
}

}  // namespace

Result<std::string> new_token() {
  unsigned char b[16];
  if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) return sys_error("reading random bytes");
  return to_hex(b, sizeof b);
}

Response Registry::handle_registration(const Request& r) {
  auto seg = segments(r.path);
  if (seg.empty() || seg[0] != "pods" || seg.size() > 3 || seg.size() < 2) return text(404, "not found\n");
  const std::string& uuid = seg[1];
  if (!canonical_uuid(uuid)) return text(400, "invalid pod UUID\n");
  if (r.method == "DELETE" && seg.size() == 2) {
    auto it = pods_.find(uuid);
    if (it == pods_.end()) return text(404, "pod not found\n");
    token_.erase(it->second.token);
    pods_.erase(it);
    return text(200, "");
  }
  if (r.method != "PUT") return text(405, "method not allowed\n");
  Json doc = Json::parse(r.body, nullptr, false);
  if (!doc.is_object()) return text(400, "the body is not a JSON object\n");
  if (seg.size() == 2) {
    std::string token = form_values(r.query)["token"];
    if (token.size() < 32) return text(400, "a token of at least 128 bits is required\n");
    if (doc.value("acKind", "") != "PodManifest") return text(400, "the body is not a pod manifest\n");
    if (auto t = token_.find(token); t != token_.end() && t->second != uuid) return text(400, "token in use\n");
    if (auto old = pods_.find(uuid); old != pods_.end()) token_.erase(old->second.token);
    pods_[uuid] = Pod{uuid, token, r.body, {}};
    token_[token] = uuid;
    return text(200, "");
  }
  auto it = pods_.find(uuid);
  if (it == pods_.end()) return text(404, "pod not found\n");
  if (doc.value("acKind", "") != "ImageManifest") return text(400, "the body is not an image manifest\n");
  it->second.images[seg[2]] = r.body;
  return text(200, "");
}

Response Registry::handle_public(const Request& r) const {
  auto seg = segments(r.path);
  if (seg.size() < 4 || seg[1] != "acMetadata" || seg[2] != "v1") return text(404, "not found\n");
  const std::string& token = seg[0];
  std::vector<std::string> rest(seg.begin() + 3, seg.end());
  auto t = token_.find(token);
  // hmac/verify needs no pod: it answers whether any pod signed the content (as rkt's).
  bool verify = rest.size() == 3 && rest[0] == "pod" && rest[1] == "hmac" && rest[2] == "verify";
  if (!verify && t == token_.end()) return text(401, "pod not found\n");
  const Pod* pod = t == token_.end() ? nullptr : &pods_.at(t->second);
  bool get = r.method == "GET";

  if (rest[0] == "pod") {
    if (verify || (rest.size() == 3 && rest[1] == "hmac" && rest[2] == "sign")) {
      if (r.method != "POST") return text(405, "method not allowed\n");
      auto form = form_values(r.body);
      if (!verify) {
        if (form["content"].empty()) return text(400, "content to sign is required\n");
        return text(200, base64_encode(hmac_sha512(hmac_key_, uuid_bytes(pod->uuid) + form["content"])));
      }
      if (!canonical_uuid(form["uuid"]) || form["content"].empty()) return text(400, "uuid and content are required\n");
      auto sig = form["signature"].empty() || form["signature"].size() > 4096 ? std::nullopt
                                                                              : base64_decode(form["signature"]);
      if (!sig) return text(400, "the signature is not base64\n");
      std::string want = hmac_sha512(hmac_key_, uuid_bytes(form["uuid"]) + form["content"]);
      if (sig->size() != want.size() || CRYPTO_memcmp(sig->data(), want.data(), want.size()) != 0) {
        return text(403, "");
      }
      return text(200, "");
    }
    if (!get) return text(405, "method not allowed\n");
    Json doc = Json::parse(pod->manifest, nullptr, false);
    if (rest.size() == 2 && rest[1] == "manifest") return {200, kJson, pod->manifest};
    if (rest.size() == 2 && rest[1] == "uuid") return text(200, pod->uuid);
    if (rest.size() == 2 && rest[1] == "annotations") return {200, kJson, annotations_of(doc).dump()};
    if (rest.size() == 3 && rest[1] == "annotations") {
      Json all = annotations_of(doc);
      const Json* a = find_named(all, rest[2]);
      if (!a || !a->contains("value") || !(*a)["value"].is_string()) return text(404, "annotation not found\n");
      return text(200, (*a)["value"].get<std::string>());
    }
    return text(404, "not found\n");
  }
  if (rest[0] == "apps" && rest.size() >= 3) {
    if (!get) return text(405, "method not allowed\n");
    const std::string& app = rest[1];
    auto image = pod->images.find(app);
    Json doc = Json::parse(pod->manifest, nullptr, false);
    const Json* runtime_app = doc.is_object() && doc.contains("apps") ? find_named(doc["apps"], app) : nullptr;
    if (image == pod->images.end() || !runtime_app) return text(404, "app not found\n");
    if (rest.size() == 4 && rest[2] == "image" && rest[3] == "manifest") return {200, kJson, image->second};
    if (rest.size() == 4 && rest[2] == "image" && rest[3] == "id") {
      auto img = runtime_app->find("image");
      if (img == runtime_app->end() || !img->is_object() || !img->contains("id")) return text(404, "no image id\n");
      return text(200, (*img)["id"].get<std::string>());
    }
    if (rest[2] == "annotations" && rest.size() <= 4) {
      // The image's annotations, with the pod manifest's for the app set over them: a name
      // already there keeps its place, a new one is appended.
      Json merged = annotations_of(Json::parse(image->second, nullptr, false));
      if (!merged.is_array()) merged = Json::array();
      Json overrides = annotations_of(*runtime_app);
      if (overrides.is_array()) {
        for (const auto& o : overrides) {
          if (!o.is_object() || !o.contains("name")) continue;
          bool replaced = false;
          for (auto& m : merged) {
            if (m.is_object() && m.contains("name") && m["name"] == o["name"]) {
              m["value"] = o.value("value", Json(""));
              replaced = true;
            }
          }
          if (!replaced) merged.push_back(o);
        }
      }
      if (rest.size() == 3) return {200, kJson, merged.dump()};
      const Json* a = find_named(merged, rest[3]);
      if (!a || !a->contains("value") || !(*a)["value"].is_string()) return text(404, "annotation not found\n");
      return text(200, (*a)["value"].get<std::string>());
    }
  }
  return text(404, "not found\n");
}

// ---- the client side (stage0 and gc, over the unix socket) ----

namespace {

Error unreachable(const std::string& socket, const Error& why) {
  return Error(Errc::Generic, "could not reach the metadata service at " + quote(socket) + " (" + why.message() +
                                  "): make sure it is running (rkt metadata-service, or its socket unit "
                                  "rkt-metadata.socket) or run without --mds-register");
}

// One request over the unix socket; the response's status code.
Result<int> call(const std::string& socket, const std::string& method, const std::string& target,
                 const std::string& body) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (socket.size() >= sizeof addr.sun_path) return Error(Errc::InvalidArgument, "socket path too long");
  std::memcpy(addr.sun_path, socket.c_str(), socket.size());
  UniqueFd fd;
  for (int attempt = 0;; ++attempt) {
    fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return sys_error("creating a socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    int err = errno;
    // As rkt: a service that is starting gets three tries, a second apart.
    if (err == ENOENT || err == ENOTSOCK || attempt == 2) return unreachable(socket, sys_error("connecting", err));
    ::sleep(1);
  }
  struct timeval tv = {10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: unixsock\r\nContent-Type: application/json\r\n" +
                    "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  for (size_t off = 0; off < req.size();) {
    ssize_t n = ::send(fd.get(), req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return unreachable(socket, sys_error("sending"));
    off += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (resp.size() < 65536) resp.append(buf, static_cast<size_t>(n));
  }
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12) {
    return Error(Errc::Generic, "the metadata service at " + quote(socket) + " sent no HTTP response");
  }
  auto status = parse_decimal(std::string_view(resp).substr(9, 3), 999);
  if (!status) return Error(Errc::Generic, "the metadata service at " + quote(socket) + " sent no HTTP status");
  return static_cast<int>(*status);
}

}  // namespace

Status register_pod(const std::string& socket, const std::string& pod_dir, const std::string& uuid,
                    const std::string& token) {
  auto what = [&](const std::string& s) { return "registering pod " + uuid + " with the metadata service: " + s; };
  auto manifest = read_file(pod_dir + "/" + stage1_abi::kPodManifest, 1 << 20);
  RKT_TRY(manifest);
  auto status = call(socket, "PUT", "/pods/" + uuid + "?token=" + token, *manifest);
  RKT_TRY(status);
  if (*status != 200)
    return Error(Errc::Generic, what("the pod manifest was refused (" + std::to_string(*status) + ")"));
  Status s = write_file_atomic(pod_dir + "/" + kRegisteredMarker, "", 0644, Overwrite::Yes, Durability::NoSync);
  Json doc = Json::parse(*manifest, nullptr, false);
  if (s && doc.is_object() && doc.contains("apps") && doc["apps"].is_array()) {
    for (const auto& app : doc["apps"]) {
      std::string name = app.value("name", "");
      auto im = read_file(pod_dir + "/appsinfo/" + name + "/manifest", 1 << 20);
      if (!im) {
        s = std::move(im).error();
        break;
      }
      auto st = call(socket, "PUT", "/pods/" + uuid + "/" + name, *im);
      if (!st) {
        s = std::move(st).error();
        break;
      }
      if (*st != 200) {
        s = Error(Errc::Generic,
                  what("the image manifest of app " + quote(name) + " was refused (" + std::to_string(*st) + ")"));
        break;
      }
    }
  }
  if (!s) {
    (void)unregister_pod(socket, pod_dir, uuid);
    return s;
  }
  return ok();
}

Status unregister_pod(const std::string& socket, const std::string& pod_dir, const std::string& uuid) {
  std::string marker = pod_dir + "/" + kRegisteredMarker;
  if (::access(marker.c_str(), F_OK) != 0) return ok();
  auto status = call(socket, "DELETE", "/pods/" + uuid, "");
  RKT_TRY_WRAP(status, "unregistering pod " + uuid + " from the metadata service");
  if (*status != 200 && *status != 404) {
    return Error(Errc::Generic,
                 "unregistering pod " + uuid + " from the metadata service: status " + std::to_string(*status));
  }
  ::unlink(marker.c_str());
  return ok();
}

// ---- the server ----

namespace {

int64_t now_ms() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

struct Connection {
  UniqueFd fd;
  bool registration = false;
  std::string in, out;
  size_t sent = 0;
  int64_t deadline = 0;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses a whole request from `buf`: 0 when more bytes are needed, 200 when done, else the
// status to answer with.
int parse(const std::string& buf, size_t max_body, Request* r) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return buf.size() > kMaxHeader ? 413 : 0;
  if (end > kMaxHeader) return 413;
  std::istringstream head(buf.substr(0, end));
  std::string line;
  std::getline(head, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  size_t s1 = line.find(' '), s2 = line.rfind(' ');
  if (s1 == std::string::npos || s2 == s1 || line.compare(s2 + 1, 7, "HTTP/1.") != 0) return 400;
  r->method = line.substr(0, s1);
  std::string target = line.substr(s1 + 1, s2 - s1 - 1);
  size_t q = target.find('?');
  r->path = url_decode(target.substr(0, q));
  r->query = q == std::string::npos ? "" : target.substr(q + 1);
  size_t length = 0;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) return 400;
    std::string name = lower(line.substr(0, colon)), value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "content-length") {
      if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos) return 400;
      length = std::stoul(value);
    } else if (name == "transfer-encoding") {
      return 501;
    } else if (name == "content-type") {
      r->content_type = value;
    }
  }
  if (length > max_body) return 413;
  if (buf.size() < end + 4 + length) return 0;
  r->body = buf.substr(end + 4, length);
  return 200;
}

std::string render(const Response& resp) {
  return "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) +
         "\r\nContent-Type: " + resp.content_type + "\r\nContent-Length: " + std::to_string(resp.body.size()) +
         "\r\nConnection: close\r\n\r\n" + resp.body;
}

Result<UniqueFd> listen_unix(const std::string& path) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty()) RKT_TRY(make_dirs(dir, 0755));
  ::unlink(path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (!fd.valid() || path.size() >= sizeof addr.sun_path) return sys_error("creating the registration socket");
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  // Only root registers pods: the socket is created 0660 root:root (as rkt's socket unit).
  mode_t old = ::umask(0117);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0 || ::listen(fd.get(), 64) != 0) return sys_error("listening on " + quote(path));
  return fd;
}

Result<UniqueFd> listen_tcp(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return sys_error("creating the public socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 128) != 0) {
    return sys_error("listening on TCP port " + std::to_string(port));
  }
  return fd;
}

}  // namespace

Result<int> serve(const ServeOptions& options) {
  unsigned char key[64];
  if (::getrandom(key, sizeof key, 0) != static_cast<ssize_t>(sizeof key)) return sys_error("reading random bytes");
  Registry registry(std::string(reinterpret_cast<char*>(key), sizeof key));
  UniqueFd reg;
  if (options.registration_fd >= 0) {
    reg.reset(options.registration_fd);
    ::fcntl(reg.get(), F_SETFL, ::fcntl(reg.get(), F_GETFL) | O_NONBLOCK);
    ::fcntl(reg.get(), F_SETFD, FD_CLOEXEC);
  } else {
    auto fd = listen_unix(options.socket_path);
    RKT_TRY(fd);
    reg = std::move(*fd);
  }
  auto pub = listen_tcp(options.port);
  RKT_TRY(pub);
  sigset_t set;
  ::sigemptyset(&set);
  ::sigaddset(&set, SIGTERM);
  ::sigaddset(&set, SIGINT);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  UniqueFd sig(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sig.valid()) return sys_error("creating a signalfd");
  options.ready();

  // One connection's turn: read what has arrived, answer a whole request, send what the socket
  // takes. It runs when poll says so and also right after accept and right after a response is
  // rendered, so a request that is already there is answered without waiting for another poll
  // round (clients such as appc's ACE validator give a request 100 ms in all). True: done with it.
  auto serve_one = [&registry](Connection& c, bool readable) {
    while (readable && c.out.empty()) {
      char buf[8192];
      ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
      if (n < 0 && errno == EAGAIN) break;
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        Request r;
        int st = parse(c.in, c.registration ? kMaxRegistrationBody : kMaxPublicBody, &r);
        if (st != 0) {
          Response resp = st == 200 ? (c.registration ? registry.handle_registration(r) : registry.handle_public(r))
                                    : text(st, reason(st) + "\n");
          // As rkt's log line, but a pod's token (a secret) is not written to the log.
          std::string shown = r.path.empty() ? "-" : r.path;
          if (!c.registration && shown.size() > 1) {
            size_t slash = shown.find('/', 1);
            shown = "/<token>" + (slash == std::string::npos ? "" : shown.substr(slash));
          }
          std::cerr << (r.method.empty() ? "-" : r.method) << " " << shown << " - " << resp.status << "\n";
          c.out = render(resp);
        }
      }
    }
    if (!c.out.empty()) {
      ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) c.sent += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
      if (c.sent == c.out.size()) return true;
    }
    return false;
  };

  std::list<Connection> conns;
  for (;;) {
    std::vector<pollfd> fds = {{sig.get(), POLLIN, 0}, {reg.get(), POLLIN, 0}, {pub->get(), POLLIN, 0}};
    for (auto& c : conns) fds.push_back({c.fd.get(), static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
    int64_t now = now_ms(), wait = 1000;
    for (auto& c : conns) wait = std::min(wait, std::max<int64_t>(0, c.deadline - now));
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait)) < 0 && errno != EINTR) {
      return sys_error("waiting for requests");
    }
    if (fds[0].revents & POLLIN) return 0;
    // The connections that were polled, then the ones accepted below (which have no pollfd yet).
    size_t k = 3;
    now = now_ms();
    for (auto it = conns.begin(); it != conns.end() && k < fds.size(); ++k) {
      short ev = fds[k].revents;
      bool done =
          (ev & (POLLIN | POLLOUT | POLLHUP | POLLERR)) && serve_one(*it, (ev & (POLLIN | POLLHUP | POLLERR)) != 0);
      if (now >= it->deadline) done = true;
      it = done ? conns.erase(it) : std::next(it);
    }
    for (int i : {1, 2}) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (;;) {
        int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) break;
        if (conns.size() >= kMaxConnections) {
          ::close(c);
          continue;
        }
        conns.push_back({UniqueFd(c), i == 1, {}, {}, 0, now_ms() + kRequestDeadlineMs});
        if (serve_one(conns.back(), true)) conns.pop_back();
      }
    }
  }
}

}  // namespace rkt::stage0::mds
