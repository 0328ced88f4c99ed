#include "stage0/oci.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actool/aci.h"
#include "common/fs.h"
#include "common/handle.h"
#include "common/libarchive.h"
#include "common/libcrypto.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"
#include "spec/names.h"
#include "stage0/gunzip.h"
#include "stage0/http.h"

namespace rkt::stage0::oci {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxJsonBlob = 4 << 20;  // an index, a manifest or a config
constexpr int kMaxIndexDepth = 4;
constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Error bad(const std::string& what, const std::string& why) {
  return Error(Errc::InvalidImage, "image " + what + ": " + why);
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_index_type(const std::string& t) {
  return t == "application/vnd.oci.image.index.v1+json" ||
         t == "application/vnd.docker.distribution.manifest.list.v2+json";
}
bool is_manifest_type(const std::string& t) {
  return t == "application/vnd.oci.image.manifest.v1+json" ||
         t == "application/vnd.docker.distribution.manifest.v2+json";
}

// The libarchive filter of a layer media type; empty: not a layer type this can apply.
std::string layer_filter(const std::string& t) {
  for (const char* base :
       {"application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar"}) {
    std::string b = base;
    if (t == b) return "none";
    if (t == b + "+gzip") return "gzip";
    if (t == b + "+zstd") return "zstd";
  }
  if (t == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
      t == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
    return "gzip";
  return "";
}

// A descriptor's digest, checked against the grammar of the algorithms this reads: it becomes a
// path in the layout, so nothing else may pass (docker2aci's CVE-2016-7569).
struct Digest {
  std::string algorithm, hex;
  std::string str() const { return algorithm + ":" + hex; }
};
Result<Digest> parse_digest(const std::string& d, const std::string& what) {
  size_t colon = d.find(':');
  Digest out{colon == std::string::npos ? "" : d.substr(0, colon),
             colon == std::string::npos ? "" : d.substr(colon + 1)};
  size_t want = out.algorithm == "sha256" ? 64 : out.algorithm == "sha512" ? 128 : 0;
  bool hex = std::all_of(out.hex.begin(), out.hex.end(),
                         [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (want == 0 || out.hex.size() != want || !hex)
    return bad(what, "digest " + quote(d) + " is not sha256 or sha512 in hex");
  return out;
}

// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json's noexcept move only asserts.
struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  Json json;
};
Result<Descriptor> descriptor(const Json& j, const std::string& what, const std::string& role) {
  if (!j.is_object()) return bad(what, role + " is not a descriptor");
  Descriptor d;
  d.media_type = str(j, "mediaType");
  auto dg = parse_digest(str(j, "digest"), what);
  RKT_TRY_WRAP(dg, role);
  d.digest = *dg;
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_unsigned()) return bad(what, role + " has no size");
  d.size = size->get<uint64_t>();
  d.json = j;
  return d;
}

using MdCtx = Handle<EVP_MD_CTX, &EVP_MD_CTX_free>;

std::string hex(const unsigned char* p, unsigned n) { return to_hex(p, n); }

const EVP_MD* md_of(const std::string& algorithm) { return algorithm == "sha512" ? EVP_sha512() : EVP_sha256(); }

Result<std::string> digest_of_fd(int fd, const std::string& algorithm, const std::string& what) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md_of(algorithm), nullptr) != 1) return bad(what, "hashing failed");
  if (::lseek(fd, 0, SEEK_SET) != 0) return sys_error("image " + what + ": rewinding a blob");
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("image " + what + ": reading a blob");
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(n));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  if (::lseek(fd, 0, SEEK_SET) != 0) return sys_error("image " + what + ": rewinding a blob");
  return hex(md, len);
}

// Where an image's blobs come from (a layout directory, a registry). Every blob comes back as a
// private copy whose size and digest are its descriptor's.
class BlobSource {
 public:
  virtual ~BlobSource() = default;
  virtual Result<TempFile> blob(const Descriptor& d, uint64_t max_bytes, UniqueFd* out_fd) = 0;
  /// The layer `d` is used without its content (it comes from a kept tree).
  virtual void note_layer(const Descriptor&) {}

  Result<Json> json_blob(const Descriptor& d, const std::string& what) {
    UniqueFd fd;
    auto copy = blob(d, kMaxJsonBlob, &fd);
    RKT_TRY(copy);
    auto text = read_fd(fd.get(), kMaxJsonBlob, "blob " + d.digest.str());
    RKT_TRY(text);
    Json j = Json::parse(*text, nullptr, false);
    if (!j.is_object()) return bad(what, "blob " + d.digest.str() + " is not a JSON object");
    return j;
  }
};

