// A canned two-node installation for the admin helpers' tests: the fakes wired into AdminSeams
// and the four states of the golden files (in sync, degraded, resyncing, stale leg).
#ifndef TWINARRAY_TESTS_ADMIN_WORLD_H_
#define TWINARRAY_TESTS_ADMIN_WORLD_H_

#include <string>

#include "helpers/mirror_view.h"
#include "tests/helper_fakes.h"

namespace twinarray {

inline constexpr char kWorldLegA[] = "/dev/mapper/arrayA";
inline constexpr char kWorldLegB[] = "/dev/mapper/arrayB";
inline constexpr char kWorldKey[] = "twinarray-oradata-current";
inline constexpr char kTwoPaths[] = "2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 A 0";
inline constexpr char kPathsDown[] = "2 0 0 0 1 1 E 0 2 0 8:48 F 1 8:64 F 1";

/// crm_mon XML of the two-node cluster. `group_node` "" leaves g-db stopped.
inline std::string CrmMonXml(const std::string& group_node, bool node2_online,
                             const std::string& extra = "") {
  auto res = [&](const std::string& id, const std::string& agent, const std::string& node) {
    const bool active = !node.empty();
    std::string r = "<resource id=\"" + id + "\" resource_agent=\"" + agent + "\" role=\"" +
                    (active ? "Started" : "Stopped") + "\" active=\"" +
                    (active ? "true" : "false") +
                    "\" orphaned=\"false\" blocked=\"false\" managed=\"true\" failed=\"false\" "
                    "failure_ignored=\"false\" nodes_running_on=\"" +
                    (active ? "1" : "0") + "\">";
    if (active) r += "<node name=\"" + node + "\" id=\"1\" cached=\"true\"/>";
    return r + "</resource>";
  };
  auto node = [](const std::string& name, bool online, bool dc) {
    return "<node name=\"" + name + "\" id=\"1\" online=\"" + (online ? "true" : "false") +
           "\" standby=\"false\" maintenance=\"false\" pending=\"false\" unclean=\"false\" "
           "is_dc=\"" +
           (dc ? "true" : "false") + "\" type=\"member\"/>";
  };
  return "<pacemaker-result api-version=\"2.25\" request=\"crm_mon --output-as=xml\"><summary>"
         "<stack type=\"corosync\"/><current_dc present=\"true\" name=\"node1\" id=\"1\" "
         "with_quorum=\"true\"/><cluster_options stonith-enabled=\"true\" "
         "maintenance-mode=\"false\"/></summary><nodes>" +
         node("node1", true, true) + node("node2", node2_online, false) + "</nodes><resources>" +
         res("st-sbd", "stonith:fence_sbd", node2_online ? "node2" : "node1") +
         "<clone id=\"cl-mpath\">" + res("p-mpath", "ocf:twinarray:mpath", "node1") +
         "</clone><group id=\"g-db\" number_resources=\"3\">" +
         res("p-mirror", "ocf:twinarray:mirror", group_node) +
         res("p-fs", "ocf:heartbeat:Filesystem", group_node) +
         res("p-ora", "ocf:twinarray:oracle", group_node) + "</group></resources>" + extra +
         "<status code=\"0\" message=\"OK\"/></pacemaker-result>";
}

inline constexpr char kCibResources[] =
    "<resources><group id=\"g-db\"><primitive id=\"p-mirror\" class=\"ocf\" "
    "provider=\"twinarray\" type=\"mirror\"><instance_attributes id=\"p-mirror-ia\">"
    "<nvpair id=\"n1\" name=\"name\" value=\"oradata\"/>"
    "<nvpair id=\"n2\" name=\"leg_a\" value=\"/dev/mapper/arrayA\"/>"
    "<nvpair id=\"n3\" name=\"leg_b\" value=\"/dev/mapper/arrayB\"/>"
    "</instance_attributes></primitive><primitive id=\"p-fs\" class=\"ocf\" "
    "provider=\"heartbeat\" type=\"Filesystem\"/></group></resources>";

struct AdminWorld {
  FakeDeviceMapper dm;
  FakeBlockDevices disks;
  FakeClusterRecord record;
  FakeClusterSource cluster;
  FakeClock clock;
  FakeTerminal terminal;
  MemoryLogger audit;
  AdminSeams seams;

  AdminWorld() {
    seams = AdminSeams{&dm, &disks, &record, &cluster, &clock, &terminal, &audit, "root"};
    cluster.cib_resources = kCibResources;
    disks.Add(kWorldLegA, 1, MakeSuperblock(0, 120, 0));
    disks.Add(kWorldLegB, 2, MakeSuperblock(1, 120, 0));
    disks.devices[kWorldLegA].major = 253;
    disks.devices[kWorldLegB].major = 253;
    dm.AddMap("arrayA", "multipath", "0 1 round-robin", kTwoPaths);
    dm.AddMap("arrayB", "multipath", "0 1 round-robin", kTwoPaths);
  }

