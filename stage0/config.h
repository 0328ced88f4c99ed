#pragma once

// rkt's configuration directories (the system one, /usr/lib/rkt; the local one, /etc/rkt; and
// --user-config), each with the subdirectories rkt reads, of *.json files of one kind each:
//   auth.d    "auth" (basic or oauth credentials for https servers, by domain) and "dockerAuth"
//             (basic credentials for docker registries, by host)
//   paths.d   "paths": "data" (the data directory when --dir is not given) and "stage1-images"
//             (where --stage1-from-dir looks)
//   stage1.d  "stage1": the default stage1 image's "name" and "version", and its "location"
// Within one directory a value given twice is an error; a later directory overrides an earlier
// one, as rkt merges them.

#include <string>
#include <vector>

#include "common/error.h"

namespace rkt::stage0 {

struct AuthEntry {
  std::vector<std::string> domains;
  std::string header;   ///< "Authorization: Basic ..." or "Authorization: Bearer ..."
  bool docker = false;  ///< a dockerAuth file's: for docker registries (by host), not for https fetches
  std::string type;     ///< "basic" or "oauth"
  std::string user, password, token;
};

struct Stage1Config {
  std::string name, version;  ///< both or neither
  std::string location;       ///< an absolute path or a file, docker, http or https URL
};

struct Config {
  std::vector<AuthEntry> auth;  ///< one per domain (or registry), sorted
  std::string data_dir;
  std::string stage1_images_dir;
  Stage1Config stage1;
};

/// Reads the configuration directories in order (an empty name is skipped). Errors name the file.
Result<Config> read_config(const std::vector<std::string>& dirs);

/// `rkt config`'s output, as rkt 1.30 marshals it: {"stage0": [auth..., dockerAuth..., paths,
/// stage1]}, indented with tabs when `pretty`.
std::string config_json(const Config& config, bool pretty);

}  // namespace rkt::stage0
