#pragma once

namespace rkt::stage1 {

/// The stop entrypoint (see lifecycle.cc): 0 when the pod was signalled, 254 on failure.
int stop_main(int argc, char** argv);

/// The gc entrypoint (see lifecycle.cc): 0 when everything stage1 made is gone, 254 otherwise.
int gc_main(int argc, char** argv);

}  // namespace rkt::stage1
