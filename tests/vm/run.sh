#!/usr/bin/env bash
# Boots a VM with Debian's kernel and QEMU (TCG: no KVM needed) on an initramfs built from the
# build tree, runs a guest suite (tests/vm/guest/SUITE.sh) and asserts on the "VM-RESULT" lines
# it prints on the serial console. Fails loudly when QEMU or the kernel is missing.
#   run.sh BUILD_DIR SUITE [KERNEL-ARGS...]
set -euo pipefail
build=$(realpath "$1") suite=$2
shift 2
here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
. "$here/qemu.sh"

work=$(mktemp -d /tmp/rkt-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/make-initramfs.sh" "$build" "$kver" "$work/initrd.gz" "$suite"
log=$build/vm-$suite.log
echo "vm: booting $kernel with suite $suite (console: $log)"
start=$(date +%s)
vm_boot "$work/initrd.gz" "$log" "rkt.suite=$suite $*"
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
cat "$log"
echo "vm: the guest ran for $(($(date +%s) - start)) s"
grep -q '^VM-DONE' "$log" || { echo "vm: the guest did not finish its suite" >&2; exit 1; }
pass=$(grep -c '^VM-RESULT .* PASS' "$log" || true)
fail=$(grep -c '^VM-RESULT .* FAIL' "$log" || true)
echo "vm: $pass passed, $fail failed"
grep '^VM-RESULT .* FAIL' "$log" >&2 || true
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
