"""Minimal QMP client (single-threaded): commands, and events buffered until asked for."""
import json
import socket
import time


class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30):
        self.path = path
        self.events = []
        self._buf = b""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError("cannot connect to QMP socket %s" % path)
                time.sleep(0.1)
        greeting = self._read_msg(timeout)
        if "QMP" not in greeting:
            raise QMPError("unexpected QMP greeting: %r" % greeting)
        self.execute("qmp_capabilities")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _read_msg(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("timeout waiting for QMP")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise QMPError("timeout waiting for QMP")
            if not data:
                raise QMPError("QMP connection closed")
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, cmd, arguments=None, timeout=30):
        msg = {"execute": cmd}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            resp = self._read_msg(max(0.01, deadline - time.monotonic()))
            if "event" in resp:
                self.events.append(resp)
            elif "error" in resp:
                raise QMPError("%s: %s" % (cmd, resp["error"].get("desc", resp["error"])))
            elif "return" in resp:
                return resp["return"]

    def wait_event(self, name, match=None, timeout=30):
        """Return (and consume) the first event `name` whose data contains all of `match`."""
        match = match or {}
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                data = ev.get("data", {})
                if ev["event"] == name and all(data.get(k) == v for k, v in match.items()):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("timeout waiting for QMP event %s %s" % (name, match))
            try:
                resp = self._read_msg(left)
            except QMPError:
                if time.monotonic() >= deadline:
                    raise QMPError("timeout waiting for QMP event %s %s" % (name, match))
                raise
            if "event" in resp:
                self.events.append(resp)
