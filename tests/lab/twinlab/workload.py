#!/usr/bin/python3
"""The commit client: numbered transactions through the service IP, from OUTSIDE the cluster.

Host side (`ClientNet`): a network namespace on the host with a tap device whose frames a relay
thread carries to and from the lab's UDP hub (one hub slot, like a third machine on the guests'
network, address 10.0.0.<CLIENT_INDEX>).  Only lab-own addresses; everything (relay thread,
tap, namespace, client process) is stopped by the lab, by PID / by name it created.

Client side (`python3 workload.py commit ...`, run inside the namespace): speaks PostgreSQL's
frontend/backend protocol v3 itself (standard library only: no psycopg2 here), commits
`INSERT INTO commits(run, id)` one per transaction (autocommit, synchronous_commit=on: the
CommandComplete + ReadyForQuery pair is the server's acknowledgement that the commit is durable),
writes one line per acknowledged id with its send and ack times (CLOCK_MONOTONIC, shared with the
lab process), reconnects after any error, and stops by itself after --max-seconds or when the stop
file appears.  `verify` reads the ids of a run back.  Figures: `analyse()`.
"""
import argparse
import fcntl
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

CLIENT_INDEX = 10          # 10.0.0.10, hub slot CLIENT_SLOT
CLIENT_SLOT = 2            # hub slots 0, 1 are node1, node2
PG_PORT = 5432


# ------------------------------------------------------------------ PostgreSQL protocol v3

class PgError(Exception):
    """An ErrorResponse from the server (the statement failed; the session is usable)."""

    def __init__(self, fields):
        self.fields = fields
        super().__init__("%s %s: %s" % (fields.get("S", "ERROR"), fields.get("C", "?"),
                                        fields.get("M", "")))


def startup_message(user, database):
    body = struct.pack("!I", 196608)
    for k, v in (("user", user), ("database", database), ("application_name", "twinlab-client")):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def query_message(sql):
    b = sql.encode() + b"\0"
    return b"Q" + struct.pack("!I", len(b) + 4) + b


