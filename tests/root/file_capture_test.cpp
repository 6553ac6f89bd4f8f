// Root tests: file events under watched prefixes, and none outside them.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/root/sensor_harness.h"

namespace fs = std::filesystem;
using namespace yagura::test;

namespace {

// watched/ is watched for changes, secret is watched for reads, other/ is not
// watched at all.
struct Tree {
  TempDir dir;
  std::string root = realpath_of(dir.path());
  std::string watched = root + "/watched";
  std::string other = root + "/other";
  std::string secret = root + "/secret";
  std::string config;

  Tree() {
    fs::create_directory(watched);
    fs::create_directory(other);
    std::ofstream(secret) << "s3cret\n";
    config = write_config(dir, "files:\n  watch_writes: [" + watched + "/]\n  watch_reads: [" +
                                   secret + "]\n");
  }
};

std::vector<Json> file_events(const std::vector<Json>& events, pid_t pid) {
  return find_all(events, "file", pid);
}

Json one_file_event(const std::vector<Json>& events, pid_t pid, const std::string& action) {
  auto all = find_where(events, "file", pid, "/file/action", action);
  INFO("file." << action << " events of pid " << pid);
  REQUIRE(all.size() == 1);
  return all[0];
}

}  // namespace

TEST_CASE("writes under a watched prefix, by relative path and by dirfd", "[root][file]") {
  Tree t;
  SensorProcess sensor({"--config", t.config});
  RunResult rel = run_actor({"write-relative", t.watched, "job"});
  RunResult at = run_actor({"write-openat", t.watched, "authorized_keys"});
  RunResult outside = run_actor({"write-relative", t.other, "job"});
  REQUIRE(exit_code(rel) == 0);
  REQUIRE(exit_code(at) == 0);
  REQUIRE(exit_code(outside) == 0);
  auto events = sensor.stop();

  Json w = one_file_event(events, rel.pid, "open");
  CHECK(w["process"]["key"] == find_one(events, "exec", rel.pid)["process"]["key"]);
  CHECK(w["file"]["path"] == t.watched + "/job");
  CHECK(w["file"]["access"] == Json::array({"write", "create", "truncate"}));
  CHECK(w["file"]["open_flags"] == "O_WRONLY|O_CREAT|O_TRUNC");
  CHECK(w["file"]["lexical"] == false);
  struct stat st {};
  REQUIRE(stat((t.watched + "/job").c_str(), &st) == 0);
  CHECK(w["file"]["inode"]["ino"] == st.st_ino);

  Json a = one_file_event(events, at.pid, "open");
  CHECK(a["file"]["path"] == t.watched + "/authorized_keys");
  CHECK(a["file"]["access"] == Json::array({"write", "create"}));

  CHECK(file_events(events, outside.pid).empty());
}

TEST_CASE("rename into a watched directory, chmod u+s, symlink, unlink", "[root][file]") {
  Tree t;
  std::ofstream(t.other + "/payload") << "#!/bin/sh\n";
  std::ofstream(t.watched + "/victim") << "x\n";
  SensorProcess sensor({"--config", t.config});
  RunResult mv = run_actor({"rename", t.other + "/payload", t.watched + "/payload"});
  RunResult suid = run_actor({"chmod", t.watched + "/payload", "4755"});
  RunResult ln = run_actor({"symlink", "/etc/shadow", t.watched + "/shadow-link"});
  RunResult rm = run_actor({"unlink", t.watched + "/victim"});
  for (const RunResult* r : {&mv, &suid, &ln, &rm}) REQUIRE(exit_code(*r) == 0);
  auto events = sensor.stop();

  Json r = one_file_event(events, mv.pid, "rename");
  CHECK(r["file"]["path"] == t.watched + "/payload");
  CHECK(r["file"]["source_path"] == t.other + "/payload");

  Json c = one_file_event(events, suid.pid, "chmod");
  CHECK(c["file"]["path"] == t.watched + "/payload");
  CHECK(c["file"]["mode"] == "0004755");
  CHECK(c["file"]["setuid"] == true);
  CHECK(c["file"]["setgid"] == false);

  Json s = one_file_event(events, ln.pid, "symlink");
  CHECK(s["file"]["path"] == t.watched + "/shadow-link");
  CHECK(s["file"]["link_target"] == "/etc/shadow");

  Json u = one_file_event(events, rm.pid, "unlink");
  CHECK(u["file"]["path"] == t.watched + "/victim");
  CHECK(u["process"]["key"] == find_one(events, "exec", rm.pid)["process"]["key"]);
}

