#!/usr/bin/env python3
"""Pod lifecycle benchmark: `rkt gc` of 1000 exited pods against `rm -rf` of the same trees, and
`rkt list` (both formats) / `rkt status` with 1000 pods on disk against `ls` of the pod directories. The pods
are copies of one real exited pod (same files, new UUIDs), made before each measurement.
Medians of N runs, printed with ratios. Not a test: nothing is asserted.

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rkt", default="build/stage0/rkt")
    ap.add_argument("--actool", default="build/actool/actool")
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
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

        def populate(phase):
            d = os.path.join(data, "pods", phase)
            os.makedirs(d, exist_ok=True)
            names = []
            for _ in range(a.pods):
                u = str(uuid.uuid4())
                subprocess.run(["cp", "-a", template, os.path.join(d, u)], check=True)
                names.append(u)
            return names

        gc_t, rm_t, list_t, json_t, status_t, ls_t = [], [], [], [], [], []
        for _ in range(a.runs):
            names = populate("run")
            list_t.append(timed([rkt, f"--dir={data}", "list", "--no-legend"]))
            json_t.append(timed([rkt, f"--dir={data}", "list", "--format=json"]))
            status_t.append(timed([rkt, f"--dir={data}", "status", names[len(names) // 2]]))
            ls_t.append(timed(["ls", "-l", os.path.join(data, "pods/run")]))
            gc_t.append(timed([rkt, f"--dir={data}", "gc", "--grace-period=0"]))
            populate("exited-garbage")
            rm_t.append(timed(["rm", "-rf", os.path.join(data, "pods/exited-garbage")]))
        m = lambda xs: statistics.median(xs) * 1000
        print(f"{a.pods} exited pods, median of {a.runs} runs:")
        print(f"  rkt gc --grace-period=0  {m(gc_t):8.1f} ms   rm -rf  {m(rm_t):8.1f} ms   ratio {m(gc_t) / m(rm_t):.2f}x")
        print(f"  rkt list                 {m(list_t):8.1f} ms   ls -l   {m(ls_t):8.1f} ms   ratio {m(list_t) / m(ls_t):.2f}x")
        print(f"  rkt list --format=json   {m(json_t):8.1f} ms   ls -l   {m(ls_t):8.1f} ms   ratio {m(json_t) / m(ls_t):.2f}x")
        print(f"  rkt status UUID          {m(status_t):8.1f} ms   ls -l   {m(ls_t):8.1f} ms   ratio {m(status_t) / m(ls_t):.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
