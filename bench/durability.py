#!/usr/bin/env python3
"""What durability costs: for each command that reports a state done (fetch, prepare, run, image
rm, gc, trust), its wall time and the time it spends in fsync and syncfs, measured with
`strace -f -c -w` (syscall wall time) in a second, traced, run. The sync calls are those a power
cut needs (docs/security.md, "Power loss"): a store commit, the prepared and run transitions, the
claim of a pod being removed, an exit status.

Medians of N runs on the data dir's filesystem (BENCH_DIR, /var/tmp by default). Not a test:
nothing is asserted.

usage: sudo bench/durability.py [--rkt build/stage0/rkt] [--actool build/actool/actool] [--runs 5] [--mb 50]"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SYNC_CALLS = ("fsync", "fdatasync", "syncfs")


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def traced(cmd, out):
    """Seconds spent in the sync calls by cmd and its children, and how many calls."""
    subprocess.run(["strace", "-f", "-c", "-w", "-e", "trace=" + ",".join(SYNC_CALLS), "-o", out, "--"] + cmd,
                   check=True, stdout=subprocess.DEVNULL)
    seconds, calls = 0.0, 0
    for line in open(out):  # % time, seconds, usecs/call, calls, [errors,] syscall
        f = line.split()
        if len(f) >= 5 and f[-1] in SYNC_CALLS:
            seconds += float(f[1])
            calls += int(f[3])
    return seconds, calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rkt", default="build/stage0/rkt")
    ap.add_argument("--actool", default="build/actool/actool")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=int, default=50, help="size of the fetched image's files")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    if not shutil.which("strace"):
        subprocess.check_call(["apt-get", "install", "-y", "-qq", "strace"], stdout=subprocess.DEVNULL)
    rkt, actool = os.path.abspath(a.rkt), os.path.abspath(a.actool)
    work = tempfile.mkdtemp(prefix="rkt-sync-bench-", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    try:
        layout = os.path.join(work, "img")
        os.makedirs(os.path.join(layout, "rootfs/bin"))
        shutil.copy("/bin/busybox", os.path.join(layout, "rootfs/bin/busybox"))
        os.symlink("busybox", os.path.join(layout, "rootfs/bin/true"))
        with open(os.path.join(layout, "rootfs/data"), "wb") as f:
            for _ in range(a.mb):
                f.write(os.urandom(1 << 20))
        with open(os.path.join(layout, "manifest"), "w") as f:
            json.dump({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/true",
                       "app": {"exec": ["/bin/true"], "user": "0", "group": "0"}}, f)
        aci = layout + ".aci"
        subprocess.check_call([actool, "build", "--no-compression", layout, aci])
        key, gnupg = os.path.join(work, "key.asc"), os.path.join(work, "gnupg")
        os.makedirs(gnupg, mode=0o700)
        subprocess.run(["gpg", "--batch", "--homedir", gnupg, "--pinentry-mode", "loopback", "--passphrase", "",
                        "--quick-gen-key", "bench@example.com", "ed25519", "sign", "never"], check=True,
                       stderr=subprocess.DEVNULL)
        with open(key, "wb") as f:
            f.write(subprocess.check_output(["gpg", "--batch", "--homedir", gnupg, "--armor", "--export",
                                             "bench@example.com"]))
        subprocess.run(["gpgconf", "--homedir", gnupg, "--kill", "all"], stderr=subprocess.DEVNULL)

        data = os.path.join(work, "data")
        g = [rkt, f"--dir={data}", "--insecure-options=image"]
        uuid_file = os.path.join(work, "uuid")

        def fresh():
            shutil.rmtree(data, ignore_errors=True)
            subprocess.run(["sync"], check=True)

        def fetched():  # the image and stage1 in the store, its trees rendered, no pods
            fresh()
            subprocess.run(g + ["run", "--net=host", aci], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(g + ["gc", "--grace-period=0s"], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            subprocess.run(["sync"], check=True)

        def prepared():
            fetched()
            subprocess.run(g + ["prepare", "--quiet", "--uuid-file-save=" + uuid_file, aci], check=True,
                           stdout=subprocess.DEVNULL)

        def exited():
            fetched()
            for _ in range(20):
                subprocess.run(g + ["run", "--net=host", aci], check=True, stdout=subprocess.DEVNULL)

        cases = [
            ("fetch", fresh, g + ["fetch", aci]),
            ("fetch, stored", fetched, g + ["fetch", aci]),
            ("prepare", fetched, g + ["prepare", "--quiet", aci]),
            ("run /bin/true", fetched, g + ["run", "--net=host", aci]),
            ("run-prepared", prepared, lambda: g + ["run-prepared", "--net=host", open(uuid_file).read()]),
            ("image rm", fetched, g + ["image", "rm", "example.com/true"]),
            ("gc of 20 pods", exited, g + ["gc", "--grace-period=0s"]),
            ("trust", fresh, [rkt, f"--dir={data}",
                              f"--local-config={os.path.join(work, 'conf')}", "trust", "--root",
                              "--skip-fingerprint-review", key]),
        ]
        print(f"{a.runs} runs each, data dir on {work} ({a.mb} MiB image)")
        print(f"{'command':<16}{'wall ms':>10}{'sync ms':>10}{'calls':>7}{'share':>8}")
        for name, setup, cmd in cases:
            walls, syncs, counts = [], [], []
            for _ in range(a.runs):
                setup()
                walls.append(timed(cmd() if callable(cmd) else cmd))
                setup()
                s, c = traced(cmd() if callable(cmd) else cmd, os.path.join(work, "strace.out"))
                syncs.append(s)
                counts.append(c)
            w, s = statistics.median(walls) * 1e3, statistics.median(syncs) * 1e3
            print(f"{name:<16}{w:>10.1f}{s:>10.1f}{int(statistics.median(counts)):>7}{s / w:>8.0%}")
    finally:
        subprocess.run(["umount", "-R", "-l", work], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
