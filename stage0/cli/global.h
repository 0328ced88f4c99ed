#pragma once

// rkt's global flags, accepted before and after the subcommand (cobra's persistent flags).

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/flags.h"
#include "stage0/config.h"

namespace rkt::stage0 {

/// What --insecure-options turns off. Each bit is a check that normally runs.
struct InsecureOptions {
  bool image = false;         ///< signature verification of images
  bool tls = false;           ///< TLS certificate and host name checks
  bool ondisk = false;        ///< re-verification of the tree store on disk
  bool http = false;          ///< plain http fetches
  bool pubkey = false;        ///< fetching public keys over plain http
  bool capabilities = false;  ///< capability restrictions of apps
  bool paths = false;         ///< masking of /proc and /sys paths in apps
  bool seccomp = false;       ///< the default seccomp filter

  bool none() const { return !(image || tls || ondisk || http || pubkey || capabilities || paths || seccomp); }
  std::string to_string() const;
};

/// Parses "image,tls" or the groups "all-fetch", "all-run", "all", "none".
Result<InsecureOptions> parse_insecure_options(const std::string& list);

struct GlobalOptions {
  std::string dir_flag;  ///< --dir as given (empty: not given)
  std::string dir;       ///< the data directory: --dir, else paths.d's "data", else /var/lib/rkt
  std::string system_config = "/usr/lib/rkt";
  std::string local_config = "/etc/rkt";
  std::string user_config;
  std::string insecure_options_text = "none";
  InsecureOptions insecure;
  bool trust_keys_from_https = false;
  bool debug = false;
  bool help = false;

  /// rkt's configuration from the system, local and user directories, read when first needed
  /// (and again when those flags change).
  Result<const Config*> config() const;

 private:
  mutable std::vector<std::string> config_dirs_;
  mutable std::shared_ptr<Config> config_;
};

/// Adds the global flags to a command's flag set.
void add_global_flags(FlagSet& fs, GlobalOptions& g);

/// Checks and interprets the global flag values once parsing is done.
Status finish_global_flags(GlobalOptions& g);

}  // namespace rkt::stage0
