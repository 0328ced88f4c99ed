#pragma once

// The flag syntax of rkt run, prepare and run-prepared, turned into the stage0 library's typed
// requests. Only the command line knows this syntax; the library never sees a flag string.

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/flags.h"
#include "stage0/prepare.h"

namespace rkt::stage0 {

/// One app's flags as given (after its image, or before all images for every app).
struct AppFlags {
  std::string image;
  std::vector<std::string> args;  ///< after "--"
  bool has_args = false;
  std::string exec, name, working_dir, user, group, supplementary_gids;
  std::vector<std::string> environment, mounts, annotations, user_labels, user_annotations;
  bool readonly_rootfs = false;
  std::string memory, cpu, cpu_shares, caps_retain, caps_remove, seccomp, oom_score_adj, signature;
};

/// The pod's own flags as given.
struct PodFlags {
  std::vector<std::string> volumes;  ///< --volume
  std::vector<std::string> set_env;  ///< --set-env K=V
  std::string set_env_file;
  bool inherit_env = false;
  std::vector<std::string> user_labels, user_annotations;
  std::vector<std::string> ports;  ///< --port NAME:[HOSTIP:]HOSTPORT
};

void add_app_flags(FlagSet& fs, AppFlags& a);

/// --volume NAME,kind=host,source=PATH[,readOnly=B][,recursive=B] | NAME,kind=empty[,mode=M][,uid=U][,gid=G]
Result<spec::Volume> parse_volume_flag(const std::string& s);
/// --port NAME:[HOSTIP:]HOSTPORT, as rkt's portList.Set
Result<spec::ExposedPort> parse_port_flag(const std::string& s);
/// --mount volume=NAME,target=PATH
Result<AppRequest::Mount> parse_mount_flag(const std::string& s);
/// --seccomp mode=retain|remove[,errno=E],SYSCALL,...
Result<spec::Isolator> parse_seccomp_flag(const std::string& s);
/// NAME=VALUE pairs of --user-label, --user-annotation and the like; `flag` names it in errors.
Result<std::map<std::string, std::string>> parse_name_values(const std::vector<std::string>& items,
                                                             const std::string& flag);
/// NAME=VALUE assignments of --environment and --set-env, later ones winning.
Result<spec::Environment> parse_env_assignments(const std::vector<std::string>& items, const std::string& flag);

/// The typed request of one app's flags.
Result<AppRequest> app_request(const AppFlags& f);
/// The typed request of the pod's flags (reads --set-env-file and, with --inherit-env, the
/// environment).
Result<PodRequest> pod_request(const PodFlags& f);

}  // namespace rkt::stage0
