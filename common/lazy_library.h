#pragma once

// Shared libraries loaded on first use (dlopen), so that a command that needs none of their
// functions does not pay for loading them and everything they pull in. A library is used in one
// of two ways.
//
// Loaded explicitly, by one file that lists its functions as pointers hiding the library's own
// declarations, and calls its load function (which returns a Status) before any of them:
//
//   #define RKT_CURL_FUNCTIONS(X) X(curl_easy_init) X(curl_easy_cleanup)
//   RKT_CURL_FUNCTIONS(RKT_LAZY_DECLARE)
//   Status load_curl() {
//     static const Status loaded = load_library("libcurl.so.4", {RKT_CURL_FUNCTIONS(RKT_LAZY_SYMBOL)});
//     return loaded;
//   }
//
// Or loaded by its first call, for a library many files use (libarchive, libcrypto): a header
// declares the pointers in namespace rkt (RKT_LAZY_EXTERN), where they hide the library's
// declarations from all of rkt's code, and one file defines them (RKT_LAZY_DEFINE). Each pointer
// starts at a stub of the same type that loads the library, resolving every pointer, and then
// calls through: as the dynamic loader's lazy binding does, with the load deferred too. A library
// that cannot be loaded then ends the command as a missing library at start-up would, but with an
// error that unwinds (std::runtime_error, printed once by guarded_main). A variadic function's
// arguments cannot be forwarded by a stub: its pointer starts null (RKT_LAZY_DECLARE), for a
// function that is only ever called after another of its library (archive_set_error, on an
// archive the library made).

#include <initializer_list>
#include <stdexcept>

#include "common/error.h"

namespace rkt {

struct LazySymbol {
  const char* name;
  void (*assign)(void* address);  ///< stores the resolved address in the file's pointer
};

/// Loads `soname` (never unloaded) and resolves every symbol; an error names what is missing.
Status load_library(const char* soname, std::initializer_list<LazySymbol> symbols);

/// load_library for the stubs: a failure throws std::runtime_error with the error's text.
void load_library_or_throw(const char* soname, std::initializer_list<LazySymbol> symbols);

namespace lazy {

template <auto* Pointer, void (*Load)(), typename F>
struct Stub;

template <auto* Pointer, void (*Load)(), typename R, typename... A>
struct Stub<Pointer, Load, R (*)(A...)> {
  static R call(A... args) {
    Load();
    return (*Pointer)(args...);
  }
};

}  // namespace lazy
}  // namespace rkt

#define RKT_LAZY_DECLARE(name) decltype(&::name) name = nullptr;  // NOLINT(bugprone-macro-parentheses): a declarator
// `name` is an identifier, stringized and assigned: it cannot take parentheses.
#define RKT_LAZY_SYMBOL(name) \
  ::rkt::LazySymbol{#name, [](void* a) { name = reinterpret_cast<decltype(name)>(a); }},  // NOLINT
#define RKT_LAZY_EXTERN(name) extern decltype(&::name) name;  // NOLINT(bugprone-macro-parentheses): a declarator
// Defines `name`, pointing at its stub; `load` is a void() function that loads the library once.
#define RKT_LAZY_DEFINE(name, load) \
  decltype(&::name) name = &::rkt::lazy::Stub<&name, load, decltype(&::name)>::call;  // NOLINT
