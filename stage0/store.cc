#include "stage0/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/crash_point.h"
#include "common/duration.h"
#include "common/fs.h"
#include "common/handle.h"
#include "common/libarchive.h"
#include "common/libcrypto.h"
#include "common/unique_fd.h"
#include "spec/manifest.h"
#include "spec/names.h"
#include "stage0/gunzip.h"

namespace rkt::stage0 {
namespace {

using ReadArchive = Handle<archive, &archive_read_free>;
using MdCtx = Handle<EVP_MD_CTX, &EVP_MD_CTX_free>;

std::string hex(const unsigned char* d, size_t n) { return to_hex(d, n); }

std::string digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return hex(out, n);
}

// libarchive's message for its last error, which it may not have set.
std::string archive_message(archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unreadable archive";
}

bool is_key(const std::string& s) {
  if (s.size() != 7 + 64 || s.rfind("sha512-", 0) != 0) return false;
  return std::all_of(s.begin() + 7, s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A staging directory under cas/tmp, removed unless committed by renaming it away.
// The directory name of an image name in name/. A name is an AC identifier ([a-z0-9] and
// "-._~/"): only '/' needs escaping. Longer names share a directory: each record names its image.
std::string escaped_name(const std::string& name) {
  std::string escaped;
  for (char c : name) escaped += c == '/' ? std::string("%2f") : std::string(1, c);
  if (escaped.size() > 200) escaped.resize(200);
  return escaped;
}

std::string name_record(const spec::ImageManifest& m) {
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& l : m.labels) labels.push_back({{"name", l.name}, {"value", l.value}});
  return nlohmann::json({{"name", m.name}, {"labels", labels}}).dump() + "\n";
}

class Staging {
 public:
  explicit Staging(const std::string& tmp) : path_(tmp + "/stage-" + random_suffix()) {}
  ~Staging() {
    if (!path_.empty()) (void)remove_tree(path_);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  Status create() {
    if (::mkdir(path_.c_str(), 0700) != 0) return sys_error("creating " + quote(path_));
    if (::mkdir((path_ + "/rootfs").c_str(), 0755) != 0) return sys_error("creating " + quote(path_ + "/rootfs"));
    return ok();
  }
  const std::string& path() const { return path_; }
  /// Renames the staging directory to `dest`; false (and still owned) when dest exists. Its files
  /// are flushed first: a tree that has its name after a power cut is complete.
  Result<bool> commit(const std::string& dest) {
    RKT_TRY(sync_filesystem(path_));
    if (::rename(path_.c_str(), dest.c_str()) == 0) {
      path_.clear();
      return true;
    }
    if (errno == EEXIST || errno == ENOTEMPTY) return false;
    return sys_error("renaming " + quote(path_) + " to " + quote(dest));
  }

 private:
  std::string path_;
};

// Feeds a tar reader from a raw (decompressing) reader, hashing and copying every byte to the
// blob as it passes: the single pass of an import. Hashing and writing the blob run on a thread
// of their own, overlapping decompression and extraction: the decompressed bytes go through a
// ring of a few buffers (memory stays flat), each reused once the thread is done with it and the
// tar reader has moved past it.
class Tee {
 public:
  Tee(archive* raw, Gunzip* gz, EVP_MD_CTX* md, int blob_fd) : raw_(raw), gz_(gz), md_(md), blob_fd_(blob_fd) {
    worker_ = std::thread([this] { work(); });
  }
  ~Tee() { finish(); }
  Tee(const Tee&) = delete;
  Tee& operator=(const Tee&) = delete;

  /// Waits until every byte read is hashed and written; then error() is final.
  void finish() {
    {
      std::lock_guard<std::mutex> l(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    if (error.empty()) error = worker_error_;
  }

  la_ssize_t pull(const void** out) {
    size_t slot = 0;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return submitted_ - processed_ < kBuffers || !worker_error_.empty(); });
      if (!worker_error_.empty()) {
        error = worker_error_;
        return -1;
      }
      slot = submitted_ % kBuffers;
    }
    std::string& buf = bufs_[slot];
    la_ssize_t n = gz_ ? gz_->read(reinterpret_cast<unsigned char*>(buf.data()), buf.size())
                       : archive_read_data(raw_, buf.data(), buf.size());
    if (n < 0) {
      const char* m = gz_ ? gz_->error().c_str() : archive_error_string(raw_);
      error = m ? m : "decompression failed";
      return -1;
    }
    if (n > 0) {
      {
        std::lock_guard<std::mutex> l(mu_);
        lens_[slot] = static_cast<size_t>(n);
        ++submitted_;
      }
      cv_.notify_all();
      total += static_cast<uint64_t>(n);
    }
    *out = buf.data();
    return n;
  }

  static la_ssize_t read_cb(archive* a, void* self, const void** out) {
    auto* t = static_cast<Tee*>(self);
    la_ssize_t n = t->pull(out);
    if (n < 0) archive_set_error(a, EIO, "%s", t->error.c_str());
    return n;
  }

  uint64_t total = 0;
  std::string error;

 private:
  static constexpr size_t kBuffers = 4;

  void work() {
    for (;;) {
      size_t slot = 0, len = 0;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return processed_ < submitted_ || closing_; });
        if (processed_ == submitted_) return;  // closing, and every buffer is done
        slot = processed_ % kBuffers;
        len = lens_[slot];
      }
      EVP_DigestUpdate(md_, bufs_[slot].data(), len);
      std::string failed;
      for (size_t off = 0; off < len && failed.empty();) {
        ssize_t w = ::write(blob_fd_, bufs_[slot].data() + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          failed = std::string("writing the blob: ") + std::strerror(errno);
        } else {
          off += static_cast<size_t>(w);
        }
      }
      // The blob's writeback starts as it is written, so that the sync at commit finds most of
      // it on disk already (SYNC_FILE_RANGE_WRITE only starts it: nothing waits here).
      written_ += len;
      if (written_ - kicked_ >= (8u << 20)) {
        ::sync_file_range(blob_fd_, static_cast<off_t>(kicked_), static_cast<off_t>(written_ - kicked_),
                          SYNC_FILE_RANGE_WRITE);
        kicked_ = written_;
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        if (!failed.empty() && worker_error_.empty()) worker_error_ = failed;
        ++processed_;
      }
      cv_.notify_all();
    }
  }

  archive* raw_;  ///< libarchive's decompressing reader, or
  Gunzip* gz_;    ///< igzip's, for gzip
  EVP_MD_CTX* md_;
  int blob_fd_;
  std::vector<std::string> bufs_ = std::vector<std::string>(kBuffers, std::string(1 << 18, '\0'));
  std::vector<size_t> lens_ = std::vector<size_t>(kBuffers);
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t submitted_ = 0, processed_ = 0;
  uint64_t written_ = 0, kicked_ = 0;  ///< of the blob: bytes written, and those whose writeback started
  bool closing_ = false;
  std::string worker_error_;
  std::thread worker_;
};

