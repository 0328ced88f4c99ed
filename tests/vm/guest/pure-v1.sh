#!/bin/sh
# The pure cgroup v1 suite (rkt.cgroup=v1: boot.sh mounts v1 hierarchies only, no cgroup2): the
# integration suite's rkt run cases, which check each isolator on its v1 file, enter's cgroups
# and gc's removal.
. /vm/lib.sh
expect host.pure-v1 "only v1 hierarchies are mounted" sh -c '! grep -q " cgroup2 " /proc/mounts && grep -q " cgroup .*memory" /proc/mounts'
run_integration_suite
left=$(find /sys/fs/cgroup/memory /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/pids -mindepth 1 -type d -name 'rkt-*')
expect gc.cgroups "no pod cgroup is left in any hierarchy ($left)" [ -z "$left" ]
echo "VM-SUMMARY failures=$failures"
