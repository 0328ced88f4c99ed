#!/usr/bin/env bash
# Static checks over the project's own sources (the stages, spec, gc, actool and common; not the
# tests): clang-tidy with the check list in .clang-tidy, then cppcheck's warning, performance and
# portability checks. Any finding fails. Needs a configured build directory (its
# compile_commands.json): scripts/static-checks.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "static-checks: no $build/compile_commands.json" >&2; exit 2; }
mapfile -t files < <(find common spec stage0 stage1 stage2 gc actool -name '*.cc' ! -name '*_test.cc' | sort)

echo "== clang-tidy (${#files[@]} files)"
# The build's warnings are GCC's: flags clang does not know, and clang's -Wconversion (which
# implies -Wsign-conversion, GCC's does not for C++), are not findings.
tidy=0
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option \
    --extra-arg=-Wno-sign-conversion > "$build/clang-tidy.log" 2>&1 || tidy=$?
grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' \
  "$build/clang-tidy.log" || true

echo "== cppcheck"
cppcheck --std=c++20 --language=c++ -I . -D_GNU_SOURCE --enable=warning,performance,portability \
  --inline-suppr --error-exitcode=1 --quiet -j "$(nproc)" \
  --template='{file}:{line}: {severity} {id}: {message}' "${files[@]}"
if [ "$tidy" != 0 ]; then
  echo "static-checks: clang-tidy reported findings" >&2
  exit 1
fi
echo "static-checks: clean"
