#include "lib/oracle/errors.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>

#include "tests/oracle_fakes.h"

namespace twinarray {

TEST_CASE("error table: parse, classify, prefixes, default, worst") {
  ErrorTable t;
  std::string err;
  REQUIRE(
      t.Parse("# c\ndefault warn\nORA-01034 restart # down\nora-0047* failover\n"
              "ORA-00474 fatal\nTNS-12560 ignore\n",
              &err));
  CHECK(t.size() == 4);
  CHECK(t.Classify("ORA-01034") == ErrorClass::kRestart);
  CHECK(t.Classify("ORA-00471") == ErrorClass::kFailover);
  CHECK(t.Classify("ORA-00474") == ErrorClass::kFatal);  // Exact beats prefix.
  CHECK(t.Classify("ORA-99999") == ErrorClass::kWarn);   // Default.
  const ErrorVerdict v = t.Worst({"TNS-12560", "ORA-01034", "ORA-00471"});
  CHECK(v.error_class == ErrorClass::kFailover);
  CHECK(v.code == "ORA-00471");
  CHECK(t.Worst({}).code.empty());

  ErrorTable fresh;
  REQUIRE(fresh.Parse("", &err));
  CHECK(fresh.Classify("ORA-00001") == ErrorClass::kRestart);

  const struct {
    const char* text;
    const char* expect;
  } bad[] = {{"ORA-01034\n", "line 1: expected two words (CODE CLASS), found 1"},
             {"\nORA-01034 reboot\n", "line 2: unknown class"},
             {"FOO-1 fatal\n", "not an error code"},
             {"ORA-01 fatal\n", "not an error code"},
             {"ORA-01034 fatal\nORA-01034 warn\n", "is listed again"},
             {"default warn\ndefault fatal\n", "second default"}};
  for (const auto& b : bad) {
    CAPTURE(b.text);
    CHECK_FALSE(t.Parse(b.text, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
  CHECK(StatusOfClass(ErrorClass::kFatal) == ocf::Status::kErrConfigured);
  CHECK(StatusOfClass(ErrorClass::kFailover) == ocf::Status::kErrInstalled);
  CHECK(StatusOfClass(ErrorClass::kRestart) == ocf::Status::kErrGeneric);
  CHECK(StatusOfClass(ErrorClass::kWarn) == ocf::Status::kSuccess);
  CHECK(StatusOfClass(ErrorClass::kLogin) == ocf::Status::kDegraded);
  REQUIRE(t.Parse("SP2-0640 ignore\nORA-01017 login\n", &err));
  CHECK(t.Worst({"SP2-0640", "ORA-01017"}).error_class == ErrorClass::kLogin);
  REQUIRE(t.Parse("ORA-01017 login\nORA-01034 restart\n", &err));
  CHECK(t.Worst({"ORA-01017", "ORA-01034"}).error_class == ErrorClass::kRestart);
}

TEST_CASE("error table: a parse error names the line and the fault, never the file's content") {
  // error_table pointed at another file (/etc/passwd, a key file): its text must not reach the
  // exit reason, which Pacemaker shows to anyone who can read the cluster status.
  const struct {
    const char* text;
    const char* expect;
  } files[] = {
      {"root:x:0:0:root:/root:/bin/bash\n", "line 1: expected two words (CODE CLASS), found 1"},
      {"# c\n\nsecret-token 42 x\n", "line 3: expected two words (CODE CLASS), found 3"},
      {"ORA-01034 s3cr3t\n",
       "line 1: unknown class (one of ignore, warn, login, restart, failover, fatal)"},
      {"default s3cr3t\n", "line 1: unknown class"},
      {"s3cr3t fatal\n", "line 1: the first word is not an error code"},
      {"ORA-01034 fatal\nora-01034 warn\n", "line 2: the code of line 1 is listed again"},
  };
  for (const auto& f : files) {
    CAPTURE(f.text);
    ErrorTable t;
    std::string err;
    CHECK_FALSE(t.Parse(f.text, &err));
    CHECK(err.find(f.expect) == 0);
    for (const char* secret : {"root", "secret", "s3cr3t", "bash", "ora-01034"}) {
      CHECK(err.find(secret) == std::string::npos);
    }
  }
  FakeOracleFiles fake;
  fake.files["/etc/passwd"] = "root:x:0:0:root:/root:/bin/bash\n";
  ErrorTable t;
  const ocf::Result r = LoadErrorTable(&fake, "/etc/passwd", &t);
  CHECK(r.status == ocf::Status::kErrConfigured);
  CHECK(r.exit_reason ==
        "error table /etc/passwd: line 1: expected two words (CODE CLASS), found 1");
}

TEST_CASE("the shipped error table parses and classifies the agents' key codes") {
  FakeOracleFiles files;
  std::string text, err;
  const std::string path = std::string(TWINARRAY_GOLDEN_DIR) + "/../../agents/oracle-errors.conf";
  auto real = NewRealFiles("/nonexistent");
  REQUIRE(real->Read(path, &text, &err));
  files.files["/t"] = text;
  ErrorTable t;
  REQUIRE(LoadErrorTable(&files, "/t", &t).ok());
  for (const char* login :
       {"ORA-01017", "ORA-28000", "ORA-28001", "ORA-01045", "ORA-01031", "ORA-01005"}) {
    CAPTURE(login);
    CHECK(t.Classify(login) == ErrorClass::kLogin);  // The monitor's own login, not the database.
  }
  CHECK(t.Classify("ORA-10873") == ErrorClass::kFatal);
  CHECK(t.Classify("ORA-01034") == ErrorClass::kRestart);
  CHECK(t.Classify("ORA-01157") == ErrorClass::kFailover);
  CHECK(t.Classify("ORA-01110") == ErrorClass::kIgnore);
  CHECK(t.Classify("ORA-00257") == ErrorClass::kWarn);
  CHECK(t.Classify("ORA-00472") == ErrorClass::kRestart);
  CHECK(t.Classify("TNS-01151") == ErrorClass::kFatal);
  CHECK(t.Classify("LRM-00109") == ErrorClass::kFatal);
  CHECK(LoadErrorTable(&files, "/missing", &t).status == ocf::Status::kErrInstalled);
  files.files["/bad"] = "ORA-1 x\n";
  CHECK(LoadErrorTable(&files, "/bad", &t).status == ocf::Status::kErrConfigured);
}

}  // namespace twinarray
