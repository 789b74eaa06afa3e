"""The two-node cluster in the lab: corosync + SBD (softdog) + Pacemaker, configured by cib/.

Bring-up (`Cluster.bring_up`, once per scenario group):
  * two guests (node1, node2) on the UDP hub, sharing arrays A/B (2 paths each) and the SBD disk;
  * `sbd -d <SBD disk by wwn> -1 <watchdog> -4 <msgwait> create` once; per node /etc/default/sbd
    (SBD_PACEMAKER=yes, SBD_DELAY_START=yes: lab-trial pitfall 6), sbd, corosync (knet over the
    hub, two_node), pacemakerd — started directly (no systemd in the guests);
  * the node's CIB directory is a bind mount of its per-guest share: a real node keeps its CIB on
    disk, and the cold-start scenario needs it (the stale-leg record lives in the CIB);
  * storage initialisation on node1 while the cluster runs without resources: the mirror agent
    creates the mirror (initial_source=a, full sync), ext4 on it, PostgreSQL's data directory
    (initdb, trust for the lab network only, the `commits` table), the Oracle stand-in's data files;
  * the Oracle stand-in's ORACLE_HOME is LOCAL on each node (like a real installation: binaries and
    network/admin on every node, data files on the shared filesystem).  make-home runs once on
    node1 (data files onto the mirror); the home is then copied to each node at every boot;
  * `cib/configure-crmsh` (or `cib/configure-pcs`) with the lab site file builds the stack: fence_sbd,
    cl-mpath, g-db = p-mirror p-fs p-ip p-lsnr p-ora p-pgsql.

The commit client runs on the host in its own network namespace (workload.ClientNet).
"""
import glob
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

from .guest import LAB_DIR, GuestError
from .lab import wait_until
from .dmquery import raid_status, wait_storage
from . import workload

REPO = os.path.dirname(os.path.dirname(LAB_DIR))
AGENT_DIR = "/usr/lib/ocf/resource.d/twinarray"
MIRROR = "oradata"
MOUNT = "/u02/oradata"
SERVICE_IP = "10.0.0.50"
ORACLE_HOME = "/u01/app/oracle/product/19.0.0/dbhome_1"
ORACLE_UID = 54321
PACEMAKER_LOG_COPY = "pacemaker.log"  # in a node's /lab share: STACK_START keeps it
GROUP_MEMBERS = ["p-mirror", "p-fs", "p-ip", "p-lsnr", "p-ora", "p-pgsql"]

# Timeouts: smaller than the lab trial's (token 10 s, SBD 20/40 s), stable on 2 TCG guests.
TOKEN_MS = int(os.environ.get("TWINLAB_TOKEN_MS", "5000"))
CONSENSUS_MS = int(TOKEN_MS * 1.2)
SBD_WATCHDOG_S = int(os.environ.get("TWINLAB_SBD_WATCHDOG_S", "10"))
SBD_MSGWAIT_S = 2 * SBD_WATCHDOG_S


def recovery_times(g):
    """Durations (s) of md recoveries from the kernel log: 'recovery of RAID array' .. 'done'."""
    r = g.run(["dmesg"], timeout=30)
    out, start = [], None
    for line in r.out.splitlines():
        try:
            ts = float(line[1:line.index("]")])
        except ValueError:
            continue
        if "recovery of RAID array" in line or "resync of RAID array" in line:
            start = ts
        elif start is not None and ("recovery done" in line or "resync done" in line):
            out.append(round(ts - start, 3))
            start = None
    return out


class ClusterError(AssertionError):
    pass


def pgsql_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        raise ClusterError("PostgreSQL is not installed on the host (tests/lab/setup installs "
                           "postgresql): no /usr/lib/postgresql/*/bin/pg_ctl")
    return os.path.dirname(found[-1])


def cib_tool():
    """crmsh or pcs: TWINLAB_CIB_TOOL, else pcs (CI's; crmsh passed bring-up, array loss and
    return, listener kill and node crash in the lab on 2026-12-02; tests/cib_test.py checks that
    both build the same operations)."""
    t = os.environ.get("TWINLAB_CIB_TOOL", "pcs")
    if t not in ("crmsh", "pcs"):
        raise ClusterError("TWINLAB_CIB_TOOL must be crmsh or pcs, not %r" % t)
    return t


