#pragma once

// The rkt subcommands. Each lives in its own file and is thin: it parses its flags and calls
// into the stage0 library.

#include <string>
#include <vector>

#include "common/pod.h"
#include "stage0/cli/global.h"

namespace rkt::stage0 {

struct Command {
  const char* name;
  const char* summary;
  const char* usage;
  /// Runs the command with its arguments (flags included). Returns the exit status; errors are
  /// returned, not printed.
  Result<int> (*run)(GlobalOptions& g, const std::vector<std::string>& args);
};

/// Every command rkt has, in the order `rkt help` lists them.
const std::vector<Command>& commands();

Result<int> cmd_version(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_config(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_completion(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_trust(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_fetch(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_image(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_run(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_prepare(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_run_prepared(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_list(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_enter(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_export(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_status(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_stop(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_rm(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_gc(GlobalOptions& g, const std::vector<std::string>& args);
Result<int> cmd_cat_manifest(GlobalOptions& g, const std::vector<std::string>& args);
/// gc's hook (rkt gc, rkt rm): unregisters a pod from the metadata service, warning on failure.
void unregister_from_mds(const PodRef& pod);
Result<int> cmd_metadata_service(GlobalOptions& g, const std::vector<std::string>& args);

}  // namespace rkt::stage0
