"""twinlab — the real-kernel lab for twinarray: qemu/TCG guests with the host's userspace as root.

Modules:
  kernel    find the installed Debian kernel, build the busybox initramfs (pure-Python cpio writer)
  proto     control-channel framing shared by the host and the in-guest agent (guestagent.py)
  qmp       minimal QMP client (commands + events)
  storage   the storage layout: arrays A and B with two paths each, the SBD disk, multipath.conf
  guest     one qemu guest: launch, control channel, fault injection, logs, cleanup by PID
  netrelay  host-side UDP hub between guests' NICs, with injectable partitions
  report    scenario results: readable text report and lab-report.json
  registry  the scenario registry (decorator, groups, lookup, cost); imports no lab module
  runner    the run loop behind tests/lab/run; imports every scenario module
  scenarios the storage and pair scenarios and the helpers the other scenario modules share
  dmquery   a guest's dm maps, parsed by dmstatus: multipath waits, dm-raid status
"""
