#pragma once

// rkt's auth.d configuration: credentials for https servers (rktKind "auth": basic or oauth, by
// domain) and for docker registries (rktKind "dockerAuth": basic, by registry host).

#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::stage0 {

struct AuthEntry {
  std::vector<std::string> domains;
  std::string header;   ///< "Authorization: Basic ..." or "Authorization: Bearer ..."
  bool docker = false;  ///< a dockerAuth file's: for docker registries (by host), not for https fetches
};

/// Reads rkt's auth.d files of the system, local and user config directories, in that order, a
/// later one winning per domain (as rkt merges them; an empty directory name is skipped).
Result<std::vector<AuthEntry>> read_auth_config(const std::string& system_config, const std::string& local_config,
                                                const std::string& user_config = "");

}  // namespace rkt::stage0
