#include "lib/ocf/agent.h"

#include <doctest/doctest.h>

namespace twinarray::ocf {
namespace {

AgentSpec TestSpec(int* calls) {
  AgentSpec spec;
  spec.name = "test";
  spec.version = "1.0";
  spec.shortdesc = "short <&>";
  spec.longdesc = "long";
  spec.params = {
      {.name = "path", .shortdesc = "p", .longdesc = "p", .required = true, .unique_group = "g"},
      {.name = "count",
       .type = ParamType::kInteger,
       .shortdesc = "c",
       .longdesc = "c",
       .default_value = "3",
       .reloadable = true,
       .min_value = 1,
       .max_value = 10},
      {.name = "flag",
       .type = ParamType::kBoolean,
       .shortdesc = "f",
       .longdesc = "f",
       .default_value = "false"},
      {.name = "mode",
       .type = ParamType::kSelect,
       .shortdesc = "m",
       .longdesc = "m",
       .default_value = "x",
       .choices = {"x", "y"}},
      {.name = "old", .shortdesc = "o", .longdesc = "o", .replaced_with = "path"},
  };
  spec.actions = {
      {.name = "start",
       .timeout_s = 30,
       .handler =
           [calls](const Context& c) {
             ++*calls;
             return c.params.GetInt("count") == 4 ? Result::Of(Status::kErrGeneric, "four")
                                                  : Result::Ok();
           }},
      {.name = "monitor",
       .timeout_s = 20,
       .interval_s = 10,
       .depth = 0,
       .handler =
           [](const Context& c) {
             return c.IsProbe() ? Result::Of(Status::kNotRunning)
                                : Result::Of(Status::kDegraded, "half");
           }},
      {.name = "meta-data", .timeout_s = 5},
  };
  return spec;
}

int Run(const AgentSpec& spec, std::vector<const char*> argv, const Env& env, std::string* out,
        std::string* err) {
  return RunAgent(spec, static_cast<int>(argv.size()), argv.data(), env, out, err);
}

}  // namespace

TEST_CASE("parameters: required, integer bounds, booleans, select, defaults") {
  int calls = 0;
  const AgentSpec spec = TestSpec(&calls);
  Params p;
  std::string err;
  CHECK_FALSE(ParseParams(spec.params, {}, &p, &err));
  CHECK(err == "required parameter path is not set");
  CHECK_FALSE(ParseParams(spec.params, {{"OCF_RESKEY_path", ""}}, &p, &err));

  REQUIRE(ParseParams(spec.params, {{"OCF_RESKEY_path", "/x"}}, &p, &err));
  CHECK(p.Get("path") == "/x");
  CHECK(p.GetInt("count") == 3);
  CHECK_FALSE(p.GetBool("flag"));
  CHECK(p.Get("mode") == "x");
  CHECK(p.IsSet("path"));
  CHECK_FALSE(p.IsSet("count"));

  const std::pair<const char*, const char*> bad[] = {
      {"count", "abc"}, {"count", "0"},    {"count", "11"},
      {"count", "3x"},  {"flag", "maybe"}, {"mode", "z"},
  };
  for (const auto& [key, value] : bad) {
    CAPTURE(key);
    CAPTURE(value);
    Env env = {{"OCF_RESKEY_path", "/x"}, {std::string("OCF_RESKEY_") + key, value}};
    CHECK_FALSE(ParseParams(spec.params, env, &p, &err));
    CHECK(err.find(key) != std::string::npos);
  }
  Env env = {{"OCF_RESKEY_path", "/x"}, {"OCF_RESKEY_flag", "Yes"}, {"OCF_RESKEY_mode", "y"}};
  REQUIRE(ParseParams(spec.params, env, &p, &err));
  CHECK(p.GetBool("flag"));
  CHECK(p.Get("mode") == "y");
}

TEST_CASE("meta-data is rendered from the same table, escaped, without environment") {
  int calls = 0;
  const AgentSpec spec = TestSpec(&calls);
  std::string out, err;
  CHECK(Run(spec, {"test", "meta-data"}, {}, &out, &err) == 0);
  CHECK(err.empty());
  CHECK(out.find("<version>1.1</version>") != std::string::npos);
  CHECK(out.find("short &lt;&amp;&gt;") != std::string::npos);
  CHECK(out.find("<parameter name=\"path\" required=\"1\" unique-group=\"g\">") !=
        std::string::npos);
  CHECK(out.find("<parameter name=\"count\" reloadable=\"1\">") != std::string::npos);
  CHECK(out.find("<content type=\"integer\" default=\"3\"/>") != std::string::npos);
  CHECK(out.find("<option value=\"y\"/>") != std::string::npos);
  CHECK(out.find("<deprecated><replaced-with name=\"path\"/></deprecated>") != std::string::npos);
  CHECK(out.find("<action name=\"monitor\" timeout=\"20s\" interval=\"10s\" depth=\"0\"/>") !=
        std::string::npos);
  CHECK(calls == 0);
}

TEST_CASE("dispatch: usage, unknown actions, bad config, exit reason once") {
  int calls = 0;
  const AgentSpec spec = TestSpec(&calls);
  std::string out, err;
  CHECK(Run(spec, {"test"}, {}, &out, &err) == static_cast<int>(Status::kErrArgs));
  CHECK(err.find("usage: test {start|monitor|meta-data}") != std::string::npos);
  out.clear();
  err.clear();
  CHECK(Run(spec, {"test", "usage"}, {}, &out, &err) == 0);
  CHECK(Run(spec, {"test", "promote"}, {}, &out, &err) ==
        static_cast<int>(Status::kErrUnimplemented));

  const Env quiet = {{"HA_LOGFACILITY", "none"}};
  err.clear();
  CHECK(Run(spec, {"test", "start"}, quiet, &out, &err) ==
        static_cast<int>(Status::kErrConfigured));
  CHECK(err == "ocf-exit-reason:required parameter path is not set\n");
  CHECK(calls == 0);

  Env env = quiet;
  env["OCF_RESKEY_path"] = "/x";
  env["OCF_RESKEY_count"] = "4";
  err.clear();
  CHECK(Run(spec, {"test", "start"}, env, &out, &err) == 1);
  CHECK(err == "ocf-exit-reason:four\n");
  CHECK(calls == 1);

  err.clear();
  CHECK(Run(spec, {"test", "monitor"}, env, &out, &err) == 7);  // A probe.
  CHECK(err.empty());
  env["OCF_RESKEY_CRM_meta_interval"] = "10000";
  CHECK(Run(spec, {"test", "monitor"}, env, &out, &err) == 190);
  CHECK(err == "ocf-exit-reason:half\n");
}

}  // namespace twinarray::ocf

