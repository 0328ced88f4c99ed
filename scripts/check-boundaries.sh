#!/usr/bin/env bash
# The folders are the architecture; this keeps them honest:
#   - stage1/ never unpacks or verifies: no libarchive, OpenSSL, libcurl or librnp, no stage0 code;
#   - stage2/ is post-fork code: libc only (no std::string, streams, JSON or other libraries);
#   - spec/ is pure: no libraries beyond nlohmann/json, no other folder's code but common/.
set -u
cd "$(dirname "$0")/.."
status=0
reject() {  # reject DESCRIPTION PATTERN PATHS...
  local what=$1 pattern=$2
  shift 2
  local hits
  hits=$(grep -rnE "$pattern" "$@" --include='*.cc' --include='*.h' 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "not ok - $what:"
    echo "$hits" | sed 's/^/    /'
    status=1
  else
    echo "ok - $what"
  fi
}
reject "stage1 does not unpack, verify or download" '#include [<"](archive|openssl/|curl/|rnp/|common/lib(archive|crypto)\.h)' stage1
reject "stage1 does not use stage0 code" '#include "(stage0|actool)/' stage1
reject "stage2 uses libc only" '#include <(string|iostream|sstream|vector|map|nlohmann/|archive|openssl/|seccomp|curl/)' stage2
reject "stage2 does not use other folders' code" '#include "(common|spec|stage0|stage1|actool|gc)/' stage2
reject "spec uses no system library" '#include [<"](archive|openssl/|curl/|rnp/|seccomp|common/lib(archive|crypto)\.h)' spec
reject "spec depends on common only" '#include "(stage0|stage1|stage2|actool|gc)/' spec
if [ $status = 0 ]; then echo "6 passed, 0 failed"; else echo "boundaries: violations found"; fi
exit $status
