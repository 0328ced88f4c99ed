#pragma once

// Test helper: writes tar archives entry by entry, hostile ones included.

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <string>

namespace rkt::test {

class TarBuilder {
 public:
  /// `filter`: "" (plain), "gzip", "xz", "bzip2" or "zstd".
  explicit TarBuilder(const std::string& path, const std::string& filter = "") : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    if (filter == "gzip") archive_write_add_filter_gzip(a_);
    if (filter == "xz") archive_write_add_filter_xz(a_);
    if (filter == "bzip2") archive_write_add_filter_bzip2(a_);
    if (filter == "zstd") archive_write_add_filter_zstd(a_);
    archive_write_open_filename(a_, path.c_str());
  }
  ~TarBuilder() { close(); }
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;

  TarBuilder& file(const std::string& name, const std::string& data, mode_t mode = 0644, uid_t uid = 0) {
    archive_entry* e = entry(name, AE_IFREG | mode, uid);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a_, e);
    archive_write_data(a_, data.data(), data.size());
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& dir(const std::string& name, mode_t mode = 0755) { return simple(name, AE_IFDIR | mode); }
  TarBuilder& symlink(const std::string& name, const std::string& target) {
    archive_entry* e = entry(name, AE_IFLNK | 0777, 0);
    archive_entry_set_symlink(e, target.c_str());
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& hardlink(const std::string& name, const std::string& target) {
    archive_entry* e = entry(name, AE_IFREG | 0644, 0);
    archive_entry_set_hardlink(e, target.c_str());
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& device(const std::string& name) {
    archive_entry* e = entry(name, AE_IFCHR | 0666, 0);
    archive_entry_set_rdevmajor(e, 1);
    archive_entry_set_rdevminor(e, 3);
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& fifo(const std::string& name) { return simple(name, AE_IFIFO | 0644); }
  /// A manifest and the rootfs directory, as every image starts.
  TarBuilder& image(const std::string& manifest) {
    file("manifest", manifest);
    return dir("rootfs");
  }
  void close() {
    if (a_) {
      archive_write_close(a_);
      archive_write_free(a_);
      a_ = nullptr;
    }
  }

 private:
  archive_entry* entry(const std::string& name, mode_t mode, uid_t uid) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_mode(e, mode);
    archive_entry_set_uid(e, uid);
    archive_entry_set_mtime(e, 1500000000, 0);
    return e;
  }
  TarBuilder& simple(const std::string& name, mode_t mode) {
    archive_entry* e = entry(name, mode, 0);
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }
  archive* a_;
};

inline std::string manifest_for(const std::string& name, const std::string& extra = "") {
  return R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" + name + "\"" + extra + "}";
}

}  // namespace rkt::test