def parse_error(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


def parse_datarow(payload):
    n = struct.unpack("!H", payload[:2])[0]
    off, cols = 2, []
    for _ in range(n):
        ln = struct.unpack("!i", payload[off:off + 4])[0]
        off += 4
        if ln < 0:
            cols.append(None)
        else:
            cols.append(payload[off:off + ln].decode())
            off += ln
    return cols


class PgConn:
    def __init__(self, host, port=PG_PORT, user="postgres", database="postgres",
                 connect_timeout=2.0, timeout=20.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.sock.sendall(startup_message(user, database))
        while True:
            t, p = self._msg()
            if t == b"R":
                code = struct.unpack("!I", p[:4])[0]
                if code != 0:
                    raise PgError({"M": "authentication method %d not supported (lab uses trust)"
                                   % code})
            elif t == b"E":
                raise PgError(parse_error(p))
            elif t == b"Z":
                return

    def _recv(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError("server closed the connection")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _msg(self):
        hdr = self._recv(5)
        t, ln = hdr[:1], struct.unpack("!I", hdr[1:])[0]
        return t, self._recv(ln - 4)

    def query(self, sql):
        """Simple query; returns (rows, command tags).  Raises PgError after ReadyForQuery."""
        self.sock.sendall(query_message(sql))
        rows, tags, err = [], [], None
        while True:
            t, p = self._msg()
            if t == b"D":
                rows.append(parse_datarow(p))
            elif t == b"C":
                tags.append(p.rstrip(b"\0").decode())
            elif t == b"E":
                err = parse_error(p)
            elif t == b"Z":
                if err:
                    raise PgError(err)
                return rows, tags

    def close(self):
        try:
            self.sock.sendall(b"X" + struct.pack("!I", 4))
        except OSError:
            pass
        self.sock.close()


# ------------------------------------------------------------------ client main (in the netns)

def commit_loop(a):
    """Commit ids 1, 2, ... until max-seconds or the stop file; one line per event."""
    end = time.monotonic() + a.max_seconds
    out = open(a.out, "a", buffering=1)
    out.write(json.dumps({"ev": "start", "t": time.monotonic(), "pid": os.getpid()}) + "\n")
    conn, n, last_err = None, 0, None
    while time.monotonic() < end and not os.path.exists(a.stop_file):
        if conn is None:
            try:
                conn = PgConn(a.host, a.port, timeout=a.query_timeout)
                out.write(json.dumps({"ev": "connect", "t": time.monotonic()}) + "\n")
                last_err = None
            except (OSError, PgError) as e:
                msg = "%s: %s" % (type(e).__name__, e)
                if msg != last_err:
                    out.write(json.dumps({"ev": "connect-fail", "t": time.monotonic(),
                                          "err": msg}) + "\n")
                    last_err = msg
                time.sleep(0.2)
                continue
        n += 1
        t0 = time.monotonic()
        try:
            conn.query("INSERT INTO commits(run, id) VALUES ('%s', %d)" % (a.run, n))
            out.write("%d %.6f %.6f\n" % (n, t0, time.monotonic()))
        except PgError as e:   # the statement failed: not acknowledged, session still usable
            out.write(json.dumps({"ev": "error", "id": n, "t": time.monotonic(),
                                  "err": str(e)}) + "\n")
            time.sleep(0.2)
        except (OSError, ConnectionError) as e:  # in doubt: sent, no answer; reconnect
            out.write(json.dumps({"ev": "lost-conn", "id": n, "t": time.monotonic(),
                                  "err": "%s: %s" % (type(e).__name__, e)}) + "\n")
            try:
                conn.sock.close()
            except OSError:
                pass
            conn = None
            continue
        if a.interval > 0:
            time.sleep(a.interval)
    if conn is not None:
        conn.close()
    out.write(json.dumps({"ev": "end", "t": time.monotonic(), "last_id": n}) + "\n")
    out.close()


def verify(a):
    conn = PgConn(a.host, a.port, timeout=a.query_timeout, connect_timeout=5)
    rows, _ = conn.query("SELECT id FROM commits WHERE run = '%s' ORDER BY id" % a.run)
    conn.close()
    print(json.dumps({"ids": [int(r[0]) for r in rows]}))


def sql(a):
    conn = PgConn(a.host, a.port, timeout=a.query_timeout, connect_timeout=5)
    rows, tags = conn.query(a.statement)
    conn.close()
    print(json.dumps({"rows": rows, "tags": tags}))


# ------------------------------------------------------------------ figures

def parse_log(text):
    """(acks [(id, t_sent, t_ack)], events [dict]) from a client log."""
    acks, events = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
            continue
        parts = line.split()
        if len(parts) == 3:
            try:
                acks.append((int(parts[0]), float(parts[1]), float(parts[2])))
            except ValueError:
                pass
    return acks, events


def analyse(acks, events, present_ids, t_from=None, t_to=None):
    """Figures for one scenario.

    lost_commits: acknowledged ids missing from the table (must be 0).
    rto_s: the longest time with no commit possible = the longest gap between two consecutive
      acknowledgements (or from t_from to the first / the last to t_to) inside [t_from, t_to].
    stall_ms: the longest single acknowledged commit (sent -> acknowledged).
    in_doubt: sent, never acknowledged (connection lost or error); allowed to be either way."""
    present = set(present_ids)
    acked = [a[0] for a in acks]
    lost = sorted(set(acked) - present)
    times = sorted(a[2] for a in acks if (t_from is None or a[2] >= t_from)
                   and (t_to is None or a[2] <= t_to))
    points = ([t_from] if t_from is not None else []) + times + ([t_to] if t_to is not None else [])
    gap = max((b - a for a, b in zip(points, points[1:])), default=0.0)
    stall = max((a[2] - a[1] for a in acks), default=0.0)
    last = max([e.get("last_id", 0) for e in events if e.get("ev") == "end"] + [0])
    in_doubt = max(last, max(acked, default=0)) - len(acked)
    return {"lost_commits": len(lost), "lost_ids_sample": lost[:10], "acked_commits": len(acked),
            "rto_s": round(gap, 2), "stall_ms": round(stall * 1000, 1), "in_doubt": in_doubt,
            "errors": sum(1 for e in events if e.get("ev") == "error"),
            "reconnects": sum(1 for e in events if e.get("ev") == "connect") - 1}


# ------------------------------------------------------------------ host side: netns + tap + relay

TUNSETIFF = 0x400454ca
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


class ClientNet:
    """A host network namespace wired to the lab's UDP hub through a tap device."""

    def __init__(self, hub, slot=CLIENT_SLOT, index=CLIENT_INDEX, prefix="10.0.0"):
        self.hub = hub
        self.slot = slot
        self.addr = "%s.%d" % (prefix, index)
        tag = "%d" % (os.getpid() % 100000)
        self.ns = "twinlab-" + tag
        self.tap = "twtap" + tag
        self.mac = "52:54:00:00:01:%02x" % index
        self.fd = None
        self.sock = None
        self.thread = None
        self._stop = threading.Event()
        self.procs = []

    def _ip(self, *args, check=True):
        r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if check and r.returncode != 0:
            raise RuntimeError("ip %s: %s" % (" ".join(args), r.stdout.strip()))
        return r

    def start(self):
        if not os.path.exists("/dev/net/tun"):
            raise RuntimeError("/dev/net/tun missing: the client namespace needs a tap device")
        self._ip("netns", "add", self.ns)
        try:
            self.fd = os.open("/dev/net/tun", os.O_RDWR)
            fcntl.ioctl(self.fd, TUNSETIFF, struct.pack("16sH", self.tap.encode(),
                                                         IFF_TAP | IFF_NO_PI))
            self._ip("link", "set", self.tap, "address", self.mac)
            self._ip("link", "set", self.tap, "netns", self.ns)
            self._ip("-n", self.ns, "link", "set", "lo", "up")
            self._ip("-n", self.ns, "addr", "add", self.addr + "/24", "dev", self.tap)
            self._ip("-n", self.ns, "link", "set", self.tap, "up")
            relay_port, local_port = self.hub.netdev(self.slot)
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((self.hub.host, local_port))
            self.relay = (self.hub.host, relay_port)
            self.thread = threading.Thread(target=self._loop, name="client-relay", daemon=True)
            self.thread.start()
        except Exception:
            self.stop()
            raise
        return self

    def _loop(self):
        while not self._stop.is_set():
            try:
                r, _, _ = select.select([self.fd, self.sock], [], [], 0.2)
            except (OSError, ValueError):
                return
            for s in r:
                try:
                    if s == self.fd:
                        self.sock.sendto(os.read(self.fd, 65536), self.relay)
                    else:
                        data, _ = self.sock.recvfrom(65536)
                        os.write(self.fd, data)
                except OSError:
                    pass

    def popen(self, argv, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns] + list(argv), **kw)
        self.procs.append(p)
        return p

    def run(self, argv, timeout=60):
        return subprocess.run(["ip", "netns", "exec", self.ns] + list(argv), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)

    def stop(self):
        for p in self.procs:  # by PID
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.fd is not None:
            os.close(self.fd)  # a non-persistent tap disappears with its last fd
            self.fd = None
        if self._ip("netns", "list", check=False).stdout.split().count(self.ns):
            self._ip("netns", "del", self.ns, check=False)


class Client:
    """One run of the commit client (host side): start, stop, read back, figures."""

    def __init__(self, net, service_ip, run, logdir, max_seconds=900, interval=0.05,
                 query_timeout=20.0):
        self.net, self.service_ip, self.run = net, service_ip, run
        self.log = os.path.join(logdir, "client-%s.log" % run)
        self.stop_file = self.log + ".stop"
        self.max_seconds, self.interval, self.query_timeout = max_seconds, interval, query_timeout
        self.proc = None

    def argv(self, *extra):
        return [sys.executable, os.path.abspath(__file__)] + list(extra)

    def start(self):
        for p in (self.log, self.stop_file):
            if os.path.exists(p):
                os.unlink(p)
        self.proc = self.net.popen(self.argv(
            "commit", "--host", self.service_ip, "--run", self.run, "--out", self.log,
            "--stop-file", self.stop_file, "--max-seconds", str(self.max_seconds),
            "--interval", str(self.interval), "--query-timeout", str(self.query_timeout)),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(self.log + ".err", "w"))
        self.t_start = time.monotonic()
        return self

    def acks(self):
        try:
            with open(self.log) as f:
                return parse_log(f.read())
        except FileNotFoundError:
            return [], []

    def last_ack(self):
        acks, _ = self.acks()
        return acks[-1][2] if acks else None

    def wait_commits(self, n=3, after=None, timeout=120):
        """Wait until n commits were acknowledged after monotonic time `after`; returns the time
        of the first of them (or raises TimeoutError)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            acks, _ = self.acks()
            ts = [a[2] for a in acks if after is None or a[2] > after]
            if len(ts) >= n:
                return ts[0]
            if self.proc.poll() is not None:
                raise RuntimeError("commit client exited (rc %s); see %s" % (self.proc.returncode,
                                                                          self.log))
            time.sleep(0.5)
        raise TimeoutError("no %d commits acknowledged within %.0f s" % (n, timeout))

    def stop(self):
        if self.proc is None:
            return
        open(self.stop_file, "w").close()
        try:
            self.proc.wait(timeout=self.query_timeout + 10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc in self.net.procs:
            self.net.procs.remove(self.proc)

    def read_back(self, timeout=60):
        """The ids of this run that are in the table, read through the service IP."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            r = self.net.run(self.argv("verify", "--host", self.service_ip, "--run", self.run),
                             timeout=60)
            if r.returncode == 0:
                return json.loads(r.stdout.strip().splitlines()[-1])["ids"]
            last = r.stdout
            time.sleep(2)
        raise RuntimeError("cannot read the commits back: %s" % (last or "")[-500:])

    def figures(self, present_ids, t_from=None, t_to=None):
        acks, events = self.acks()
        return analyse(acks, events, present_ids, t_from, t_to)


def main():
    p = argparse.ArgumentParser(description="twinlab commit client")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("commit", "verify", "sql"):
        s = sub.add_parser(name)
        s.add_argument("--host", required=True)
        s.add_argument("--port", type=int, default=PG_PORT)
        s.add_argument("--query-timeout", type=float, default=20.0)
        if name != "sql":
            s.add_argument("--run", required=True)
        if name == "commit":
            s.add_argument("--out", required=True)
            s.add_argument("--stop-file", required=True)
            s.add_argument("--max-seconds", type=float, default=900)
            s.add_argument("--interval", type=float, default=0.05)
        if name == "sql":
            s.add_argument("statement")
    a = p.parse_args()
    if a.cmd != "sql" and not a.run.replace("_", "").replace("-", "").isalnum():
        p.error("--run must be alphanumeric (with - or _)")
    if a.cmd == "sql":
        sql(a)
    else:
        {"commit": commit_loop, "verify": verify}[a.cmd](a)


if __name__ == "__main__":
    main()
