#pragma once

// What the commands share: the store, the trust store and fetch settings, from the global flags.

#include <string>
#include <vector>

#include "stage0/cli/global.h"
#include "stage0/fetch.h"
#include "stage0/keystore.h"
#include "stage0/prepare.h"
#include "stage0/store.h"

namespace rkt::stage0 {

Result<Store> open_store(const GlobalOptions& g);
Keystore open_keystore(const GlobalOptions& g);
/// Fetch options from the global flags (insecure options, auth.d credentials, warnings).
Result<FetchOptions> fetch_options(const GlobalOptions& g);
/// Prints "rkt: warning: ..." on stderr.
void warn(const std::string& message);

/// --pull-policy: never, new or update.
Result<PullPolicy> parse_pull_policy(const std::string& s);

/// Fails unless rkt runs as root: `cmd` needs namespaces, mounts or the pod directories.
Status require_root(const std::string& cmd);

/// Parses a command's flags with the global ones added, then checks the global values. Returns
/// the positional arguments.
Result<std::vector<std::string>> parse_command_line(FlagSet& fs, GlobalOptions& g, const std::vector<std::string>& args,
                                                    FlagSet::Interspersed interspersed = FlagSet::Interspersed::Yes);

/// The one pod UUID (or prefix) of a pod command: its argument, or read from --uuid-file.
Result<std::string> uuid_argument(const std::vector<std::string>& pos, const std::string& uuid_file, const char* cmd);
/// The pod UUIDs of a command that takes several, with the one of --uuid-file added.
Result<std::vector<std::string>> uuids(const std::vector<std::string>& pos, const std::string& uuid_file,
                                       const char* cmd);

}  // namespace rkt::stage0
