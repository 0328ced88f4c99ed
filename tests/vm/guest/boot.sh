#!/bin/sh
# PID 1 of a VM test, in its tmpfs root: the host's usual mounts (cgroup v2 alone, as a pure v2
# host has it, or v1 hierarchies alone with rkt.cgroup=v1), the overlay module, then the suite named by rkt.suite= on the kernel command
# line. Its results are "VM-RESULT <case> PASS|FAIL" lines on the console; "VM-DONE" ends it.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
if grep -q 'rkt\.cgroup=v1' /proc/cmdline; then
  # A pure v1 host: a hierarchy per controller, as systemd's legacy mode mounts them.
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  for c in memory cpu,cpuacct pids devices freezer; do
    mkdir -p "/sys/fs/cgroup/$c"
    mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
  done
  ln -s cpu,cpuacct /sys/fs/cgroup/cpu
  ln -s cpu,cpuacct /sys/fs/cgroup/cpuacct
else
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
fi
mount -t tmpfs tmpfs /run
# No tmpfs over /tmp: the root is a tmpfs already, and a build tree under /tmp (a CI clone) lives
# there at its own path.
insmod /lib/modules/overlay.ko
hostname vm
ip link set lo up
suite=$(sed -n 's/.*rkt\.suite=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "VM-BOOTED $(cut -d' ' -f1 /proc/uptime)s suite=$suite kernel=$(uname -r)"
cd /tmp && "/vm/$suite.sh" </dev/null 2>&1
echo "VM-DONE"
sync
poweroff -f
