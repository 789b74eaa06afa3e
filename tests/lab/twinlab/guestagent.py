#!/usr/bin/python3
"""In-guest control agent: a persistent reader on the virtio-serial port.

Started once by stage 2 and never re-spawned per connection: it keeps the port open for the
guest's life, so nothing the host sends is lost when the host (re)connects (lab-trial pitfall 4).
When no host is connected, poll() reports POLLHUP and read() returns EOF at once; the agent then
sleeps briefly instead of spinning.  Each "run" request executes in its own thread, in its own
process group, with a hard timeout (SIGKILL of the group), so several commands may run at once.
Standard library only; this file runs with the host's python3 (the guest's root is the host's).
"""
import os
import select
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from twinlab import proto  # noqa: E402

_wlock = threading.Lock()


def send(fd, msg):
    data = proto.encode(msg)
    with _wlock:
        while data:
            try:
                n = os.write(fd, data)
            except BlockingIOError:
                time.sleep(0.05)
                continue
            data = data[n:]


def run_one(fd, req):
    t0 = time.monotonic()
    rc, out, timed_out = 127, b"", False
    try:
        env = dict(os.environ)
        env.update(req.get("env") or {})
        stdin = proto.unb64(req["stdin"]) if req.get("stdin") else b""
        p = subprocess.Popen(req["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=env, cwd=req.get("cwd") or "/",
                             start_new_session=True)
        try:
            out, _ = p.communicate(stdin, timeout=float(req.get("timeout", 60)))
            rc = p.returncode
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, _ = p.communicate()
            rc = 124
    except Exception as e:  # report, never die: the host is waiting for an answer
        out += ("guestagent: %s: %s\n" % (type(e).__name__, e)).encode()
    send(fd, {"op": "result", "id": req.get("id"), "rc": rc, "out": proto.b64(out),
              "timed_out": timed_out, "elapsed": round(time.monotonic() - t0, 6)})


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/dev/virtio-ports/ctl"
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    dec = proto.Decoder()
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        events = poller.poll(1000)
        if not events:
            continue
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            data = None
        if not data:  # host not connected (EOF/HUP): do not spin
            time.sleep(0.2)
            continue
        for msg in dec.feed(data):
            if msg["op"] == "hello":
                send(fd, {"op": "hello", "nonce": msg.get("nonce"), "pid": os.getpid()})
            elif msg["op"] == "run" and isinstance(msg.get("argv"), list):
                threading.Thread(target=run_one, args=(fd, msg), daemon=True).start()


if __name__ == "__main__":
    main()
