#pragma once

// Resolving an app's user and group inside its own root filesystem (spec/aci.md: a name from
// the image's /etc/passwd or /etc/group, else a number, or the owner of a file when the value
// is an absolute path). Runs in stage1 on the host, before any fork.

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::stage1 {

struct AppIds {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string home = "/root";
};

/// `root_fd` is the app's root directory; everything is resolved inside it.
Result<AppIds> resolve_ids(int root_fd, const std::string& app, const std::string& user, const std::string& group,
                           const std::vector<int64_t>& supplementary);

}  // namespace rkt::stage1
