// Root tests: tampering and privileged operations, attempts included.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/root/sensor_harness.h"

using namespace yagura::test;

namespace {

Json one_tamper(const std::vector<Json>& events, pid_t pid, const std::string& action) {
  auto all = find_where(events, "tamper", pid, "/tamper/action", action);
  INFO("tamper." << action << " events of pid " << pid);
  REQUIRE(all.size() == 1);
  CHECK(all[0]["process"]["key"] == find_one(events, "exec", pid)["process"]["key"]);
  return all[0];
}

}  // namespace

TEST_CASE("ptrace attach names tracer, tracee and request", "[root][tamper]") {
  TempDir dir;
  SensorProcess sensor;
  RunResult run = run_actor({"ptrace-attach", dir.path() + "/child"});
  REQUIRE(exit_code(run) == 0);
  const pid_t child = read_pid(dir.path() + "/child");
  auto events = sensor.stop();
  Json p = one_tamper(events, run.pid, "ptrace");
  CHECK(p["tamper"]["request"] == "PTRACE_ATTACH");
  CHECK(p["tamper"]["target"]["pid"] == child);
  CHECK(p["tamper"]["success"] == true);
  CHECK(p["tamper"]["result"] == 0);
}

TEST_CASE("process_vm_writev into another process is reported", "[root][tamper]") {
  TempDir dir;
  SensorProcess sensor;
  RunResult run = run_actor({"vm-writev", dir.path() + "/child"});
  REQUIRE(exit_code(run) == 0);
  const pid_t child = read_pid(dir.path() + "/child");
  auto events = sensor.stop();
  Json w = one_tamper(events, run.pid, "process_vm_writev");
  CHECK(w["tamper"]["target"]["pid"] == child);
  CHECK(w["tamper"]["result"] == 6);
  CHECK(w["tamper"]["success"] == true);
}

TEST_CASE("a write to /proc/PID/mem is reported", "[root][tamper]") {
  SensorProcess sensor;
  RunResult run = run_actor({"proc-mem-write"});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();
  Json m = one_tamper(events, run.pid, "proc_mem_write");
  CHECK(m["tamper"]["path"] == "/proc/" + std::to_string(run.pid) + "/mem");
  CHECK(m["tamper"]["target"]["pid"] == run.pid);
  CHECK(m["tamper"]["success"] == true);
}

TEST_CASE("a module load the kernel refuses is still reported", "[root][tamper]") {
  if (!std::filesystem::exists("/proc/modules"))
    return skip_test("this kernel has no module support (CONFIG_MODULES off): no finit_module");
  TempDir dir;
  const std::string fake = dir.path() + "/rootkit.ko";
  {
    std::ofstream(fake) << "not an ELF module\n";
  }
  SensorProcess sensor;
  RunResult run = run_actor({"module-load", fake});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();
  Json m = one_tamper(events, run.pid, "module_load");
  CHECK(m["tamper"]["syscall"] == "finit_module");
  CHECK(m["tamper"]["path"] == realpath_of(fake));
  CHECK(m["tamper"]["success"] == false);
  CHECK(m["tamper"]["result"].get<int64_t>() < 0);
}

TEST_CASE("kill of another user's process names the target", "[root][tamper]") {
  TempDir dir;
  SensorProcess sensor;
  RunResult run = run_actor({"kill-other-user", dir.path() + "/child"});
  REQUIRE(exit_code(run) == 0);
  const pid_t child = read_pid(dir.path() + "/child");
  auto events = sensor.stop();
  Json k = one_tamper(events, run.pid, "kill");
  CHECK(k["tamper"]["signal"] == "SIGTERM");
  CHECK(k["tamper"]["signal_number"] == 15);
  CHECK(k["tamper"]["target"]["pid"] == child);
  CHECK(k["tamper"]["target"]["uid"] == 65534);
  const std::string child_key = k["tamper"]["target"]["key"];
  CHECK(child_key.starts_with(std::to_string(child) + ":"));
}

TEST_CASE("a signal to the sensor itself is reported", "[root][tamper]") {
  SensorProcess sensor;
  const pid_t sensor_pid = sensor.pid();
  // SIGCONT: harmless to the sensor, and still a signal someone sent it.
  RunResult run = run_program({"/bin/kill", "-CONT", std::to_string(sensor_pid)});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();
  auto kills = find_where(events, "tamper", run.pid, "/tamper/action", "kill");
  REQUIRE(kills.size() == 1);
  CHECK(kills[0]["tamper"]["signal"] == "SIGCONT");
  CHECK(kills[0]["tamper"]["target"]["pid"] == sensor_pid);
}

TEST_CASE("BPF program loads, mounts, namespaces and renames are reported", "[root][tamper]") {
  TempDir dir;
  SensorProcess sensor;
  RunResult bpf = run_actor({"bpf-load"});
  RunResult mnt = run_actor({"mount-tmpfs", dir.path()});
  RunResult ns = run_actor({"unshare-net"});
  RunResult name = run_actor({"prctl-name", "kworker/0:1"});
  for (const RunResult* r : {&bpf, &mnt, &ns, &name}) REQUIRE(exit_code(*r) == 0);
  auto events = sensor.stop();

  Json b = one_tamper(events, bpf.pid, "bpf_prog_load");
  CHECK(b["tamper"]["prog_type"] == "socket_filter");
  CHECK(b["tamper"]["insn_count"] == 2);
  CHECK(b["tamper"]["name"] == "yg_test_prog");
  CHECK(b["tamper"]["success"] == true);

  Json m = one_tamper(events, mnt.pid, "mount");
  CHECK(m["tamper"]["mount_point"] == dir.path());
  CHECK(m["tamper"]["fs_type"] == "tmpfs");
  CHECK(m["tamper"]["source"] == "yg-test");
  Json u = one_tamper(events, mnt.pid, "umount");
  CHECK(u["tamper"]["mount_point"] == dir.path());

  Json s = one_tamper(events, ns.pid, "unshare");
  CHECK(s["tamper"]["flags"] == Json::array({"CLONE_NEWNET"}));

  Json p = one_tamper(events, name.pid, "prctl_set_name");
  CHECK(p["tamper"]["name"] == "kworker/0:1");
}
