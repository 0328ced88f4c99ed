#!/usr/bin/env python3
"""Start-up benchmark: a complete warm `rkt run --net=host` of an image whose app is /bin/true
(pod created, run, exited), against `crun run`, `runc run` and `bwrap` on the same root
filesystem, alternating, median of N runs each, printed as ratios. Then the same rkt run with a
300 MB image (start time should not grow with image size: the root is an overlay, not a copy),
while another process writes to the same filesystem (an exit must not wait for it), and with 500
images in the store (nor with their number: lookups by name read an index),
and the resident memory of rkt's two long-lived processes (stage1 on the host and the pod's PID
1) while an app sleeps, and where a run's time goes: each phase of it timed from its processes'
exec and exit events (stage0 until it execs stage1; stage1 until it execs the app; the app; the
app's exit until rkt exits), traced with perf (Debian's linux-perf) or, failing that, strace,
which slows every system call; and what rkt and crun sleep on (a cgroup move's RCU grace period,
a filesystem sync), from perf's scheduler events with kernel stacks. Not a test: nothing is
asserted.

crun refuses this host's hybrid cgroup layout (a cgroup2 mount carrying a controller), so the
benchmark runs inside one private mount namespace where /sys/fs/cgroup/unified is unmounted, as in
../shared/reference/benchmarks.md (made once: a namespace and a shell per run would add their
own ~12 ms to every sample of every runtime). Peers come from Debian (apt-get install crun runc bubblewrap).

usage: sudo [BENCH_DIR=/var/tmp] bench/run.py [--rkt build/stage0/rkt] [--actool build/actool/actool] [--runs 20]"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def timed(cmd):
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return took


def enter_private_ns():
    """Re-executes this script once in a private mount namespace where /sys/fs/cgroup/unified is
    unmounted (crun refuses the hybrid layout), so that every runtime runs there with nothing
    wrapped around each run (a per-run unshare and shell added ~12 ms to every sample)."""
    outer = os.environ.get("RKT_BENCH_OUTER_NS")
    if not outer:
        env = dict(os.environ, RKT_BENCH_OUTER_NS=os.readlink("/proc/self/ns/mnt"))
        os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv, env)
    if os.readlink("/proc/self/ns/mnt") == outer:
        sys.exit("not in a private mount namespace: refusing to unmount anything")
    subprocess.run(["umount", "/sys/fs/cgroup/unified"], stderr=subprocess.DEVNULL)


def phases(cmd, rkt, trace):
    """The four phases of one `rkt run` of /bin/true, in seconds, from the exec and exit events
    of its processes: with perf's scheduler tracepoints (which cost almost nothing), or strace's
    execve and exit_group records where perf cannot trace (ptrace slows every system call)."""
    perf = ["perf", "trace", "--no-syscalls", "-e", "sched:sched_process_exec,sched:sched_process_exit", "-o", trace]
    if subprocess.run(perf + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        events = []
        for line in open(trace):
            f = line.split(None, 2)
            if len(f) == 3 and "sched_process_" in f[2]:
                kind = "exec" if "sched_process_exec" in f[2] else "exit"
                path = f[2].split('filename: "', 1)[1].split('"', 1)[0] if kind == "exec" else ""
                events.append((float(f[0]) / 1000, f[1].rsplit("/", 1)[1], kind, path))
    else:
        subprocess.run(["strace", "-f", "-ttt", "-qq", "-e", "trace=execve,exit_group", "-o", trace] + cmd,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        events = []
        for line in open(trace):
            f = line.split(None, 2)
            if len(f) == 3 and f[2].startswith("execve(") and "= 0" in f[2]:
                events.append((float(f[1]), f[0], "exec", f[2].split('"', 2)[1]))
            elif len(f) == 3 and f[2].startswith("+++ exited"):
                events.append((float(f[1]), f[0], "exit", ""))
    start = stage1 = app = app_exit = end = None
    first = app_pid = None
    for t, pid, kind, path in events:
        if kind == "exec":
            if path == rkt and start is None:
                start, first = t, pid
            elif path.endswith("/stage1/rootfs/init") and stage1 is None:
                stage1 = t
            elif path == "/bin/true":
                app, app_pid = t, pid
        else:
            if pid == app_pid and app_exit is None:
                app_exit = t
            if pid == first:
                end = t
    if None in (start, stage1, app, app_exit, end):  # noqa: E711
        sys.exit(f"could not find the phases of a run in {trace}")
    return {"stage0": stage1 - start, "stage1": app - stage1, "app": app_exit - app, "exit": end - app_exit}


def waits(cmd, trace):
    """Where one run of `cmd` sleeps, in seconds, from perf's scheduler events with kernel stacks
    (system-wide, so that the wake-ups other tasks send are seen): the time its processes spend
    blocked in a cgroup move (`cgroup.procs` waits for an RCU grace period, `rcu_sync_enter`), in
    a filesystem sync (an overlay's unmount syncs its upper filesystem). None where perf cannot
    record stacks."""
    rec = ["perf", "record", "-q", "-a", "-g", "-o", trace, "-e", "sched:sched_switch", "-e", "sched:sched_wakeup",
           "-e", "sched:sched_process_fork", "-e", "sched:sched_process_exec", "--"]
    if subprocess.run(rec + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        return None
    text = subprocess.run(["perf", "script", "-i", trace, "-F", "tid,time,event,trace,ip,sym"], capture_output=True,
                          text=True).stdout
    tree, asleep = set(), {}
    out = {"cgroup move": 0.0, "filesystem sync": 0.0}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        head = lines[0].split(None, 3)
        if len(head) < 4:
            continue
        tid, t, event, rest = int(head[0]), float(head[1].rstrip(":")), head[2].rstrip(":"), head[3]
        fields = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
        if event == "sched:sched_process_exec" and not tree:
            if os.path.basename(fields.get("filename", "")) == os.path.basename(cmd[0]):
                tree.add(tid)
        elif event == "sched:sched_process_fork" and int(fields.get("pid", -1)) in tree:
            tree.add(int(fields["child_pid"]))
        elif event == "sched:sched_switch" and int(fields.get("prev_pid", -1)) in tree:
            if not fields.get("prev_state", "R").startswith("R"):
                asleep[int(fields["prev_pid"])] = (t, " ".join(lines[1:]))
        elif event == "sched:sched_wakeup" and int(fields.get("pid", -1)) in asleep:
            since, stack = asleep.pop(int(fields["pid"]))
            if "rcu_sync_enter" in stack:
                out["cgroup move"] += t - since
            elif "sync_filesystem" in stack:
                out["filesystem sync"] += t - since
    return out if tree else None


def williams_row(names, i):
    """Row i (mod n) of a Williams design for an even number n of names: across n rows, each name
    directly follows each other name exactly once."""
    n = len(names)
    first = [0] + [(k + 1) // 2 if k % 2 else n - k // 2 for k in range(1, n)]
    return [names[(j + i) % n] for j in first]


def make_rootfs(path, big_mb=0):
    os.makedirs(os.path.join(path, "bin"))
    shutil.copy("/bin/busybox", os.path.join(path, "bin/busybox"))
    for applet in ("true", "sleep", "sh"):
        os.symlink("busybox", os.path.join(path, "bin", applet))
    for d in ("proc", "dev", "sys", "tmp", "etc"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    if big_mb:
        blob = os.urandom(1 << 20)
        os.makedirs(os.path.join(path, "data"))
        for i in range(big_mb):
            with open(os.path.join(path, "data", f"f{i}"), "wb") as f:
                f.write(blob)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rkt", default="build/stage0/rkt")
    ap.add_argument("--actool", default="build/actool/actool")
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    enter_private_ns()
    tools = (("crun", "crun"), ("runc", "runc"), ("bubblewrap", "bwrap"), ("strace", "strace"), ("linux-perf", "perf"))
    missing = [p for p, b in tools if not shutil.which(b)]
    if missing:
        subprocess.check_call(["apt-get", "install", "-y", "-qq"] + missing, stdout=subprocess.DEVNULL)
    rkt, actool = os.path.abspath(a.rkt), os.path.abspath(a.actool)
    # rkt's data dir and crun's bundle, on one filesystem (BENCH_DIR): what kind it is matters
    # (bench/README.md: ext4 without a journal makes each new inode scan past recently deleted ones).
    work = tempfile.mkdtemp(prefix="rkt-run-bench-", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    try:
        data = os.path.join(work, "data")
        for name, mb in (("true", 0), ("big", 300)):
            layout = os.path.join(work, name)
            make_rootfs(os.path.join(layout, "rootfs"), mb)
            with open(os.path.join(layout, "manifest"), "w") as f:
                json.dump({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": f"example.com/{name}",
                           "app": {"exec": ["/bin/true"], "user": "0", "group": "0"}}, f)
            sh([actool, "build", "--owner-root", layout, layout + ".aci"])
            sh([rkt, f"--dir={data}", "--insecure-options=image", "fetch", layout + ".aci"])
        bundle = os.path.join(work, "bundle")
        shutil.copytree(os.path.join(work, "true", "rootfs"), os.path.join(bundle, "rootfs"), symlinks=True)
        sh(["crun", "spec"], cwd=bundle)
        with open(os.path.join(bundle, "config.json")) as f:
            spec = json.load(f)
        spec["process"]["args"] = ["/bin/true"]
        spec["process"]["terminal"] = False
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f)

        rootfs = os.path.join(work, "true", "rootfs")
        runners = {
            "rkt": lambda i: [rkt, f"--dir={data}", "run", "--net=host", "example.com/true"],
            "crun": lambda i: ["crun", "run", "-b", bundle, f"bench-crun-{i}"],
            "runc": lambda i: ["runc", "run", "-b", bundle, f"bench-runc-{i}"],
            "bwrap": lambda i: ["bwrap", "--unshare-all", "--ro-bind", rootfs, "/", "--proc", "/proc",
                                "--dev", "/dev", "/bin/true"],
        }
        times = {k: [] for k in runners}
        # The setup wrote some 600 MB (the 300 MB image's blob and tree): written back while the
        # runs are timed, it would stall rkt's one flush at a pod's exit (an fsync waits for the
        # journal commit, which waits for the data written before it), and crun syncs nothing.
        os.sync()
        # Alternating, in the rows of a balanced Latin square (Williams): over every len(names)
        # rounds each runtime follows each of the others once, since what one leaves the kernel to
        # clean up lands on the next one's time (a network namespace's teardown, after crun, runc
        # and bwrap, costs the next run ~8 ms here). A plain rotation kept one order within every
        # round, so that rkt followed bwrap in three runs of four, and crun followed rkt.
        names = list(runners)
        for i in range(a.runs):
            for name in williams_row(names, i):
                times[name].append(timed(runners[name](i)))
        big = []
        for i in range(max(5, a.runs // 2)):
            big.append(timed([rkt, f"--dir={data}", "run", "--net=host", "example.com/big"]))
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        print(f"warm start to exit of /bin/true, median of {a.runs} alternating runs:")
        for k in runners:
            dec = statistics.quantiles(times[k], n=10)
            print(f"  {k:6s} {med[k]:7.1f} ms  (p10 {dec[0] * 1000:.1f}, p90 {dec[-1] * 1000:.1f})")
        for k in ("crun", "runc", "bwrap"):
            print(f"  rkt / {k}: {med['rkt'] / med[k]:.2f}x")
        print(f"  rkt with a 300 MB image: {statistics.median(big) * 1000:.1f} ms "
              f"({statistics.median(big) * 1000 / med['rkt']:.2f}x the small image)")

        # Under a writer: another process keeps writing to the filesystem that holds rkt's data
        # directory (and crun's bundle). A run whose exit synced that filesystem (an overlay's
        # unmount does, unless it is volatile) would wait for the writer's dirty pages.
        fill = os.path.join(work, "fill")
        writer = subprocess.Popen(["sh", "-c", f"while :; do dd if=/dev/zero of={fill} bs=1M count=256 status=none; done"],
                                  start_new_session=True)
        try:
            time.sleep(1)
            loaded = {"rkt": [], "crun": []}
            for i in range(a.runs):
                for name in (("rkt", "crun") if i % 2 else ("crun", "rkt")):
                    loaded[name].append(timed(runners[name](f"load{i}")))
        finally:
            os.killpg(writer.pid, 9)  # the shell and its dd
            writer.wait()
            os.unlink(fill)
        lmed = {k: statistics.median(v) * 1000 for k, v in loaded.items()}
        print(f"  while another process writes to the same filesystem: rkt {lmed['rkt']:.1f} ms, "
              f"crun {lmed['crun']:.1f} ms ({lmed['rkt'] / lmed['crun']:.2f}x)")

        # Start time against the number of images in the store: a store with the image and stage1
        # only, against one with 500 more (tiny, with other names), alternating.
        few, many = os.path.join(work, "few"), os.path.join(work, "many")
        for d in (few, many):
            sh([rkt, f"--dir={d}", "--insecure-options=image", "fetch", os.path.join(work, "true.aci")])
            sh([rkt, f"--dir={d}", "run", "--net=host", "example.com/true"])  # imports stage1
        filler = os.path.join(work, "filler")
        os.makedirs(os.path.join(filler, "rootfs"))
        for i in range(500):
            with open(os.path.join(filler, "manifest"), "w") as f:
                json.dump({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": f"example.com/filler-{i}",
                           "labels": [{"name": "version", "value": str(i)}]}, f)
            sh([actool, "build", "--overwrite", filler, filler + ".aci"])
            sh([rkt, f"--dir={many}", "--insecure-options=image", "fetch", filler + ".aci"])
        by_store = {few: [], many: []}
        os.sync()
        for _ in range(a.runs):
            for d in (few, many):
                by_store[d].append(timed([rkt, f"--dir={d}", "run", "--net=host", "example.com/true"]))
        t_few, t_many = (statistics.median(by_store[d]) * 1000 for d in (few, many))
        print(f"  rkt with 502 images in the store: {t_many:.1f} ms against {t_few:.1f} ms with 2 "
              f"({t_many / t_few:.2f}x)")

        # Where the time of a run goes, phase by phase.
        traced = [phases([rkt, f"--dir={data}", "run", "--net=host", "example.com/true"], rkt,
                         os.path.join(work, "trace")) for _ in range(max(5, a.runs // 2))]
        names = ("stage0", "stage1", "app", "exit")
        med_phase = {n: statistics.median(t[n] for t in traced) * 1000 for n in names}
        total = sum(med_phase.values())
        print(f"phases of a run, from its processes' exec and exit events (median of {len(traced)}; "
              f"{total:.1f} ms traced, {med['rkt']:.1f} ms untraced):")
        labels = {"stage0": "stage0 until it execs stage1", "stage1": "stage1 until it execs the app",
                  "app": "the app (/bin/true)", "exit": "app exit until rkt exits"}
        for n in names:
            print(f"  {labels[n]:32s} {med_phase[n]:6.1f} ms  {100 * med_phase[n] / total:4.0f}%")

        # What the runs of rkt and crun sleep on: both wait for a cgroup move's RCU grace period,
        # a large share of either's time here.
        slept = {"rkt": [], "crun": []}
        for i in range(max(5, a.runs // 2)):
            for name in slept:
                w = waits(runners[name](f"w{i}"), os.path.join(work, "sched.data"))
                if w is None:
                    break
                slept[name].append(w)
        if all(slept.values()):
            print(f"where a run sleeps (median of {len(slept['rkt'])}, traced with kernel stacks):")
            for name, runs in slept.items():
                cells = ", ".join(f"{k} {statistics.median(r[k] for r in runs) * 1000:.1f} ms"
                                  for k in ("cgroup move", "filesystem sync"))
                print(f"  {name:6s} {cells}")

        # Resident memory of stage1 (rkt's process on the host) and the pod's PID 1.
        sh([actool, "patch-manifest", "--replace", "--exec=/bin/sleep 2", os.path.join(work, "true.aci")])
        sh([rkt, f"--dir={data}", "--insecure-options=image", "fetch", "--pull-policy=update", os.path.join(work, "true.aci")])
        p = subprocess.Popen([rkt, f"--dir={data}", "run", "--net=host", "--uuid-file-save=" + os.path.join(work, "uuid"),
                              "example.com/true"], stdout=subprocess.DEVNULL)
        time.sleep(1)
        uuid = open(os.path.join(work, "uuid")).read().strip()
        sup = open(os.path.join(data, "pods/run", uuid, "pid")).read().strip()

        def rss(pid):
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
            return 0
        print(f"resident memory: stage1 {rss(p.pid) / 1024:.1f} MiB, pod PID 1 {rss(sup) / 1024:.1f} MiB")
        p.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
