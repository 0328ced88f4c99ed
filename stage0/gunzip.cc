#include "stage0/gunzip.h"

#include <isa-l/igzip_lib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/lazy_library.h"

namespace rkt::stage0 {
namespace {

// These pointers hide libisal's functions of the same names within this file.
#define RKT_ISAL_FUNCTIONS(X) X(isal_inflate_init) X(isal_inflate_reset) X(isal_inflate)
RKT_ISAL_FUNCTIONS(RKT_LAZY_DECLARE)

Status load_isal() {
  static const Status loaded = load_library("libisal.so.2", {RKT_ISAL_FUNCTIONS(RKT_LAZY_SYMBOL)});
  return loaded;
}

constexpr size_t kInputBytes = 1 << 18;

}  // namespace

struct Gunzip::State {
  inflate_state s;
};

bool is_gzip(const std::string& head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
}

Result<std::unique_ptr<Gunzip>> Gunzip::open(int fd, std::string head) {
  RKT_TRY(load_isal());
  return std::unique_ptr<Gunzip>(new Gunzip(fd, std::move(head)));
}

Gunzip::Gunzip(int fd, std::string head) : fd_(fd), state_(std::make_unique<State>()), in_(std::move(head)) {
  isal_inflate_init(&state_->s);
  state_->s.crc_flag = ISAL_GZIP;
  in_.reserve(kInputBytes);
  state_->s.next_in = reinterpret_cast<uint8_t*>(in_.data());
  state_->s.avail_in = static_cast<uint32_t>(in_.size());
}

Gunzip::~Gunzip() = default;

bool Gunzip::fill() {
  if (eof_) return false;
  // What is left of the input moves to the front, then the buffer fills behind it.
  std::string rest(reinterpret_cast<const char*>(state_->s.next_in), state_->s.avail_in);
  in_.assign(kInputBytes, '\0');
  std::memcpy(in_.data(), rest.data(), rest.size());
  ssize_t n;
  do {
    n = ::read(fd_, in_.data() + rest.size(), in_.size() - rest.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error_ = std::string("reading: ") + std::strerror(errno);
    return false;
  }
  if (n == 0) eof_ = true;
  in_.resize(rest.size() + static_cast<size_t>(n));
  state_->s.next_in = reinterpret_cast<uint8_t*>(in_.data());
  state_->s.avail_in = static_cast<uint32_t>(in_.size());
  return n > 0;
}

ptrdiff_t Gunzip::read(unsigned char* out, size_t cap) {
  inflate_state& s = state_->s;
  while (!done_) {
    if (s.block_state == ISAL_BLOCK_FINISH) {
      // The end of a member: another may follow (two bytes of gzip magic), or nothing does.
      while (s.avail_in < 2 && fill()) {
      }
      if (!error_.empty()) return -1;
      if (s.avail_in < 2 || s.next_in[0] != 0x1f || s.next_in[1] != 0x8b) {
        done_ = true;
        break;
      }
      uint8_t* next = s.next_in;
      uint32_t avail = s.avail_in;
      isal_inflate_reset(&s);
      s.crc_flag = ISAL_GZIP;
      s.next_in = next;
      s.avail_in = avail;
    }
    if (s.avail_in == 0 && !fill()) {
      if (!error_.empty()) return -1;
      if (s.block_state != ISAL_BLOCK_FINISH) {
        error_ = "the gzip data is truncated";
        return -1;
      }
      continue;
    }
    s.next_out = out;
    s.avail_out = static_cast<uint32_t>(cap);
    int rc = isal_inflate(&s);
    if (rc < 0) {
      error_ = rc == ISAL_INCORRECT_CHECKSUM ? "the gzip data fails its checksum" : "the gzip data is corrupt";
      return -1;
    }
    size_t produced = cap - s.avail_out;
    if (produced > 0) return static_cast<ptrdiff_t>(produced);
  }
  return 0;
}

}  // namespace rkt::stage0
