#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test:
#   1. the unit and integration tests under AddressSanitizer and UndefinedBehaviorSanitizer (all
#      but the one that runs stage1 on a root with no libraries: the sanitizer runtime is dynamic);
#   2. the manifest fuzzer for a bounded time (FUZZ_SECONDS, default 60), seeded with the corpus,
#      then the image entry, run flag, discovery page, auth.d, net.d, trust key and CNI result fuzzers
#      (FUZZ_SECONDS_EACH, default 20);
#   3. the static checks (clang-tidy and cppcheck, scripts/static-checks.sh);
#   4. the whole suite (unit, differential, integration, privileged, VM) in a -Werror build.
# With RKT_TESTS_MUST_RUN=1 (set by .ci/run) a test that cannot run fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
# Each stage's wall time, printed as the next one starts and at the end: the suite has a budget.
stage_name= stage_start=$SECONDS
stage() {
  [ -z "$stage_name" ] || echo "== took $((SECONDS - stage_start)) s: $stage_name"
  stage_name=$1 stage_start=$SECONDS
  [ -z "$1" ] || echo "== $1"
}
work=
finish() {
  [ -z "$work" ] || rm -rf "$work"
  stage ""
  echo "== total: $SECONDS s"
}
trap finish EXIT

stage "installing the dependencies"
scripts/install-deps.sh

stage "the ASan+UBSan build"
BUILD_DIR=build-asan scripts/build.sh -DRKT_SANITIZE=ON -DRKT_WERROR=ON
stage "unit and integration tests under ASan+UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -L 'unit|integration' -E 'TheStage1ImageRunsOnARootWithNoLibraries')

stage "the fuzzers' build"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DRKT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$jobs" --target manifest_fuzzer image_entry_fuzzer run_flags_fuzzer meta_tags_fuzzer \
  config_fuzzer cni_result_fuzzer net_conf_fuzzer trust_key_fuzzer
work=$(mktemp -d)
stage "manifest fuzzer (${FUZZ_SECONDS:-60}s)"
(cd "$work" && "$root/build-fuzz/spec/manifest_fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" \
  "$work" "$root/spec/testdata/manifests" 2>&1 | tail -n 40)
# The other parsers of hostile input, ${FUZZ_SECONDS_EACH:-20}s each; a crash fails the run.
for f in image_entry run_flags meta_tags config cni_result net_conf trust_key; do
  stage "${f} fuzzer (${FUZZ_SECONDS_EACH:-20}s)"
  mkdir -p "$work/$f"
  (cd "$work" && "$root/build-fuzz/tests/fuzz/${f}_fuzzer" -max_total_time="${FUZZ_SECONDS_EACH:-20}" "$work/$f" 2>&1 | tail -n 3)
done

stage "the -Werror build"
BUILD_DIR=build scripts/build.sh -DRKT_WERROR=ON -DRKT_SANITIZE=OFF
stage "static checks"
scripts/static-checks.sh build
stage "every test (warnings are errors)"
cd build
ctest --output-on-failure -j "$jobs"
