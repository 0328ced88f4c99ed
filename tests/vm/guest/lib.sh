# Shared by the guest suites: results as "VM-RESULT <case> PASS|FAIL <what>" lines, and the probe
# images the cases run (built here with actool).
build=$(cat /vm/build-dir)
probe=$build/tests/probe
failures=0
result() { # NAME STATUS DETAIL...
  name=$1 status=$2
  shift 2
  echo "VM-RESULT $name $status $*"
  [ "$status" = PASS ] || failures=$((failures + 1))
}
expect() { # NAME DESCRIPTION COMMAND...: passes when COMMAND succeeds
  name=$1 what=$2
  shift 2
  if "$@"; then result "$name" PASS "$what"; else result "$name" FAIL "$what"; fi
}
wait_for() { # SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds
  n=$(($1 * 5))
  shift
  while [ $n -gt 0 ]; do
    "$@" && return 0
    sleep 0.2
    n=$((n - 1))
  done
  return 1
}
probe_image() { # OUT NAME [ANNOTATIONS-JSON]
  d=/tmp/img-$2
  mkdir -p "$d/rootfs/etc"
  cp "$probe" "$d/rootfs/probe"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$d/rootfs/etc/passwd"
  printf 'root:x:0:\n' >"$d/rootfs/etc/group"
  printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"vm/%s","annotations":%s,"app":{"exec":["/probe","exit:0"],"user":"0","group":"0"}}' \
    "$2" "${3:-[]}" >"$d/manifest"
  "$build/actool/actool" build --overwrite "$d" "$1"
}
run_integration_suite() { # the integration suite's rkt run cases (RunTest.*), as one result
  RKT_TESTS_MUST_RUN=1 "$build/tests/integration_tests" --gtest_brief=1 --gtest_filter='RunTest.*' >/tmp/gtest.log 2>&1
  rc=$?
  cat /tmp/gtest.log
  [ $rc -eq 0 ] && result integration.RunTest PASS "gtest" || result integration.RunTest FAIL "gtest rc=$rc"
}
