#include "stage0/lazy_library.h"

#include <dlfcn.h>

#include <string>

namespace rkt::stage0 {

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

}  // namespace rkt::stage0
