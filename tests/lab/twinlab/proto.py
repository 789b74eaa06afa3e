"""Control-channel framing, shared by the host (guest.py) and the in-guest agent (guestagent.py).

One message per line: a JSON object followed by b"\\n".  Binary payloads (command output, stdin)
travel base64-encoded so that any byte sequence survives.  The decoder skips lines that are not
JSON objects: the virtio-serial port may carry leftovers from a previous connection, and a
half-written line must never wedge the channel (lab-trial pitfall 4).

Messages:
  host -> guest  {"op": "hello", "nonce": str}
                 {"op": "run", "id": int, "argv": [str...], "timeout": float,
                  "env": {str: str} (optional, added to the agent's environment),
                  "stdin": base64 (optional), "cwd": str (optional)}
  guest -> host  {"op": "hello", "nonce": str, "pid": int}
                 {"op": "result", "id": int, "rc": int, "out": base64, "timed_out": bool,
                  "elapsed": float}
"""
import base64
import json

MAX_LINE = 64 * 1024 * 1024  # a line longer than this is garbage; drop it


def encode(msg):
    """Serialise one message to a single line of bytes."""
    if not isinstance(msg, dict) or "op" not in msg:
        raise ValueError("message must be a dict with an 'op'")
    return json.dumps(msg, separators=(",", ":"), sort_keys=True).encode("ascii") + b"\n"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


class Decoder:
    """Incremental decoder: feed() bytes, get back the complete, valid messages in order."""

    def __init__(self):
        self._buf = bytearray()
        self.skipped = 0  # lines dropped as garbage

    def feed(self, data):
        self._buf += data
        out = []
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                if len(self._buf) > MAX_LINE:
                    self._buf.clear()
                    self.skipped += 1
                break
            line = bytes(self._buf[:nl])
            del self._buf[: nl + 1]
            msg = self._parse(line)
            if msg is None:
                if line.strip():
                    self.skipped += 1
            else:
                out.append(msg)
        return out

    @staticmethod
    def _parse(line):
        # A line may begin with junk (e.g. a partial line left by a dropped connection);
        # a message always starts at a '{'.
        start = line.find(b"{")
        while start >= 0:
            try:
                msg = json.loads(line[start:].decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                start = line.find(b"{", start + 1)
                continue
            if isinstance(msg, dict) and isinstance(msg.get("op"), str):
                return msg
            return None
        return None