namespace twinarray::ocf {

TEST_CASE("missing on this node: a probe says 7, a stop succeeds, the rest are ERR_INSTALLED") {
  const Result missing = Result::NotOnThisNode("ORACLE_HOME /u01/x does not exist on this node");
  CHECK(ForAction(missing, "monitor", true).status == Status::kNotRunning);
  CHECK(ForAction(missing, "stop", false).status == Status::kSuccess);
  CHECK(ForAction(missing, "monitor", false).status == Status::kErrInstalled);
  CHECK(ForAction(missing, "start", false).status == Status::kErrInstalled);
  CHECK(ForAction(missing, "validate-all", false).status == Status::kErrInstalled);
  CHECK(ForAction(missing, "start", false).exit_reason == missing.exit_reason);
  // Any other result passes unchanged, a configuration error included.
  const Result configured = Result::Of(Status::kErrConfigured, "bad sid");
  CHECK(ForAction(configured, "monitor", true).status == Status::kErrConfigured);
  CHECK(ForAction(Result::Ok(), "stop", false).ok());
}

}  // namespace twinarray::ocf

namespace twinarray::ocf {

TEST_CASE("the exit reason is one line: a newline in a parameter cannot forge another") {
  AgentSpec spec;
  spec.name = "test";
  spec.params = {{.name = "name", .shortdesc = "n", .longdesc = "n", .required = true}};
  spec.actions = {{.name = "start", .handler = [](const Context& c) {
                     return Result::Of(Status::kErrConfigured,
                                       "name=" + c.params.Get("name") + " is not known");
                   }}};
  Env env = {{"HA_LOGFACILITY", "none"},
             {"OCF_RESKEY_name", "x\nocf-exit-reason:all is well\r\x01"}};
  std::string out, err;
  CHECK(Run(spec, {"test", "start"}, env, &out, &err) == static_cast<int>(Status::kErrConfigured));
  CHECK(err == "ocf-exit-reason:name=x\\nocf-exit-reason:all is well\\r\\x01 is not known\n");
}

}  // namespace twinarray::ocf
