#pragma once

// Seccomp filters of apps, compiled with libseccomp on the host before any fork (the app child
// only loads the finished BPF program).

#include <linux/filter.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::stage1 {

/// rkt's default: a remove set of syscalls no app needs (kernel modules, reboot, mount, ptrace,
/// kexec, keyrings, clock setting, ...) answered with EPERM.
const std::vector<std::string>& default_seccomp_blocklist();

/// Compiles the app's seccomp isolator (or the default when it has none) to BPF. Returns an
/// empty program with `insecure` (--insecure-options=seccomp). Names starting with "@rkt/" are
/// the groups "@rkt/default-blacklist" and "@rkt/default-whitelist".
Result<std::vector<sock_filter>> compile_seccomp(const spec::Isolators& isolators, bool insecure);

}  // namespace rkt::stage1