  /// The mirror assembled on node1 with raid status `status`.
  void Running(const std::string& status, const std::string& record_value) {
    dm.AddMap("oradata-rmeta_a", "linear", "253:1 0", "", 8192);
    dm.AddMap("oradata-rimage_a", "linear", "253:1 8192", "");
    dm.AddMap("oradata-rmeta_b", "linear", "253:2 0", "", 8192);
    dm.AddMap("oradata-rimage_b", "linear", "253:2 8192", "");
    dm.AddMap("oradata", "raid", "raid1 3 0 region_size 1024 2 253:12 253:13 253:14 253:15",
              status);
    record.values[kWorldKey] = record_value;
    cluster.active_nodes = {"node1"};
    cluster.crm_mon = CrmMonXml("node1", true);
  }

  void ArrayBDown() {
    dm.maps["arrayB"].status_params = kPathsDown;
    disks.devices[kWorldLegB].readable = false;
  }

  void InSync() { Running("raid1 2 AA 2088960/2088960 idle 0 0 -", "a,b"); }

  void Degraded() {
    Running("raid1 2 AD 2088960/2088960 idle 0 0 -", "a");
    ArrayBDown();
    cluster.crm_mon = CrmMonXml(
        "node1", true,
        "<failures><failure op_key=\"p-mirror_monitor_10000\" node=\"node1\" "
        "exitstatus=\"OCF_DEGRADED\" exitreason=\"leg B (array B, /dev/mapper/arrayB) failed; "
        "mirror running on leg A only; writes continue\" exitcode=\"190\" call=\"12\" "
        "status=\"complete\" last-rc-change=\"2025-11-23 12:01:10Z\" task=\"monitor\"/>"
        "</failures>");
  }

  /// Leg B back and recovering: 50% done; each second of sleep copies 50 MiB more.
  void Resyncing() {
    Running("raid1 2 Aa 1044480/2088960 recover 0 0 -", "a");
    clock.on_sleep = [this](int64_t ms) {
      const uint64_t done = 1044480 + static_cast<uint64_t>(ms / 1000) * 102400;
      dm.maps["oradata"].status_params =
          done >= 2088960 ? "raid1 2 AA 2088960/2088960 idle 0 0 -"
                          : "raid1 2 Aa " + std::to_string(done) + "/2088960 recover 0 0 -";
    };
  }

  /// Array A failed first (record "b"), the cluster went down, and only array A came back: the
  /// stale-leg guard keeps the mirror stopped.
  void StaleLeg() {
    disks.devices[kWorldLegA].head = MakeSuperblock(0, 96, 0);
    ArrayBDown();
    record.values[kWorldKey] = "b";
    cluster.active_nodes = {};
    cluster.crm_mon = CrmMonXml(
        "", false,
        "<failures><failure op_key=\"p-mirror_start_0\" node=\"node1\" exitstatus=\"error\" "
        "exitreason=\"leg A is stale\" exitcode=\"1\" call=\"7\" status=\"complete\" "
        "last-rc-change=\"2025-11-23 12:10:02Z\" task=\"start\"/></failures>"
        "<fence_history><fence_event action=\"reboot\" target=\"node2\" origin=\"node1\" "
        "delegate=\"node1\" status=\"success\" completed=\"2025-11-23 12:08:40Z\"/>"
        "</fence_history>");
  }

  /// A verify (dm-raid check) a quarter done: both legs stay in sync ('A') while it reads.
  void Verifying() {
    InSync();
    dm.maps["oradata"].status_params = "raid1 2 AA 524288/2088960 check 0 0 -";
  }

  /// The mirror started from leg B alone (record "b") while leg A held writes B never had; array
  /// A is back and A's superblock records B as failed: the legs have diverged. The agent keeps A
  /// out (failed in the table, monitor 190).
  void Diverged() {
    Running("raid1 2 DA 2088960/2088960 idle 0 0 -", "b");
    disks.devices[kWorldLegA].head = MakeSuperblock(0, 150, 0b10);
    disks.devices[kWorldLegB].head = MakeSuperblock(1, 200, 0b01);
    cluster.crm_mon = CrmMonXml(
        "node1", true,
        "<failures><failure op_key=\"p-mirror_monitor_10000\" node=\"node1\" "
        "exitstatus=\"OCF_DEGRADED\" exitreason=\"leg A (array A, /dev/mapper/arrayA) has "
        "diverged: its superblock records leg B as failed; kept out\" exitcode=\"190\" "
        "call=\"14\" status=\"complete\" last-rc-change=\"2025-11-23 12:11:30Z\" "
        "task=\"monitor\"/></failures>");
  }

  /// Array B failed earlier (record "a": leg A ran alone and marked B failed), the cluster went
  /// down, and both arrays came back: leg A current and readable, leg B stale and readable; the
  /// mirror is stopped.
  void BothBackStopped() {
    disks.devices[kWorldLegA].head = MakeSuperblock(0, 130, 0b10);
    disks.devices[kWorldLegB].head = MakeSuperblock(1, 96, 0);
    record.values[kWorldKey] = "a";
    cluster.active_nodes = {};
    cluster.crm_mon = CrmMonXml("", true);
  }
};

}  // namespace twinarray

#endif  // TWINARRAY_TESTS_ADMIN_WORLD_H_
