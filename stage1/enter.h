#pragma once

namespace rkt::stage1 {

/// The enter entrypoint (see enter.cc). Returns the command's exit status, 254 on failure.
int enter_main(int argc, char** argv);

}  // namespace rkt::stage1
