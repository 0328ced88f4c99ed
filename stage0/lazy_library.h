#pragma once

// Shared libraries loaded on first use (dlopen), so that a command that needs none of their
// functions does not pay for loading them and everything they pull in. A file using one lists
// its functions once, as pointers that hide the library's own declarations:
//
//   #define RKT_CURL_FUNCTIONS(X) X(curl_easy_init) X(curl_easy_cleanup)
//   RKT_CURL_FUNCTIONS(RKT_LAZY_DECLARE)
//   Status load_curl() {
//     static const Status loaded = load_library("libcurl.so.4", {RKT_CURL_FUNCTIONS(RKT_LAZY_SYMBOL)});
//     return loaded;
//   }

#include <initializer_list>

#include "common/error.h"

namespace rkt::stage0 {

struct LazySymbol {
  const char* name;
  void (*assign)(void* address);  ///< stores the resolved address in the file's pointer
};

/// Loads `soname` (never unloaded) and resolves every symbol; an error names what is missing.
Status load_library(const char* soname, std::initializer_list<LazySymbol> symbols);

}  // namespace rkt::stage0

#define RKT_LAZY_DECLARE(name) decltype(&::name) name = nullptr;  // NOLINT(bugprone-macro-parentheses): a declarator
// `name` is an identifier, stringized and assigned: it cannot take parentheses.
#define RKT_LAZY_SYMBOL(name) \
  ::rkt::stage0::LazySymbol{#name, [](void* a) { name = reinterpret_cast<decltype(name)>(a); }},  // NOLINT
