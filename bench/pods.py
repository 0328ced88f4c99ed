#!/usr/bin/env python3
"""Pod lifecycle benchmark: `rkt gc` of 1000 exited pods against `rm -rf` of the same trees, and
`rkt list` (both formats) / `rkt status` with 1000 pods on disk against `ls` of the pod directories. The pods
are copies of one real exited pod (same files, new UUIDs), made before each measurement: a --net=host pod,
then (list and status only) a pod that ran on rkt's default network, whose summary lists the network.
The script runs in a throwaway network and mount namespace that plays the host (fresh tmpfs on /run and
/var/lib), so the default network's links, routes, iptables rules and leases vanish with it.
Medians of N runs (the listings: five warm samples per run), printed with ratios. Not a test: nothing is asserted.

usage: sudo bench/pods.py [--rkt build/stage0/rkt] [--actool build/actool/actool] [--pods 1000] [--runs 5]"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def enter_throwaway_network():
    """Re-executes this script once in new network and mount namespaces, with loopback up and
    fresh tmpfs on /run and /var/lib (where CNI and iptables write): nothing of the machine's own
    network changes, and nothing is created on its file systems there."""
    outer = os.environ.get("RKT_BENCH_OUTER_NET")
    if not outer:
        env = dict(os.environ, RKT_BENCH_OUTER_NET=os.readlink("/proc/self/ns/net"))
        os.execvpe("unshare", ["unshare", "-n", "-m", "--propagation", "private", sys.executable] + sys.argv, env)
    if os.readlink("/proc/self/ns/net") == outer:
        sys.exit("not in a throwaway network namespace: refusing to go on")
    for d in ("/run", "/var/lib"):
        subprocess.check_call(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", d])
    for d in ("/run/netns", "/run/rkt", "/var/lib/cni"):
        os.mkdir(d, 0o755)
    subprocess.check_call(["ip", "link", "set", "lo", "up"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rkt", default="build/stage0/rkt")
    ap.add_argument("--actool", default="build/actool/actool")
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    enter_throwaway_network()
    rkt, actool = os.path.abspath(a.rkt), os.path.abspath(a.actool)
    work = tempfile.mkdtemp(prefix="rkt-pods-bench-", dir="/var/tmp")
    try:
        data = os.path.join(work, "data")
        layout = os.path.join(work, "img")
        os.makedirs(os.path.join(layout, "rootfs/bin"))
        shutil.copy("/bin/busybox", os.path.join(layout, "rootfs/bin/busybox"))
        os.symlink("busybox", os.path.join(layout, "rootfs/bin/true"))
        with open(os.path.join(layout, "manifest"), "w") as f:
            json.dump({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/true",
                       "app": {"exec": ["/bin/true"], "user": "0", "group": "0"}}, f)
        subprocess.check_call([actool, "build", layout, layout + ".aci"])
        subprocess.check_call([rkt, f"--dir={data}", "--insecure-options=image", "run", "--net=host",
                               "--uuid-file-save=" + os.path.join(work, "uuid"), layout + ".aci"], stdout=subprocess.DEVNULL)
        template = os.path.join(data, "pods/run", open(os.path.join(work, "uuid")).read().strip())
        shutil.move(template, os.path.join(work, "template"))
        template = os.path.join(work, "template")
        # A pod on the default network (ptp, host-local, masquerade: all inside this namespace).
        subprocess.check_call([rkt, f"--dir={data}", "--insecure-options=image", "run", "--net=default",
                               "--uuid-file-save=" + os.path.join(work, "uuid-net"), layout + ".aci"],
                              stdout=subprocess.DEVNULL)
        net_template = os.path.join(data, "pods/run", open(os.path.join(work, "uuid-net")).read().strip())
        if not os.path.exists(os.path.join(net_template, "net-info.json")):
            sys.exit("the pod on the default network recorded no network")
        shutil.move(net_template, os.path.join(work, "template-net"))
        net_template = os.path.join(work, "template-net")

        def populate(phase, source=template):
            d = os.path.join(data, "pods", phase)
            os.makedirs(d, exist_ok=True)
            names = []
            for _ in range(a.pods):
                u = str(uuid.uuid4())
                subprocess.run(["cp", "-a", source, os.path.join(d, u)], check=True)
                names.append(u)
            return names

        def listings(names, list_t, json_t, status_t, ls_t):
            """Warm: each command runs once untimed, then all of them in turn, five times."""
            cmds = [([rkt, f"--dir={data}", "list", "--no-legend"], list_t),
                    ([rkt, f"--dir={data}", "list", "--format=json"], json_t),
                    ([rkt, f"--dir={data}", "status", names[len(names) // 2]], status_t),
                    (["ls", "-l", os.path.join(data, "pods/run")], ls_t)]
            for cmd, _ in cmds:
                timed(cmd)
            for _ in range(5):
                for cmd, samples in cmds:
                    samples.append(timed(cmd))

        gc_t, rm_t, list_t, json_t, status_t, ls_t = [], [], [], [], [], []
        for _ in range(a.runs):
            listings(populate("run"), list_t, json_t, status_t, ls_t)
            gc_t.append(timed([rkt, f"--dir={data}", "gc", "--grace-period=0"]))
            populate("exited-garbage")
            rm_t.append(timed(["rm", "-rf", os.path.join(data, "pods/exited-garbage")]))
        # Networked copies share one network's records: listed, never torn down one by one.
        nlist_t, njson_t, nstatus_t, nls_t = [], [], [], []
        for _ in range(a.runs):
            listings(populate("run", net_template), nlist_t, njson_t, nstatus_t, nls_t)
            shutil.rmtree(os.path.join(data, "pods/run"))
        m = lambda xs: statistics.median(xs) * 1000
        print(f"{a.pods} exited pods, median of {a.runs} runs (listings: {5 * a.runs} warm samples):")
        print(f"  rkt gc --grace-period=0  {m(gc_t):8.1f} ms   rm -rf  {m(rm_t):8.1f} ms   ratio {m(gc_t) / m(rm_t):.2f}x")
        print(f"  rkt list                 {m(list_t):8.1f} ms   ls -l   {m(ls_t):8.1f} ms   ratio {m(list_t) / m(ls_t):.2f}x")
        print(f"  rkt list --format=json   {m(json_t):8.1f} ms   ls -l   {m(ls_t):8.1f} ms   ratio {m(json_t) / m(ls_t):.2f}x")
        print(f"  rkt status UUID          {m(status_t):8.1f} ms   ls -l   {m(ls_t):8.1f} ms   ratio {m(status_t) / m(ls_t):.2f}x")
        print(f"{a.pods} exited pods of the default network, median of {a.runs} runs (listings: {5 * a.runs} warm samples):")
        print(f"  rkt list                 {m(nlist_t):8.1f} ms   ls -l   {m(nls_t):8.1f} ms   ratio {m(nlist_t) / m(nls_t):.2f}x")
        print(f"  rkt list --format=json   {m(njson_t):8.1f} ms   ls -l   {m(nls_t):8.1f} ms   ratio {m(njson_t) / m(nls_t):.2f}x")
        print(f"  rkt status UUID          {m(nstatus_t):8.1f} ms   ls -l   {m(nls_t):8.1f} ms   ratio {m(nstatus_t) / m(nls_t):.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
