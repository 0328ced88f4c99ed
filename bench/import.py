#!/usr/bin/env python3
"""Import benchmark: `rkt fetch` of a signed 200 MB+ gzip image from a file (signature check,
decompression, hashing, blob and rendered tree) against the same work done by standard tools
in the same run, `sha512sum IMAGE; gzip -dc IMAGE | tar -x`, and without the signature check
(what verification costs). Runs alternate (A B C A B C ...);
medians and their ratio are printed, with the peak RSS of rkt for a small and the big image to
show memory does not grow with image size. Not a test: nothing is asserted.

usage: bench/import.py [--rkt build/stage0/rkt] [--actool build/actool/actool] [--runs 5]
                       [--source /usr/lib/gcc] [--min-mb 200]"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run(argv, **kw):
    """Runs a command; returns (seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed: {err}")
    return elapsed, usage.ru_maxrss


def build_image(work, actool, source, min_mb, name):
    layout = os.path.join(work, name + "-layout")
    rootfs = os.path.join(layout, "rootfs")
    os.makedirs(rootfs)
    total = 0
    for src in source:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            for f in sorted(filenames):
                p = os.path.join(dirpath, f)
                if not os.path.isfile(p) or os.path.islink(p):
                    continue
                dest = os.path.join(rootfs, os.path.relpath(p, "/"))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(p, dest)
                total += os.path.getsize(p)
                if total >= min_mb << 20:
                    break
            if total >= min_mb << 20:
                break
    with open(os.path.join(layout, "manifest"), "w") as f:
        f.write('{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/%s"}' % name)
    out = os.path.join(work, name + ".aci")
    subprocess.check_call([actool, "build", "--owner-root", layout, out])
    shutil.rmtree(layout)
    return out, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rkt", default="build/stage0/rkt")
    ap.add_argument("--actool", default="build/actool/actool")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--source", nargs="+", default=["/usr/lib/x86_64-linux-gnu", "/usr/share"])
    ap.add_argument("--min-mb", type=int, default=210)
    a = ap.parse_args()
    rkt, actool = os.path.abspath(a.rkt), os.path.abspath(a.actool)
    work = tempfile.mkdtemp(prefix="rkt-bench-", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    try:
        gnupg = os.path.join(work, "gnupg")
        os.makedirs(gnupg, mode=0o700)
        gpg = ["gpg", "--homedir", gnupg, "--batch", "--quiet"]
        subprocess.check_call(gpg + ["--passphrase", "", "--quick-gen-key", "Bench <b@example.com>", "ed25519", "sign", "never"])
        pub = os.path.join(work, "key.pub")
        with open(pub, "w") as f:
            subprocess.check_call(gpg + ["--armor", "--export", "b@example.com"], stdout=f)
        big, big_bytes = build_image(work, actool, a.source, a.min_mb, "big")
        small, small_bytes = build_image(work, actool, ["/usr/share"], 20, "small")
        for img in (big, small):
            subprocess.check_call(gpg + ["--yes", "--armor", "--output", img + ".asc", "--detach-sign", img])
        conf = os.path.join(work, "etc")
        subprocess.check_call([rkt, "--local-config=" + conf, "trust", "--skip-fingerprint-review", "--root", pub],
                              stdout=subprocess.DEVNULL)
        print(f"image: {big_bytes >> 20} MiB of files, {os.path.getsize(big) >> 20} MiB gzip")

        base_times, rkt_times, rkt_rss, unverified_times = [], [], [], []
        for i in range(a.runs):
            out = os.path.join(work, f"tar-{i}")
            os.makedirs(out)
            t, _ = run(["sh", "-c", f'sha512sum "{big}" >/dev/null && gzip -dc "{big}" | tar -x -C "{out}"'])
            base_times.append(t)
            shutil.rmtree(out)
            data = os.path.join(work, f"data-{i}")
            t, rss = run([rkt, "--dir=" + data, "--local-config=" + conf, "fetch", big])
            rkt_times.append(t)
            rkt_rss.append(rss)
            shutil.rmtree(data)
            # The same import without the signature check: what verification costs.
            t, _ = run([rkt, "--dir=" + data, "--local-config=" + conf, "--insecure-options=image", "fetch", big])
            unverified_times.append(t)
            shutil.rmtree(data)
        _, small_rss = run([rkt, "--dir=" + os.path.join(work, "small-data"), "--local-config=" + conf, "fetch", small])
        b, r = statistics.median(base_times), statistics.median(rkt_times)
        print(f"sha512sum + gzip -dc | tar -x   median {b:.3f} s  (runs: {' '.join(f'{x:.2f}' for x in base_times)})")
        print(f"rkt fetch (verify+import+render) median {r:.3f} s  (runs: {' '.join(f'{x:.2f}' for x in rkt_times)})")
        u = statistics.median(unverified_times)
        print(f"rkt fetch --insecure-options=image median {u:.3f} s (signature verification: {r - u:.3f} s)")
        print(f"ratio rkt/baseline: {r / b:.2f}x (target: 0.5x or less)")
        print(f"rkt peak RSS: {small_rss / 1024:.1f} MiB for the {small_bytes >> 20} MiB image, "
              f"{max(rkt_rss) / 1024:.1f} MiB for the {big_bytes >> 20} MiB image")
    finally:
        subprocess.call(["gpgconf", "--homedir", os.path.join(work, "gnupg"), "--kill", "gpg-agent"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