// Checks a private copy against its descriptor; its fd, rewound.
Status verify_copy(const TempFile& copy, const Descriptor& d, const std::string& what, UniqueFd* out_fd) {
  struct stat st {};
  UniqueFd fd(::open(copy.path().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return sys_error("image " + what + ": reading a blob copy");
  if (static_cast<uint64_t>(st.st_size) != d.size) {
    return bad(what, "blob " + d.digest.str() + " has " + std::to_string(st.st_size) + " bytes, not the " +
                         std::to_string(d.size) + " its descriptor says");
  }
  auto got = digest_of_fd(fd.get(), d.digest.algorithm, what);
  RKT_TRY(got);
  if (*got != d.digest.hex) {
    return Error(Errc::BadSignature, "image " + what + ": blob " + d.digest.str() +
                                         " does not match its digest (it is " + d.digest.algorithm + ":" + *got + ")");
  }
  *out_fd = std::move(fd);
  return ok();
}

// The layout directory, opened once; blobs are read through it without following symlinks.
class Layout : public BlobSource {
 public:
  static Result<Layout> open(const std::string& dir, const std::string& tmp, const std::string& what) {
    Layout l;
    l.what_ = what;
    l.tmp_ = tmp;
    l.dir_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!l.dir_.valid()) return sys_error("opening the OCI layout " + quote(dir));
    auto marker = l.small_file("oci-layout");
    RKT_TRY_WRAP(marker, "image " + what + " is not an OCI image layout");
    Json m = Json::parse(*marker, nullptr, false);
    if (!m.is_object() || str(m, "imageLayoutVersion").rfind("1.", 0) != 0) {
      return bad(what, "oci-layout does not name image layout version 1.x");
    }
    return l;
  }

  // A small file of the layout itself (oci-layout, index.json).
  Result<std::string> small_file(const std::string& name) {
    UniqueFd fd(::openat(dir_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return sys_error("opening " + quote(name));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return bad(what_, quote(name) + " is not a regular file");
    return read_fd(fd.get(), kMaxJsonBlob, quote(name));
  }

  // A private, verified copy of a blob: its size and digest are the descriptor's.
  Result<TempFile> blob(const Descriptor& d, uint64_t max_bytes, UniqueFd* out_fd) override {
    if (d.size > max_bytes)
      return bad(what_, "blob " + d.digest.str() + " is larger than " + std::to_string(max_bytes) + " bytes");
    UniqueFd blobs(::openat(dir_.get(), "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    UniqueFd alg(blobs.valid() ? ::openat(blobs.get(), d.digest.algorithm.c_str(),
                                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                               : -1);
    UniqueFd src(alg.valid() ? ::openat(alg.get(), d.digest.hex.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
                             : -1);
    if (!src.valid()) return sys_error("image " + what_ + ": opening blob " + d.digest.str());
    struct stat st {};
    if (::fstat(src.get(), &st) != 0 || !S_ISREG(st.st_mode))
      return bad(what_, "blob " + d.digest.str() + " is not a regular file");
    auto copy = copy_to_private_file(src.get(), tmp_, d.size, "blob " + d.digest.str());
    RKT_TRY_WRAP(copy, "image " + what_);
    RKT_TRY(verify_copy(*copy, d, what_, out_fd));
    return copy;
  }

 private:
  UniqueFd dir_;
  std::string tmp_, what_;
};

// A private staging directory, removed unless kept.
class Staging {
 public:
  explicit Staging(const std::string& tmp) : path_(tmp + "/oci-" + random_suffix()) {}
  ~Staging() { (void)remove_tree(path_); }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The descriptor of an index's manifest that this machine runs (choose_platform).
Result<Descriptor> choose_manifest(const Json& index, const std::string& what) {
  auto ms = index.find("manifests");
  if (ms == index.end() || !ms->is_array()) return bad(what, "the index lists no manifests");
  std::vector<Platform> offered;
  for (const auto& m : *ms) {
    auto p = m.find("platform");
    offered.push_back(p != m.end() && p->is_object()
                          ? Platform{str(*p, "os"), str(*p, "architecture"), str(*p, "variant")}
                          : Platform{});
  }
  Platform host = host_platform();
  if (auto i = choose_platform(offered, host)) return descriptor((*ms)[*i], what, "a manifest of the index");
  std::string list;
  for (const auto& o : offered) {
    if (o.os.empty()) continue;
    list += (list.empty() ? "" : ", ") + o.os + "/" + o.architecture + (o.variant.empty() ? "" : "/" + o.variant);
  }
  return Error(Errc::NotFound, "image " + what + " has no manifest for linux/" + host.architecture +
                                   (host.variant.empty() ? "" : "/" + host.variant) + " (it has: " + list + ")");
}

// Reads a layer blob's uncompressed stream: gzip through igzip (as an image's import does), else
// through a raw libarchive reader that decompresses; the tar reader reads what either yields,
// hashed on the way for the diff_id.
struct Uncompressed {
  archive* raw;
  Gunzip* gz;
  EVP_MD_CTX* md;
  bool failed = false;
  std::string buf = std::string(gz ? 1 << 17 : 0, '\0');
};
la_ssize_t uncompressed_read(archive* tar, void* data, const void** buf) {
  auto* u = static_cast<Uncompressed*>(data);
  size_t size = 0;
  if (u->gz) {
    ptrdiff_t n = u->gz->read(reinterpret_cast<unsigned char*>(u->buf.data()), u->buf.size());
    if (n < 0) {
      u->failed = true;
      if (tar) archive_set_error(tar, EINVAL, "%s", u->gz->error().c_str());
      return -1;
    }
    *buf = u->buf.data();
    size = static_cast<size_t>(n);
  } else {
    la_int64_t offset = 0;
    int rc = archive_read_data_block(u->raw, buf, &size, &offset);
    if (rc == ARCHIVE_EOF) return 0;
    if (rc != ARCHIVE_OK) {
      u->failed = true;
      return -1;
    }
  }
  EVP_DigestUpdate(u->md, *buf, size);
  return static_cast<la_ssize_t>(size);
}

using Archive = Handle<archive, &archive_read_free>;

// igzip for a gzip layer, when libisal loads; null (and `fd` where it was) otherwise. Layer
// blobs are files: the head is peeked with pread.
Result<std::unique_ptr<Gunzip>> open_gzip_layer(int fd, const std::string& what, const std::string& layer) {
  off_t at = ::lseek(fd, 0, SEEK_CUR);
  std::string head(512, '\0');
  ssize_t n = at < 0 ? -1 : ::pread(fd, head.data(), head.size(), at);
  if (n < 0) return std::unique_ptr<Gunzip>();
  head.resize(static_cast<size_t>(n));
  if (!is_gzip(head)) return bad(what, layer + " is not gzip-compressed, as its media type says");
  if (::lseek(fd, at + n, SEEK_SET) < 0) return sys_error("image " + what + ": reading " + layer);
  auto gz = Gunzip::open(fd, head);
  if (gz) return std::move(*gz);
  if (::lseek(fd, at, SEEK_SET) < 0) return sys_error("image " + what + ": reading " + layer);
  return std::unique_ptr<Gunzip>();
}

Status apply_layer_blob(int fd, const std::string& filter, const Digest& diff_id, int root_fd, const std::string& what,
                        const std::string& layer, const ExtractLimits& limits, ExtractStats* stats) {
  std::unique_ptr<Gunzip> gz;
  if (filter == "gzip") {
    auto g = open_gzip_layer(fd, what, layer);
    RKT_TRY(g);
    gz = std::move(*g);
  }
  Archive raw;
  if (!gz) {
    raw.reset(archive_read_new());
    if (!raw) return bad(what, "out of memory");
    if (filter == "gzip") archive_read_support_filter_gzip(raw.get());
    if (filter == "zstd") archive_read_support_filter_zstd(raw.get());
    archive_read_support_format_raw(raw.get());
    archive_entry* e = nullptr;
    if (archive_read_open_fd(raw.get(), fd, 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(raw.get(), &e) != ARCHIVE_OK) {
      const char* m = archive_error_string(raw.get());
      return bad(what, layer + ": " + (m ? m : "cannot be read"));
    }
    if (filter != "none" && archive_filter_count(raw.get()) < 2) {
      return bad(what, layer + " is not " + filter + "-compressed, as its media type says");
    }
  }
  MdCtx md(EVP_MD_CTX_new());
  if (!md || EVP_DigestInit_ex(md.get(), md_of(diff_id.algorithm), nullptr) != 1) return bad(what, "hashing failed");
  Uncompressed u{raw.get(), gz.get(), md.get()};
  Archive tar(archive_read_new());
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_gnutar(tar.get());
  if (archive_read_open(tar.get(), &u, nullptr, uncompressed_read, nullptr) != ARCHIVE_OK) {
    return bad(what, layer + ": " + (u.failed && gz ? gz->error() : "not a tar archive"));
  }
  RKT_TRY_WRAP(apply_layer(tar.get(), root_fd, what, limits, stats), layer);
  // What follows the end-of-archive marker counts for the diff_id too.
  const void* buf;
  while (uncompressed_read(nullptr, &u, &buf) > 0) {
  }
  if (u.failed) return bad(what, layer + ": reading its stream failed" + (gz ? ": " + gz->error() : ""));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(md.get(), out, &len);
  if (hex(out, len) != diff_id.hex) {
    return Error(Errc::BadSignature, "image " + what + ": " + layer + " does not match its diff_id " + diff_id.str() +
                                         " (its content is " + diff_id.algorithm + ":" + hex(out, len) + ")");
  }
  return ok();
}

bool executable_in(int root_fd, const std::string& path) {
  auto fd = open_in_root(root_fd, path, O_PATH | O_CLOEXEC);
  if (!fd) return false;
  struct stat st {};
  return ::fstat(fd->get(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

// The image's /etc/passwd entry of `user` (a name or a uid): its uid and primary gid.
bool passwd_entry(int root_fd, const std::string& user, std::string* uid, std::string* gid) {
  auto fd = open_in_root(root_fd, "/etc/passwd", O_RDONLY | O_CLOEXEC);
  if (!fd) return false;
  auto text = read_fd(fd->get(), 16 << 20, "/etc/passwd");
  if (!text) return false;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() < 4) continue;
    if (f[0] == user || f[2] == user) {
      *uid = f[2];
      *gid = f[3];
      return true;
    }
  }
  return false;
}

// Creates `path` in the tree when missing, as Docker creates a WorkingDir; a component that is
// a symlink ends it (the runtime then resolves it inside the app's root).
Status make_dir_in_root(int root_fd, const std::string& path, const std::string& what) {
  UniqueFd cur(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  for (const auto& c : split(path, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") return bad(what, "its working directory " + quote(path) + " has \"..\"");
    int fd = ::openat(cur.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), c.c_str(), 0755) != 0) return sys_error("image " + what + ": creating " + quote(path));
      fd = ::openat(cur.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) return ok();
    cur.reset(fd);
  }
  return ok();
}

bool numeric(const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit); }

// Where the trees of layers applied are kept (Store::layer_trees()), and those an image used.
struct LayerTrees {
  std::string dir;
  std::vector<std::string> used;  ///< "tree:<chain ID hex>"
};

// One layer, ready to apply: its verified private copy and its compression.
struct LayerInput {
  TempFile copy;
  UniqueFd fd;
  std::string filter;
};
// Gives layer `index`; without `content` it only notes that the layer is used (its content comes
// from a kept tree) and returns nothing to apply.
using NextLayer = std::function<Result<LayerInput>(size_t index, const std::string& label, bool content)>;

Result<spec::ImageManifest> convert_config_checked(const ConvertInput& in, const std::string& what);

// The chain IDs of the OCI image spec: the first layer's is its diff_id, each next one the
// SHA-256 of "<the chain ID below> <diff_id>".
std::vector<Digest> chain_ids(const std::vector<Digest>& diff_ids) {
  std::vector<Digest> out;
  for (const auto& d : diff_ids) {
    if (out.empty()) {
      out.push_back(d);
      continue;
    }
    std::string text = out.back().str() + " " + d.str();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
    out.push_back({"sha256", hex(md, len)});
  }
  return out;
}

// Gives the directory open at `fd` the owner and mode of `like`'s.
void same_owner_and_mode(int fd, const struct stat& like) {
  (void)::fchown(fd, like.st_uid, like.st_gid);
  (void)::fchmod(fd, like.st_mode & 07777);
}

// Keeps the tree at `root_fd` as <trees.dir>/<hex>, made of hard links. A tree that is already kept,
// or that cannot be made, is left: it only saves work.
void keep_tree(int root_fd, const LayerTrees& trees, const std::string& tmp_dir, const std::string& hex_id) {
  std::string final_path = trees.dir + "/" + hex_id;
  if (::access(final_path.c_str(), F_OK) == 0) return;
  Staging copy(tmp_dir);
  struct stat st {};
  if (::mkdir(copy.path().c_str(), 0700) != 0 || ::fstat(root_fd, &st) != 0) return;
  UniqueFd dst(::open(copy.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dst.valid() || !link_tree(root_fd, dst.get(), "the layer tree")) return;
  same_owner_and_mode(dst.get(), st);
  // Its files' data first: a kept tree is trusted as it is, so after a power cut it is whole or absent.
  if (!sync_filesystem(copy.path())) return;
  (void)::rename(copy.path().c_str(), final_path.c_str());  // a concurrent fetch may have kept it first
}

// Applies the layers in order into a private tree and builds the squashed ACI. With `trees`, the
// longest chain of the first layers that is kept as a tree is linked in rather than applied, and
// the trees of all the layers and of all but the top one are kept for the next image.
Result<TempFile> squash(const std::vector<Digest>& diff_ids, const NextLayer& next, ConvertInput in,
                        const std::string& tmp_dir, const std::string& what, const ExtractLimits& limits,
                        LayerTrees* trees) {
  Staging staging(tmp_dir);
  std::string root_path = staging.path() + "/rootfs";
  RKT_TRY(make_dirs(root_path, 0755));
  UniqueFd root(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return sys_error("opening the staging tree");
  size_t count = diff_ids.size(), start = 0;
  std::vector<Digest> chains = chain_ids(diff_ids);
  bool keep = trees && !trees->dir.empty();
  // A kept tree counts against the limits as the layers it was made from did.
  ExtractStats stats;
  for (size_t k = count; keep && k > 0; --k) {
    UniqueFd kept(
        ::open((trees->dir + "/" + chains[k - 1].hex).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!kept.valid() || ::fstat(kept.get(), &st) != 0) continue;
    stats = ExtractStats{};
    if (link_tree(kept.get(), root.get(), "the layer tree", &stats.bytes, &stats.entries)) {
      same_owner_and_mode(root.get(), st);
      start = k;
      trees->used.push_back("tree:" + chains[k - 1].hex);
      break;
    }
    // Removed under us (image gc) or damaged: start again from nothing, and make it again.
    (void)remove_tree(trees->dir + "/" + chains[k - 1].hex);
    RKT_TRY(remove_tree(root_path));
    RKT_TRY(make_dirs(root_path, 0755));
    root.reset(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) return sys_error("opening the staging tree");
  }
  if (start == 0) stats = ExtractStats{};
  for (size_t i = 0; i < count; ++i) {
    std::string layer = "layer " + std::to_string(i + 1) + " of " + std::to_string(count);
    auto l = next(i, layer, i >= start);
    RKT_TRY(l);
    if (i < start) continue;
    if (keep && i + 1 == count && i > start) {
      keep_tree(root.get(), *trees, tmp_dir, chains[i - 1].hex);
      trees->used.push_back("tree:" + chains[i - 1].hex);
    }
    RKT_TRY(apply_layer_blob(l->fd.get(), l->filter, diff_ids[i], root.get(), what, layer, limits, &stats));
  }
  if (keep && start < count) {
    keep_tree(root.get(), *trees, tmp_dir, chains[count - 1].hex);
    trees->used.push_back("tree:" + chains[count - 1].hex);
  }
  if (in.name.empty() || !spec::check_ac_identifier(in.name).empty()) in.name = "oci/image";
  in.rootfs_fd = root.get();
  auto m = convert_config_checked(in, what);
  RKT_TRY(m);
  std::string mj = spec::to_json(*m, spec::Pretty::Yes);
  RKT_TRY(write_file_atomic(staging.path() + "/manifest", mj + "\n", 0644, Overwrite::No, Durability::NoSync));
  std::string out = tmp_dir + "/oci-" + random_suffix() + ".aci";
  TempFile result(out);
  aci::WriteOptions wo;
  wo.compression = aci::Compression::None;
  RKT_TRY_WRAP(aci::build(staging.path(), out, wo), "image " + what);
  return result;
}

// The diff_ids of a config's rootfs, one per layer of `layer_count`.
Result<std::vector<Digest>> diff_ids_of(const Json& rootfs, size_t layer_count, const std::string& what) {
  std::vector<Digest> out;
  const Json& ids = rootfs["diff_ids"];
  for (size_t i = 0; i < layer_count; ++i) {
    auto d = parse_digest(ids[i].is_string() ? ids[i].get<std::string>() : "", what);
    RKT_TRY_WRAP(d, "layer " + std::to_string(i + 1) + " of " + std::to_string(layer_count) + "'s diff_id");
    out.push_back(*d);
  }
  return out;
}

}  // namespace

Result<Reference> parse_reference(const std::string& arg) {
  if (arg.rfind("oci:", 0) != 0) return Error(Errc::Usage, quote(arg) + " is not an oci: reference");
  std::string rest = arg.substr(4);
  Reference r{rest, ""};
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    r.layout = rest.substr(0, colon);
    r.ref = rest.substr(colon + 1);
  }
  if (r.layout.empty()) return Error(Errc::Usage, quote(arg) + ": oci: needs a layout directory (oci:DIR[:REF])");
  return r;
}

std::string host_architecture() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.rfind("armv", 0) == 0) return "arm";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

Platform host_platform() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine, arch = host_architecture(), variant;
  if (arch == "arm64") variant = "v8";
  if (arch == "arm" && m.size() > 4 && m[4] >= '5' && m[4] <= '8') variant = std::string("v") + m[4];
  return {"linux", arch, variant};
}

std::optional<size_t> choose_platform(const std::vector<Platform>& offered, const Platform& host) {
  // arm64's only variant is v8, so an entry without one is the same.
  auto variant = [&](const Platform& p) { return p.architecture == "arm64" && p.variant.empty() ? "v8" : p.variant; };
  std::optional<size_t> best;
  int best_score = -1;
  for (size_t i = 0; i < offered.size(); ++i) {
    const Platform& p = offered[i];
    if (p.os != host.os || p.architecture != host.architecture) continue;
    std::string v = variant(p), want = variant(host);
    int score = -1;
    if (v == want) {
      score = 100;
    } else if (p.variant.empty()) {
      score = 99;
    } else if (host.architecture == "arm") {
      // armv7 runs armv6 and armv5 code: the highest lower variant.
      if (v.size() == 2 && want.size() == 2 && v[0] == 'v' && v[1] < want[1]) score = v[1] - '0';
    } else if (host.architecture != "arm64") {
      score = 0;
    }
    if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

std::string appc_arch(const std::string& architecture, const std::string& variant) {
  if (architecture == "arm64") return "aarch64";
  if (architecture == "arm") return variant == "v7" ? "armv7l" : "armv6l";
  if (architecture == "386") return "i386";
  return architecture;
}

std::string sanitize_identifier(const std::string& s) {
  std::string out;
  for (char c : s) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool okc =
        (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '.' || l == '_' || l == '~' || l == '/';
    out += okc ? l : '_';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string sanitize_name(const std::string& s) {
  std::string out;
  for (char c : s) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool okc = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (okc) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Result<spec::ImageManifest> convert_config(const ConvertInput& in, const std::string& what) {
  Json cfg = Json::parse(in.config_json, nullptr, false);
  if (!cfg.is_object()) return bad(what, "its config is not a JSON object");
  if (str(cfg, "os") != "linux") return bad(what, "its config is for os " + quote(str(cfg, "os")) + ", not linux");
  spec::ImageManifest m;
  m.ac_version = std::string(spec::kAppcVersion);
  m.name = in.name;
  if (!in.version.empty()) m.labels.push_back({"version", in.version});
  m.labels.push_back({"os", "linux"});
  m.labels.push_back({"arch", appc_arch(str(cfg, "architecture"), str(cfg, "variant"))});
  Json c = cfg.contains("config") && cfg["config"].is_object() ? cfg["config"] : Json::object();
  auto strings = [&](const char* key) {
    std::vector<std::string> out;
    if (c.contains(key) && c[key].is_array()) {
      for (const auto& v : c[key]) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
    return out;
  };
  std::vector<std::string> entrypoint = strings("Entrypoint"), cmd = strings("Cmd");
  m.annotations.push_back({"appc.io/docker/originalname", in.original_name});
  m.annotations.push_back({"appc.io/docker/imageid", in.config_digest});
  m.annotations.push_back({"appc.io/docker/manifesthash", in.manifest_digest});
  m.annotations.push_back({"appc.io/docker/entrypoint", Json(entrypoint).dump()});
  m.annotations.push_back({"appc.io/docker/cmd", Json(cmd).dump()});
  m.annotations.insert(m.annotations.end(), in.annotations.begin(), in.annotations.end());
  std::vector<std::string> exec = entrypoint;
  exec.insert(exec.end(), cmd.begin(), cmd.end());
  if (exec.empty()) return m;  // nothing to run: an image without an app (rkt run --exec gives one)

  spec::App app;
  std::string path = kDefaultPath;
  for (const auto& kv : strings("Env")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) continue;  // as docker2aci since rkt#3701
    app.environment.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    if (kv.substr(0, eq) == "PATH") path = kv.substr(eq + 1);
  }
  app.working_directory = str(c, "WorkingDir");
  if (!app.working_directory.empty() && app.working_directory[0] != '/')
    app.working_directory = "/" + app.working_directory;
  if (!app.working_directory.empty()) RKT_TRY(make_dir_in_root(in.rootfs_fd, app.working_directory, what));
  // appc wants an absolute executable: resolve it in the image as a shell would.
  std::string prog = exec[0];
  if (prog.empty()) return bad(what, "its entrypoint is empty");
  if (prog[0] != '/') {
    std::string found;
    if (prog.find('/') != std::string::npos) {
      found = (app.working_directory.empty() ? "" : app.working_directory) + "/" + prog;
    } else {
      for (const auto& dir : split(path, ':')) {
        if (dir.empty() || dir[0] != '/') continue;
        if (executable_in(in.rootfs_fd, dir + "/" + prog)) {
          found = dir + "/" + prog;
          break;
        }
      }
    }
    if (found.empty())
      return bad(what, "its entrypoint " + quote(prog) + " is not found in the image's PATH " + quote(path));
    exec[0] = found;
  }
  app.exec = exec;
  // User: "u", "u:g", numeric or names; a user without a group gets its primary group from the
  // image's /etc/passwd (a name there that is missing is an error, as the OCI conversion says).
  std::string user = str(c, "User");
  if (user.empty()) {
    app.user = "0";
    app.group = "0";
  } else if (size_t colon = user.find(':'); colon != std::string::npos) {
    app.user = user.substr(0, colon);
    app.group = user.substr(colon + 1);
  } else {
    std::string uid, gid;
    if (passwd_entry(in.rootfs_fd, user, &uid, &gid)) {
      app.user = user;
      app.group = gid;
    } else if (numeric(user)) {
      app.user = user;
      app.group = "0";
    } else {
      return bad(what, "its user " + quote(user) + " is not in the image's /etc/passwd");
    }
  }
  if (c.contains("ExposedPorts") && c["ExposedPorts"].is_object()) {
    for (const auto& [key, unused] : c["ExposedPorts"].items()) {
      std::string port = key, proto = "tcp";
      if (size_t slash = key.find('/'); slash != std::string::npos) {
        port = key.substr(0, slash);
        proto = key.substr(slash + 1);
      }
      if (!numeric(port) || port.size() > 5 || std::stoul(port) == 0 || std::stoul(port) > 65535 ||
          (proto != "tcp" && proto != "udp")) {
        return bad(what, "its exposed port " + quote(key) + " is not PORT[/tcp|/udp]");
      }
      spec::Port p;
      p.name = port + "-" + proto;
      p.protocol = proto;
      p.port = static_cast<uint32_t>(std::stoul(port));
      app.ports.push_back(p);
    }
    std::sort(app.ports.begin(), app.ports.end(),
              [](const spec::Port& a, const spec::Port& b) { return a.name < b.name; });
  }
  if (c.contains("Volumes") && c["Volumes"].is_object()) {
    std::vector<std::string> paths;
    for (const auto& [p, unused] : c["Volumes"].items()) paths.push_back(p);
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      if (p.empty() || p[0] != '/') return bad(what, "its volume " + quote(p) + " is not an absolute path");
      std::string name = sanitize_name("volume" + p);
      std::string unique = name;
      for (int n = 1; std::any_of(app.mount_points.begin(), app.mount_points.end(),
                                  [&](const spec::MountPoint& mp) { return mp.name == unique; });
           ++n)
        unique = name + "-" + std::to_string(n);
      app.mount_points.push_back({unique, p, false});
    }
  }
  if (c.contains("Labels") && c["Labels"].is_object()) {
    for (const auto& [k, v] : c["Labels"].items()) {
      if (v.is_string()) app.user_labels[k] = v.get<std::string>();
    }
  }
  m.app = std::move(app);
  return m;
}

namespace {
Result<TempFile> layout_image(const Reference& ref, const std::string& base, const std::string& original_name,
                              const std::string& tmp_dir, const std::string& what, const ExtractLimits& limits);
Result<TempFile> image_from(BlobSource& source, Descriptor top, ConvertInput in, const std::string& tmp_dir,
                            const std::string& what, const ExtractLimits& limits, LayerTrees* trees = nullptr);

// The converted manifest, validated as every manifest is.
Result<spec::ImageManifest> convert_config_checked(const ConvertInput& in, const std::string& what) {
  auto m = convert_config(in, what);
  RKT_TRY(m);
  auto valid = spec::parse_image_manifest(spec::to_json(*m), "the manifest made for image " + what);
  RKT_TRY(valid);
  return m;
}
}  // namespace

Result<TempFile> layout_to_aci(const Reference& ref, const std::string& original_name, const std::string& tmp_dir,
                               const std::string& what, const ExtractLimits& limits) {
  std::string base = ref.layout;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  base = base.substr(base.rfind('/') + 1);
  return layout_image(ref, base, original_name, tmp_dir, what, limits);
}

namespace {
Result<TempFile> layout_image(const Reference& ref, const std::string& base, const std::string& original_name,
                              const std::string& tmp_dir, const std::string& what, const ExtractLimits& limits) {
  auto layout = Layout::open(ref.layout, tmp_dir, what);
  RKT_TRY(layout);
  auto index_text = layout->small_file("index.json");
  RKT_TRY_WRAP(index_text, "image " + what);
  Json index = Json::parse(*index_text, nullptr, false);
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
    return bad(what, "index.json is not an image index");
  }
  // The image the reference names (or the only one).
  std::vector<const Json*> matches;
  std::vector<std::string> names;
  std::string version;
  for (const auto& m : index["manifests"]) {
    std::string name = m.is_object() && m.contains("annotations") && m["annotations"].is_object()
                           ? str(m["annotations"], kRefName)
                           : std::string();
    if (!name.empty()) names.push_back(name);
    if (ref.ref.empty() || name == ref.ref) {
      matches.push_back(&m);
      version = name;  // the version label: the reference given, or the only image's own
    }
  }
  if (matches.size() != 1) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    if (matches.empty())
      return Error(Errc::NotFound,
                   "image " + what + ": no image named " + quote(ref.ref) + " in the layout (it has: " + list + ")");
    return Error(Errc::Usage, "image " + what + " holds " + std::to_string(matches.size()) +
                                  " images: name one as oci:DIR:REF (" + list + ")");
  }
  auto desc = descriptor(*matches[0], what, "the index's manifest");
  RKT_TRY(desc);
  return image_from(*layout, std::move(*desc), {sanitize_identifier(base), version, "", original_name, "", "", -1},
                    tmp_dir, what, limits);
}

// The image a descriptor names (an index is resolved to this machine's platform), squashed.
// `in` brings the name, version and original name; the rest is filled in here.
Result<TempFile> image_from(BlobSource& source, Descriptor top, ConvertInput in, const std::string& tmp_dir,
                            const std::string& what, const ExtractLimits& limits, LayerTrees* trees) {
  auto desc = Result<Descriptor>(std::move(top));
  Json manifest;
  for (int depth = 0;; ++depth) {
    if (depth > kMaxIndexDepth) return bad(what, "indexes nest too deep");
    auto j = source.json_blob(*desc, what);
    RKT_TRY(j);
    std::string type = desc->media_type.empty() ? str(*j, "mediaType") : desc->media_type;
    if (is_index_type(type) || (type.empty() && j->contains("manifests"))) {
      auto chosen = choose_manifest(*j, what);
      RKT_TRY(chosen);
      desc = std::move(*chosen);
      continue;
    }
    if (!type.empty() && !is_manifest_type(type)) return bad(what, "unknown manifest media type " + quote(type));
    manifest = std::move(*j);
    break;
  }
  if (!manifest.contains("schemaVersion") || manifest["schemaVersion"] != 2)
    return bad(what, "its manifest is not schema version 2");
  auto config_desc = descriptor(manifest.value("config", Json()), what, "its config");
  RKT_TRY(config_desc);
  auto config = source.json_blob(*config_desc, what);
  RKT_TRY(config);
  Json rootfs = config->value("rootfs", Json());
  if (!rootfs.is_object() || str(rootfs, "type") != "layers" || !rootfs.contains("diff_ids") ||
      !rootfs["diff_ids"].is_array()) {
    return bad(what, "its config has no rootfs of type \"layers\"");
  }
  Json layers = manifest.value("layers", Json::array());
  if (!layers.is_array() || layers.size() != rootfs["diff_ids"].size()) {
    return bad(what, "its manifest has " + std::to_string(layers.size()) + " layers and its config " +
                         std::to_string(rootfs["diff_ids"].size()) + " diff_ids");
  }

  auto diff_ids = diff_ids_of(rootfs, layers.size(), what);
  RKT_TRY(diff_ids);
  auto next = [&](size_t i, const std::string& layer, bool content) -> Result<LayerInput> {
    auto ld = descriptor(layers[i], what, layer);
    RKT_TRY(ld);
    std::string filter = layer_filter(ld->media_type);
    if (filter.empty())
      return bad(what, layer + " has media type " + quote(ld->media_type) + ", which is not a layer this applies");
    LayerInput l;
    if (!content) {
      source.note_layer(*ld);
      return l;
    }
    auto copy = source.blob(*ld, limits.max_bytes, &l.fd);
    RKT_TRY(copy);
    l.copy = std::move(*copy);
    l.filter = filter;
    return l;
  };
  in.config_json = config->dump();
  in.manifest_digest = desc->digest.str();
  in.config_digest = config_desc->digest.str();
  return squash(*diff_ids, next, std::move(in), tmp_dir, what, limits, trees);
}
}  // namespace

Result<Reference> parse_archive_reference(const std::string& arg, const std::string& prefix) {
  if (arg.rfind(prefix, 0) != 0) return Error(Errc::Usage, quote(arg) + " is not a " + prefix + " reference");
  std::string rest = arg.substr(prefix.size());
  size_t colon = rest.find(':');
  Reference r{rest.substr(0, colon), colon == std::string::npos ? "" : rest.substr(colon + 1)};
  if (r.layout.empty())
    return Error(Errc::Usage, quote(arg) + ": " + prefix + " needs a file (" + prefix + "PATH[:REF])");
  return r;
}

namespace {

// Unpacks a transport archive (a tar of files, read once) into a private directory: regular
// files and directories only, under relative names; a symlink (docker save links repeated
// layers) is kept as a name-to-name alias inside the archive, never created.
class Unpacked {
 public:
  static Result<Unpacked> open(const std::string& path, const std::string& tmp, const std::string& what,
                               const ExtractLimits& limits) {
    Unpacked u;
    u.staging_ = std::make_unique<Staging>(tmp);
    RKT_TRY(make_dirs(u.staging_->path(), 0700));
    Archive a(archive_read_new());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return sys_error("opening image " + what);
    if (archive_read_open_fd(a.get(), fd.get(), 1 << 16) != ARCHIVE_OK) return bad(what, "not a tar archive");
    uint64_t total = 0, entries = 0;
    archive_entry* e;
    for (;;) {
      int rc = archive_read_next_header(a.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        const char* m = archive_error_string(a.get());
        return bad(what, std::string("reading: ") + (m ? m : "archive error"));
      }
      if (++entries > limits.max_entries) return bad(what, "too many entries");
      std::vector<std::string> parts;
      std::string why, raw = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
      if (!split_relative_path(raw, &parts, &why)) return bad(what, "entry " + quote(raw) + ": " + why);
      if (parts.empty()) continue;
      std::string name;
      for (const auto& p : parts) name += (name.empty() ? "" : "/") + p;
      mode_t type = archive_entry_filetype(e);
      if (type == AE_IFDIR) continue;
      if (type == AE_IFLNK) {
        std::string target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        std::string dir = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/') + 1);
        std::vector<std::string> tparts;
        if (target.empty() || target[0] == '/' || !u.lexical(dir + target, &tparts)) {
          return bad(what, "symlink " + quote(raw) + " points outside the archive");
        }
        std::string joined;
        for (const auto& p : tparts) joined += (joined.empty() ? "" : "/") + p;
        u.links_[name] = joined;
        continue;
      }
      if (type != AE_IFREG) return bad(what, "entry " + quote(raw) + " is not a regular file or directory");
      la_int64_t size = archive_entry_size(e);
      total += static_cast<uint64_t>(size < 0 ? 0 : size);
      if (size < 0 || total > limits.max_bytes)
        return bad(what, "larger than the limit of " + std::to_string(limits.max_bytes) + " bytes");
      std::string out = u.staging_->path() + "/" + name;
      RKT_TRY(make_dirs(out.substr(0, out.rfind('/')), 0700));
      UniqueFd f(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!f.valid()) {
        if (errno == EEXIST) return bad(what, "entry " + quote(raw) + " appears twice");
        return sys_error("image " + what + ": unpacking " + quote(raw));
      }
      const void* buf;
      size_t n;
      la_int64_t off;
      for (;;) {
        int r = archive_read_data_block(a.get(), &buf, &n, &off);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK) return bad(what, "reading " + quote(raw));
        if (::pwrite(f.get(), buf, n, off) != static_cast<ssize_t>(n))
          return sys_error("image " + what + ": unpacking " + quote(raw));
      }
      if (::ftruncate(f.get(), size) != 0) return sys_error("image " + what + ": unpacking " + quote(raw));
    }
    return u;
  }

  const std::string& dir() const { return staging_->path(); }

  // A file of the archive by its name (aliases followed), opened read-only.
  Result<UniqueFd> open_file(const std::string& name, const std::string& what) const {
    std::vector<std::string> parts;
    if (!lexical(name, &parts) || parts.empty()) return bad(what, quote(name) + " is not a name inside the archive");
    std::string n;
    for (const auto& p : parts) n += (n.empty() ? "" : "/") + p;
    for (int hops = 0; links_.count(n); ++hops) {
      if (hops > 8) return bad(what, quote(name) + ": too many symlinks");
      n = links_.at(n);
    }
    UniqueFd fd(::open((staging_->path() + "/" + n).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return Error(Errc::InvalidImage, "image " + what + ": the archive has no file " + quote(name));
    return fd;
  }

 private:
  // Resolves "." and ".." by name alone; false when it leaves the archive.
  static bool lexical(const std::string& path, std::vector<std::string>* out) {
    out->clear();
    for (const auto& c : split(path, '/')) {
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (out->empty()) return false;
        out->pop_back();
      } else {
        out->push_back(c);
      }
    }
    return true;
  }

  std::unique_ptr<Staging> staging_;
  std::map<std::string, std::string> links_;
};

// The compression of a file from its first bytes: gzip, zstd or none.
std::string sniff_filter(int fd) {
  unsigned char b[4] = {};
  ssize_t n = ::pread(fd, b, sizeof b, 0);
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return "gzip";
  if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) return "zstd";
  return "none";
}

}  // namespace

Result<TempFile> oci_archive_to_aci(const Reference& ref, const std::string& original_name, const std::string& tmp_dir,
                                    const std::string& what, const ExtractLimits& limits) {
  auto u = Unpacked::open(ref.layout, tmp_dir, what, limits);
  RKT_TRY(u);
  // The image is named after the archive (without its extensions), not the staging directory.
  std::string base = ref.layout.substr(ref.layout.rfind('/') + 1);
  if (size_t dot = base.find('.'); dot != std::string::npos && dot > 0) base.resize(dot);
  return layout_image({u->dir(), ref.ref}, base, original_name, tmp_dir, what, limits);
}

Result<TempFile> docker_archive_to_aci(const Reference& ref, const std::string& original_name,
                                       const std::string& tmp_dir, const std::string& what,
                                       const ExtractLimits& limits) {
  auto u = Unpacked::open(ref.layout, tmp_dir, what, limits);
  RKT_TRY(u);
  auto mfd = u->open_file("manifest.json", what);
  RKT_TRY_WRAP(mfd, "a docker save file has a manifest.json");
  auto mtext = read_fd(mfd->get(), kMaxJsonBlob, "manifest.json");
  RKT_TRY(mtext);
  Json list = Json::parse(*mtext, nullptr, false);
  if (!list.is_array()) return bad(what, "manifest.json is not a list of images");
  const Json* entry = nullptr;
  std::string tag;
  std::vector<std::string> tags;
  for (const auto& e : list) {
    if (!e.is_object()) continue;
    std::vector<std::string> repo_tags;
    if (e.contains("RepoTags") && e["RepoTags"].is_array()) {
      for (const auto& t : e["RepoTags"]) {
        if (t.is_string()) repo_tags.push_back(t.get<std::string>());
      }
    }
    tags.insert(tags.end(), repo_tags.begin(), repo_tags.end());
    if (ref.ref.empty()) {
      if (!entry) {
        entry = &e;
        if (!repo_tags.empty()) tag = repo_tags[0];
      } else {
        return Error(Errc::Usage, "image " + what + " holds several images: name one as docker-archive:PATH:NAME:TAG");
      }
      continue;
    }
    for (const auto& t : repo_tags) {
      if (t == ref.ref || t == ref.ref + ":latest") {
        entry = &e;
        tag = t;
      }
    }
  }
  if (!entry) {
    std::string all;
    for (const auto& t : tags) all += (all.empty() ? "" : ", ") + t;
    return Error(Errc::NotFound,
                 "image " + what + ": no image " + quote(ref.ref) + " in the archive (it has: " + all + ")");
  }
  std::string config_name = str(*entry, "Config");
  auto cfd = u->open_file(config_name, what);
  RKT_TRY(cfd);
  auto config_text = read_fd(cfd->get(), kMaxJsonBlob, "the config");
  RKT_TRY(config_text);
  auto config_digest = digest_of_fd(cfd->get(), "sha256", what);
  RKT_TRY(config_digest);
  // docker save names the config by its digest: the name must then be the content's.
  std::string stem = config_name.substr(config_name.rfind('/') + 1);
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".json") == 0) stem.resize(stem.size() - 5);
  if (stem.size() == 64 && std::all_of(stem.begin(), stem.end(), ::isxdigit) && stem != *config_digest) {
    return Error(Errc::BadSignature, "image " + what + ": config " + quote(config_name) + " does not match its name");
  }
  Json config = Json::parse(*config_text, nullptr, false);
  if (!config.is_object()) return bad(what, "its config is not a JSON object");
  Json rootfs = config.value("rootfs", Json());
  Json layers = entry->value("Layers", Json::array());
  if (!rootfs.is_object() || !rootfs.contains("diff_ids") || !rootfs["diff_ids"].is_array() || !layers.is_array() ||
      layers.size() != rootfs["diff_ids"].size()) {
    return bad(what, "its layers and its config's diff_ids do not match up");
  }
  auto diff_ids = diff_ids_of(rootfs, layers.size(), what);
  RKT_TRY(diff_ids);
  auto next = [&](size_t i, const std::string& layer, bool) -> Result<LayerInput> {
    if (!layers[i].is_string()) return bad(what, layer + " is not named");
    LayerInput in;
    auto fd = u->open_file(layers[i].get<std::string>(), what);
    RKT_TRY(fd);
    in.fd = std::move(*fd);
    in.filter = sniff_filter(in.fd.get());
    return in;
  };
  std::string name = tag.substr(
      0, tag.rfind(':') == std::string::npos || tag.rfind(':') < tag.rfind('/') ? tag.size() : tag.rfind(':'));
  std::string version = name.size() < tag.size() ? tag.substr(name.size() + 1) : "";
  if (name.empty()) {
    name = ref.layout.substr(ref.layout.rfind('/') + 1);
    if (size_t dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  }
  ConvertInput in{sanitize_identifier(name), version, config.dump(), original_name, "", "sha256:" + *config_digest, -1};
  return squash(*diff_ids, next, std::move(in), tmp_dir, what, limits, nullptr);
}

Result<DockerReference> parse_docker_reference(const std::string& arg) {
  std::string rest;
  if (arg.rfind("docker://", 0) == 0) {
    rest = arg.substr(9);
  } else if (arg.rfind("docker:", 0) == 0) {
    rest = arg.substr(7);
  } else {
    return Error(Errc::Usage, quote(arg) + " is not a docker: reference");
  }
  DockerReference r;
  if (size_t at = rest.find('@'); at != std::string::npos) {
    r.digest = rest.substr(at + 1);
    rest.resize(at);
    if (!parse_digest(r.digest, quote(arg))) return Error(Errc::Usage, quote(arg) + ": not a sha256 or sha512 digest");
  }
  size_t slash = rest.find('/');
  std::string first = rest.substr(0, slash);
  if (slash != std::string::npos &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost")) {
    r.host = first;
    rest = rest.substr(slash + 1);
  } else {
    r.host = "registry-1.docker.io";
  }
  if (r.host == "docker.io" || r.host == "index.docker.io") r.host = "registry-1.docker.io";
  size_t colon = rest.rfind(':'), last_slash = rest.rfind('/');
  if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
    r.tag = rest.substr(colon + 1);
    rest.resize(colon);
  }
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  if (r.host == "registry-1.docker.io" && rest.find('/') == std::string::npos) rest = "library/" + rest;
  r.repository = rest;
  auto okc = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
  };
  if (r.repository.empty() || !std::all_of(r.repository.begin(), r.repository.end(), okc) ||
      r.repository.find("..") != std::string::npos) {
    return Error(Errc::Usage, quote(arg) + ": " + quote(r.repository) + " is not a repository name");
  }
  auto tagc = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; };
  if (!std::all_of(r.tag.begin(), r.tag.end(), tagc) || r.tag.size() > 128) {
    return Error(Errc::Usage, quote(arg) + ": " + quote(r.tag) + " is not a tag");
  }
  return r;
}

namespace {

// key="value" pairs of a WWW-Authenticate challenge.
std::map<std::string, std::string> challenge_params(const std::string& header) {
  std::map<std::string, std::string> out;
  size_t i = header.find(' ');
  while (i != std::string::npos && i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = header.substr(i, eq - i);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value;
    size_t j = eq + 1;
    if (j < header.size() && header[j] == '"') {
      size_t end = header.find('"', j + 1);
      value = header.substr(j + 1, end == std::string::npos ? std::string::npos : end - j - 1);
      i = end == std::string::npos ? end : end + 1;
    } else {
      size_t end = header.find(',', j);
      value = header.substr(j, end == std::string::npos ? std::string::npos : end - j);
      i = end;
    }
    out[key] = value;
  }
  return out;
}

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

const char* kManifestAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

class Registry : public BlobSource {
 public:
  Registry(DockerReference ref, RegistryOptions options, std::string tmp, std::string what)
      : ref_(std::move(ref)), opts_(std::move(options)), tmp_(std::move(tmp)), what_(std::move(what)) {}

  // GET of `path` (below /v2/<repository>/) into a new file of the staging directory: the
  // response, with a bearer token fetched when the registry challenges for one.
  Result<HttpResponse> get(const std::string& path, bool manifest, const TempFile& dest) {
    for (int attempt = 0;; ++attempt) {
      HttpRequest req;
      req.url = base_ + "/v2/" + ref_.repository + "/" + path;
      req.allow_http = opts_.allow_http;
      req.insecure_tls = opts_.insecure_tls;
      req.headers = token_.empty() ? opts_.headers : std::vector<std::string>{"Authorization: Bearer " + token_};
      if (manifest) req.headers.push_back(kManifestAccept);
      auto r = http_get_file(req, dest.path());
      RKT_TRY_WRAP(r, "image " + what_);
      if (r->status == 401 && attempt == 0 && r->www_authenticate.rfind("Bearer", 0) == 0) {
        RKT_TRY(fetch_token(r->www_authenticate));
        continue;
      }
      if (r->status == 401) {
        return Error(Errc::BadSignature, "image " + what_ + ": registry " + ref_.host +
                                             " refused access (HTTP 401); its credentials go in an auth.d file of "
                                             "rktKind \"dockerAuth\" listing it in \"registries\"");
      }
      if (r->status != 200) {
        return Error(r->status == 404 ? Errc::NotFound : Errc::Generic,
                     "image " + what_ + ": " + req.url + " answered HTTP " + std::to_string(r->status));
      }
      return r;
    }
  }

  Status connect() {
    // https unless it is not answered and plain http is allowed (as docker2aci).
    base_ = "https://" + ref_.host;
    HttpRequest probe;
    probe.url = base_ + "/v2/";
    probe.insecure_tls = opts_.insecure_tls;
    auto r = http_get_text(probe, 1 << 16);
    if (!r && r.error().code() != Errc::NotFound) {
      if (!opts_.allow_http) {
        return Error(Errc::Generic, "image " + what_ + ": registry " + ref_.host + " does not answer https (" +
                                        r.error().message() + "); a plain-http registry needs --insecure-options=http");
      }
      base_ = "http://" + ref_.host;
    }
    return ok();
  }

  Result<TempFile> blob(const Descriptor& d, uint64_t max_bytes, UniqueFd* out_fd) override {
    if (d.size > max_bytes)
      return bad(what_, "blob " + d.digest.str() + " is larger than " + std::to_string(max_bytes) + " bytes");
    bool manifest = is_manifest_type(d.media_type) || is_index_type(d.media_type);
    bool layer = !layer_filter(d.media_type).empty() && !opts_.layer_cache.empty();
    if (layer) {
      layers_.push_back(d.digest.str());
      if (cached_layer(d, out_fd)) return TempFile();
    }
    TempFile dest(tmp_file());
    auto r = get((manifest ? "manifests/" : "blobs/") + d.digest.str(), manifest, dest);
    RKT_TRY(r);
    RKT_TRY(verify_copy(dest, d, what_, out_fd));
    if (layer) keep_layer(dest, d);
    return dest;
  }
  void note_layer(const Descriptor& d) override {
    if (!opts_.layer_cache.empty()) layers_.push_back(d.digest.str());
  }

  const std::vector<std::string>& layers() const { return layers_; }

  // The manifest the tag (or digest) names, as a descriptor of what was received.
  Result<Descriptor> top() {
    TempFile dest(tmp_file());
    auto r = get("manifests/" + (ref_.digest.empty() ? ref_.tag : ref_.digest), true, dest);
    RKT_TRY(r);
    UniqueFd fd(::open(dest.path().c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return sys_error("image " + what_ + ": reading its manifest");
    if (static_cast<uint64_t>(st.st_size) > kMaxJsonBlob) return bad(what_, "its manifest is too large");
    Descriptor d;
    std::string type = r->content_type.substr(0, r->content_type.find(';'));
    d.media_type = type;
    d.size = static_cast<uint64_t>(st.st_size);
    std::string alg = ref_.digest.empty() ? "sha256" : ref_.digest.substr(0, ref_.digest.find(':'));
    auto got = digest_of_fd(fd.get(), alg, what_);
    RKT_TRY(got);
    if (!ref_.digest.empty() && alg + ":" + *got != ref_.digest) {
      return Error(Errc::BadSignature, "image " + what_ + ": the manifest does not match the digest asked for (it is " +
                                           alg + ":" + *got + ")");
    }
    d.digest = {alg, *got};
    if (!is_manifest_type(type) && !is_index_type(type)) {
      return bad(what_, "the registry sent a manifest of type " + quote(type) + ", which this does not read");
    }
    fetched_ = std::move(dest);
    return d;
  }

  // The manifest just received is served from its copy (no second download).
  Result<TempFile> cached(const Descriptor& d, UniqueFd* out_fd) {
    RKT_TRY(verify_copy(fetched_, d, what_, out_fd));
    return std::move(fetched_);
  }

 private:
  // A layer blob of the cache, if it is there and still its descriptor's size and digest (one
  // that is not is removed, and downloaded again).
  bool cached_layer(const Descriptor& d, UniqueFd* out_fd) {
    std::string path = opts_.layer_cache + "/" + d.digest.algorithm + "/" + d.digest.hex;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    auto got = digest_of_fd(fd.get(), d.digest.algorithm, what_);
    if (static_cast<uint64_t>(st.st_size) != d.size || !got || *got != d.digest.hex) {
      ::unlink(path.c_str());
      return false;
    }
    *out_fd = std::move(fd);
    return true;
  }

  // Links a verified download into the cache for the next image that has this layer (the copy in
  // use is the download either way; a layer not kept is downloaded again next time).
  void keep_layer(const TempFile& copy, const Descriptor& d) {
    std::string dir = opts_.layer_cache + "/" + d.digest.algorithm, path = dir + "/" + d.digest.hex;
    if (::link(copy.path().c_str(), path.c_str()) == 0 || errno != ENOENT) return;
    if (make_dirs(dir, 0750)) (void)::link(copy.path().c_str(), path.c_str());
  }

  std::string tmp_file() { return tmp_ + "/registry-" + random_suffix(); }

  Status fetch_token(const std::string& challenge) {
    auto p = challenge_params(challenge);
    if (p["realm"].empty()) return bad(what_, "the registry's challenge names no token realm");
    std::string url = p["realm"] + (p["realm"].find('?') == std::string::npos ? "?" : "&");
    if (!p["service"].empty()) url += "service=" + url_escape(p["service"]) + "&";
    url += "scope=" + url_escape(p["scope"].empty() ? "repository:" + ref_.repository + ":pull" : p["scope"]);
    HttpRequest req;
    req.url = url;
    req.allow_http = opts_.allow_http;
    req.insecure_tls = opts_.insecure_tls;
    req.headers = opts_.headers;  // basic credentials, if any, are for the token service
    auto body = http_get_text(req, 1 << 20);
    RKT_TRY_WRAP(body, "image " + what_ + ": getting a token from " + quote(p["realm"]));
    Json j = Json::parse(*body, nullptr, false);
    token_ = j.is_object() ? (str(j, "token").empty() ? str(j, "access_token") : str(j, "token")) : "";
    if (token_.empty()) return bad(what_, "the token service " + quote(p["realm"]) + " gave no token");
    return ok();
  }

  DockerReference ref_;
  RegistryOptions opts_;
  std::string tmp_, what_, base_, token_;
  TempFile fetched_;
  std::vector<std::string> layers_;
};

// Serves the first (top) manifest from the copy already downloaded.
class FirstFromCache : public BlobSource {
 public:
  FirstFromCache(Registry& r, Descriptor top) : r_(r), top_(std::move(top)) {}
  Result<TempFile> blob(const Descriptor& d, uint64_t max_bytes, UniqueFd* out_fd) override {
    if (!used_ && d.digest.str() == top_.digest.str()) {
      used_ = true;
      return r_.cached(d, out_fd);
    }
    return r_.blob(d, max_bytes, out_fd);
  }
  void note_layer(const Descriptor& d) override { r_.note_layer(d); }

 private:
  Registry& r_;
  Descriptor top_;
  bool used_ = false;
};

}  // namespace

Result<TempFile> registry_to_aci(const DockerReference& ref, const std::string& original_name,
                                 const RegistryOptions& options, const std::string& tmp_dir, const std::string& what,
                                 const ExtractLimits& limits, const std::string& known_digest, RegistryResult* result) {
  Registry registry(ref, options, tmp_dir, what);
  RKT_TRY(registry.connect());
  auto top = registry.top();
  RKT_TRY(top);
  result->manifest_digest = top->digest.str();
  if (!known_digest.empty() && known_digest == result->manifest_digest) {
    result->unchanged = true;
    return TempFile();
  }
  FirstFromCache source(registry, *top);
  // docker2aci's names: the host and repository, as an AC Identifier ("127.0.0.1:5000" has '_').
  ConvertInput in{sanitize_identifier(ref.host + "/" + ref.repository), ref.tag, "", original_name, "", "", -1};
  in.annotations = {{"appc.io/docker/registryurl", ref.host}, {"appc.io/docker/repository", ref.repository}};
  LayerTrees trees{options.layer_trees, {}};
  auto aci = image_from(source, *top, in, tmp_dir, what, limits, &trees);
  RKT_TRY(aci);
  result->layers = registry.layers();
  result->layers.insert(result->layers.end(), trees.used.begin(), trees.used.end());
  return aci;
}

}  // namespace rkt::stage0::oci
