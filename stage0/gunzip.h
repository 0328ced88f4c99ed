#pragma once

// gzip decompression with ISA-L's igzip (libisal, loaded on first use): 3-4x the speed of zlib,
// which libarchive uses, on the import path where inflating was half of the time
// (bench/import.py). Concatenated members are one stream, as gzip and libarchive read them;
// data after the last member is ignored, as libarchive ignores it. Without libisal, import
// falls back to libarchive's own gzip reader.

#include <cstddef>
#include <memory>
#include <string>

#include "common/error.h"

namespace rkt::stage0 {

/// gzip's magic: the first two bytes of every member.
bool is_gzip(const std::string& head);

class Gunzip {
 public:
  /// Decompresses what `fd` holds after `head`, the bytes already read from it (fd is read once,
  /// and may be a pipe). An error when libisal cannot be loaded.
  static Result<std::unique_ptr<Gunzip>> open(int fd, std::string head);
  ~Gunzip();
  Gunzip(const Gunzip&) = delete;
  Gunzip& operator=(const Gunzip&) = delete;

  /// Up to `cap` decompressed bytes into `out`: their count, 0 at the end of the stream, or -1
  /// with error() saying why (corrupt or truncated data, a read error).
  ptrdiff_t read(unsigned char* out, size_t cap);
  const std::string& error() const { return error_; }

 private:
  struct State;
  Gunzip(int fd, std::string head);
  bool fill();  ///< reads more input; false at its end or on an error

  int fd_;
  std::unique_ptr<State> state_;
  std::string in_;
  bool eof_ = false, done_ = false;
  std::string error_;
};

}  // namespace rkt::stage0
