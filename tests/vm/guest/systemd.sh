#!/bin/sh
# The systemd suite: systemd 252 is PID 1 (booted with cgroup_no_v1=all, so also a pure v2
# host) and rkt is installed as a package installs it (/usr/bin/rkt, the units of dist/). Run by
# rkt-vm-suite.service, whose output is the serial console.
. /vm/lib.sh
rkt=/usr/bin/rkt
insmod /lib/modules/overlay.ko
hostname vm
echo "VM-BOOTED $(cut -d' ' -f1 /proc/uptime)s suite=systemd kernel=$(uname -r)"
expect host.systemd "PID 1 is systemd ($(cat /proc/1/comm))" [ "$(cat /proc/1/comm)" = systemd ]
expect host.pure-v2 "only cgroup2 is mounted" sh -c '! grep -q " cgroup " /proc/mounts && grep -q " cgroup2 " /proc/mounts'

# The integration suite's rkt run cases under systemd, from the root cgroup (this unit's cgroup
# would be shared with the test binary, where a pod can get no controller; see docs/cgroups.md).
echo $$ >/sys/fs/cgroup/cgroup.procs
run_integration_suite

probe_image /tmp/probe.aci probe
probe_image /tmp/notify.aci notify '[{"name":"appc.io/executor/supports-systemd-notify","value":"true"}]'
active() { [ "$(systemctl is-active "$1")" = "$2" ]; }
unit() { # NAME TYPE EXEC-ARGS...: a unit file running rkt, as users write them
  name=$1 type=$2
  shift 2
  cat >"/etc/systemd/system/$name.service" <<UNIT
[Service]
Type=$type
NotifyAccess=all
Delegate=yes
TimeoutStartSec=60
TimeoutStopSec=20
ExecStart=$rkt --insecure-options=image run --net=host $*
UNIT
  systemctl daemon-reload
}

# systemd-run with Delegate=yes: active while the app runs, stopped by systemctl stop.
systemd-run --unit=pod-a -p Delegate=yes -p TimeoutStopSec=20 \
  $rkt --insecure-options=image run --net=host --uuid-file-save=/run/pod-a.uuid /tmp/probe.aci \
  --exec=/probe -- cgroup trap:0
wait_for 60 sh -c 'journalctl -u pod-a --no-pager | grep -q "trap: waiting"'
expect run.active "systemd-run -p Delegate=yes: the unit is active while the app runs" active pod-a active
uuid=$(cat /run/pod-a.uuid)
expect run.running "rkt status says running" sh -c "$rkt status $uuid | grep -q '^state=running'"
app=$(journalctl -u pod-a --no-pager -o cat | sed -n 's/^cgroup 0::\(.*\)/\1/p' | head -1)
expect run.cgroup "the app's cgroup is below the unit's ($app)" \
  sh -c "echo '$app' | grep -q '^/system.slice/pod-a.service/rkt-$uuid/probe$'"
start=$(date +%s)
systemctl stop pod-a
took=$(($(date +%s) - start))
expect stop.timely "systemctl stop ends the pod within its stop timeout (${took}s)" [ $took -lt 20 ]
expect stop.exited "the pod reads as exited" sh -c "$rkt status $uuid | grep -q '^state=exited'"
expect stop.inactive "the unit is inactive" active pod-a inactive

# A unit file: the app's exit status is the unit's, and its output is in the journal.
unit pod-b simple /tmp/probe.aci --exec=/probe -- env:AC_APP_NAME exit:3
systemctl start pod-b
wait_for 60 sh -c '! systemctl is-active -q pod-b'
status=$(systemctl show -p ExecMainStatus --value pod-b)
expect unit.status "the unit's exit status is the app's ($status)" [ "$status" = 3 ]
expect unit.result "the unit failed with exit-code" [ "$(systemctl show -p Result --value pod-b)" = exit-code ]
journalctl -u pod-b --no-pager -o cat | tail -5
expect unit.journal "journalctl -u shows the app's output" sh -c 'journalctl -u pod-b --no-pager -o cat | grep -q "AC_APP_NAME.*probe"'

# Type=notify: active only when the app sends READY=1, which stage1 relays.
unit pod-c notify /tmp/notify.aci --exec=/probe -- sleep:4 notify trap:0
systemctl start --no-block pod-c
sleep 1
expect notify.activating "Type=notify: activating before READY=1" active pod-c activating
wait_for 60 active pod-c active
expect notify.active "Type=notify: active after READY=1" active pod-c active
systemctl stop pod-c
unit pod-d notify /tmp/notify.aci --exec=/probe -- trap:0
systemctl start --no-block pod-d
wait_for 60 sh -c 'journalctl -u pod-d --no-pager | grep -q "trap: waiting"'
sleep 3
expect notify.never "Type=notify: an app that never sends READY=1 stays activating" active pod-d activating
systemctl stop pod-d

# The shipped units: rkt-gc.service collects, the metadata socket starts its service on demand.
systemctl start rkt-gc.service
expect gc.service "rkt-gc.service runs gc ($(systemctl show -p Result --value rkt-gc.service))" \
  [ "$(systemctl show -p Result --value rkt-gc.service)" = success ]
expect gc.marked "exited pods are marked for collection" sh -c 'ls /var/lib/rkt/pods/exited-garbage | grep -q .'
systemctl start rkt-gc.timer
expect gc.timer "rkt-gc.timer is active and names rkt-gc.service" \
  sh -c '[ "$(systemctl is-active rkt-gc.timer)" = active ] && [ "$(systemctl show -p Unit --value rkt-gc.timer)" = rkt-gc.service ]'
systemctl start rkt-metadata.socket
expect mds.idle "the metadata service waits for its socket" active rkt-metadata.service inactive
$rkt --insecure-options=image run --net=host --mds-register /tmp/probe.aci --exec=/probe -- env:AC_METADATA_URL \
  >/tmp/mds.out 2>&1
cat /tmp/mds.out
expect mds.url "a pod registered through the socket gets AC_METADATA_URL" grep -q "http://127.0.0.1" /tmp/mds.out
expect mds.active "the socket started the metadata service" active rkt-metadata.service active

echo "VM-SUMMARY failures=$failures"
echo "VM-DONE"
