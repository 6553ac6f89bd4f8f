// Root end-to-end tests of the host detections: persistence, credential
// access, privilege escalation, defence evasion and sensor tampering. Each
// test case performs the behaviours for real on this machine, with a sensor
// uploading to a collector (DetectionRig), and asserts exactly one alert of
// each rule, with the host's tags and a lineage that names the process and
// its command line; and performs benign near misses that must add nothing
// (no alert, and no second count on the alert already there: every
// behaviour of a test case shares the test's process tree).
//
// Names outside temporary directories are yagura-e2e-*. What a test changes
// in /etc, /root, /var/log or /usr/local/bin is put back by guards declared
// before the rig, so the restore happens after capture stopped and also
// when an assertion fails.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "policy/policy_signature.h"
#include "tests/root/detection_harness.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::test {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

const std::string kActor = YAGURA_ACTOR_BIN;
// Runs the command that follows as nobody, with no sudo or su involved.
const std::string kNobody = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups ";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// A file as the test found it, put back when the test ends: the same
// bytes, mode, owner and times, or no file when there was none.
class PutBack {
 public:
  explicit PutBack(std::string path) : path_(std::move(path)) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) {
      content_ = read_file(path_);
      st_ = st;
    }
  }
  ~PutBack() {
    if (!content_) {
      ::unlink(path_.c_str());
      return;
    }
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << *content_;
    const timespec times[2] = {st_.st_atim, st_.st_mtim};
    if (::chmod(path_.c_str(), st_.st_mode & 07777) != 0 ||
        ::chown(path_.c_str(), st_.st_uid, st_.st_gid) != 0 ||
        ::utimensat(AT_FDCWD, path_.c_str(), times, 0) != 0)
      WARN("could not restore " << path_);
  }
  PutBack(const PutBack&) = delete;
  PutBack& operator=(const PutBack&) = delete;

 private:
  std::string path_;
  std::optional<std::string> content_;
  struct stat st_ {};
};

// A directory the test needs: created when missing, and then removed with
// everything in it when the test ends.
class DirNeeded {
 public:
  DirNeeded(std::string path, mode_t mode) : path_(std::move(path)) {
    if (fs::exists(path_)) return;
    REQUIRE(::mkdir(path_.c_str(), mode) == 0);
    created_ = true;
  }
  ~DirNeeded() {
    if (created_) fs::remove_all(path_);
  }
  DirNeeded(const DirNeeded&) = delete;
  DirNeeded& operator=(const DirNeeded&) = delete;

 private:
  std::string path_;
  bool created_ = false;
};

// Every alert of the rig's host, for a failure's message.
std::string all_alerts_text(DetectionRig& rig) {
  const Json all = rig.collector().get_json("/v1/admin/alerts?sensor=" + rig.sensor_id());
  std::string text;
  for (const Json& a : all["alerts"])
    text += a["rule"].get<std::string>() + ": " + a["summary"].get<std::string>() + "\n";
  return text;
}

// The one alert of `rule`, raised once, for the rig's host with its tags;
// when `command` is given, the lineage starts with the process that did it
// (its command line holds `command`) and goes on to its parent.
Json one_alert(DetectionRig& rig, const std::string& rule, const RigOptions& options,
               const std::string& command) {
  const std::vector<Json> alerts = rig.alerts(rule);
  INFO("rule " << rule << "; every alert of this test:\n" << all_alerts_text(rig));
  REQUIRE(alerts.size() == 1);
  const Json& a = alerts[0];
  INFO("the alert: " << a.dump());
  CHECK(a["rule"] == rule);
  CHECK(a["count"] == 1);
  CHECK(a["host"]["sensor_id"] == rig.sensor_id());
  for (const auto& [key, value] : options.tags) CHECK(a["host"]["tags"][key] == value);
  if (!command.empty()) {
    REQUIRE(a["lineage"].size() >= 2);
    CHECK_THAT(a["lineage"][0]["command_line"].get<std::string>(), Contains(command));
    CHECK(a["lineage"][0]["key"] == a["process_key"]);
    CHECK(!a["lineage"][1]["command_line"].get<std::string>().empty());
  }
  return a;
}

void no_alert(DetectionRig& rig, const std::string& rule) {
  INFO("rule " << rule << "; every alert of this test:\n" << all_alerts_text(rig));
  CHECK(rig.alerts(rule).empty());
}

