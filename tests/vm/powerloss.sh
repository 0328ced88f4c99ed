#!/usr/bin/env bash
# Power loss, not only SIGKILL: boots the power-loss suite (tests/vm/guest/powerloss.sh) once per
# round on one ext4 disk image, and kills QEMU from outside while the guest repeats one command
# (fetch, prepare, run, rm, gc, image rm): a random number of reported successes, then a random
# delay, then SIGKILL. What the guest printed as done before the cut becomes the next boot's
# ledger, which that boot checks survived; the last boot only checks. Any FAIL fails the test.
#   powerloss.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
. "$here/qemu.sh"
command -v mkfs.ext4 >/dev/null || { echo "vm: mkfs.ext4 is missing (Debian's e2fsprogs)" >&2; exit 1; }

work=$(mktemp -d /tmp/rkt-vm-powerloss.XXXXXX)
qpid=
trap '[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null; rm -rf "$work"' EXIT
"$here/make-initramfs.sh" "$build" "$kver" "$work/initrd.gz" powerloss
truncate -s 4G "$work/data.img"
mkfs.ext4 -q -F "$work/data.img"
log=$build/vm-powerloss.log
: >"$log"
failed=0 passed=0

for phase in fetch prepare run rm gc image-rm check; do
  # The ledger disk: what the last round reported done, NUL-padded.
  truncate -s 0 "$work/ledger.img"
  [ -f "$work/ledger" ] && cat "$work/ledger" >"$work/ledger.img"
  truncate -s 1M "$work/ledger.img"
  round=$work/round.log
  rm -f "$work/qemu.pid"
  vm_boot "$work/initrd.gz" "$round" "rkt.suite=powerloss rkt.phase=$phase" -pidfile "$work/qemu.pid" \
    -drive "file=$work/data.img,format=raw,if=virtio,cache=unsafe" \
    -drive "file=$work/ledger.img,format=raw,if=virtio,readonly=on" &
  boot=$!
  cut="none"
  if [ "$phase" != check ]; then
    want=$((RANDOM % 3 + 1)) delay_ms=$((RANDOM % 1500)) done_ops=0
    for _ in $(seq 1 6000); do # 10 minutes at most
      done_ops=$(grep -c '^VM-DONE-OP .* END' "$round" 2>/dev/null || true)
      [ "$done_ops" -ge "$want" ] && break
      grep -qE $'^(VM-LOOP-END|VM-DONE\r?$)' "$round" 2>/dev/null && break
      kill -0 "$boot" 2>/dev/null || break
      sleep 0.1
    done
    sleep "$(printf '0.%03d' "$delay_ms")"
    qpid=$(cat "$work/qemu.pid" 2>/dev/null || true)
    [ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null || true
    cut="SIGKILL ${delay_ms} ms after $done_ops reported successes"
  fi
  wait "$boot" || true
  qpid=
  tr -d '\r' <"$round" >"$round.txt"
  {
    echo "=== round $phase (cut: $cut)"
    cat "$round.txt"
  } | tee -a "$log"
  grep -q 'VM-BOOTED' "$round.txt" || { echo "vm: round $phase did not boot" >&2; exit 1; }
  [ "$phase" != check ] || grep -q '^VM-DONE$' "$round.txt" || { echo "vm: the check round did not finish" >&2; exit 1; }
  # The suite's checks run before the loop: a round cut before them finished is a broken test.
  grep -q '^VM-RESULT state.gc-again' "$round.txt" || { echo "vm: round $phase was cut before its checks ended" >&2; exit 1; }
  passed=$((passed + $(grep -c '^VM-RESULT .* PASS' "$round.txt" || true)))
  failed=$((failed + $(grep -c '^VM-RESULT .* FAIL' "$round.txt" || true)))
  grep '^VM-DONE-OP .* END$' "$round.txt" | sed 's/^VM-DONE-OP //; s/ END$//' >"$work/ledger" || true
done
echo "vm: $passed passed, $failed failed (console: $log)"
grep '^VM-RESULT .* FAIL' "$log" >&2 || true
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
