#include "lib/multipath/status.h"

#include <doctest/doctest.h>

namespace twinarray {

// Status lines in the kernel's format (dm-mpath.c multipath_status, STATUSTYPE_INFO).
TEST_CASE("multipath status: one round-robin group, both paths active") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 A 0 ", &s, &err));
  CHECK_FALSE(s.queue_io);
  CHECK(s.pg_init_count == 0);
  CHECK(s.next_group == 1);
  REQUIRE(s.groups.size() == 1);
  CHECK(s.groups[0].state == PathGroupState::kActive);
  CHECK(s.TotalPaths() == 2);
  CHECK(s.ActivePaths() == 2);
  CHECK(s.FailedPaths().empty());
}

TEST_CASE("multipath status: a failed path with its fail count") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 F 1", &s, &err));
  CHECK(s.ActivePaths() == 1);
  CHECK(s.FailedPaths() == std::vector<std::string>{"8:32"});
  CHECK(s.groups[0].paths[1].fail_count == 1);
}

TEST_CASE("multipath status: service-time selector info per path") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 0 0 0 1 1 A 0 2 2 8:16 A 0 0 1 8:32 A 0 4096 1", &s, &err));
  REQUIRE(s.TotalPaths() == 2);
  CHECK(s.groups[0].paths[1].selector_info == std::vector<std::string>{"4096", "1"});
  CHECK(s.ActivePaths() == 2);
}

TEST_CASE("multipath status: as seen in the lab (multipath-tools 0.9 default service-time)") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 0 0 0 1 1 A 0 2 2 8:32 A 0 0 1 8:48 F 1 0 1", &s, &err));
  CHECK(s.ActivePaths() == 1);
  CHECK(s.FailedPaths() == std::vector<std::string>{"8:48"});
  // Both paths of the array deleted: queueing (queue_io 1) on a map with no path group left.
  REQUIRE(ParseMpathStatus("2 1 0 0 0 0", &s, &err));
  CHECK(s.queue_io);
  CHECK(s.TotalPaths() == 0);
}

TEST_CASE("multipath status: queue-length selector, two groups (ALUA), pg_init counted") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 0 3 0 2 1 A 0 1 1 8:16 A 0 0 E 0 1 1 8:48 A 2 0", &s, &err));
  CHECK(s.pg_init_count == 3);
  REQUIRE(s.groups.size() == 2);
  CHECK(s.groups[0].state == PathGroupState::kActive);
  CHECK(s.groups[1].state == PathGroupState::kEnabled);
  CHECK(s.groups[1].paths[0].device == "8:48");
  CHECK(s.groups[1].paths[0].fail_count == 2);
  CHECK(s.ActivePaths() == 2);
}

TEST_CASE("multipath status: a bypassed group, queue_io while pg_init runs") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 1 1 0 2 2 D 0 1 0 8:16 A 0 A 0 1 0 8:32 A 0", &s, &err));
  CHECK(s.queue_io);
  CHECK(s.next_group == 2);
  CHECK(s.groups[0].state == PathGroupState::kDisabled);
  CHECK(s.ActivePaths() == 2);
}

TEST_CASE("multipath status: every path failed, and a map left with no path at all") {
  MpathStatus s;
  std::string err;
  REQUIRE(ParseMpathStatus("2 0 0 0 1 1 E 0 2 0 8:16 F 3 8:32 F 2", &s, &err));
  CHECK(s.ActivePaths() == 0);
  CHECK(s.FailedPaths().size() == 2);
  // multipathd removes deleted SCSI devices from the table; the last one leaves no group.
  REQUIRE(ParseMpathStatus("2 0 0 0 0 0", &s, &err));
  CHECK(s.TotalPaths() == 0);
  CHECK(s.groups.empty());
}