// An fd whose first bytes were read already (to tell gzip from the rest), read for libarchive:
// those bytes first, then the rest of the fd.
struct Prefixed {
  int fd = -1;
  std::string head;
  bool head_given = false;
  std::string buf = std::string(1 << 16, '\0');

  static la_ssize_t read_cb(archive* a, void* self, const void** out) {
    auto* p = static_cast<Prefixed*>(self);
    if (!p->head_given) {
      p->head_given = true;
      if (!p->head.empty()) {
        *out = p->head.data();
        return static_cast<la_ssize_t>(p->head.size());
      }
    }
    ssize_t n;
    do {
      n = ::read(p->fd, p->buf.data(), p->buf.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) archive_set_error(a, errno, "reading: %s", std::strerror(errno));
    *out = p->buf.data();
    return n;
  }
};

// Reads up to `n` bytes of `fd` (fewer at its end); a read error is an empty optional.
std::optional<std::string> read_head(int fd, size_t n) {
  std::string head(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, head.data() + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return std::nullopt;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  head.resize(got);
  return head;
}

// Removes every entry not in `keep` and not an ancestor of one (the pathWhitelist).
Status apply_whitelist(int dirfd, const std::string& rel, const std::set<std::string>& keep,
                       const std::set<std::string>& ancestors, const std::string& where) {
  DIR* d = ::fdopendir(::dup(dirfd));
  if (!d) return sys_error("reading " + quote(where + rel));
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : names) {
    std::string p = rel + "/" + n;
    if (ancestors.count(p)) {
      UniqueFd child(::openat(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.valid()) {
        if (Status s = apply_whitelist(child.get(), p, keep, ancestors, where); !s) return s;
        continue;
      }
    }
    if (keep.count(p)) continue;
    if (Status s = remove_tree(where + p); !s) return s;
  }
  return ok();
}

Status whitelist(const std::string& rootfs, const std::vector<std::string>& paths) {
  if (paths.empty()) return ok();
  std::set<std::string> keep, ancestors;
  for (std::string p : paths) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    keep.insert(p);
    for (size_t i = p.find('/', 1); i != std::string::npos; i = p.find('/', i + 1)) ancestors.insert(p.substr(0, i));
  }
  UniqueFd root(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return sys_error("opening " + quote(rootfs));
  return apply_whitelist(root.get(), "", keep, ancestors, rootfs);
}

}  // namespace

std::string sha512_hex(const std::string& data) { return digest(EVP_sha512(), data); }
std::string sha256_hex(const std::string& data) { return digest(EVP_sha256(), data); }

std::string short_key(const std::string& key) { return key.substr(0, std::min<size_t>(key.size(), 7 + 12)); }

Result<Store> Store::open(const std::string& data_dir) {
  std::string cas = data_dir + "/cas";
  for (const char* sub : {"blob/sha512", "imageManifest/sha512", "tree", "index", "lastused", "remote", "tmp",
                          "layer/sha256", "layer/sha512", "layerref", "layertree"}) {
    RKT_TRY_WRAP(make_dirs(cas + "/" + sub, 0750), "opening the image store");
  }
  Store store(cas);
  if (::access((cas + "/name").c_str(), F_OK) != 0) {
    RKT_TRY_WRAP(store.build_name_index(), "building the name index of the image store");
  }
  struct statvfs vfs {};
  if (::statvfs(cas.c_str(), &vfs) == 0) {
    // The blob and the tree both take room: half the free space is the most an image may unpack to.
    uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (free_bytes / 2 < store.limits.max_bytes) {
      store.limits.max_bytes = free_bytes / 2;
      store.limits.max_bytes_reason = "half the free space of " + quote(cas);
    }
  }
  return store;
}

std::string Store::blob_path(const std::string& key) const {
  return cas_ + "/blob/sha512/" + key.substr(7, 2) + "/" + key;
}

std::string Store::manifest_path(const std::string& key) const {
  return cas_ + "/imageManifest/sha512/" + key.substr(7, 2) + "/" + key;
}

Result<std::string> Store::import(const std::string& path, const std::string& what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return sys_error("opening image " + what);
  return import(fd.get(), what);
}

Result<TempFile> Store::copy_in(int fd, const std::string& what) const {
  auto dir = staging_dir();
  RKT_TRY(dir);
  return copy_to_private_file(fd, *dir, limits.max_bytes, "image " + what);
}

Result<std::string> Store::import(int fd, const std::string& what, bool* added, Input input) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return sys_error("reading image " + what);
  if (S_ISDIR(st.st_mode)) return Error(Errc::InvalidImage, "image " + what + " is a directory, not an image file");
  // gzip, most images' compression, goes through igzip; the others (and gzip without libisal)
  // through libarchive's readers.
  auto head = read_head(fd, 512);
  if (!head) return sys_error("reading image " + what);
  std::unique_ptr<Gunzip> gz;
  if (is_gzip(*head)) {
    if (auto g = Gunzip::open(fd, *head)) gz = std::move(*g);
  }
  ReadArchive raw;
  Prefixed prefixed{fd, *head};
  if (!gz) {
    raw.reset(archive_read_new());
    archive_read_support_filter_all(raw.get());
    archive_read_support_format_raw(raw.get());
    if (archive_read_open(raw.get(), &prefixed, nullptr, Prefixed::read_cb, nullptr) != ARCHIVE_OK) {
      return Error(Errc::InvalidImage, "image " + what + ": " + archive_message(raw.get()));
    }
    archive_entry* ignored;
    if (archive_read_next_header(raw.get(), &ignored) != ARCHIVE_OK) {
      return Error(Errc::InvalidImage, "image " + what + ": " + archive_message(raw.get()));
    }
  }
  auto staging_path = staging_dir();
  RKT_TRY(staging_path);
  Staging staging(*staging_path);
  RKT_TRY(staging.create());
  std::string blob_tmp = staging.path() + "/blob";
  UniqueFd blob(::open(blob_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!blob.valid()) return sys_error("creating " + quote(blob_tmp));
  MdCtx md(EVP_MD_CTX_new());
  EVP_DigestInit_ex(md.get(), EVP_sha512(), nullptr);
  Tee tee(raw.get(), gz.get(), md.get(), blob.get());

  ReadArchive tar(archive_read_new());
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), &tee, nullptr, Tee::read_cb, nullptr) != ARCHIVE_OK) {
    return Error(Errc::InvalidImage, "image " + what + ": " + archive_message(tar.get()));
  }
  UniqueFd rootfs(::open((staging.path() + "/rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rootfs.valid()) return sys_error("opening " + quote(staging.path()));
  std::string manifest_json;
  std::optional<spec::ImageManifest> manifest;
  ExtractStats stats;
  Status ex = extract_rootfs(
      tar.get(), rootfs.get(), what, limits,
      [&](std::string text) -> Status {
        auto m = spec::parse_image_manifest(text, what);
        RKT_TRY(m);
        manifest = std::move(*m);
        manifest_json = std::move(text);
        return ok();
      },
      &stats);
  RKT_TRY(ex);
  // The tar ends before the stream does (padding): hash the rest too.
  const void* unused;
  for (la_ssize_t n; (n = tee.pull(&unused)) > 0;) {
  }
  tee.finish();
  if (!tee.error.empty()) return Error(Errc::InvalidImage, "image " + what + ": " + tee.error);
  // Read to the end: a scratch copy's pages are dropped unwritten (the file goes with its caller),
  // instead of being written out by the flush below. A failure here costs only that write.
  if (input == Input::Scratch) (void)::ftruncate(fd, 0);
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dn = 0;
  EVP_DigestFinal_ex(md.get(), d, &dn);
  std::string key = "sha512-" + hex(d, dn).substr(0, 64);
  if (::close(blob.release()) != 0) return sys_error("writing " + quote(blob_tmp));
  crash_point("import-unpacked");

  // Commit: blob, manifest and tree, flushed together; then the index record, which makes the
  // image visible, fsynced with its directory. A power cut leaves the image complete or unlisted.
  // An image stored already keeps its files: only what a damaged store lacks is put back.
  std::string index_path = cas_ + "/index/" + key;
  bool stored = ::access(index_path.c_str(), F_OK) == 0;
  auto missing = [&](const std::string& path) { return !stored || ::access(path.c_str(), F_OK) != 0; };
  bool wrote = false;
  std::string bp = blob_path(key);
  if (missing(bp)) {
    RKT_TRY(make_dirs(bp.substr(0, bp.rfind('/')), 0750));
    if (::rename(blob_tmp.c_str(), bp.c_str()) != 0) return sys_error("storing " + quote(bp));
    wrote = true;
  }
  std::string mp = manifest_path(key);
  if (missing(mp)) {
    RKT_TRY(make_dirs(mp.substr(0, mp.rfind('/')), 0750));
    RKT_TRY(write_file_atomic(mp, manifest_json, 0640, Overwrite::Yes, Durability::NoSync));
    wrote = true;
  }
  if (manifest->dependencies.empty()) {
    auto id = tree_id({key});
    RKT_TRY(id);
    if (missing(cas_ + "/tree/" + *id + "/rootfs")) {
      RKT_TRY(whitelist(staging.path() + "/rootfs", manifest->path_whitelist));
      RKT_TRY(write_file_atomic(staging.path() + "/image", key + "\n", 0640, Overwrite::No, Durability::NoSync));
      auto committed = staging.commit(cas_ + "/tree/" + *id);
      RKT_TRY(committed);
      wrote = true;
    }
  }
  if (wrote) RKT_TRY(sync_filesystem(cas_));
  crash_point("import-committed");
  std::string own_tree;
  if (manifest->dependencies.empty()) {
    auto id = tree_id({key});
    RKT_TRY(id);
    own_tree = *id;
  }
  if (!stored || ::access((name_dir(manifest->name) + "/" + key).c_str(), F_OK) != 0) {
    RKT_TRY(put_name_record(key, *manifest));
  }
  crash_point("import-named");
  if (!stored) {
    std::string index =
        std::to_string(now_ns()) + " " + std::to_string(tee.total) + (own_tree.empty() ? "" : " " + own_tree) + "\n";
    RKT_TRY(write_file_atomic(index_path, index, 0640, Overwrite::Yes));
  }
  infos_.erase(key);
  crash_point("import-indexed");
  if (added) *added = !stored;
  touch(key);
  return key;
}

Result<std::string> Store::tree_id(const std::vector<std::string>& chain) const {
  std::string joined;
  for (const auto& k : chain) joined += k + "\n";
  return "deps-sha512-" + sha512_hex(joined).substr(0, 64);
}

Result<std::string> Store::chain_tree_id(const std::vector<std::string>& chain) const {
  if (chain.size() == 1) {
    auto i = info(chain[0]);
    RKT_TRY(i);
    if (!i->tree_id.empty() && i->manifest.dependencies.empty()) return i->tree_id;
  }
  return tree_id(chain);
}

std::string Store::name_dir(const std::string& name) const { return cas_ + "/name/" + escaped_name(name); }

Status Store::put_name_record(const std::string& key, const spec::ImageManifest& manifest) const {
  std::string dir = name_dir(manifest.name);
  RKT_TRY(make_dirs(dir, 0750));
  return write_file_atomic(dir + "/" + key, name_record(manifest), 0640, Overwrite::Yes, Durability::NoSync);
}

Status Store::build_name_index() const {
  // Built aside and renamed into place, so that a reader sees all of it or none of it; the
  // staging lock keeps image gc from sweeping it meanwhile.
  RKT_TRY(hold_staging());
  Staging staging(cas_ + "/tmp");
  RKT_TRY(staging.create());
  auto all = list();
  RKT_TRY(all);
  std::string built = staging.path() + "/name";
  RKT_TRY(make_dirs(built, 0750));
  for (const auto& i : *all) {
    std::string dir = built + "/" + escaped_name(i.manifest.name);
    RKT_TRY(make_dirs(dir, 0750));
    RKT_TRY(write_file_atomic(dir + "/" + i.key, name_record(i.manifest), 0640, Overwrite::Yes, Durability::NoSync));
  }
  RKT_TRY(sync_filesystem(cas_));
  if (::rename(built.c_str(), (cas_ + "/name").c_str()) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
    return sys_error("renaming " + quote(built));
  }
  return ok();  // another process built it first: its index is as good
}

Result<std::vector<std::string>> Store::render_order(const std::string& key) const {
  std::vector<std::string> order;
  std::vector<std::string> stack;
  std::function<Status(const std::string&)> visit = [&](const std::string& k) -> Status {
    if (std::find(stack.begin(), stack.end(), k) != stack.end()) {
      return Error(Errc::InvalidImage, "image dependency cycle through " + quote(k));
    }
    if (std::find(order.begin(), order.end(), k) != order.end()) return ok();
    stack.push_back(k);
    auto inf = info(k);
    RKT_TRY(inf);
    for (const auto& dep : inf->manifest.dependencies) {
      std::optional<std::string> dk;
      if (dep.image_id) {
        auto r = resolve(*dep.image_id);
        if (r) dk = *r;
      } else {
        auto f = find(dep.image_name, dep.labels);
        RKT_TRY(f);
        dk = *f;
      }
      if (!dk) {
        return Error(Errc::NotFound, "dependency " + quote(dep.image_name) + " of image " + quote(inf->manifest.name) +
                                         " is not in the store");
      }
      if (Status s = visit(*dk); !s) return s;
    }
    stack.pop_back();
    order.push_back(k);
    return ok();
  };
  RKT_TRY(visit(key));
  return order;
}

Result<std::string> Store::tree_dir(const std::string& key) const {
  auto order = render_order(key);
  RKT_TRY(order);
  auto id = chain_tree_id(*order);
  RKT_TRY(id);
  return cas_ + "/tree/" + *id;
}

Status Store::unpack_chain(const std::vector<std::string>& order, const std::string& key,
                           const std::string& rootfs) const {
  UniqueFd root(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return sys_error("opening " + quote(rootfs));
  ExtractStats stats;
  for (const auto& k : order) {
    ReadArchive tar(archive_read_new());
    archive_read_support_format_tar(tar.get());
    if (archive_read_open_filename(tar.get(), blob_path(k).c_str(), 1 << 16) != ARCHIVE_OK) {
      return Error(Errc::InvalidImage, "image " + k + ": " + archive_message(tar.get()));
    }
    Status s = extract_rootfs(
        tar.get(), root.get(), k, limits, [](const std::string&) { return ok(); }, &stats);
    RKT_TRY_WRAP(s, "rendering image " + key);
  }
  auto top = info(key);
  RKT_TRY(top);
  return whitelist(rootfs, top->manifest.path_whitelist);
}

Result<std::string> Store::render(const std::string& key) {
  auto order = render_order(key);
  RKT_TRY(order);
  auto id = chain_tree_id(*order);
  RKT_TRY(id);
  std::string dest = cas_ + "/tree/" + *id;
  if (::access((dest + "/rootfs").c_str(), F_OK) == 0) return dest;
  auto staging_path = staging_dir();
  RKT_TRY(staging_path);
  Staging staging(*staging_path);
  RKT_TRY(staging.create());
  RKT_TRY(unpack_chain(*order, key, staging.path() + "/rootfs"));
  RKT_TRY(write_file_atomic(staging.path() + "/image", key + "\n", 0640, Overwrite::No, Durability::NoSync));
  auto committed = staging.commit(dest);
  RKT_TRY(committed);
  return dest;
}

Status Store::unpack_to(const std::string& key, const std::string& rootfs, WithDependencies deps) const {
  if (deps == WithDependencies::No) return unpack_chain({key}, key, rootfs);
  auto order = render_order(key);
  RKT_TRY(order);
  return unpack_chain(*order, key, rootfs);
}

Status Store::verify(const std::string& key) const {
  UniqueFd fd(::open(blob_path(key).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("opening the blob of image " + key);
  MdCtx md(EVP_MD_CTX_new());
  EVP_DigestInit_ex(md.get(), EVP_sha512(), nullptr);
  std::string buf(1 << 17, '\0');
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("reading the blob of image " + key);
    }
    if (n == 0) break;
    EVP_DigestUpdate(md.get(), buf.data(), static_cast<size_t>(n));
  }
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dn = 0;
  EVP_DigestFinal_ex(md.get(), d, &dn);
  std::string got = "sha512-" + hex(d, dn).substr(0, 64);
  if (got != key) return Error(Errc::InvalidImage, "image " + key + " is corrupt: its blob hashes to " + got);
  auto tree = tree_dir(key);
  RKT_TRY(tree);
  if (::access((*tree + "/rootfs").c_str(), F_OK) != 0) {
    return Error(Errc::InvalidImage, "image " + key + " has no rendered tree (fetch it again)");
  }
  return ok();
}

Result<std::string> Store::resolve(const std::string& id) const {
  if (id.rfind("sha512-", 0) != 0 || id.size() < 7 + 2) {
    return Error(Errc::InvalidArgument, "image ID " + quote(id) + " must be \"sha512-\" and at least 2 hex digits");
  }
  std::string want = id.substr(0, std::min<size_t>(id.size(), 7 + 64));
  auto keys = list_directory(cas_ + "/index");
  RKT_TRY(keys);
  std::vector<std::string> matches;
  for (const auto& k : *keys) {
    if (is_key(k) && k.rfind(want, 0) == 0) matches.push_back(k);
  }
  if (matches.empty()) return Error(Errc::NotFound, "no image " + quote(id) + " in the store");
  if (matches.size() > 1) return Error(Errc::InvalidArgument, "image ID " + quote(id) + " is ambiguous");
  return matches[0];
}

Result<ImageInfo> Store::info(const std::string& key) const {
  if (!is_key(key)) return Error(Errc::InvalidArgument, quote(key) + " is not an image key");
  if (auto cached = infos_.find(key); cached != infos_.end()) return cached->second;
  auto index = read_file(cas_ + "/index/" + key, 4096);
  if (!index) {
    if (index.error().sys_errno() == ENOENT) return Error(Errc::NotFound, "no image " + quote(key) + " in the store");
    return std::move(index).error();
  }
  ImageInfo out;
  out.key = key;
  std::istringstream in(*index);
  in >> out.import_time_ns >> out.size >> out.tree_id;
  if (out.tree_id.rfind("deps-sha512-", 0) != 0 || out.tree_id.size() != 12 + 64) out.tree_id.clear();
  auto text = read_file(manifest_path(key), spec::kMaxManifestBytes);
  RKT_TRY_WRAP(text, "reading the manifest of image " + key);
  auto m = spec::parse_image_manifest(*text, manifest_path(key));
  RKT_TRY(m);
  out.manifest = std::move(*m);
  out.manifest_json = std::move(*text);
  struct stat st {};
  if (::stat((cas_ + "/lastused/" + key).c_str(), &st) == 0) {
    out.last_used_ns =
        std::max(out.import_time_ns, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  } else {
    out.last_used_ns = out.import_time_ns;
  }
  infos_[key] = out;
  return out;
}

Result<std::vector<ImageInfo>> Store::list() const {
  auto keys = list_directory(cas_ + "/index");
  RKT_TRY(keys);
  std::vector<ImageInfo> out;
  for (const auto& k : *keys) {
    if (!is_key(k)) continue;
    auto i = info(k);
    if (!i) {
      if (i.error().code() == Errc::NotFound) continue;  // removed meanwhile
      return std::move(i).error();
    }
    out.push_back(std::move(*i));
  }
  return out;
}

Result<std::optional<std::string>> Store::find(const std::string& name, const spec::Labels& labels) const {
  std::string dir = name_dir(name);
  auto keys = list_directory(dir);
  RKT_TRY(keys);
  std::optional<std::string> best;
  int64_t best_time = 0;
  for (const auto& k : *keys) {
    if (!is_key(k)) continue;
    auto text = read_file(dir + "/" + k, spec::kMaxManifestBytes);
    if (!text) {
      if (text.error().sys_errno() == ENOENT) continue;  // removed meanwhile
      return std::move(text).error();
    }
    auto record = nlohmann::json::parse(*text, nullptr, false);
    if (!record.is_object() || !record.contains("name") || !record["name"].is_string() || !record.contains("labels") ||
        !record["labels"].is_array()) {
      return Error(Errc::InvalidImage, "name record " + quote(dir + "/" + k) + " is damaged (rkt image gc removes it)");
    }
    if (record["name"].get<std::string>() != name) continue;
    spec::Labels have;
    for (const auto& l : record["labels"]) {
      if (l.is_object() && l.value("name", nlohmann::json()).is_string() &&
          l.value("value", nlohmann::json()).is_string())
        have.push_back({l["name"].get<std::string>(), l["value"].get<std::string>()});
    }
    bool match = true;
    for (const auto& l : labels) {
      const std::string* v = spec::find_label(have, l.name);
      // An image without an os or arch label is OS- or architecture-independent (spec/aci.md).
      if (!v && (l.name == "os" || l.name == "arch")) continue;
      if (!v || *v != l.value) match = false;
    }
    if (!match) continue;
    // Its index record says whether the image is in the store, and when it was imported (read
    // once: the caller goes on with this image's records).
    auto i = info(k);
    if (!i) {
      if (i.error().code() == Errc::NotFound) continue;  // being imported, or removed (a crash)
      return std::move(i).error();
    }
    if (!best || i->import_time_ns > best_time) {
      best = k;
      best_time = i->import_time_ns;
    }
  }
  return best;
}

void Store::touch(const std::string& key) const {
  std::string p = cas_ + "/lastused/" + key;
  UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
  if (fd.valid()) ::futimens(fd.get(), nullptr);
}

Status Store::remove(const std::string& key) {
  auto trees = list_directory(cas_ + "/tree");
  RKT_TRY(trees);
  auto named = info(key);  // its name record goes after the index record (image gc sweeps it otherwise)
  infos_.erase(key);
  if (::unlink((cas_ + "/index/" + key).c_str()) != 0) {
    if (errno == ENOENT) return Error(Errc::NotFound, "no image " + quote(key) + " in the store");
    return sys_error("removing image " + quote(key));
  }
  RKT_TRY(sync_dir(cas_ + "/index"));  // reported removed: it stays removed
  if (named) {
    std::string dir = name_dir(named->manifest.name);
    ::unlink((dir + "/" + key).c_str());
    ::rmdir(dir.c_str());  // fails while other images have the name
  }
  ::unlink((cas_ + "/lastused/" + key).c_str());
  ::unlink(blob_path(key).c_str());
  ::unlink(manifest_path(key).c_str());
  for (const auto& t : *trees) {
    auto owner = read_file(cas_ + "/tree/" + t + "/image", 256);
    if (owner && *owner == key + "\n") {
      if (Status s = remove_tree(cas_ + "/tree/" + t); !s) return s;
    }
  }
  ::unlink((cas_ + "/layerref/" + key).c_str());
  // The layers it alone used go too, unless a fetch is staging (it may be about to use them):
  // image gc takes them then.
  auto excl = lock_out_staging();
  RKT_TRY(excl);
  if (!excl->valid()) return ok();
  auto layers = sweep_layers();
  RKT_TRY(layers);
  return ok();
}

Status Store::put_layer_refs(const std::string& key, const std::vector<std::string>& digests) const {
  std::string text;
  for (const auto& d : digests) {
    if (d.find_first_of("\n/") != std::string::npos || d.find(':') == std::string::npos || d.back() == ':' ||
        d.find("..") != std::string::npos)
      return Error(Errc::InvalidArgument, "layer digest " + quote(d) + " is not a digest");
    text += d + "\n";
  }
  return write_file_atomic(cas_ + "/layerref/" + key, text, 0640, Overwrite::Yes);
}

Result<size_t> Store::sweep_layers() const {
  size_t removed = 0;
  std::set<std::string> wanted;
  auto refs = list_directory(cas_ + "/layerref");
  RKT_TRY(refs);
  for (const auto& key : *refs) {
    std::string path = cas_ + "/layerref/" + key;
    if (::access((cas_ + "/index/" + key).c_str(), F_OK) != 0) {
      ::unlink(path.c_str());
      ++removed;
      continue;
    }
    auto text = read_file(path, 1 << 20);
    RKT_TRY(text);
    for (const auto& d : split(*text, '\n')) {
      if (!d.empty()) wanted.insert(d);
    }
  }
  for (const char* alg : {"sha256", "sha512"}) {
    std::string dir = cas_ + "/layer/" + alg;
    auto blobs = list_directory(dir);
    RKT_TRY(blobs);
    for (const auto& b : *blobs) {
      if (wanted.count(std::string(alg) + ":" + b)) continue;
      ::unlink((dir + "/" + b).c_str());
      ++removed;
    }
  }
  auto trees = list_directory(cas_ + "/layertree");
  RKT_TRY(trees);
  for (const auto& t : *trees) {
    if (wanted.count("tree:" + t)) continue;
    RKT_TRY(remove_tree(cas_ + "/layertree/" + t));
    ++removed;
  }
  return removed;
}

Result<UniqueFd> Store::lock_out_staging() const {
  // This process's own staging is over by the time it sweeps: its shared lock would only lock it out.
  staging_lock_.reset();
  std::string path = cas_ + "/staging.lock";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return sys_error("opening " + quote(path));
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return UniqueFd();
    return sys_error("locking " + quote(path));
  }
  return fd;
}

Status Store::hold_staging() const {
  if (staging_lock_.valid()) return ok();
  std::string path = cas_ + "/staging.lock";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return sys_error("opening " + quote(path));
  while (::flock(fd.get(), LOCK_SH) != 0) {
    if (errno != EINTR) return sys_error("locking " + quote(path));
  }
  staging_lock_ = std::move(fd);
  return ok();
}

Result<std::string> Store::staging_dir() const {
  RKT_TRY(hold_staging());
  return cas_ + "/tmp";
}

Result<size_t> Store::sweep() {
  size_t removed = 0;
  // Staging and unindexed files are another process's import in progress while it holds the lock.
  auto excl = lock_out_staging();
  RKT_TRY(excl);
  if (!excl->valid()) return removed;
  auto tmp = list_directory(cas_ + "/tmp");
  RKT_TRY(tmp);
  for (const auto& t : *tmp) {
    RKT_TRY(remove_tree(cas_ + "/tmp/" + t));
    ++removed;
  }
  auto alive = [&](const std::string& key) { return ::access((cas_ + "/index/" + key).c_str(), F_OK) == 0; };
  for (const char* kind : {"blob/sha512", "imageManifest/sha512"}) {
    auto shards = list_directory(cas_ + "/" + kind);
    RKT_TRY(shards);
    for (const auto& shard : *shards) {
      auto files = list_directory(cas_ + "/" + kind + "/" + shard);
      RKT_TRY(files);
      for (const auto& f : *files) {
        if (alive(f)) continue;
        ::unlink((cas_ + "/" + kind + "/" + shard + "/" + f).c_str());
        ++removed;
      }
    }
  }
  auto trees = list_directory(cas_ + "/tree");
  RKT_TRY(trees);
  for (const auto& t : *trees) {
    auto owner = read_file(cas_ + "/tree/" + t + "/image", 256);
    if (owner && alive(owner->substr(0, owner->find('\n')))) continue;
    RKT_TRY(remove_tree(cas_ + "/tree/" + t));
    ++removed;
  }
  auto names = list_directory(cas_ + "/name");
  RKT_TRY(names);
  for (const auto& n : *names) {
    auto records = list_directory(cas_ + "/name/" + n);
    RKT_TRY(records);
    for (const auto& r : *records) {
      if (alive(r)) continue;
      ::unlink((cas_ + "/name/" + n + "/" + r).c_str());
      ++removed;
    }
    ::rmdir((cas_ + "/name/" + n).c_str());
  }
  auto layers = sweep_layers();
  RKT_TRY(layers);
  return removed + *layers;
}

std::string Store::remote_path(const std::string& url) const {
  // Percent-escaped, so that finding the record of a stage1 image or a docker reference hashes
  // nothing (libcrypto is not loaded to start a pod); the SHA-256 of a URL too long for a name.
  static const char digits[] = "0123456789abcdef";
  std::string name = "url-";
  for (unsigned char c : url) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      name += static_cast<char>(c);
    } else {
      name += '%';
      name += digits[c >> 4];
      name += digits[c & 15];
    }
  }
  if (name.size() > 240) name = sha256_hex(url);
  return cas_ + "/remote/" + name;
}

Result<std::optional<RemoteInfo>> Store::remote(const std::string& url) const {
  std::string path = remote_path(url);
  auto text = read_file(path, 65536);
  if (!text && text.error().sys_errno() == ENOENT && path.rfind("/url-") != std::string::npos) {
    // A record of an earlier version of this store, named by the URL's SHA-256 whatever its
    // length: renamed, so that the next lookup hashes nothing.
    std::string legacy = cas_ + "/remote/" + sha256_hex(url);
    text = read_file(legacy, 65536);
    if (text) ::rename(legacy.c_str(), path.c_str());
  }
  if (!text) {
    if (text.error().sys_errno() == ENOENT) return std::optional<RemoteInfo>();
    return std::move(text).error();
  }
  RemoteInfo r;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string k = line.substr(0, tab), v = line.substr(tab + 1);
    if (k == "url") r.url = v;
    if (k == "signature") r.signature_url = v;
    if (k == "etag") r.etag = v;
    if (k == "key") r.key = v;
    if (k == "max-age") r.max_age_s = std::stoll(v);
    if (k == "downloaded") r.download_time_ns = std::stoll(v);
  }
  if (r.url != url || !is_key(r.key)) return std::optional<RemoteInfo>();
  return std::optional<RemoteInfo>(r);
}

Status Store::put_remote(const RemoteInfo& r) const {
  for (const std::string* v : {&r.url, &r.signature_url, &r.etag, &r.key}) {
    if (v->find_first_of("\n\t") != std::string::npos)
      return Error(Errc::InvalidArgument, "remote record field has a control character");
  }
  std::string text = "url\t" + r.url + "\nsignature\t" + r.signature_url + "\netag\t" + r.etag + "\nkey\t" + r.key +
                     "\nmax-age\t" + std::to_string(r.max_age_s) + "\ndownloaded\t" +
                     std::to_string(r.download_time_ns) + "\n";
  return write_file_atomic(remote_path(r.url), text, 0640, Overwrite::Yes);
}

}  // namespace rkt::stage0