def site_conf(sbd_wwn):
    return "\n".join([
        "# twinarray lab site file (written by tests/lab/twinlab/cluster.py)",
        "NODE1=node1", "NODE2=node2",
        "FENCING=sbd", "SBD_DEVICE=/dev/disk/by-id/wwn-0x%016x" % sbd_wwn,
        "MPATH_MAPS=A:arrayA B:arrayB",
        "MIRROR_NAME=%s" % MIRROR, "LEG_A=/dev/mapper/arrayA", "LEG_B=/dev/mapper/arrayB",
        "MAX_RECOVERY_RATE_KIB=0",
        "FS_MOUNTPOINT=%s" % MOUNT,
        "FS_TYPE=ext4",  # xfsprogs is not installed on the build hosts; ext4 is
        "SERVICE_IP=%s" % SERVICE_IP, "SERVICE_CIDR=24",
        "ORACLE_SID=ORCL", "ORACLE_HOME=%s" % ORACLE_HOME, "ORACLE_USER=oracle",
        "ORACLE_LISTENER=LISTENER",
        "WORKLOAD=pgsql", "PGSQL_BIN=%s" % pgsql_bin(), "PGSQL_DATA=%s/pgdata" % MOUNT,
        # guests under TCG run tens of times slower than a server, and two share 2 cores:
        # monitors of IPaddr2 and fence_sbd took > 20 s / > 30 s there (CI, load 6)
        "OP_TIMEOUT_SCALE=4",
        # the resource-agents shell monitors cost 5-11 s each under TCG (exec-time in the CIB:
        # IPaddr2 7.4 s, Filesystem 8 s, pgsql 11.3 s): at the server intervals (10, 20, 10 s)
        # they kept the database node's one vCPU saturated, and every recovery the scenarios
        # time queued behind them. No scenario faults the address, the mount or PostgreSQL
        # itself; twinarray's own monitors keep their intervals.
        "FS_MONITOR_INTERVAL_S=60", "IP_MONITOR_INTERVAL_S=60", "PGSQL_MONITOR_INTERVAL_S=60",
        # in a split under TCG the node running the database needs > 35 s from losing its peer
        # to fencing it (it must first elect itself DC): the other node's fencing of it waits
        # longer than that, or the wrong node wins (cluster-partition saw it at 15 s)
        "PRIORITY_FENCING_DELAY_S=60", ""])


def corosync_conf(addrs):
    nodes = "".join("  node {\n    ring0_addr: %s\n    name: node%d\n    nodeid: %d\n  }\n"
                    % (a, i + 1, i + 1) for i, a in enumerate(addrs))
    return """totem {
  version: 2
  cluster_name: twinlab
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: %d
  token_retransmits_before_loss_const: 10
  join: 1000
  consensus: %d
}
nodelist {
%s}
quorum {
  provider: corosync_votequorum
  two_node: 1
}
logging {
  to_logfile: yes
  logfile: /var/log/cluster/corosync.log
  to_syslog: no
  timestamp: on
}
""" % (TOKEN_MS, CONSENSUS_MS, nodes)


def sbd_env(device):
    return "\n".join([
        "SBD_DEVICE=%s" % device, "SBD_PACEMAKER=yes", "SBD_STARTMODE=always",
        "SBD_DELAY_START=yes",  # lab-trial pitfall 6: a fenced node must not rejoin inside msgwait
        "SBD_WATCHDOG_DEV=/dev/watchdog", "SBD_WATCHDOG_TIMEOUT=%d" % SBD_WATCHDOG_S,
        "SBD_TIMEOUT_ACTION=flush,reboot", ""])


# Per boot of a node: users, directories, persistent CIB, Oracle home, then sbd/corosync/pacemaker.
NODE_PREPARE = r'''set -e
getent group oinstall >/dev/null || groupadd -g "$1" oinstall
id oracle >/dev/null 2>&1 || useradd -u "$1" -g oinstall -M -d /home/oracle -s /bin/bash oracle
mkdir -p /etc/corosync /var/log/cluster /var/log/pacemaker /var/lib/corosync /run/postgresql "$2"
chown hacluster:haclient /var/log/pacemaker
chown postgres:postgres /run/postgresql; chmod 2775 /run/postgresql
cp /lab/corosync.conf /etc/corosync/corosync.conf
cp /lab/sbd.env /etc/default/sbd
mkdir -p /lab/cib
chown hacluster:haclient /lab/cib; chmod 750 /lab/cib
mountpoint -q /var/lib/pacemaker/cib || mount --bind /lab/cib /var/lib/pacemaker/cib
if [ -s /lab/orahome.tar ]; then tar -C / -xpf /lab/orahome.tar; fi
echo prepared
'''

