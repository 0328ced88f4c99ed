#pragma once

// One owner for every C library object: Handle<T, Free> is a unique_ptr that calls Free on the
// pointer once. Free is a function (free), or the address of a function pointer resolved at
// run time (&rnp_ffi_destroy, &archive_read_free: libraries loaded with dlopen, lazy_library.h).

#include <memory>
#include <type_traits>

namespace rkt {

template <auto Free>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    if constexpr (std::is_invocable_v<decltype(Free), T*>) {
      Free(p);
    } else {
      (*Free)(p);
    }
  }
};

template <typename T, auto Free>
using Handle = std::unique_ptr<T, FreeWith<Free>>;

}  // namespace rkt
