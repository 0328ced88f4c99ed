#!/usr/bin/env bash
# Every C++ file is formatted as .clang-format says; prints the files that are not.
set -u
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "not ok - clang-format is not installed (scripts/install-deps.sh)"; exit 1; }
bad=$(git ls-files '*.cc' '*.h' 2>/dev/null | while read -r f; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"
done)
if [ -n "$bad" ]; then
  echo "not ok - not formatted (run: clang-format -i FILE):"
  echo "$bad" | sed 's/^/    /'
  exit 1
fi
echo "1 passed, 0 failed"