STACK_START = r'''set -e
set -a; . /etc/default/sbd; set +a
pgrep -x sbd >/dev/null || setsid -f sbd -p /run/sbd.pid watch </dev/null >/var/log/cluster/sbd.out 2>&1
for i in $(seq 50); do pgrep -x sbd >/dev/null && break; sleep 0.2; done
pgrep -x corosync >/dev/null || corosync
pgrep -x pacemakerd >/dev/null || setsid -f pacemakerd </dev/null >/var/log/pacemaker/pacemakerd.out 2>&1
# a copy on the host's side of /lab, which outlives the guest's tmpfs when the node is fenced
pgrep -f '^tail -n \+1 -F /var/log/pacemaker/pacemaker.log' >/dev/null ||
  setsid -f tail -n +1 -F /var/log/pacemaker/pacemaker.log </dev/null >>/lab/pacemaker.log 2>/dev/null
echo started
'''

INIT_STORAGE = r'''set -e
mirror=$1; mount=$2; pgbin=$3; orahome=$4; sip=$5; standin=$6
ag=/usr/lib/ocf/resource.d/twinarray/mirror
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=p-mirror OCF_RESKEY_name=$mirror
export OCF_RESKEY_leg_a=/dev/mapper/arrayA OCF_RESKEY_leg_b=/dev/mapper/arrayB
OCF_RESKEY_initial_source=a "$ag" start
for i in $(seq 600); do rc=0; "$ag" monitor >/dev/null 2>&1 || rc=$?; [ $rc = 0 ] && break; sleep 0.5; done
[ $rc = 0 ] || { echo "mirror not in sync after 300 s (monitor $rc)"; exit 1; }
mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 /dev/mapper/$mirror
mount /dev/mapper/$mirror "$mount"
install -d -o postgres -g postgres -m 700 "$mount/pgdata"
su postgres -s /bin/sh -c "$pgbin/initdb -D $mount/pgdata -A trust -U postgres >/dev/null"
cat >> "$mount/pgdata/postgresql.conf" <<EOF
listen_addresses = '*'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 32MB
max_connections = 30
EOF
echo "host all all 10.0.0.0/24 trust" >> "$mount/pgdata/pg_hba.conf"
su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $mount/pgdata -o \"-c listen_addresses=''\" -w -l /tmp/pg-init.log start >/dev/null"
su postgres -s /bin/sh -c "$pgbin/psql -q -c 'CREATE TABLE commits(run text, id int, t timestamptz DEFAULT now(), PRIMARY KEY (run, id))'"
su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $mount/pgdata -m fast -w stop >/dev/null"
install -d -o oracle -g oinstall "$mount/ORCL"
"$standin/make-home" "$orahome" --sid ORCL --listener LISTENER:1521 --host "$sip" \
   --oradata "$mount/ORCL" --oratab /etc/oratab --owner oracle >/dev/null
tar -C / -cpf /lab/orahome.tar "${orahome#/}" etc/oratab
sync
umount "$mount"
"$ag" stop
echo initialised
'''


def parse_crm_mon(xml_text):
    """{'nodes': {name: {online, unclean, standby}}, 'resources': {id: [(node, role, failed)]},
    'failures': [(rsc, node, task, rc)]} from `crm_mon --output-as=xml`."""
    root = ET.fromstring(xml_text)
    nodes = {}
    for n in root.iter("node"):
        if n.get("online") is None:
            continue
        nodes[n.get("name")] = {"online": n.get("online") == "true",
                                "unclean": n.get("unclean") == "true",
                                "standby": n.get("standby") == "true"}
    res = {}
    for r in root.iter("resource"):
        rid = r.get("id").split(":")[0]
        where = [x.get("name") for x in r.findall("node")]
        res.setdefault(rid, [])
        res[rid].append((where[0] if where else None, r.get("role"), r.get("failed") == "true"))
    fails = []
    for f in root.iter("failure"):
        fails.append((f.get("op_key", "").split("_")[0], f.get("node"), f.get("task"),
                      f.get("exitstatus") or f.get("rc")))
    return {"nodes": nodes, "resources": res, "failures": fails}


