#pragma once

// Errors are values: every fallible function returns rkt::Result<T> (or rkt::Status). An Error
// names what failed and gathers context on its way up; it is printed once, by main().

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rkt {

/// The kind of a failure, so callers and tests can branch on it.
enum class Errc {
  Generic,
  Usage,            ///< bad command line
  NotFound,         ///< a file, image or pod that does not exist
  AlreadyExists,    ///< refusing to overwrite
  InvalidManifest,  ///< an image or pod manifest failed validation
  InvalidImage,     ///< an image archive or layout is malformed
  InvalidArgument,  ///< a value given by the user is malformed
  UnsafePath,       ///< a path would escape its root
  BadSignature,     ///< signature verification refused the input
  Unsupported,      ///< the request is valid but not implemented here
  Syscall,          ///< a system call failed; sys_errno() says why
};

/// Exit status of every runtime failure, kept apart from the exit codes of apps.
inline constexpr int kExitRuntimeFailure = 254;

/// Runs a program's main body. An exception that escapes it (a bug, or std::bad_alloc) is printed
/// once, as "PROG: internal error: WHAT", and exits with kExitRuntimeFailure instead of aborting.
int guarded_main(const char* prog, int (*body)(int, char**), int argc, char** argv) noexcept;

class Error {
 public:
  Error(Errc code, std::string message, int sys_errno = 0)
      : code_(code), sys_errno_(sys_errno), chain_{std::move(message)} {}

  Errc code() const { return code_; }
  int sys_errno() const { return sys_errno_; }

  /// The innermost message (what failed first), without context.
  const std::string& cause() const { return chain_.front(); }

  /// Puts context in front: `wrap("reading manifest")` turns "x: y" into "reading manifest: x: y".
  Error& wrap(std::string context) & {
    chain_.push_back(std::move(context));
    return *this;
  }
  Error&& wrap(std::string context) && {
    chain_.push_back(std::move(context));
    return std::move(*this);
  }

  /// One line: "outer: inner: cause: strerror".
  std::string message() const;
  /// One layer a line, outermost first, each indented deeper (for --debug).
  std::string chain() const;

 private:
  Errc code_;
  int sys_errno_;
  std::vector<std::string> chain_;  // innermost first
};

/// Builds an Error for a failed system call, capturing errno now.
Error sys_error(std::string what);
Error sys_error(std::string what, int err);

/// An expected-like result: a value or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(v_); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

/// A result with no value. Success holds nothing: no Error is built until something fails.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  /// Only of a failed Status.
  Error& error() & { return *error_; }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

inline Status ok() { return {}; }

}  // namespace rkt

/// Returns the error of `expr` (a Result or Status, often a variable holding one) from the
/// enclosing function, which returns a Result, a Status or an Error. `expr` is left as it was
/// on success: `auto x = f(); RKT_TRY(x); use(*x);`.
#define RKT_TRY(expr)                                                \
  do {                                                               \
    auto&& rkt_try_result_ = (expr);                                 \
    if (!rkt_try_result_) return std::move(rkt_try_result_).error(); \
  } while (0)

/// RKT_TRY with `context` put in front of the error (see Error::wrap).
#define RKT_TRY_WRAP(expr, context)                                                \
  do {                                                                             \
    auto&& rkt_try_result_ = (expr);                                               \
    if (!rkt_try_result_) return std::move(rkt_try_result_).error().wrap(context); \
  } while (0)
