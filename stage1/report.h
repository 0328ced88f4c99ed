#pragma once

// How stage1's entrypoints report their own failures: once, on stderr, as "stage1: ...".

#include <iostream>

#include "common/error.h"

namespace rkt::stage1 {

/// Prints the error (its whole chain with `debug`) and returns the runtime-failure status.
inline int report(const Error& e, bool debug = false) {
  std::cerr << "stage1: " << (debug ? e.chain() : e.message() + "\n");
  return kExitRuntimeFailure;
}

}  // namespace rkt::stage1
