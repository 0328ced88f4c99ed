#include "common/lazy_library.h"

#include <dlfcn.h>

#include <string>

namespace rkt {

Status load_library(const char* soname, std::initializer_list<LazySymbol> symbols) {
  void* h = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) return Error(Errc::Generic, std::string("loading ") + soname + ": " + ::dlerror());
  for (const auto& s : symbols) {
    void* a = ::dlsym(h, s.name);
    if (!a) return Error(Errc::Generic, std::string(soname) + " has no " + s.name);
    s.assign(a);
  }
  return ok();
}

void load_library_or_throw(const char* soname, std::initializer_list<LazySymbol> symbols) {
  Status s = load_library(soname, symbols);
  if (!s) throw std::runtime_error(s.error().message());
}

}  // namespace rkt
