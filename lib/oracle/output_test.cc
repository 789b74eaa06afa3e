#include "lib/oracle/output.h"

#include <doctest/doctest.h>

#include "lib/oracle/errors.h"

namespace twinarray {
namespace {

// What the stand-in prints (formats documented in tests/oracle-standin/README.md).
constexpr char kLsnrctlStatus[] = R"(
LSNRCTL for Linux: Version 19.0.0.0.0 - Production on 24-NOV-2026 19:48:17

Copyright (c) 1991, 2019, Oracle.  All rights reserved.

Connecting to (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=52755)))
STATUS of the LISTENER
------------------------
Alias                     LSNR2
Version                   TNSLSNR for Linux: Version 19.0.0.0.0 - Production
Start Date                24-NOV-2026 19:48:17
Uptime                    0 days 0 hr. 0 min. 0 sec
Listener Parameter File   /tmp/oh1/network/admin/listener.ora
Listening Endpoints Summary...
  (DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT=52755)))
  (DESCRIPTION=(ADDRESS=(PROTOCOL=ipc)(KEY=EXTPROC1)))
Services Summary...
Service "ORCL" has 2 instance(s).
  Instance "ORCL", status UNKNOWN, has 1 handler(s) for this service...
  Instance "ORCL", status READY, has 1 handler(s) for this service...
Service "SALES" has 1 instance(s).
  Instance "SALES", status BLOCKED, has 1 handler(s) for this service...
The command completed successfully
)";

constexpr char kLsnrctlDown[] = R"(
LSNRCTL for Linux: Version 19.0.0.0.0 - Production on 24-NOV-2026 19:48:17

Connecting to (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=40355)))
TNS-12541: TNS:no listener
 TNS-12560: TNS:protocol adapter error
  TNS-00511: No listener
   Linux Error: 111: Connection refused
)";

}  // namespace

TEST_CASE("error codes: ORA/TNS/LRM/SP2 in order, deduplicated, whole tokens only") {
  const std::string out =
      "ORA-01078: failure in processing system parameters\nLRM-00109: could not open\n"
      "ORA-01078 again\nSP2-0640: Not connected\nXORA-01234 ORA-123 ORA-123456 TNS-12541:";
  const std::vector<std::string> codes = ErrorCodes(out);
  REQUIRE(codes.size() == 4);
  CHECK(codes[0] == "ORA-01078");
  CHECK(codes[1] == "LRM-00109");
  CHECK(codes[2] == "SP2-0640");
  CHECK(codes[3] == "TNS-12541");
  CHECK(ErrorCodes("Database opened.\n").empty());
}

TEST_CASE("v$instance row: found among other lines, states") {
  InstanceRow row;
  REQUIRE(ParseInstanceRow("Connected.\nOPEN|SUSPENDED|NORMAL|RESTRICTED|ORCL\n", &row));
  CHECK(row.status == "OPEN");
  CHECK(row.database_status == "SUSPENDED");
  CHECK(row.logins == "RESTRICTED");
  CHECK(row.instance_name == "ORCL");
  CHECK(StateOfRow(row) == InstanceState::kOpen);
  REQUIRE(ParseInstanceRow("STARTED|ACTIVE|NORMAL|ALLOWED|ORCL", &row));
  CHECK(StateOfRow(row) == InstanceState::kStarted);
  REQUIRE(ParseInstanceRow("  MOUNTED|ACTIVE|NORMAL|ALLOWED|ORCL  \n", &row));
  CHECK(StateOfRow(row) == InstanceState::kMounted);
  CHECK_FALSE(ParseInstanceRow("ORA-01034: ORACLE not available\n", &row));
  CHECK_FALSE(ParseInstanceRow("OPEN_MODE|READ WRITE\n", &row));
  CHECK_FALSE(ParseInstanceRow("BOGUS|ACTIVE|NORMAL|ALLOWED|ORCL\n", &row));
}

TEST_CASE("lsnrctl status: alias, endpoints, services, completion") {
  const ListenerStatus s = ParseLsnrctlStatus(kLsnrctlStatus);
  CHECK(s.completed);
  CHECK(s.alias == "LSNR2");
  REQUIRE(s.endpoints.size() == 2);
  CHECK(s.endpoints[0] == "(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT=52755)))");
  REQUIRE(s.services.size() == 2);
  REQUIRE(s.services.at("ORCL").size() == 2);
  CHECK(s.services.at("ORCL")[1] == "ORCL:READY");
  CHECK(s.services.at("SALES")[0] == "SALES:BLOCKED");
  CHECK(s.errors.empty());

  const ListenerStatus down = ParseLsnrctlStatus(kLsnrctlDown);
  CHECK_FALSE(down.completed);
  CHECK(down.errors == std::vector<std::string>{"TNS-12541", "TNS-12560", "TNS-00511"});
  CHECK(LsnrctlCompleted("x\nThe command completed successfully\n\n"));
  CHECK_FALSE(LsnrctlCompleted("The command completed successfully\nTNS-01106: x\n"));
}

TEST_CASE("tnsping: OK line last") {
  int ms = -1;
  CHECK(ParseTnspingOk("Attempting to contact (...)\nOK (10 msec)\n", &ms));
  CHECK(ms == 10);
  CHECK_FALSE(ParseTnspingOk("Attempting\nTNS-12541: TNS:no listener\n", &ms));
  CHECK_FALSE(ParseTnspingOk("", &ms));
}

TEST_CASE("text helpers: redaction, one line, last line") {
  CHECK(Redact("connect \"U\"/\"s3cret\" and s3cret", "s3cret") ==
        "connect \"U\"/\"****\" and ****");
  CHECK(Redact("nothing", "") == "nothing");
  CHECK(Redact("aaaa", "aa") == "********");
  CHECK(OneLine("\n a \n\n b\n") == "a / b");
  CHECK(OneLine(std::string(400, 'x'), 10) == "xxxxxxxxxx...");
  CHECK(LastLine("a\nb\n  \n") == "b");
}

}  // namespace twinarray