// The arguments the sensor process `pid` was started with.
std::vector<std::string> command_line_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> out;
  for (std::string arg; std::getline(in, arg, '\0');) out.push_back(arg);
  return out;
}

std::string argument_after(const std::vector<std::string>& argv, const std::string& flag) {
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1];
  FAIL("no " << flag << " in the sensor's command line");
  return {};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  INFO("'" << from << "' in:\n" << text);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE(
    "persistence: cron, systemd, init.d, profile.d, authorized_keys and ld.so.preload "
    "writes alert once each - a package manager installing the same kinds of files does not",
    "[detect][host]") {
  const std::string cron = "/etc/cron.d/yagura-e2e";
  const std::string unit = "/etc/systemd/system/yagura-e2e.service";
  const std::string init = "/etc/init.d/yagura-e2e";
  const std::string profile = "/etc/profile.d/yagura-e2e.sh";
  const std::string keys = "/root/.ssh/authorized_keys";
  const std::string preload = "/etc/ld.so.preload";
  for (const std::string& p : {cron, unit, init, profile})
    REQUIRE_FALSE(fs::exists(p));  // never someone else's file
  REQUIRE(fs::is_directory("/etc/systemd/system"));
  PutBack put_back_cron(cron), put_back_unit(unit), put_back_init(init), put_back_profile(profile);
  DirNeeded ssh_dir("/root/.ssh", 0700);
  PutBack put_back_keys(keys), put_back_preload(preload);

  // The near miss's package: a program in /usr/bin and a profile.d script,
  // installed and purged by dpkg.
  TempDir pkg;
  const std::string root = pkg.path() + "/root";
  fs::create_directories(root + "/DEBIAN");
  fs::create_directories(root + "/usr/bin");
  fs::create_directories(root + "/etc/profile.d");
  write_file(root + "/DEBIAN/control",
             "Package: yagura-e2e-nearmiss\nVersion: 1.0\nArchitecture: all\n"
             "Maintainer: Yagura tests <tests@yagura.invalid>\n"
             "Description: benign package of the detection tests\n");
  write_file(root + "/usr/bin/yagura-e2e-nearmiss", "#!/bin/sh\necho near miss\n", 0755);
  write_file(root + "/etc/profile.d/yagura-e2e-pkg.sh", "# yagura-e2e near miss\n");
  const std::string deb = pkg.path() + "/yagura-e2e-nearmiss.deb";
  REQUIRE(exit_code(
              run_program({"/usr/bin/dpkg-deb", "--root-owner-group", "--build", root, deb})) == 0);
  REQUIRE_FALSE(fs::exists("/usr/bin/yagura-e2e-nearmiss"));
  struct Purge {
    ~Purge() {
      if (std::system("/usr/bin/dpkg --purge yagura-e2e-nearmiss > /dev/null 2>&1") != 0)
        WARN("dpkg --purge yagura-e2e-nearmiss failed");
    }
  } purge;

  RigOptions options;
  DetectionRig rig(options);
  rig.run("printf '# yagura-e2e: comment only\\n' > " + cron);
  rig.run("printf '# yagura-e2e: comment only\\n' > " + unit);
  rig.run("printf '# yagura-e2e: comment only\\n' > " + init);
  rig.run("printf '# yagura-e2e: comment only\\n' > " + profile);
  rig.run("printf '# yagura-e2e: comment only\\n' >> " + keys);
  rig.run(": >> " + preload);  // empty: preloads nothing
  // Near misses: a cron job reading its configuration; a package manager
  // at work.
  rig.run("cat /etc/crontab /etc/cron.d/* > /dev/null 2>&1");
  rig.run("dpkg -i " + deb + " > /dev/null && dpkg --purge yagura-e2e-nearmiss > /dev/null");
  CHECK_FALSE(fs::exists("/usr/bin/yagura-e2e-nearmiss"));
  rig.settle();

  one_alert(rig, "persistence.cron", options, cron);
  one_alert(rig, "persistence.systemd-unit", options, unit);
  one_alert(rig, "persistence.init-scripts", options, init);
  one_alert(rig, "persistence.shell-profile", options, profile);
  one_alert(rig, "persistence.authorized-keys", options, keys);
  one_alert(rig, "persistence.ld-so-preload", options, preload);
  // The same alert reached the collector's JSON lines output.
  int lines = 0;
  for (const Json& line : rig.alert_file_lines()) lines += line["rule"] == "persistence.cron";
  CHECK(lines == 1);
  for (const char* rule :
       {"evasion.binary-timestomp", "exec.*", "download-execute.*", "privilege.setuid-bit-set"})
    no_alert(rig, rule);
}

