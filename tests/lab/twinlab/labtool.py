#!/usr/bin/python3
"""In-guest measuring tool (runs with the host's python3 inside a lab guest; prints JSON).

  labtool.py resync --dm NAME [--timeout S] [--interval S] [--] [TRIGGER ARGV...]
      t0, run the trigger (e.g. the agent's monitor, which re-adds a leg), then poll
      `dmsetup status NAME` until every leg is 'A' and the sync action is idle.
      -> {"trigger_rc", "trigger_s", "resync_s", "polls", "status", "kernel": [[kind, md, s]...]}
  labtool.py write --dev DEV --src FILE --offset-mib N [--chunk-kib K]
      O_DIRECT writes of FILE to DEV at N MiB, each followed by nothing else; records the
      longest single write (the stall) and any error.
      -> {"bytes", "seconds", "max_write_ms", "errors", "error"}
  labtool.py exec-cost [--repeat N] -- ARGV...
      runs ARGV N times; wall time and forks it made (the kernel's fork counter in /proc/stat,
      minus labtool's own spawn; forks_min is robust against other activity in the guest)
      -> {"rcs", "median_ms", "min_ms", "forks_min", "forks_max"}
"""
import argparse
import json
import mmap
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from twinlab import dmstatus  # noqa: E402


def dm_status(name):
    r = subprocess.run(["dmsetup", "status", name], capture_output=True, text=True)
    return r.returncode, r.stdout.strip()


def cmd_resync(a):
    dmesg_mark = subprocess.run(["dmesg"], capture_output=True, text=True).stdout.count("\n")
    t0 = time.monotonic()
    trc, ts = None, 0.0
    if a.trigger:
        r = subprocess.run(a.trigger, capture_output=True, text=True)
        trc, ts = r.returncode, time.monotonic() - t0
    polls, last = 0, ""
    while True:
        polls += 1
        rc, last = dm_status(a.dm)
        if rc == 0:
            try:
                if dmstatus.RaidStatus(last).in_sync:
                    break
            except ValueError:
                pass
        if time.monotonic() - t0 > a.timeout:
            print(json.dumps({"error": "not in sync after %.0f s" % a.timeout, "status": last,
                              "trigger_rc": trc}))
            return 1
        time.sleep(a.interval)
    elapsed = time.monotonic() - t0
    time.sleep(0.3)  # let md log "done"
    dm = subprocess.run(["dmesg"], capture_output=True, text=True).stdout.split("\n")[dmesg_mark - 1:]
    print(json.dumps({"trigger_rc": trc, "trigger_s": round(ts, 3), "resync_s": round(elapsed, 3),
                      "polls": polls, "status": last,
                      "kernel": dmstatus.md_durations("\n".join(dm))}))
    return 0


def cmd_write(a):
    chunk = a.chunk_kib * 1024
    buf = mmap.mmap(-1, chunk)  # page-aligned, as O_DIRECT wants
    fd = os.open(a.dev, os.O_WRONLY | os.O_DIRECT)
    src = open(a.src, "rb")
    off = a.offset_mib * 1024 * 1024
    total, worst, errors, err = 0, 0.0, 0, None
    t0 = time.monotonic()
    try:
        while True:
            data = src.read(chunk)
            if not data:
                break
            if len(data) % 4096:
                data += b"\0" * (4096 - len(data) % 4096)
            buf.seek(0)
            buf.write(data)
            t = time.monotonic()
            try:
                n = os.pwritev(fd, [memoryview(buf)[:len(data)]], off + total)
                if n != len(data):
                    raise OSError("short write %d" % n)
            except OSError as e:
                errors += 1
                err = str(e)
                break
            worst = max(worst, time.monotonic() - t)
            total += len(data)
        os.fsync(fd)
    finally:
        os.close(fd)
    print(json.dumps({"bytes": total, "seconds": round(time.monotonic() - t0, 3),
                      "max_write_ms": round(worst * 1000, 1), "errors": errors, "error": err}))
    return 0 if errors == 0 else 1


def forks_since_boot():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("processes "):
                return int(line.split()[1])
    raise RuntimeError("no 'processes' line in /proc/stat")


def cmd_exec_cost(a):
    """Wall time and forks (system-wide fork counter delta minus our own spawn) of a command."""
    times, forks, rcs = [], [], []
    for _ in range(a.repeat):
        f0 = forks_since_boot()
        t0 = time.monotonic()
        r = subprocess.run(a.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.monotonic() - t0)
        forks.append(forks_since_boot() - f0 - 1)
        rcs.append(r.returncode)
    times.sort()
    print(json.dumps({"rcs": rcs, "median_ms": round(times[len(times) // 2] * 1000, 1),
                      "min_ms": round(times[0] * 1000, 1), "forks_min": min(forks),
                      "forks_max": max(forks)}))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("resync")
    r.add_argument("--dm", required=True)
    r.add_argument("--timeout", type=float, default=300)
    r.add_argument("--interval", type=float, default=0.02)
    r.add_argument("trigger", nargs="*")
    w = sub.add_parser("write")
    w.add_argument("--dev", required=True)
    w.add_argument("--src", required=True)
    w.add_argument("--offset-mib", type=int, default=0)
    w.add_argument("--chunk-kib", type=int, default=1024)
    c = sub.add_parser("exec-cost")
    c.add_argument("--repeat", type=int, default=5)
    c.add_argument("argv", nargs="+")
    a = p.parse_args()
    return {"resync": cmd_resync, "write": cmd_write, "exec-cost": cmd_exec_cost}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
