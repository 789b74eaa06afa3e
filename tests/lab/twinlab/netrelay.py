"""Host-side UDP hub between the guests' NICs, with injectable network partitions.

Each guest's NIC is a qemu `-netdev socket,udp=127.0.0.1:<relay port>,localaddr=127.0.0.1:<own
port>`: it sends every Ethernet frame to its own relay port and receives frames on its own port.
The hub forwards a frame from guest i to every other guest j (a dumb hub; guests filter by MAC)
unless the link i<->j is cut.  partition([{0}, {1}]) cuts every link between the groups; heal()
restores them.  One thread, started and stopped by the Lab.
"""
import select
import socket
import threading


class UdpHub:
    def __init__(self, n, host="127.0.0.1"):
        self.n = n
        self.host = host
        self.socks = []
        self.relay_ports = []
        self.guest_ports = []
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((host, 0))
            self.socks.append(s)
            self.relay_ports.append(s.getsockname()[1])
            self.guest_ports.append(self._free_port())
        self._cut = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.forwarded = 0
        self.dropped = 0

    def _free_port(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((self.host, 0))
        port = s.getsockname()[1]
        s.close()
        return port

    def netdev(self, i):
        """(relay_port, local_port) for guest i's -netdev socket,udp=...,localaddr=..."""
        return self.relay_ports[i], self.guest_ports[i]

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="udp-hub", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for s in self.socks:
            s.close()

    def partition(self, groups):
        """Cut every link between guests in different groups (iterables of guest indexes)."""
        groups = [set(g) for g in groups]
        cut = set()
        for a in range(self.n):
            for b in range(self.n):
                if a != b and not any(a in g and b in g for g in groups):
                    cut.add((a, b))
        with self._lock:
            self._cut = cut

    def cut_link(self, a, b):
        with self._lock:
            self._cut |= {(a, b), (b, a)}

    def heal(self):
        with self._lock:
            self._cut = set()

    def connected(self, a, b):
        with self._lock:
            return (a, b) not in self._cut

    def _loop(self):
        index = {s.fileno(): i for i, s in enumerate(self.socks)}
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(self.socks, [], [], 0.2)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    data, _ = s.recvfrom(65536)
                except OSError:
                    continue
                src = index[s.fileno()]
                with self._lock:
                    cut = self._cut
                for dst in range(self.n):
                    if dst == src:
                        continue
                    if (src, dst) in cut:
                        self.dropped += 1
                        continue
                    try:
                        self.socks[dst].sendto(data, (self.host, self.guest_ports[dst]))
                        self.forwarded += 1
                    except OSError:
                        pass