_INTERVAL_UNITS = {"": 1, "s": 1, "sec": 1, "ms": 0.001, "msec": 0.001, "m": 60, "min": 60,
                   "h": 3600, "hr": 3600}


def parse_interval_s(text):
    """Seconds of a CIB operation interval ("10s", "60", "1min", "500ms")."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-z]*)\s*", text or "")
    if not m or m.group(2) not in _INTERVAL_UNITS:
        raise ValueError("not an operation interval: %r" % text)
    return int(m.group(1)) * _INTERVAL_UNITS[m.group(2)]


def op_history(status_xml, rid):
    """The CIB's operation history of resource `rid` (its lrm_rsc_op entries, from `cibadmin
    --query --scope status`): [{node, id, operation, interval_ms, rc, op_status,
    last_rc_change}]."""
    root = ET.fromstring(status_xml)
    out = []
    for ns in root.iter("node_state"):
        for res in ns.iter("lrm_resource"):
            if res.get("id") != rid:
                continue
            for op in res.iter("lrm_rsc_op"):
                out.append({"node": ns.get("uname"), "id": op.get("id"),
                            "operation": op.get("operation"),
                            "interval_ms": int(op.get("interval") or 0),
                            "rc": int(op.get("rc-code") or -1),
                            "op_status": int(op.get("op-status") or -1),
                            "last_rc_change": op.get("last-rc-change")})
    return out


def bad_ops(history, baseline=()):
    """Entries of an operation history that show a failure: a recorded last failure (not in
    `baseline`, the history before), or a recurring monitor whose last result was not 0 (190
    degraded included) or that ended other than done (op-status not 0; -1 is an operation still
    pending, recorded with record-pending, not a result)."""
    seen = {(h["id"], h["last_rc_change"]) for h in baseline}
    bad = []
    for h in history:
        if "_last_failure_" in (h["id"] or ""):
            if (h["id"], h["last_rc_change"]) not in seen:
                bad.append(h)
        elif h["operation"] == "monitor" and h["interval_ms"] > 0 and h["op_status"] != -1 \
                and (h["rc"] != 0 or h["op_status"] != 0):
            bad.append(h)
    return bad


_RESULT_RE = re.compile(r"Result of (\S+) operation for (\S+) on (\S+): (.*?)\s*(?:\||$)")


def logged_results(text, rid):
    """[(action, node, result)] of the executor results for `rid` that pacemaker-controld logged
    ("Result of monitor operation for p-mirror on node1: ok | ...")."""
    out = []
    for line in text.splitlines():
        m = _RESULT_RE.search(line)
        if m and m.group(2) == rid:
            out.append((m.group(1), m.group(3), m.group(4)))
    return out


class Cluster:
    def __init__(self, lab):
        self.lab = lab
        self.nodes = []
        self.net = None
        self.tool = cib_tool()
        self.t_bringup = {}
        self.site_path = os.path.join(lab.workdir, "site.conf")
        self.oracle_home = ORACLE_HOME
        self.standin_ctl = os.path.join(REPO, "tests", "oracle-standin", "bin", "standin-ctl")

    # ---------------------------------------------------------------- helpers
    def node(self, name):
        return self.lab.guests[name]

    def other(self, g):
        return [n for n in self.nodes if n is not g][0]

    def alive(self):
        return [g for g in self.nodes if g.running() and g.ctl is not None]

    def status(self, g=None):
        for g in ([g] if g else self.alive()):
            try:
                r = g.run(["crm_mon", "-1", "--output-as=xml"], timeout=30)
            except GuestError:
                continue
            if r.rc == 0:
                try:
                    return parse_crm_mon(r.out)
                except ET.ParseError:
                    continue
        return None

    def db_node(self, st=None):
        """Name of the node where every member of g-db is Started, else None."""
        st = st or self.status()
        if not st:
            return None
        where = set()
        for rid in GROUP_MEMBERS:
            locs = [n for n, role, failed in st["resources"].get(rid, [])
                    if role == "Started" and not failed]
            if len(locs) != 1:
                return None
            where.add(locs[0])
        return where.pop() if len(where) == 1 else None

    def running_anywhere(self, rid, st=None):
        st = st or self.status()
        return [n for n, role, _ in (st or {"resources": {}})["resources"].get(rid, [])
                if n and role in ("Started", "Stopping", "Starting", "Promoted")]

    def crm(self, g, *argv, timeout=60, check=True):
        return g.run(list(argv), timeout=timeout, check=check)

    # ---------------------------------------------------------------- bring-up
    def write_shares(self):
        sbd_dev = "/dev/disk/by-id/wwn-0x%016x" % self.lab.layout.sbd.wwn
        with open(self.site_path, "w") as f:
            f.write(site_conf(self.lab.layout.sbd.wwn))
        addrs = ["10.0.0.%d" % g.index for g in self.nodes]
        for g in self.nodes:
            for name, text in (("corosync.conf", corosync_conf(addrs)), ("sbd.env", sbd_env(sbd_dev)),
                               ("site.conf", open(self.site_path).read())):
                with open(os.path.join(g.share, name), "w") as f:
                    f.write(text)
        return sbd_dev

    def boot_nodes(self, names=("node1", "node2")):
        gs = [self.lab.guest(n, i + 1, network=True) for i, n in enumerate(names)]
        for g in gs:
            if not g.running():
                g.start()
        for g in gs:
            g.wait_ready(timeout=400)
        for g in gs:
            wait_storage(g)
            g.configure_network()
        return gs

    def prepare_node(self, g):
        g.sh(NODE_PREPARE, ORACLE_UID, MOUNT, timeout=120, check=True)

    def start_stack(self, g):
        g.sh(STACK_START, timeout=120, check=True)

    def wait_online(self, names, timeout=240):
        def ok():
            st = self.status()
            return st and all(st["nodes"].get(n, {}).get("online") for n in names)
        wait_until(ok, timeout, interval=2, what="cluster nodes %s online" % ", ".join(names))

    def bring_up(self):
        t0 = time.monotonic()
        self.nodes = self.boot_nodes()
        n1, n2 = self.nodes
        self.t_bringup["boot_s"] = round(time.monotonic() - t0, 1)
        sbd_dev = self.write_shares()
        for g in self.nodes:
            g.run(["rm", "-rf", "/lab/cib", "/lab/orahome.tar"], timeout=30)
        n1.run(["sbd", "-d", sbd_dev, "-1", str(SBD_WATCHDOG_S), "-4", str(SBD_MSGWAIT_S), "create"],
               timeout=60, check=True)
        for g in self.nodes:
            self.prepare_node(g)
        t1 = time.monotonic()
        for g in self.nodes:
            self.start_stack(g)
        self.wait_online(["node1", "node2"])
        self.t_bringup["stack_online_s"] = round(time.monotonic() - t1, 1)
        # Lab only (not part of cib/): a TCG guest's load average counts its slow processes, and
        # pacemaker's default load-threshold (80%) then throttles it to one action at a time.
        n1.run(["crm_attribute", "--type", "crm_config", "--name", "load-threshold",
                "--update", "400%"], timeout=60, check=True)
        # storage, PostgreSQL and the Oracle stand-in's data on the mirror (node1, no resources yet)
        t1 = time.monotonic()
        n1.sh(INIT_STORAGE, MIRROR, MOUNT, pgsql_bin(), ORACLE_HOME, SERVICE_IP,
              os.path.join(REPO, "tests", "oracle-standin"), timeout=600, check=True)
        full = recovery_times(n1)
        if full:
            self.t_bringup["full_sync_kernel_s"] = full[-1]
        shutil.copy(os.path.join(n1.share, "orahome.tar"), os.path.join(n2.share, "orahome.tar"))
        n2.sh("tar -C / -xpf /lab/orahome.tar", timeout=120, check=True)
        self.t_bringup["init_storage_s"] = round(time.monotonic() - t1, 1)
        # the configuration from cib/
        t1 = time.monotonic()
        self.configure(n1)
        self.wait_healthy(timeout=600)
        self.t_bringup["configure_to_db_s"] = round(time.monotonic() - t1, 1)
        self.t_bringup["bringup_s"] = round(time.monotonic() - t0, 1)
        self.start_client_net()
        return self.nodes

    def configure(self, g):
        """cib/configure-<tool> as it runs live (read the CIB, build the configuration into a
        copy, push the configuration section once), with the middle step on the host: each pcs
        or crm call is a Python start-up that takes tens of seconds under TCG (10 minutes for
        configure-pcs in a guest).  The host runs the same tools (the guests' root is the host's
        userspace), with the staged agents bound over resource.d in a private mount namespace so
        that the tools validate our agents; the guest pushes the result with the tool's own
        push (`pcs cluster cib-push --config`; for crmsh, `cibadmin --replace --scope
        configuration`, what `crm configure load update` commits)."""
        script = os.path.join(REPO, "cib", "configure-" + self.tool)
        live = os.path.join(g.share, "cib-live.xml")
        g.run(["sh", "-c", "cibadmin --query > /lab/cib-live.xml"], timeout=120, check=True)
        overlay = os.path.join(self.lab.workdir, "resource.d")
        shutil.rmtree(overlay, ignore_errors=True)
        shutil.copytree("/usr/lib/ocf/resource.d", overlay, symlinks=True)
        shutil.rmtree(os.path.join(overlay, "twinarray"), ignore_errors=True)
        shutil.copytree(os.path.join(self.lab.stage, AGENT_DIR.lstrip("/")),
                        os.path.join(overlay, "twinarray"))
        inner = 'mount --bind "$1" /usr/lib/ocf/resource.d && exec "$2" "$3" --cib "$4"'
        r = subprocess.run(["unshare", "-m", "bash", "-c", inner, "bash", overlay, script,
                            self.site_path, live], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=600)
        if r.returncode != 0:
            raise ClusterError("%s %s --cib failed rc=%s:\n%s" % (script, self.site_path,
                                                                  r.returncode, r.stdout[-3000:]))
        if self.tool == "pcs":
            push = ["pcs", "cluster", "cib-push", "/lab/cib-live.xml", "--config"]
        else:
            config = ET.parse(live).getroot().find("configuration")
            ET.ElementTree(config).write(os.path.join(g.share, "cib-config.xml"))
            push = ["cibadmin", "--replace", "--scope", "configuration", "--xml-file",
                    "/lab/cib-config.xml"]
        r = g.run(push, timeout=600)
        if r.rc != 0:
            raise ClusterError("%s failed rc=%s:\n%s" % (" ".join(push), r.rc, r.out[-3000:]))

    def start_client_net(self):
        if self.net is None:
            self.net = workload.ClientNet(self.lab.hub).start()
            self.lab.cleanups.append(self.close)

    def close(self):
        if self.net is not None:
            self.net.stop()
            self.net = None

    # ---------------------------------------------------------------- health
    def mirror_in_sync(self, node_name):
        st = raid_status(self.node(node_name), MIRROR)
        return st is not None and st.health == "AA" and st.action == "idle"

    def healthy(self):
        st = self.status()
        if not st:
            return False
        if not all(st["nodes"].get(n, {}).get("online") for n in ("node1", "node2")):
            return False
        if sorted(n for n in self.running_anywhere("p-mpath", st)) != ["node1", "node2"]:
            return False
        if not self.running_anywhere("st-sbd", st):
            return False
        where = self.db_node(st)
        if not where:
            return False
        return self.mirror_in_sync(where)

    def summary(self, st=None):
        """One line: nodes, where each resource runs, failed actions (printed when it changes)."""
        st = st or self.status()
        if not st:
            return "no cluster status"
        nodes = " ".join("%s:%s" % (n, "on" if v["online"] else ("UNCLEAN" if v["unclean"] else "off"))
                         for n, v in sorted(st["nodes"].items()))
        res = " ".join("%s=%s" % (rid, ",".join("%s@%s%s" % (role, n, "!" if failed else "")
                                                 for n, role, failed in locs))
                       for rid, locs in sorted(st["resources"].items()))
        fails = " ".join("%s/%s/%s=%s" % f for f in st["failures"])
        return "%s | %s%s" % (nodes, res, (" | failed: " + fails) if fails else "")

    def wait_healthy(self, timeout=300):
        last = [None]

        def ok():
            line = self.summary()
            if line != last[0]:
                print("       .. cluster: " + line, flush=True)
                last[0] = line
            return self.healthy()
        wait_until(ok, timeout, interval=2,
                   what="a healthy cluster (both nodes online, g-db started, mirror in sync)")
        return self.db_node()

    def wait_db(self, timeout=300, not_on=None):
        def ok():
            n = self.db_node()
            return n if n and n != not_on else None
        return wait_until(ok, timeout, interval=1, what="g-db started%s"
                          % (" elsewhere than " + not_on if not_on else ""))

    def wait_idle(self, timeout=300):
        """Wait until the DC's controller is idle (S_IDLE twice in a row: no transition running).

        Pacemaker 2.1 drops the failure of a recurring monitor that arrives while the
        transition that scheduled it is still running (controld_te_events.c: "Event already
        confirmed"): no fail-count, no recovery until the cluster-recheck timer. A fault injected
        right after a recovery can fall in that window, so a scenario that counts failures waits
        for the cluster to settle first (docs/cluster.md)."""
        seen = [0]

        def ok():
            g = self.alive()[0]
            r = g.run(["crmadmin", "--dc_lookup"], timeout=60)
            m = re.search(r"Designated Controller is: (\S+)", r.out)
            if not m:
                seen[0] = 0
                return False
            r = g.run(["crmadmin", "--status", m.group(1)], timeout=60)
            seen[0] = seen[0] + 1 if "S_IDLE" in r.out else 0
            return seen[0] >= 2
        wait_until(ok, timeout, interval=2, what="the cluster to settle (DC in S_IDLE)")

    def failure_reasons(self, rid):
        for g in self.alive():
            r = g.run(["crm_mon", "-1", "--output-as=xml"], timeout=30)
            if r.rc == 0:
                root = ET.fromstring(r.out)
                return [f.get("exitreason") or "" for f in root.iter("failure")
                        if f.get("op_key", "").startswith(rid + "_")]
        return []

    def cleanup_failures(self, g=None, rids=None):
        """crm_resource --cleanup of the resources with failed actions (or of `rids`): a full
        cleanup re-probes everything, which costs minutes under TCG."""
        g = g or self.alive()[0]
        if rids is None:
            st = self.status(g) or {"failures": []}
            rids = sorted(set(f[0] for f in st["failures"]))
        for rid in rids:
            g.run(["crm_resource", "--cleanup", "--resource", rid], timeout=120)

    def diagnosis(self):
        """Lines that explain the cluster's state after a failed scenario: crm_mon with fail
        counts and node attributes, the scheduler's scores for g-db, and each node's recent
        Pacemaker errors and warnings."""
        lines = []
        alive = self.alive()
        if not alive:
            return ["no cluster node is running"]
        members = set(GROUP_MEMBERS) | {"g-db"}
        for title, argv, keep in (
                ("crm_mon", ["crm_mon", "-1", "-r", "-f", "-A"], None),
                ("scores of g-db", ["crm_simulate", "-Ls"],
                 lambda l: "score on" in l and any(" %s " % m in l for m in members))):
            try:
                r = alive[0].run(argv, timeout=60)
            except GuestError as e:
                lines.append("%s: %s" % (title, e))
                continue
            out = [l for l in r.out.splitlines() if l.strip() and (keep is None or keep(l))]
            lines.append("%s on %s (rc %d):" % (title, alive[0].name, r.rc))
            lines.extend("  " + l for l in out[:80])
        for g in self.nodes:
            # the host's copy (STACK_START): also there when the node was fenced
            path = os.path.join(g.share, PACEMAKER_LOG_COPY)
            try:
                with open(path, errors="replace") as f:
                    found = [l.rstrip("\n") for l in f if re.search(r"error|warning|crit", l)]
            except OSError as e:
                lines.append("pacemaker.log of %s: %s" % (g.name, e))
                continue
            lines.append("pacemaker.log of %s%s, last errors and warnings (all boots):"
                         % (g.name, "" if g in alive else " (node down)"))
            lines.extend("  " + l for l in found[-20:])
        return lines

    # ---------------------------------------------------------------- node life
    def rejoin(self, name, arrays_down=()):
        """Boot a node that is down (crashed or fenced) and start its cluster stack."""
        g = self.node(name)
        if g.proc is not None and not g.running():
            g.stop()  # qemu exited (fenced: -no-reboot turns the reboot into an exit)
        if not g.running():
            g.start()
            g.wait_ready(timeout=400)
        for tag in arrays_down:
            g.array_down(tag)
        if not arrays_down:
            wait_storage(g)
        g.configure_network()
        self.prepare_node(g)
        self.start_stack(g)
        return g

    def restore(self, timeout=420):
        """Back to a healthy cluster after a scenario: paths back, nodes up, failures cleared."""
        for g in self.nodes:
            if g.running() and g.ctl is not None:
                g.restore_paths()
        for g in self.nodes:
            if not g.running() or g.ctl is None:
                self.rejoin(g.name)
        self.wait_online(["node1", "node2"], timeout=timeout)
        self.cleanup_failures()
        return self.wait_healthy(timeout=timeout)
