#!/bin/sh
# The pure cgroup v2 suite (booted with cgroup_no_v1=all): the integration suite's rkt run cases
# that need no network, from the root cgroup, and rkt started the way systemd starts a service
# with Delegate=yes: alone in a cgroup of its own below the root, with the controllers delegated.
. /vm/lib.sh
rkt=$build/stage0/rkt
cg=/sys/fs/cgroup

# A pure v2 host: no v1 hierarchy anywhere.
expect host.pure-v2 "only cgroup2 is mounted" sh -c '! grep -q " cgroup " /proc/mounts && grep -q " cgroup2 " /proc/mounts'

# The integration suite's rkt run cases, as written for every host (they branch on v2).
run_integration_suite

probe_image /tmp/probe.aci probe

# A service cgroup as systemd makes one with Delegate=yes: the controllers enabled on its way
# down, rkt alone in it.
echo "+memory +cpu +pids" >$cg/cgroup.subtree_control
mkdir -p $cg/svc.service
service() { # OUT COMMAND...: runs rkt alone in svc.service
  out=$1
  shift
  sh -c 'echo $$ >/sys/fs/cgroup/svc.service/cgroup.procs && exec "$@"' sh "$@" >"$out" 2>&1
}
service_bg() { # OUT COMMAND...: the same in the background; $! is rkt's (then stage1's) pid
  out=$1
  shift
  (exec sh -c 'echo $$ >/sys/fs/cgroup/svc.service/cgroup.procs && exec "$@"' sh "$@" >"$out" 2>&1) &
}
R="$rkt --dir=/tmp/data --insecure-options=image"

service /tmp/plain.out $R run --net=host /tmp/probe.aci --exec=/probe -- cgroup exit:0
rc=$?
cat /tmp/plain.out
expect service.run "rkt run from a delegated service cgroup, no limits" [ $rc -eq 0 ]

service_bg /tmp/limits.out $R run --net=host /tmp/probe.aci --memory=64M --cpu=250m --cpu-shares=512 \
  --exec=/probe -- cgroup exit:0
pid=$!
for i in $(seq 100); do grep -q "^cgroup " /tmp/limits.out 2>/dev/null && break; sleep 0.1; done
app=$(sed -n 's/^cgroup 0::\(.*\)/\1/p' /tmp/limits.out | head -1)
wait $pid
rc=$?
cat /tmp/limits.out
expect service.limits.run "rkt run --memory --cpu --cpu-shares from a service cgroup" [ $rc -eq 0 ]
expect service.limits.placed "the app's cgroup is below the service's ($app)" sh -c "echo '$app' | grep -q '^/svc.service/rkt-.*/probe$'"

# Values as the app saw them while it ran: the probe prints them with trap, so run it again and
# read them while it waits.
service_bg /tmp/trap.out $R run --net=host --uuid-file-save=/tmp/trap.uuid /tmp/probe.aci --memory=64M \
  --cpu=250m --cpu-shares=512 --exec=/probe -- cgroup trap:0
pid=$!
for i in $(seq 200); do grep -q "trap: waiting" /tmp/trap.out 2>/dev/null && break; sleep 0.1; done
app=$(sed -n 's/^cgroup 0::\(.*\)/\1/p' /tmp/trap.out | head -1)
d=$cg$app
expect isolator.memory "memory.max is 64000000" [ "$(cat $d/memory.max 2>&1)" = 64000000 ]
expect isolator.cpu "cpu.max is 25000 100000" [ "$(cat $d/cpu.max 2>&1)" = "25000 100000" ]
# cpu-shares 512 as systemd and crun convert it: 1 + ((512 - 2) * 9999) / 262142 = 20.
expect isolator.cpu-shares "cpu.weight is 20" [ "$(cat $d/cpu.weight 2>&1)" = 20 ]
expect isolator.pids "pids.max is 16384" [ "$(cat $d/pids.max 2>&1)" = 16384 ]
uuid=$(cat /tmp/trap.uuid)
$rkt --dir=/tmp/data enter "$uuid" /probe cgroup >/tmp/enter.out 2>&1
expect enter.cgroup "rkt enter joins the app's cgroup" grep -q "^cgroup 0::$app\$" /tmp/enter.out
cat /tmp/enter.out
kill -TERM $pid
wait $pid
expect service.stop "SIGTERM stops the pod" [ $? -eq 0 ]

