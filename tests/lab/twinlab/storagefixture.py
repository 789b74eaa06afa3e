"""The clean-up the single-guest storage scenarios share: one fixture instead of a copy each.

Each storage scenario leaves the guest as it found it (runner.py): no mirror maps, every path
back, no process holding a map open, no scratch file on the share. StorageFixture does that on
leaving its with-block, however the block ends.
"""
import os


def remove_maps(g, name):
    """Remove leftover maps of a mirror called `name` (raid map first, then its linear legs)."""
    g.sh('for m in "$1" "$1-rimage_a" "$1-rmeta_a" "$1-rimage_b" "$1-rmeta_b"; do '
         'dmsetup info "$m" >/dev/null 2>&1 && dmsetup remove --retry "$m"; done; true', name,
         timeout=60)


def hold_open(g, dev):
    """A guest process holding `dev` open (as a mounted filesystem would); returns its PID."""
    r = g.sh('sleep 3600 < "$1" > /dev/null 2>&1 & echo $!', dev, check=True)
    return int(r.out.split()[-1])


def release(g, pid):
    """Ends the holder `pid` that hold_open started."""
    g.run(["kill", str(pid)])


class StorageFixture:
    """with StorageFixture(g, drv) as fx: ... — on leaving the block, in this order:

    1. the callables given to at_exit_first() (a background writer's kill), in order;
    2. every holder fx.hold_open() started and fx.release() did not end, released;
    3. every path the lab removed put back (g.restore_paths());
    4. with a mirror driver `drv`: drv.stop(), then the maps of drv.name removed (what a failed
       stop or start left);
    5. the callables given to at_exit_last() (another agent's stop), in order;
    6. the share files given to delete_at_exit(), deleted.

    Every step runs even when an earlier one fails. A failing step fails the scenario only when
    the block itself succeeded; after a failure in the block, the block's own error is what the
    scenario reports and the clean-up's are printed. drv.stop() is best effort (its failure is
    printed, never raised): the removal of the maps after it is what is checked.
    """

    def __init__(self, g, drv=None):
        self.g = g
        self.drv = drv
        self.holders = []
        self.files = []
        self.first = []
        self.last = []

    def hold_open(self, dev):
        """hold_open(g, dev), released at the latest on exit; returns the holder's PID."""
        pid = hold_open(self.g, dev)
        self.holders.append(pid)
        return pid

    def release(self, pid):
        """Ends the holder `pid` now (the block lets go of the device)."""
        self.holders.remove(pid)
        release(self.g, pid)

    def delete_at_exit(self, path):
        """Deletes the host-side file `path` on exit; returns path."""
        self.files.append(path)
        return path

    def at_exit_first(self, fn):
        """fn() runs on exit before anything else (paths are still as the block left them)."""
        self.first.append(fn)

    def at_exit_last(self, fn):
        """fn() runs on exit after the mirror is stopped and its maps removed."""
        self.last.append(fn)

    def __enter__(self):
        return self

    def _steps(self):
        """(what, fn, checked) in clean-up order."""
        steps = [("at exit", fn, True) for fn in self.first]
        steps += [("release holder %d" % pid, lambda pid=pid: release(self.g, pid), True)
                  for pid in self.holders]
        steps.append(("restore paths", self.g.restore_paths, True))
        if self.drv is not None:
            steps.append(("stop mirror %s" % self.drv.name, self.drv.stop, False))
            steps.append(("remove maps of %s" % self.drv.name,
                          lambda: remove_maps(self.g, self.drv.name), True))
        steps += [("at exit", fn, True) for fn in self.last]
        steps += [("delete %s" % p, lambda p=p: os.unlink(p), True) for p in self.files]
        return steps

    def __exit__(self, exc_type, exc, tb):
        first_error = None
        for what, fn, checked in self._steps():
            try:
                fn()
            except Exception as e:  # every step runs (see the class docstring)
                if checked and exc_type is None and first_error is None:
                    first_error = e
                else:
                    print("       .. clean-up: %s failed: %s: %s" % (what, type(e).__name__, e),
                          flush=True)
        self.holders, self.files = [], []
        if first_error is not None:
            raise first_error
        return False
