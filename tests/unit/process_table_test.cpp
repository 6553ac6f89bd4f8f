#include "sensor/process/process_table.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

namespace yagura {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

TaskInfo task_of(ProcessKey key, ProcessKey parent = {}, std::string comm = "task") {
  TaskInfo task;
  task.key = key;
  task.tid = key.tgid;
  task.parent = parent;
  task.comm = std::move(comm);
  return task;
}

Creds creds_of(uint32_t uid) {
  Creds creds;
  creds.uid = creds.euid = creds.suid = creds.fsuid = uid;
  creds.gid = creds.egid = creds.sgid = creds.fsgid = uid;
  return creds;
}

ForkEvent fork_of(ProcessKey child, ProcessKey parent) { return ForkEvent{task_of(child, parent)}; }

ExecEvent exec_of(ProcessKey key, ProcessKey parent, std::string exe, std::vector<std::string> argv,
                  std::string cwd = "/") {
  ExecEvent exec;
  exec.task = task_of(key, parent, exe.substr(exe.rfind('/') + 1));
  exec.exe_path.value = std::move(exe);
  exec.argv = std::move(argv);
  exec.cwd.value = std::move(cwd);
  return exec;
}

ExitEvent exit_of(ProcessKey key, ProcessKey parent = {}) {
  return ExitEvent{task_of(key, parent), 0};
}

CredEvent cred_of(ProcessKey key, ProcessKey parent, Creds creds) {
  CredEvent cred;
  cred.task = task_of(key, parent);
  cred.task.creds = creds;
  return cred;
}

std::vector<ProcessKey> keys_of(const Lineage& lineage) {
  std::vector<ProcessKey> keys;
  for (const Ancestor& a : lineage.ancestors) keys.push_back(a.key);
  return keys;
}

// init (1) -> sshd (500) -> bash (600), as the task iterator reports them.
const ProcessKey kInit{1, 10};
const ProcessKey kSshd{500, 1000};
const ProcessKey kBash{600, 2000};

void seed_tree(ProcessTable& table) {
  table.seed(task_of(kInit), "/sbin/init", {"/sbin/init"}, "/");
  table.seed(task_of(kSshd, kInit), "/usr/sbin/sshd", {"sshd", "-D"}, "/");
  table.seed(task_of(kBash, kSshd), "/bin/bash", {"-bash"}, "/root");
}

TEST_CASE("seeded tree resolves to the root", "[process_table]") {
  ProcessTable table;
  seed_tree(table);

  Lineage chain = table.lineage(kBash);
  REQUIRE(keys_of(chain) == std::vector<ProcessKey>{kSshd, kInit});
  REQUIRE(chain.ancestors[0].exe_path == "/usr/sbin/sshd");
  REQUIRE(chain.ancestors[0].argv == std::vector<std::string>{"sshd", "-D"});
  REQUIRE(chain.ancestors[1].exe_path == "/sbin/init");
  REQUIRE(chain.complete);
  REQUIRE_FALSE(chain.truncated);

  Lineage root = table.lineage(kInit);
  REQUIRE(root.ancestors.empty());
  REQUIRE(root.complete);

  const ProcessEntry* bash = table.find(kBash);
  REQUIRE(bash != nullptr);
  REQUIRE(bash->cwd == "/root");
  REQUIRE(bash->exec_count == 0);
  REQUIRE(table.stats().size == 3);
}

TEST_CASE("lineage of an unknown key is empty and incomplete", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  Lineage chain = table.lineage({600, 9999});  // bash's tgid, another process
  REQUIRE(chain.ancestors.empty());
  REQUIRE_FALSE(chain.complete);
}

TEST_CASE("seed does not overwrite an entry made from an event", "[process_table]") {
  ProcessTable table;
  const ProcessKey child{700, 3000};
  table.on_exec(exec_of(child, kInit, "/usr/bin/new", {"new"}), 3100);
  table.seed(task_of(child, kInit), "/usr/bin/old", {"old"}, "/");
  REQUIRE(table.find(child)->exe_path == "/usr/bin/new");
  REQUIRE(table.find(child)->exec_count == 1);
}

TEST_CASE("fork, exec, exit in order", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey child{601, 3000};

  ForkEvent fork = fork_of(child, kBash);
  fork.child.creds = creds_of(1000);
  table.on_fork(fork, 3000);
  const ProcessEntry* entry = table.find(child);
  REQUIRE(entry != nullptr);
  REQUIRE(entry->parent == kBash);
  REQUIRE(entry->exe_path == "/bin/bash");  // inherited until exec
  REQUIRE(entry->argv == std::vector<std::string>{"-bash"});
  REQUIRE(entry->cwd == "/root");
  REQUIRE(entry->task.creds == creds_of(1000));
  REQUIRE(entry->exec_count == 0);

  ExecEvent exec = exec_of(child, kBash, "/usr/bin/curl", {"curl", "x.example"}, "/tmp");
  exec.task.creds = creds_of(0);
  table.on_exec(exec, 3500);
  entry = table.find(child);
  REQUIRE(entry->exe_path == "/usr/bin/curl");
  REQUIRE(entry->argv == std::vector<std::string>{"curl", "x.example"});
  REQUIRE(entry->cwd == "/tmp");
  REQUIRE(entry->task.comm == "curl");
  REQUIRE(entry->task.creds == creds_of(0));
  REQUIRE(entry->exec_count == 1);
  REQUIRE(entry->exec_ktime_ns == 3500);
  REQUIRE_FALSE(entry->exited);

  table.on_exit(exit_of(child, kBash), 4000);
  entry = table.find(child);
  REQUIRE(entry->exited);
  REQUIRE(entry->exit_ktime_ns == 4000);

  REQUIRE(keys_of(table.lineage(child)) == std::vector<ProcessKey>{kBash, kSshd, kInit});
  ProcessTable::Stats stats = table.stats();
  REQUIRE(stats.forks == 1);
  REQUIRE(stats.execs == 1);
  REQUIRE(stats.exits == 1);
  REQUIRE(stats.exited == 1);
  REQUIRE(stats.unknown_parent_forks == 0);
  REQUIRE(stats.exec_without_entry == 0);
  REQUIRE(stats.exit_without_entry == 0);
}

TEST_CASE("exec before fork keeps the exec's image and the fork's parent", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey child{601, 3000};

  // The parent died between fork and exec, so the exec names init, the reaper.
  table.on_exec(exec_of(child, kInit, "/usr/bin/id", {"id"}), 3500);
  REQUIRE(table.stats().exec_without_entry == 1);
  table.on_fork(fork_of(child, kBash), 3000);

  const ProcessEntry* entry = table.find(child);
  REQUIRE(entry->exe_path == "/usr/bin/id");
  REQUIRE(entry->argv == std::vector<std::string>{"id"});
  REQUIRE(entry->exec_count == 1);
  REQUIRE(entry->parent == kBash);
  REQUIRE(keys_of(table.lineage(child)) == std::vector<ProcessKey>{kBash, kSshd, kInit});
  REQUIRE(table.stats().size == 4);
}

TEST_CASE("exit before exec and fork leaves an exited entry", "[process_table]") {
  ProcessTable table({.max_entries = 100, .exited_grace_ns = 30 * kSecond});
  seed_tree(table);
  const ProcessKey child{601, 3000};

  table.on_exit(exit_of(child, kBash), 4000);
  REQUIRE(table.stats().exit_without_entry == 1);
  REQUIRE(table.find(child)->exited);

  table.on_exec(exec_of(child, kBash, "/bin/false", {"false"}), 3500);
  table.on_fork(fork_of(child, kBash), 3000);

  const ProcessEntry* entry = table.find(child);
  REQUIRE(entry->exited);
  REQUIRE(entry->exit_ktime_ns == 4000);
  REQUIRE(entry->exe_path == "/bin/false");  // not replaced by the inherited image
  REQUIRE(entry->exec_count == 1);
  REQUIRE(table.stats().exec_without_entry == 0);
  REQUIRE(table.stats().exited == 1);

  table.expire(4000 + 30 * kSecond);
  REQUIRE(table.find(child) == nullptr);
  REQUIRE(table.find(kBash) != nullptr);
}

TEST_CASE("exit before fork inherits the parent's image", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey child{601, 3000};
  table.on_exit(exit_of(child, kBash), 4000);
  table.on_fork(fork_of(child, kBash), 3000);
  REQUIRE(table.find(child)->exe_path == "/bin/bash");
  REQUIRE(table.find(child)->exited);
}

TEST_CASE("swapped execs keep the later image", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey child{601, 3000};
  table.on_fork(fork_of(child, kBash), 3000);
  table.on_exec(exec_of(child, kBash, "/usr/bin/second", {"second"}), 3600);
  table.on_exec(exec_of(child, kBash, "/usr/bin/first", {"first"}), 3500);
  const ProcessEntry* entry = table.find(child);
  REQUIRE(entry->exe_path == "/usr/bin/second");
  REQUIRE(entry->exec_count == 2);
  REQUIRE(entry->exec_ktime_ns == 3600);
}

TEST_CASE("exec without fork of a process started before the sensor", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey unseen{650, 2500};  // missed by the seed

  table.on_exec(exec_of(unseen, kSshd, "/usr/bin/python3", {"python3", "x.py"}), 5000);
  const ProcessEntry* entry = table.find(unseen);
  REQUIRE(entry != nullptr);
  REQUIRE(entry->parent == kSshd);
  REQUIRE(entry->exe_path == "/usr/bin/python3");
  REQUIRE(table.stats().exec_without_entry == 1);
  Lineage chain = table.lineage(unseen);
  REQUIRE(keys_of(chain) == std::vector<ProcessKey>{kSshd, kInit});
  REQUIRE(chain.complete);
}

TEST_CASE("fork from an unknown parent", "[process_table]") {
  ProcessTable table;
  const ProcessKey parent{900, 100};
  const ProcessKey child{901, 200};

  table.on_fork(fork_of(child, parent), 200);
  REQUIRE(table.stats().unknown_parent_forks == 1);
  const ProcessEntry* entry = table.find(child);
  REQUIRE(entry != nullptr);
  REQUIRE(entry->parent == parent);
  REQUIRE(entry->exe_path.empty());
  Lineage chain = table.lineage(child);
  REQUIRE(chain.ancestors.empty());
  REQUIRE_FALSE(chain.complete);

  SECTION("a root's fork has no unknown parent") {
    table.on_fork(fork_of(kInit, {}), 10);
    REQUIRE(table.stats().unknown_parent_forks == 1);
    REQUIRE(table.lineage(kInit).complete);
  }
}

TEST_CASE("repeated fork keeps the entry", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey child{601, 3000};
  table.on_fork(fork_of(child, kBash), 3000);
  table.on_exec(exec_of(child, kBash, "/usr/bin/top", {"top"}), 3500);
  table.on_fork(fork_of(child, kBash), 3000);
  REQUIRE(table.find(child)->exe_path == "/usr/bin/top");
  REQUIRE(table.find(child)->exec_count == 1);
  REQUIRE(table.stats().size == 4);
  REQUIRE(table.stats().forks == 2);
}

TEST_CASE("creds follow cred events", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  table.on_cred(cred_of(kBash, kSshd, creds_of(0)));
  REQUIRE(table.find(kBash)->task.creds == creds_of(0));
  table.on_cred(cred_of(kBash, kSshd, creds_of(33)));
  REQUIRE(table.find(kBash)->task.creds == creds_of(33));
  REQUIRE(table.stats().cred_without_entry == 0);

  const ProcessKey unseen{777, 50};
  table.on_cred(cred_of(unseen, kInit, creds_of(1000)));
  REQUIRE(table.stats().cred_without_entry == 1);
  REQUIRE(table.find(unseen)->task.creds == creds_of(1000));
  REQUIRE(table.find(unseen)->parent == kInit);
  REQUIRE(table.stats().creds == 3);
}

TEST_CASE("a reused pid is a different process", "[process_table]") {
  ProcessTable table;
  seed_tree(table);
  const ProcessKey old_proc{4242, 3000};
  const ProcessKey new_proc{4242, 9000};
  const ProcessKey child{4300, 9500};

  table.on_fork(fork_of(old_proc, kBash), 3000);
  table.on_exec(exec_of(old_proc, kBash, "/usr/bin/old", {"old"}), 3100);

  SECTION("after the old one's exit") {
    table.on_exit(exit_of(old_proc, kBash), 8000);
    table.on_fork(fork_of(new_proc, kSshd), 9000);
    table.on_exec(exec_of(new_proc, kSshd, "/usr/bin/new", {"new"}), 9100);
    table.on_fork(fork_of(child, new_proc), 9500);

    Lineage chain = table.lineage(child);
    REQUIRE(keys_of(chain) == std::vector<ProcessKey>{new_proc, kSshd, kInit});
    REQUIRE(chain.ancestors[0].exe_path == "/usr/bin/new");
    REQUIRE(table.find(child)->exe_path == "/usr/bin/new");  // inherited from the new one
    REQUIRE(table.find(old_proc)->exe_path == "/usr/bin/old");
    REQUIRE(table.find(old_proc)->exited);
    REQUIRE_FALSE(table.find(new_proc)->exited);
    REQUIRE(table.stats().pid_reuses == 0);
  }

  SECTION("the old one's exit lost: it is taken as exited when the new one starts") {
    table.on_fork(fork_of(new_proc, kSshd), 9000);
    REQUIRE(table.stats().pid_reuses == 1);
    REQUIRE(table.find(old_proc)->exited);
    REQUIRE(table.find(old_proc)->exit_ktime_ns == 9000);
    REQUIRE_FALSE(table.find(new_proc)->exited);

    table.expire(9000 + 30 * kSecond);
    REQUIRE(table.find(old_proc) == nullptr);
    REQUIRE(table.find(new_proc) != nullptr);
  }

  SECTION("late news of the old one does not displace the new one") {
    const ProcessKey older{4242, 1000};  // not seen until now
    table.on_exit(exit_of(old_proc, kBash), 8000);
    table.on_fork(fork_of(new_proc, kSshd), 9000);
    table.on_exec(exec_of(older, kBash, "/usr/bin/older", {"older"}), 1100);
    REQUIRE(table.find(older)->exited);
    REQUIRE(table.find(older)->exit_ktime_ns == 9000);
    REQUIRE_FALSE(table.find(new_proc)->exited);

    // The new process's exit still finds it as the live holder of the tgid.
    table.on_exit(exit_of(new_proc, kSshd), 9900);
    REQUIRE(table.find(new_proc)->exited);
    REQUIRE(table.find(new_proc)->exit_ktime_ns == 9900);
  }
}

TEST_CASE("eviction at capacity", "[process_table]") {
  ProcessTable table({.max_entries = 3});
  const ProcessKey a{101, 1}, b{102, 2}, c{103, 3}, d{104, 4}, e{105, 5};
  table.on_exec(exec_of(a, {}, "/a", {"a"}), 1);
  table.on_exec(exec_of(b, {}, "/b", {"b"}), 2);
  table.on_exec(exec_of(c, {}, "/c", {"c"}), 3);
  REQUIRE(table.find(a)->last_touched < table.find(c)->last_touched);

  table.on_cred(cred_of(a, {}, creds_of(5)));  // a is now the most recent
  REQUIRE(table.find(a)->last_touched > table.find(c)->last_touched);

  table.on_exec(exec_of(d, {}, "/d", {"d"}), 4);
  REQUIRE(table.find(b) == nullptr);  // least recently used
  REQUIRE(table.find(a) != nullptr);
  REQUIRE(table.stats().evictions == 1);
  REQUIRE(table.stats().size == 3);

  SECTION("exited entries go first") {
    table.on_exit(exit_of(d), 5);  // d is the most recent, but exited
    table.on_exec(exec_of(e, {}, "/e", {"e"}), 6);
    REQUIRE(table.find(d) == nullptr);
    REQUIRE(table.find(c) != nullptr);
    REQUIRE(table.find(a) != nullptr);
    REQUIRE(table.stats().evictions == 2);
    REQUIRE(table.stats().expired == 0);
  }

  SECTION("a forking parent counts as used") {
    table.on_fork(fork_of(e, c), 6);  // c forks: a is now the least recent
    REQUIRE(table.find(a) == nullptr);
    REQUIRE(table.find(c) != nullptr);
    REQUIRE(table.find(e)->exe_path == "/c");
  }
}

TEST_CASE("a table of one holds the newest", "[process_table]") {
  ProcessTable table({.max_entries = 0});
  table.on_exec(exec_of({101, 1}, {}, "/a", {"a"}), 1);
  table.on_exec(exec_of({102, 2}, {}, "/b", {"b"}), 2);
  REQUIRE(table.stats().size == 1);
  REQUIRE(table.find({102, 2}) != nullptr);
  REQUIRE(table.stats().evictions == 1);
}

TEST_CASE("expire after the grace window", "[process_table]") {
  ProcessTable table({.exited_grace_ns = 30 * kSecond});
  seed_tree(table);
  const ProcessKey parent{601, 3000};
  const ProcessKey child{602, 3100};
  table.on_fork(fork_of(parent, kBash), 3000);
  table.on_exec(exec_of(parent, kBash, "/usr/bin/make", {"make"}), 3050);
  table.on_fork(fork_of(child, parent), 3100);
  table.on_exit(exit_of(parent, kBash), 100 * kSecond);

  table.expire(100 * kSecond + 30 * kSecond - 1);
  Lineage chain = table.lineage(child);  // across the exited parent, within grace
  REQUIRE(keys_of(chain) == std::vector<ProcessKey>{parent, kBash, kSshd, kInit});
  REQUIRE(chain.ancestors[0].exe_path == "/usr/bin/make");
  REQUIRE(chain.complete);
  REQUIRE(table.stats().expired == 0);

  table.expire(100 * kSecond + 30 * kSecond);
  REQUIRE(table.find(parent) == nullptr);
  REQUIRE(table.find(child) != nullptr);  // live entries never expire
  REQUIRE(table.stats().expired == 1);
  REQUIRE(table.stats().evictions == 0);
  REQUIRE(table.stats().exited == 0);
  Lineage after = table.lineage(child);
  REQUIRE(after.ancestors.empty());
  REQUIRE_FALSE(after.complete);
}

TEST_CASE("lineage survives parent cycles", "[process_table]") {
  ProcessTable table;
  const ProcessKey a{201, 1}, b{202, 2}, c{203, 3}, x{204, 4};

  SECTION("two-cycle") {
    table.on_fork(fork_of(a, b), 1);
    table.on_fork(fork_of(b, a), 2);
    table.on_fork(fork_of(x, a), 4);

    Lineage from_a = table.lineage(a);
    REQUIRE(keys_of(from_a) == std::vector<ProcessKey>{b});
    REQUIRE_FALSE(from_a.complete);
    REQUIRE(keys_of(table.lineage(b)) == std::vector<ProcessKey>{a});
    Lineage from_x = table.lineage(x);
    REQUIRE(keys_of(from_x) == std::vector<ProcessKey>{a, b});
    REQUIRE_FALSE(from_x.complete);
    REQUIRE(table.stats().lineage_loops == 3);
  }

  SECTION("three-cycle") {
    table.on_fork(fork_of(a, c), 1);
    table.on_fork(fork_of(b, a), 2);
    table.on_fork(fork_of(c, b), 3);
    Lineage chain = table.lineage(a);
    REQUIRE(keys_of(chain) == std::vector<ProcessKey>{c, b});
    REQUIRE_FALSE(chain.complete);
  }

  SECTION("self-parent") {
    table.on_fork(fork_of(a, a), 1);
    table.on_exec(exec_of(a, a, "/a", {"a"}), 2);
    REQUIRE_FALSE(table.find(a)->parent.valid());  // the link is never stored
    Lineage chain = table.lineage(a);
    REQUIRE(chain.ancestors.empty());
    REQUIRE(chain.complete);
  }

  SECTION("no entry appears twice however long the walk") {
    ProcessTable deep({.max_lineage_depth = 100});
    deep.on_fork(fork_of(a, b), 1);
    deep.on_fork(fork_of(b, c), 2);
    deep.on_fork(fork_of(c, a), 3);
    deep.on_fork(fork_of(x, a), 4);
    std::vector<ProcessKey> keys = keys_of(deep.lineage(x));
    REQUIRE(keys.size() == 3);
    REQUIRE(std::set<ProcessKey>(keys.begin(), keys.end()).size() == 3);
  }
}

TEST_CASE("lineage depth limit", "[process_table]") {
  ProcessTable table({.max_lineage_depth = 16});
  // A chain of 21: root (tgid 1000) -> 1001 -> ... -> 1020.
  auto key = [](uint32_t i) { return ProcessKey{1000 + i, 100 + i}; };
  table.seed(task_of(key(0)), "/p0", {"p0"}, "/");
  for (uint32_t i = 1; i <= 20; ++i) table.on_fork(fork_of(key(i), key(i - 1)), 100 + i);

  Lineage deep = table.lineage(key(20));
  REQUIRE(deep.ancestors.size() == 16);
  REQUIRE(deep.ancestors.front().key == key(19));
  REQUIRE(deep.ancestors.back().key == key(4));
  REQUIRE(deep.truncated);
  REQUIRE(deep.complete);  // every ancestor walked was known

  Lineage exact = table.lineage(key(16));  // 16 ancestors, the last a root
  REQUIRE(exact.ancestors.size() == 16);
  REQUIRE(exact.ancestors.back().key == key(0));
  REQUIRE_FALSE(exact.truncated);
  REQUIRE(exact.complete);
}

TEST_CASE("invalid keys are dropped and counted", "[process_table]") {
  ProcessTable table;
  table.seed(task_of({}), "/x", {}, "/");
  table.on_fork(fork_of({}, kInit), 1);
  table.on_exec(exec_of({}, kInit, "/x", {}), 1);
  table.on_exit(exit_of({}), 1);
  table.on_cred(cred_of({}, kInit, creds_of(0)));
  REQUIRE(table.stats().size == 0);
  REQUIRE(table.stats().invalid_keys == 5);
}

}  // namespace
}  // namespace yagura