service /tmp/oom.out $R run --net=host /tmp/probe.aci --memory=32M --exec=/probe -- alloc:256 exit:0
rc=$?
cat /tmp/oom.out
expect isolator.memory.oom "an app over its memory limit is killed and reported (rc=$rc)" \
  sh -c "[ $rc -eq 137 ] && grep -q 'ran out of memory and was killed' /tmp/oom.out"

# SIGKILL of stage1: gc removes what it left.
service_bg /tmp/killed.out $R run --net=host /tmp/probe.aci --exec=/probe -- trap:0
pid=$!
for i in $(seq 200); do grep -q "trap: waiting" /tmp/killed.out 2>/dev/null && break; sleep 0.1; done
kill -KILL $pid
wait $pid
sleep 0.5
$rkt --dir=/tmp/data gc --grace-period=0s >/tmp/gc.out 2>&1
cat /tmp/gc.out
left=$(find $cg/svc.service -mindepth 1 -type d)
expect gc.cgroups "gc leaves no cgroup below the service ($left)" [ -z "$left" ]

# A controller the parent did not delegate: a clear error naming it.
mkdir -p $cg/nomem.slice
echo "+cpu +pids" >$cg/nomem.slice/cgroup.subtree_control
mkdir -p $cg/nomem.slice/svc.service
sh -c 'echo $$ >/sys/fs/cgroup/nomem.slice/svc.service/cgroup.procs && exec "$@"' sh \
  $R run --net=host /tmp/probe.aci --memory=64M >/tmp/nomem.out 2>&1
rc=$?
cat /tmp/nomem.out
expect service.undelegated "a missing memory controller is a clear error (rc=$rc)" \
  sh -c "[ $rc -eq 254 ] && grep -q 'memory' /tmp/nomem.out && grep -q 'Delegate=yes' /tmp/nomem.out"
left=$(find $cg/nomem.slice/svc.service -mindepth 1 -type d)
expect service.undelegated.clean "the failed start leaves no cgroup ($left)" [ -z "$left" ]

# A cgroup rkt shares with another process (a shell's session): a pod without limits runs, and
# leaves the cgroup as it was; limits are a clear error.
mkdir -p $cg/session.scope
sleep 1000 &
other=$!
echo $other >$cg/session.scope/cgroup.procs
sh -c 'echo $$ >/sys/fs/cgroup/session.scope/cgroup.procs && exec "$@"' sh \
  $R run --net=host /tmp/probe.aci --exec=/probe -- cgroup exit:0 >/tmp/shared.out 2>&1
rc=$?
cat /tmp/shared.out
expect shared.run "a pod without limits runs from a shared cgroup (rc=$rc)" [ $rc -eq 0 ]
expect shared.untouched "the shared cgroup gives no controller afterwards" [ -z "$(cat $cg/session.scope/cgroup.subtree_control)" ]
sh -c 'echo $$ >/sys/fs/cgroup/session.scope/cgroup.procs && exec "$@"' sh \
  $R run --net=host /tmp/probe.aci --memory=64M >/tmp/shared-limits.out 2>&1
rc=$?
cat /tmp/shared-limits.out
expect shared.limits "limits from a shared cgroup are a clear error (rc=$rc)" \
  sh -c "[ $rc -eq 254 ] && grep -q 'other processes share that cgroup' /tmp/shared-limits.out"
kill $other
$rkt --dir=/tmp/data gc --grace-period=0s >/dev/null 2>&1
left=$(find $cg/session.scope -mindepth 1 -type d)
expect shared.gc "nothing is left below the shared cgroup after gc ($left)" [ -z "$left" ]
# The service cgroup after its pods: as systemd left it, nothing below it.
left=$(find $cg/svc.service -mindepth 1 -type d)
expect service.clean "every pod's cgroup is gone from the service's ($left)" [ -z "$left" ]

echo "VM-SUMMARY failures=$failures"
