"""What a guest's device-mapper maps say, read with dmsetup and parsed by dmstatus: waits on the
multipath maps (arrayA, arrayB; shared by the storage, pair and cluster groups' boots and by the
scenarios that bring paths back) and a dm-raid map's status."""
from . import dmstatus
from .lab import wait_until


def wait_storage(g, timeout=120):
    """Both multipath maps present with two active paths each."""
    def ready():
        for alias in ("arrayA", "arrayB"):
            r = g.run(["dmsetup", "status", alias], timeout=20)
            if r.rc != 0:
                return False
            paths = dmstatus.mpath_paths(r.out)
            if len(paths) != 2 or any(st != "A" for _, st in paths):
                return False
        return True
    wait_until(ready, timeout, interval=1, what="multipath maps arrayA/arrayB with 2 active paths")


def wait_array_usable(g, alias, timeout=90):
    """The map `alias` has two active paths and a 4 KiB O_DIRECT read of it succeeds."""
    def ok():
        r = g.run(["dmsetup", "status", alias], timeout=20)
        if r.rc != 0:
            return False
        paths = dmstatus.mpath_paths(r.out)
        if len(paths) < 2 or any(st != "A" for _, st in paths):
            return False
        return g.run(["dd", "if=/dev/mapper/" + alias, "of=/dev/null", "bs=4096", "count=1",
                      "iflag=direct"], timeout=30).rc == 0
    wait_until(ok, timeout, interval=0.5, what="%s back with 2 active paths" % alias)


def raid_status(g, name):
    """The dm-raid status of the map `name` on g (dmstatus.RaidStatus), or None when g has no
    such map."""
    r = g.run(["dmsetup", "status", name], timeout=20)
    if r.rc != 0:
        return None
    return dmstatus.RaidStatus(r.out.strip())
