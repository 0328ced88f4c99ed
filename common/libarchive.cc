#include "common/libarchive.h"

namespace rkt {
namespace {

void load_archive() {
  static const bool loaded =
      (load_library_or_throw("libarchive.so.13",
                             {RKT_ARCHIVE_FUNCTIONS(RKT_LAZY_SYMBOL) RKT_ARCHIVE_VARIADIC_FUNCTIONS(RKT_LAZY_SYMBOL)}),
       true);
  (void)loaded;
}

}  // namespace

#define RKT_ARCHIVE_DEFINE(name) RKT_LAZY_DEFINE(name, load_archive)
RKT_ARCHIVE_FUNCTIONS(RKT_ARCHIVE_DEFINE)
RKT_ARCHIVE_VARIADIC_FUNCTIONS(RKT_LAZY_DECLARE)

}  // namespace rkt
