#include "common/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

namespace rkt {

int guarded_main(const char* prog, int (*body)(int, char**), int argc, char** argv) noexcept {
  try {
    return body(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", prog, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: internal error: an unknown exception\n", prog);
  }
  return kExitRuntimeFailure;
}

std::string Error::message() const {
  std::string out;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
    if (it->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *it;
  }
  if (sys_errno_ != 0) {
    out += ": ";
    out += std::strerror(sys_errno_);
  }
  return out;
}

std::string Error::chain() const {
  std::string out;
  std::string indent;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
    if (it->empty()) continue;
    out += indent + *it + "\n";
    indent += "  ";
  }
  if (sys_errno_ != 0) out += indent + std::strerror(sys_errno_) + "\n";
  return out;
}

Error sys_error(std::string what) { return sys_error(std::move(what), errno); }

Error sys_error(std::string what, int err) { return Error(Errc::Syscall, std::move(what), err); }

}  // namespace rkt
