#!/bin/sh
# The power-loss suite, one boot per round, driven by tests/vm/powerloss.sh on the host. The data
# dir is an ext4 virtio disk (/dev/vda) that outlives the VM, which the host kills from outside
# (QEMU SIGKILLed: whatever the guest kernel had not written to the disk is lost, as in a power
# cut). Each boot:
#   1. checks what the previous round reported done before its cut: the host's ledger, on a
#      second disk (/dev/vdb), one "KIND ID [DETAIL]" line per command that returned success;
#   2. checks what any state must satisfy: list, image list, every image verifies and runs, gc
#      and image gc work, a fresh image fetches and runs;
#   3. starts this round's loop (rkt.phase= on the kernel command line), printing
#      "VM-DONE-OP KIND ID [DETAIL] END" after each command that succeeded, until the host kills it.
. /vm/lib.sh
phase=$(sed -n 's/.*rkt\.phase=\([^ ]*\).*/\1/p' /proc/cmdline)
RKT="$build/stage0/rkt --insecure-options=image" # a word list: the checks run it in sh -c
export RKT

for m in $(cat /lib/modules/powerloss/order); do insmod "/lib/modules/powerloss/$m" 2>/dev/null; done
mkdir -p /var/lib/rkt
if ! mount -t ext4 /dev/vda /var/lib/rkt; then
  result disk.mount FAIL "mounting the data disk /dev/vda"
  echo "VM-SUMMARY failures=$failures"
  exit
fi

# Images that check themselves: /check compares /data with the hash recorded beside it, so a
# rendered tree with a truncated or missing file fails to run. img-N.aci differ in their data.
make_image() { # N [EXEC-JSON]
  d=/tmp/layout-$1
  mkdir -p "$d/rootfs/bin"
  cp /bin/busybox "$d/rootfs/bin/busybox"
  dd if=/dev/urandom of="$d/rootfs/data" bs=64k count=48 2>/dev/null
  (cd "$d/rootfs" && busybox sha256sum data >data.sha256)
  printf '#!/bin/busybox sh\ncd / && /bin/busybox sha256sum -c -s /data.sha256\n' >"$d/rootfs/check"
  chmod 755 "$d/rootfs/check"
  printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"vm/pl-%s","app":{"exec":%s,"user":"0","group":"0"}}' \
    "$1" "${2:-[\"/check\"]}" >"$d/manifest"
  "$build/actool/actool" build --overwrite "$d" "/tmp/img-$1.aci"
}

# 1. The previous round's ledger.
tr -d '\000' </dev/vdb >/tmp/ledger
while read -r kind id detail; do
  case "$kind" in
  image)
    expect "ledger.image" "fetched $id verifies and runs" sh -c "$RKT image verify $id >/dev/null && $RKT run --net=host $id"
    ;;
  prepared)
    expect "ledger.prepared" "prepared $id is prepared and runs" sh -c \
      "$RKT status $id | grep -qx state=prepared && $RKT run-prepared --net=host $id"
    ;;
  exited)
    expect "ledger.exited" "pod $id exited with $detail" sh -c \
      "$RKT status $id >/tmp/status && grep -qx state=exited /tmp/status && grep -qx 'app-[a-z0-9-]*=$detail' /tmp/status"
    ;;
  removed)
    expect "ledger.removed" "removed pod $id stays removed" sh -c "! $RKT status $id >/dev/null 2>&1 && ! $RKT list --full --no-legend | grep -q $id"
    ;;
  image-removed)
    expect "ledger.image-removed" "removed image $id stays removed" sh -c "! $RKT image list --full --no-legend | grep -q $id"
    ;;
  esac
done </tmp/ledger

# 2. Any state.
expect state.list "rkt list works" sh -c '$RKT list >/dev/null'
expect state.image-list "rkt image list works" sh -c '$RKT image list --full --no-legend >/tmp/images'
for key in $(awk '{print $1}' /tmp/images); do
  expect state.image "listed image $key verifies" sh -c "$RKT image verify $key >/dev/null"
done
expect state.gc "rkt gc works" sh -c '$RKT gc --grace-period=0s >/dev/null 2>&1'
expect state.gc-clean "gc left no exited pod" sh -c '! $RKT list --no-legend | grep -q exited'
expect state.image-gc "rkt image gc sweeps what a cut left" sh -c \
  '$RKT image gc --grace-period=24h >/dev/null 2>&1 && [ -z "$(ls -A /var/lib/rkt/cas/tmp 2>/dev/null)" ]'
make_image fresh
expect state.fresh "a fresh image fetches and runs" $RKT run --net=host /tmp/img-fresh.aci
expect state.gc-again "rkt gc works again" sh -c '$RKT gc --grace-period=0s >/dev/null 2>&1'
sync

# 3. This round's loop, until the host cuts the power.
done_op() { echo "VM-DONE-OP $* END"; } # END: the host takes only lines the cut did not cut short
case "$phase" in
fetch)
  for i in 1 2 3 4 5 6 7 8; do make_image "$i"; done
  for i in 1 2 3 4 5 6 7 8; do
    key=$($RKT fetch --full "/tmp/img-$i.aci") && done_op image "$key"
  done
  ;;
prepare)
  make_image 1
  for i in 1 2 3 4 5 6 7 8; do
    uuid=$($RKT prepare --quiet /tmp/img-1.aci) && done_op prepared "$uuid"
  done
  ;;
run)
  make_image 7 '["/bin/busybox","sh","-c","exit 7"]'
  for i in 1 2 3 4 5 6 7 8; do
    $RKT run --net=host --uuid-file-save=/tmp/uuid /tmp/img-7.aci
    [ $? -eq 7 ] && done_op exited "$(cat /tmp/uuid)" 7
  done
  ;;
rm)
  make_image 1
  for i in 1 2 3 4 5 6 7 8; do $RKT run --net=host "--uuid-file-save=/tmp/uuid-$i" /tmp/img-1.aci; done
  sync
  for i in 1 2 3 4 5 6 7 8; do
    uuid=$(cat "/tmp/uuid-$i")
    $RKT rm "$uuid" >/dev/null && done_op removed "$uuid"
  done
  ;;
gc)
  make_image 1
  for i in 1 2 3 4 5 6 7 8; do
    $RKT run --net=host --uuid-file-save=/tmp/uuid-a /tmp/img-1.aci
    $RKT run --net=host --uuid-file-save=/tmp/uuid-b /tmp/img-1.aci
    if $RKT gc --grace-period=0s >/dev/null 2>&1; then
      done_op removed "$(cat /tmp/uuid-a)"
      done_op removed "$(cat /tmp/uuid-b)"
    fi
  done
  ;;
image-rm)
  keys=""
  for i in 1 2 3 4 5 6 7 8; do
    make_image "$i"
    keys="$keys $($RKT fetch --full "/tmp/img-$i.aci")"
  done
  sync
  for key in $keys; do
    $RKT image rm "$key" >/dev/null 2>&1 && done_op image-removed "$key"
  done
  ;;
esac
echo "VM-LOOP-END $phase"
echo "VM-SUMMARY failures=$failures"