TEST_CASE("'..' cannot walk around the prefix filter, either way", "[root][file]") {
  Tree t;
  std::ofstream(t.watched + "/in") << "x\n";
  std::ofstream(t.other + "/out") << "x\n";
  SensorProcess sensor({"--config", t.config});
  // From outside into the watched directory, and from it back out.
  RunResult climb_in = run_actor({"unlink", "../watched/in"}, {.cwd = t.other});
  RunResult climb_out = run_actor({"unlink", "../other/out"}, {.cwd = t.watched});
  REQUIRE(exit_code(climb_in) == 0);
  REQUIRE(exit_code(climb_out) == 0);
  auto events = sensor.stop();

  Json in = one_file_event(events, climb_in.pid, "unlink");
  CHECK(in["file"]["path"] == t.watched + "/in");
  CHECK(in["file"]["path_as_given"] == t.other + "/../watched/in");
  CHECK(in["file"]["lexical"] == true);
  CHECK(file_events(events, climb_out.pid).empty());
}

TEST_CASE("reads of a watched file are reported, other reads are not", "[root][file]") {
  Tree t;
  std::ofstream(t.other + "/plain") << "x\n";
  SensorProcess sensor({"--config", t.config});
  RunResult secret = run_actor({"read", t.secret});
  RunResult plain = run_actor({"read", t.other + "/plain"});
  REQUIRE(exit_code(secret) == 0);
  REQUIRE(exit_code(plain) == 0);
  auto events = sensor.stop();

  Json r = one_file_event(events, secret.pid, "open");
  CHECK(r["file"]["path"] == t.secret);
  CHECK(r["file"]["access"] == Json::array({"read"}));
  CHECK(r["file"]["watched_read"] == true);
  CHECK(file_events(events, plain.pid).empty());
}

TEST_CASE("memfd_create is reported wherever it happens", "[root][file]") {
  Tree t;
  SensorProcess sensor({"--config", t.config});
  RunResult run = run_actor({"memfd-create", "stage2"});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();
  Json m = one_file_event(events, run.pid, "memfd_create");
  CHECK(m["file"]["path"] == "memfd:stage2");
  CHECK(m["file"]["fd"].get<int>() >= 3);
}

TEST_CASE("timestamp changes: explicit times (timestomping) and plain touch", "[root][file]") {
  Tree t;
  const std::string target = t.watched + "/tool";
  std::ofstream(target) << "x\n";
  std::ofstream(t.other + "/quiet") << "x\n";
  SensorProcess sensor({"--config", t.config});
  // touch opens the file and calls futimens() on the descriptor; with -h it
  // calls utimensat() on the name.
  RunResult dated = run_program({"/usr/bin/touch", "-d", "2019-01-01 00:00:00.25 UTC", target});
  RunResult by_name = run_program({"/usr/bin/touch", "-h", "-d", "@1546300800", target});
  RunResult now = run_program({"/usr/bin/touch", target});
  RunResult outside = run_program({"/usr/bin/touch", "-d", "2019-01-01", t.other + "/quiet"});
  for (const RunResult* r : {&dated, &by_name, &now, &outside}) REQUIRE(exit_code(*r) == 0);
  auto events = sensor.stop();

  struct stat st {};
  REQUIRE(stat(target.c_str(), &st) == 0);
  Json d = one_file_event(events, dated.pid, "utimes");
  CHECK(d["file"]["path"] == target);
  CHECK(d["file"]["explicit_times"] == true);
  CHECK(d["file"]["mtime"] == "2019-01-01T00:00:00.250000000Z");
  CHECK(d["file"]["inode"]["ino"] == st.st_ino);

  Json n = one_file_event(events, by_name.pid, "utimes");
  CHECK(n["file"]["path"] == target);
  CHECK(n["file"]["lexical"] == true);
  CHECK(n["file"]["explicit_times"] == true);
  CHECK(n["file"]["mtime"] == "2019-01-01T00:00:00.000000000Z");

  Json p = one_file_event(events, now.pid, "utimes");
  CHECK(p["file"]["path"] == target);
  CHECK(p["file"]["explicit_times"] == false);
  CHECK(!p["file"].contains("mtime"));

  CHECK(file_events(events, outside.pid).empty());
}