TEST_CASE(
    "credential access: /etc/shadow and a private key read by cat alert - chage and "
    "ssh-keygen reading them do not",
    "[detect][host]") {
  const std::string key = "/root/.ssh/id_yagura_e2e";
  DirNeeded ssh_dir("/root/.ssh", 0700);
  REQUIRE_FALSE(fs::exists(key));
  PutBack put_back_key(key), put_back_pub(key + ".pub");
  REQUIRE(exit_code(run_program({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                                 "yagura-e2e", "-f", key})) == 0);

  RigOptions options;
  DetectionRig rig(options);
  rig.run("cat /etc/shadow > /dev/null");
  rig.run("cat " + key + " > /dev/null");
  // Near misses: the programs whose job it is.
  CHECK_THAT(rig.run("chage -l root"), Contains("Last password change"));
  CHECK_THAT(rig.run("ssh-keygen -y -f " + key), Contains("ssh-ed25519"));
  rig.settle();

  one_alert(rig, "credentials.shadow-read", options, "cat /etc/shadow");
  one_alert(rig, "credentials.private-key-read", options, "cat " + key);
}

TEST_CASE(
    "privilege escalation: a setuid-root program run by nobody becoming root and a "
    "setuid bit added alert - sudo and a plain chmod do not",
    "[detect][host]") {
  // In a directory of a filesystem without nosuid that nobody can enter.
  TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const std::string suid = dir.path() + "/yagura-e2e-suid";
  const std::string plain = dir.path() + "/yagura-e2e-plain";
  fs::copy_file(kActor, suid);
  fs::copy_file(kActor, plain);
  const std::string sudoers = "/etc/sudoers.d/yagura-e2e";
  const bool have_sudo = fs::exists("/usr/bin/sudo") && fs::is_directory("/etc/sudoers.d");
  if (have_sudo) REQUIRE_FALSE(fs::exists(sudoers));
  PutBack put_back_sudoers(sudoers);

  RigOptions options{.tags = {{"team", "identity"}, {"role", "bastion"}}};
  DetectionRig rig(options);
  rig.run("chmod u+s " + suid);
  rig.run("chmod 0755 " + plain);  // near miss
  CHECK(rig.run(kNobody + suid + " setuid-root; echo $?") == "0\n");
  if (have_sudo) {
    // Near miss: a user allowed to run one command as root runs it.
    write_file(sudoers, "nobody ALL=(root) NOPASSWD: /usr/bin/id\n", 0440);
    CHECK(rig.run(kNobody + "/usr/bin/sudo -n /usr/bin/id -u") == "0\n");
  }
  rig.settle();

  one_alert(rig, "privilege.setuid-bit-set", options, "chmod u+s " + suid);
  one_alert(rig, "privilege.setuid-to-root", options, suid + " setuid-root");
  if (!have_sudo)
    return skip_test(
        "no /usr/bin/sudo (scripts/install-deps.sh installs it): the sudo near miss "
        "of privilege.setuid-to-root did not run");
}

TEST_CASE(
    "evasion: a system log emptied, shell history emptied and a binary's times set by hand "
    "alert - appending to them and a plain touch do not",
    "[detect][host]") {
  const std::string log = "/var/log/yagura-e2e.log";
  const std::string history = "/root/.bash_history";
  const std::string binary = "/usr/local/bin/yagura-e2e-ts";
  REQUIRE_FALSE(fs::exists(log));
  REQUIRE_FALSE(fs::exists(binary));
  PutBack put_back_log(log), put_back_history(history), put_back_binary(binary);
  write_file(log, "yagura-e2e: a line of log\n");
  write_file(binary, "#!/bin/sh\necho yagura-e2e\n", 0755);

  RigOptions options;
  DetectionRig rig(options);
  // Near misses first: a program logging, a shell saving its history, a
  // build touching its output.
  rig.run("echo 'yagura-e2e: another line' >> " + log);
  rig.run("echo 'ls -l' >> " + history);
  rig.run("touch " + binary);
  rig.run("truncate -s 0 " + log);
  rig.run("cat /dev/null > " + history);
  rig.run("touch -d 2019-01-01 " + binary);
  rig.settle();

  one_alert(rig, "evasion.log-tampering", options, "truncate -s 0 " + log);
  one_alert(rig, "evasion.history-tampering", options, "cat /dev/null > " + history);
  one_alert(rig, "evasion.binary-timestomp", options, "touch -d 2019-01-01 " + binary);
}

