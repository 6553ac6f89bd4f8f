// ProcessTable's answers for events that do not describe their process in
// full: owner-only tasks completed from the entry (complete_task), and a
// bare pid mapped to the live process holding it (live_key).
#include <catch2/catch.hpp>

#include "sensor/process/process_table.h"

namespace yagura {
namespace {

TaskInfo full_task(ProcessKey key, uint32_t uid) {
  TaskInfo t;
  t.key = key;
  t.tid = key.tgid;
  t.parent = {1, 10};
  t.creds.uid = t.creds.euid = uid;
  t.creds.cap_effective = 0x1ff;
  t.loginuid = 1000;
  t.sessionid = 4;
  t.pid_ns = 11;
  t.mnt_ns = 12;
  t.cgroup_id = 13;
  t.tty_major = 136;
  t.tty_minor = 2;
  t.tty = "pts2";
  t.comm = "curl";
  return t;
}

// What an owner-only record carries: key, tid and comm.
TaskInfo bare_task(ProcessKey key, uint32_t tid, std::string comm) {
  TaskInfo t;
  t.key = key;
  t.tid = tid;
  t.comm = std::move(comm);
  return t;
}

}  // namespace

TEST_CASE("complete_task fills an owner-only task from the entry", "[process_table]") {
  ProcessTable table;
  const ProcessKey key{700, 5000};
  ExecEvent exec;
  exec.task = full_task(key, 1000);
  table.on_exec(exec, 1);

  TaskInfo bare = bare_task(key, 701, "curl-worker");
  REQUIRE(table.complete_task(bare));
  CHECK(bare.key == key);
  CHECK(bare.tid == 701);             // the record's, not the entry's
  CHECK(bare.comm == "curl-worker");  // as recorded when the socket was set up
  CHECK(bare.parent == ProcessKey{1, 10});
  CHECK(bare.creds == exec.task.creds);
  CHECK(bare.loginuid == 1000);
  CHECK(bare.sessionid == 4);
  CHECK(bare.pid_ns == 11);
  CHECK(bare.mnt_ns == 12);
  CHECK(bare.cgroup_id == 13);
  CHECK(bare.tty_major == 136);
  CHECK(bare.tty_minor == 2);
  CHECK(bare.tty == "pts2");

  SECTION("a later credential change is what it gets") {
    CredEvent cred;
    cred.task = full_task(key, 0);
    cred.task.loginuid = 1001;
    table.on_cred(cred);
    TaskInfo again = bare_task(key, 700, "curl");
    REQUIRE(table.complete_task(again));
    CHECK(again.creds.uid == 0);
    CHECK(again.loginuid == 1001);
  }
  SECTION("an unknown key leaves the task as it is") {
    TaskInfo unknown = bare_task({800, 1}, 800, "x");
    CHECK_FALSE(table.complete_task(unknown));
    CHECK_FALSE(unknown.parent.valid());
    CHECK(unknown.loginuid == kUnsetId);
  }
}

TEST_CASE("live_key maps a pid to the live process holding it", "[process_table]") {
  ProcessTable table;
  const ProcessKey old_proc{900, 100};
  const ProcessKey new_proc{900, 200};
  table.on_fork(ForkEvent{full_task(old_proc, 0)}, 1);
  CHECK(table.live_key(900) == std::optional<ProcessKey>(old_proc));
  CHECK_FALSE(table.live_key(901).has_value());

  table.on_exit(ExitEvent{full_task(old_proc, 0), 0}, 2);
  CHECK_FALSE(table.live_key(900).has_value());  // exited: the pid is free
  table.on_fork(ForkEvent{full_task(new_proc, 0)}, 3);
  CHECK(table.live_key(900) == std::optional<ProcessKey>(new_proc));
}

}  // namespace yagura