TEST_CASE("multipath status: malformed lines are refused with a reason") {
  struct Bad {
    const char* line;
    const char* expect;
  };
  const Bad bad[] = {
      {"", "feature count missing"},
      {"1 0 0 1 1 A 0 1 0 8:16 A 0", "feature count 1, expected 2"},
      {"2 0 0 0 1 1 X 0 1 0 8:16 A 0", "state 'X' is not A, E or D"},
      {"2 0 0 0 1 1 A 0 1 0 8:16 B 0", "state 'B' is not A or F"},
      {"2 0 0 0 1 1 A 0 2 0 8:16 A 0", "path device missing"},
      {"2 0 0 0 1 1 A 0 1 0 8:16 A 0 extra", "1 unexpected trailing words"},
      {"2 0 0 0 1 1 A 0 1 0 8:16 A x", "path fail count 'x' is not a count"},
      {"2 0 0 0 1 1 A 0 1 2 8:16 A 0 1", "path selector info missing"},
      {"2 0 0 0 99999 1", "path group count '99999' is not a count"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.line);
    MpathStatus s;
    std::string err;
    CHECK_FALSE(ParseMpathStatus(b.line, &s, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
}

// Table lines as `dmsetup table` shows them and multipathd loads them.
TEST_CASE("multipath table: no features, round-robin with repeat counts") {
  MpathTable t;
  std::string err;
  REQUIRE(ParseMpathTable("0 0 1 1 round-robin 0 2 1 8:16 1000 8:32 1000", &t, &err));
  CHECK(t.features.empty());
  CHECK_FALSE(t.QueueIfNoPath());
  CHECK(t.hw_handler.empty());
  CHECK(t.initial_group == 1);
  REQUIRE(t.groups.size() == 1);
  CHECK(t.groups[0].selector == "round-robin");
  CHECK(t.groups[0].paths == std::vector<std::string>{"8:16", "8:32"});
  CHECK(t.groups[0].path_args[1] == std::vector<std::string>{"1000"});
}

TEST_CASE("multipath table: queue_if_no_path, service-time") {
  MpathTable t;
  std::string err;
  REQUIRE(
      ParseMpathTable("1 queue_if_no_path 0 1 1 service-time 0 2 2 8:16 1 1 8:32 1 1", &t, &err));
  CHECK(t.QueueIfNoPath());
  CHECK(t.groups[0].path_args[0] == std::vector<std::string>{"1", "1"});
}

TEST_CASE("multipath table: three feature words, ALUA handler, two groups") {
  MpathTable t;
  std::string err;
  REQUIRE(
      ParseMpathTable("3 queue_if_no_path queue_mode bio 1 alua 2 1 service-time 0 1 2 8:16 1 "
                      "1 service-time 0 1 2 8:48 1 1",
                      &t, &err));
  CHECK(t.features == std::vector<std::string>{"queue_if_no_path", "queue_mode", "bio"});
  CHECK(t.QueueIfNoPath());
  CHECK(t.hw_handler == "alua");
  CHECK(t.hw_handler_args.empty());
  REQUIRE(t.groups.size() == 2);
  CHECK(t.groups[1].paths == std::vector<std::string>{"8:48"});
}

TEST_CASE("multipath table: pg_init_retries without queueing, handler arguments") {
  MpathTable t;
  std::string err;
  REQUIRE(ParseMpathTable("2 pg_init_retries 50 2 emc 1 1 1 round-robin 0 1 1 8:16 1", &t, &err));
  CHECK_FALSE(t.QueueIfNoPath());
  CHECK(t.hw_handler == "emc");
  CHECK(t.hw_handler_args == std::vector<std::string>{"1"});
}

TEST_CASE("multipath table: malformed lines are refused") {
  MpathTable t;
  std::string err;
  CHECK_FALSE(ParseMpathTable("1", &t, &err));
  CHECK(err.find("features missing") != std::string::npos);
  CHECK_FALSE(ParseMpathTable("0 0 1 1 round-robin 0 2 1 8:16 1000", &t, &err));
  CHECK(err.find("path device missing") != std::string::npos);
  CHECK_FALSE(ParseMpathTable("0 0 0 0 junk", &t, &err));
  CHECK(err.find("trailing") != std::string::npos);
}

// `multipathd show maps raw format "%n|%w|%Q|%N"`, as multipath-tools 0.9 prints it.
TEST_CASE("multipathd maps: every queueing state") {
  std::vector<MultipathdMap> maps;
  std::string err;
  REQUIRE(
      ParseMultipathdMaps("arrayA|35000c5000000a001|5 chk|2\n"
                          "arrayB|35000c5000000b001|on|1\n"
                          "arrayC|35000c5000000c001|-|2\n"
                          "arrayD|35000c5000000d001|off|0\n"
                          "arrayE|35000c5000000e001|8 sec|0\n",
                          &maps, &err));
  REQUIRE(maps.size() == 5);
  CHECK(maps[0].name == "arrayA");
  CHECK(maps[0].wwid == "35000c5000000a001");
  CHECK(maps[0].queueing == Queueing::kBounded);
  CHECK(maps[0].usable_paths == 2);
  CHECK(maps[1].queueing == Queueing::kForever);
  CHECK(maps[2].queueing == Queueing::kUndefined);
  CHECK(maps[3].queueing == Queueing::kOff);
  CHECK(maps[4].queueing == Queueing::kBounded);
  CHECK(maps[4].queueing_text == "8 sec");
  REQUIRE(ParseMultipathdMaps("", &maps, &err));
  CHECK(maps.empty());
  CHECK_FALSE(ParseMultipathdMaps("arrayA|w|maybe|2\n", &maps, &err));
  CHECK(err.find("queueing 'maybe' not understood") != std::string::npos);
  CHECK_FALSE(ParseMultipathdMaps("arrayA|w|on\n", &maps, &err));
  CHECK(err.find("3 fields, expected 4") != std::string::npos);
  CHECK_FALSE(ParseMultipathdMaps("arrayA|w|on|x\n", &maps, &err));
}

// `multipathd show paths raw format "%m|%d|%D|%t|%T|%o"`.
TEST_CASE("multipathd paths: active, faulty, shaky, orphan") {
  std::vector<MultipathdPath> paths;
  std::string err;
  REQUIRE(
      ParseMultipathdPaths("arrayA|sdb|8:16|active|ready|running\n"
                           "arrayA|sdc|8:32|failed|faulty|offline\n"
                           "arrayB|sdd|8:48|active|shaky|running\n"
                           "arrayB|sde|8:64|active|i/o pending|running\n"
                           "[orphan]|sda|8:0|undef|undef|unknown\n",
                           &paths, &err));
  REQUIRE(paths.size() == 5);
  CHECK(paths[0].Healthy());
  CHECK_FALSE(paths[1].Healthy());
  CHECK(paths[1].device_state == "offline");
  CHECK_FALSE(paths[2].Healthy());
  CHECK(paths[3].checker_state == "i/o pending");
  CHECK(paths[4].map == "[orphan]");
  CHECK_FALSE(ParseMultipathdPaths("arrayA|sdb|8:16\n", &paths, &err));
}

}  // namespace twinarray