TEST_CASE("evasion: a kernel module loaded by hand alerts - one the kernel refuses does not",
          "[detect][host]") {
  if (!fs::exists("/proc/modules"))
    return skip_test(
        "this kernel has no module support (CONFIG_MODULES off): no module can "
        "load, evasion.kernel-module-load cannot be exercised here");
  // dummy: a network driver with no hardware, built as a module by most
  // distributions, that nothing here has loaded.
  if (exit_code(run_program({"/usr/sbin/modprobe", "--dry-run", "dummy"})) != 0 ||
      read_file("/proc/modules").find("dummy ") != std::string::npos)
    return skip_test("no unused dummy.ko for this kernel: no module to load for real");
  struct Unload {
    ~Unload() {
      if (std::system("/usr/sbin/modprobe -r dummy > /dev/null 2>&1") != 0)
        WARN("modprobe -r dummy failed");
    }
  } unload;
  TempDir dir;
  write_file(dir.path() + "/yagura-e2e.ko", "not an ELF module\n");

  RigOptions options;
  DetectionRig rig(options);
  rig.run(kActor + " module-load " + dir.path() + "/yagura-e2e.ko");  // near miss: refused
  rig.run("/usr/sbin/modprobe dummy");
  rig.settle();

  one_alert(rig, "evasion.kernel-module-load", options, "modprobe dummy");
}

TEST_CASE("evasion: root attaching to nobody's process alerts - to its own does not",
          "[detect][host]") {
  RigOptions options;
  DetectionRig rig(options);
  // The target must have run its program as nobody before the attach.
  auto attach_to = [&](const std::string& launcher) {
    return rig.run(
        launcher +
        "/usr/bin/sleep 30 > /dev/null 2>&1 & pid=$!\n"
        "until [ \"$(readlink /proc/$pid/exe)\" = /usr/bin/sleep ]; do sleep 0.05; done\n" +
        kActor + " ptrace-pid $pid; echo $?\nkill $pid");
  };
  CHECK(attach_to(kNobody) == "0\n");
  CHECK(attach_to("") == "0\n");  // near miss: a root-owned process
  rig.settle();

  const Json a = one_alert(rig, "evasion.ptrace-other-user", options, kActor + " ptrace-pid");
  CHECK_THAT(a["summary"].get<std::string>(), Contains("65534"));
}

TEST_CASE(
    "evasion: a process named like a kernel thread and a BPF program loaded by an "
    "unexpected program alert - a login shell's '-bash' and bpftool listing do not",
    "[detect][host]") {
  RigOptions options;
  DetectionRig rig(options);
  rig.run("bash -c 'exec -a \"[kworker/0:1]\" sleep 1'");
  REQUIRE(exit_code(run_actor({"prctl-name", "kworker/0:2"})) == 0);
  rig.run("bash -c 'exec -a -bash bash -c true'");  // near miss
  rig.run(kActor + " bpf-load");
  const bool have_bpftool = fs::exists("/usr/sbin/bpftool");
  if (have_bpftool) rig.run("/usr/sbin/bpftool prog list > /dev/null");  // near miss
  rig.settle();

  // Both disguises come from this test's one process tree: one alert,
  // counted twice, with both events.
  const std::vector<Json> masq = rig.alerts("evasion.masquerading");
  INFO("every alert of this test:\n" << all_alerts_text(rig));
  REQUIRE(masq.size() == 1);
  CHECK(masq[0]["count"] == 2);
  for (const auto& [key, value] : options.tags) CHECK(masq[0]["host"]["tags"][key] == value);
  CHECK(lineage_entry(masq[0], "[kworker/0:1]") != nullptr);
  one_alert(rig, "evasion.bpf-load", options, kActor + " bpf-load");
  if (!have_bpftool) return skip_test("no /usr/sbin/bpftool: its near miss did not run");
}

TEST_CASE("sensor tampering: a sensor that stops reporting alerts once - a running one does not",
          "[detect][host]") {
  RigOptions options;
  options.rules_yaml = builtin_rules_with({{"params: {after: 10m}", "params: {after: 3s}"}});
  DetectionRig rig(options);
  // Near miss: twice the silence allowed, heartbeats every second.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  rig.settle();
  no_alert(rig, "sensor.silent");

  rig.stop_sensor();
  REQUIRE(rig.wait_for_alerts("sensor.silent", 30).size() == 1);
  // Once per silence, however long it lasts.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const Json a = one_alert(rig, "sensor.silent", options, "");
  CHECK_THAT(a["summary"].get<std::string>(), Contains("no batch from the sensor"));
}

TEST_CASE(
    "sensor tampering: batches lost with a wiped spool alert as a gap - a collector outage "
    "the spool rides out does not",
    "[detect][host]") {
  RigOptions options;
  DetectionRig rig(options);
  rig.settle();
  auto outage = [&] {
    rig.collector().stop();
    // Heartbeats every second: batches are sealed and spooled meanwhile.
    std::this_thread::sleep_for(std::chrono::seconds(3));
  };
  // Near miss: the spool holds the batches and delivers them after.
  outage();
  rig.collector().start();
  rig.settle();
  no_alert(rig, "sensor.gap");

  // While the collector is unreachable, the sensor is killed and its spool
  // deleted: the batches numbered meanwhile never arrive.
  outage();
  const std::vector<std::string> argv = command_line_of(rig.sensor().pid());
  const std::string state_dir = fs::path(rig.sensor().control_socket()).parent_path();
  rig.sensor().kill_now();
  REQUIRE(fs::exists(state_dir + "/spool"));
  fs::remove_all(state_dir + "/spool");
  std::vector<std::string> args = {"--config", argument_after(argv, "--config"), "--state-dir",
                                   state_dir};
  for (const auto& [key, value] : options.tags)
    args.insert(args.end(), {"--tag", key + "=" + value});
  SensorProcess restarted(args, TestPolicy::kConfigured);
  rig.collector().start();
  REQUIRE(rig.wait_for_alerts("sensor.gap", 30).size() == 1);
  rig.settle();
  const Json a = one_alert(rig, "sensor.gap", options, "");
  CHECK_THAT(a["summary"].get<std::string>(), Contains("never arrived"));
}

TEST_CASE(
    "sensor tampering: a local policy change alerts - a policy pushed through the collector "
    "does not",
    "[detect][host]") {
  TempDir dir;
  auto key = policy::generate_key_pair();
  REQUIRE(key);
  std::ofstream(dir.path() + "/csirt.pub") << key->public_pem;
  const std::string keys_line = "policy: {trusted_keys: [" + dir.path() + "/csirt.pub]}\n";
  const std::string builtin =
      read_file(std::string(YAGURA_SCRIPTS_DIR) + "/../config/default-policy.yaml");
  REQUIRE_THAT(builtin, Contains("  version: 1\n"));

  RigOptions options;
  options.sensor_yaml = keys_line;
  DetectionRig rig(options);
  rig.settle();
  no_alert(rig, "sensor.policy-change");  // the policy it started with

  // Someone on the host points the sensor at a policy of their own.
  const std::string local = dir.path() + "/local-policy.yaml";
  write_file(local, replaced(builtin, "  version: 1\n", "  version: 2\n"));
  const std::string config = argument_after(command_line_of(rig.sensor().pid()), "--config");
  write_file(config,
             replaced(read_file(config), keys_line,
                      "policy: {trusted_keys: [" + dir.path() + "/csirt.pub], path: " + local +
                          ", require_signature: false}\n"),
             0600);
  rig.sensor().reload("yagura-default version 2");
  REQUIRE(rig.wait_for_alerts("sensor.policy-change", 30).size() == 1);

  // Near miss: the CSIRT pushes version 3, signed, through the collector.
  const std::string pushed = replaced(builtin, "  version: 1\n", "  version: 3\n");
  auto private_key = policy::PrivateKey::from_pem(key->private_pem, "test");
  REQUIRE(private_key);
  auto sig = policy::sign_policy(pushed, *private_key);
  REQUIRE(sig);
  wire::v1::PolicyPush push;
  push.set_policy(pushed);
  push.set_signature(*sig);
  const HttpResponse r = rig.collector().post("/v1/admin/policies", push.SerializeAsString(),
                                              "application/x-protobuf");
  INFO(r.body);
  REQUIRE(r.status == 201);
  REQUIRE(eventually(30, [&] {
    return rig.collector().get_json("/v1/admin/hosts?sensor=" +
                                    rig.sensor_id())["hosts"][0]["policy"]["version"] == 3;
  }));
  rig.settle();
  const Json a = one_alert(rig, "sensor.policy-change", options, "");
  CHECK_THAT(a["summary"].get<std::string>(), Contains("v2"));
}

}  // namespace yagura::test
