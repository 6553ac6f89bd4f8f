// Pins the byte layout of every record in bpf/events.h. The BPF programs and
// the sensor share that header, but the decoder, the root tests and any
// recorded fixtures depend on the bytes, so a layout change must be
// deliberate: these static_asserts fail the build when it is not. When a
// change is intended, bump YG_SCHEMA_VERSION and update the numbers here in
// the same change.
//
// The asserts sit inside TEST_CASEs only so the test list shows them; they are
// all checked at compile time.
#include <catch2/catch.hpp>
#include <cstddef>
#include <type_traits>

#include "bpf/events.h"

namespace {

// No hidden padding anywhere: every gap is an explicit pad field, so the
// kernel writes every byte userspace reads (no stack garbage leaks into the
// ring buffer, and the verifier sees every byte initialised).
template <typename T>
constexpr bool plain_record = std::is_trivially_copyable_v<T>&&
    std::has_unique_object_representations_v<T>&& std::is_standard_layout_v<T>;

}  // namespace

TEST_CASE("schema version and constants match the pinned layout", "[layout]") {
  static_assert(YG_SCHEMA_VERSION == 1, "layout changed: update this test with the version");
  static_assert(YG_COMM_LEN == 16);
  static_assert(YG_TTY_LEN == 32);
  static_assert(YG_SCRATCH_SIZE == 0x10000);
  static_assert(YG_DATA_MASK == YG_SCRATCH_SIZE / 2 - 1);
  static_assert(YG_EV_EXEC == 1 && YG_EV_FORK == 2 && YG_EV_EXIT == 3 && YG_EV_CRED == 4);
  static_assert(YG_EV_TYPE_MAX == 5);
  static_assert(YG_HDR_SNAPSHOT == 1);
  static_assert(YG_DROP_REASON_MAX == 3);
  static_assert(YG_EXEC_STR_EXE == 0 && YG_EXEC_STR_FILENAME == 1 && YG_EXEC_STR_INTERP == 2 &&
                YG_EXEC_STR_CWD == 3 && YG_EXEC_STR_CGROUP == 4 && YG_EXEC_STR_LD_PRELOAD == 5 &&
                YG_EXEC_STR_LD_LIBRARY_PATH == 6 && YG_EXEC_STR_ARGS == 7);
  static_assert(YG_EXEC_STR_COUNT == 8);
  // One truncated bit per string.
  static_assert(YG_EXEC_STR_COUNT <= 8 * sizeof(yg_exec::truncated));
  SUCCEED();
}

TEST_CASE("every record is naturally aligned with no hidden padding", "[layout]") {
  static_assert(plain_record<yg_header>);
  static_assert(plain_record<yg_creds>);
  static_assert(plain_record<yg_task>);
  static_assert(plain_record<yg_file>);
  static_assert(plain_record<yg_exec>);
  static_assert(plain_record<yg_fork>);
  static_assert(plain_record<yg_exit>);
  static_assert(plain_record<yg_cred>);
  static_assert(plain_record<yg_counters>);
  static_assert(plain_record<yg_config>);

  static_assert(sizeof(yg_header) % 8 == 0);
  static_assert(sizeof(yg_creds) % 8 == 0);
  static_assert(sizeof(yg_task) % 8 == 0);
  static_assert(sizeof(yg_file) % 8 == 0);
  static_assert(sizeof(yg_exec) % 8 == 0);
  static_assert(sizeof(yg_fork) % 8 == 0);
  static_assert(sizeof(yg_exit) % 8 == 0);
  static_assert(sizeof(yg_cred) % 8 == 0);
  static_assert(sizeof(yg_counters) % 8 == 0);
  static_assert(sizeof(yg_config) % 8 == 0);

  // Records sit back to back in the ring buffer at 8-byte boundaries.
  static_assert(alignof(yg_exec) == 8 && alignof(yg_fork) == 8 && alignof(yg_exit) == 8 &&
                alignof(yg_cred) == 8);
  SUCCEED();
}

TEST_CASE("yg_header layout", "[layout]") {
  static_assert(sizeof(yg_header) == 16);
  static_assert(offsetof(yg_header, type) == 0);
  static_assert(offsetof(yg_header, flags) == 2);
  static_assert(offsetof(yg_header, size) == 4);
  static_assert(offsetof(yg_header, ktime_ns) == 8);
  static_assert(sizeof(yg_header::type) == 2);
  static_assert(sizeof(yg_header::size) == 4);
  SUCCEED();
}

TEST_CASE("yg_creds layout", "[layout]") {
  static_assert(sizeof(yg_creds) == 48);
  static_assert(offsetof(yg_creds, uid) == 0);
  static_assert(offsetof(yg_creds, euid) == 4);
  static_assert(offsetof(yg_creds, suid) == 8);
  static_assert(offsetof(yg_creds, fsuid) == 12);
  static_assert(offsetof(yg_creds, gid) == 16);
  static_assert(offsetof(yg_creds, egid) == 20);
  static_assert(offsetof(yg_creds, sgid) == 24);
  static_assert(offsetof(yg_creds, fsgid) == 28);
  static_assert(offsetof(yg_creds, cap_effective) == 32);
  static_assert(offsetof(yg_creds, cap_permitted) == 40);
  SUCCEED();
}

TEST_CASE("yg_task layout", "[layout]") {
  static_assert(sizeof(yg_task) == 160);
  static_assert(offsetof(yg_task, tgid) == 0);
  static_assert(offsetof(yg_task, tid) == 4);
  static_assert(offsetof(yg_task, start_ns) == 8);
  static_assert(offsetof(yg_task, ppid) == 16);
  static_assert(offsetof(yg_task, pad0) == 20);
  static_assert(offsetof(yg_task, parent_start_ns) == 24);
  static_assert(offsetof(yg_task, creds) == 32);
  static_assert(offsetof(yg_task, loginuid) == 80);
  static_assert(offsetof(yg_task, sessionid) == 84);
  static_assert(offsetof(yg_task, pid_ns) == 88);
  static_assert(offsetof(yg_task, mnt_ns) == 92);
  static_assert(offsetof(yg_task, cgroup_id) == 96);
  static_assert(offsetof(yg_task, tty_major) == 104);
  static_assert(offsetof(yg_task, tty_minor) == 108);
  static_assert(offsetof(yg_task, comm) == 112);
  static_assert(sizeof(yg_task::comm) == YG_COMM_LEN);
  static_assert(offsetof(yg_task, tty) == 128);
  static_assert(sizeof(yg_task::tty) == YG_TTY_LEN);
  SUCCEED();
}

TEST_CASE("yg_file layout", "[layout]") {
  static_assert(sizeof(yg_file) == 64);
  static_assert(offsetof(yg_file, ino) == 0);
  static_assert(offsetof(yg_file, dev) == 8);
  static_assert(offsetof(yg_file, mode) == 12);
  static_assert(offsetof(yg_file, uid) == 16);
  static_assert(offsetof(yg_file, gid) == 20);
  static_assert(offsetof(yg_file, nlink) == 24);
  static_assert(offsetof(yg_file, flags) == 28);
  static_assert(offsetof(yg_file, size) == 32);
  static_assert(offsetof(yg_file, mtime_ns) == 40);
  static_assert(offsetof(yg_file, ctime_ns) == 48);
  static_assert(offsetof(yg_file, fs_magic) == 56);
  SUCCEED();
}

TEST_CASE("yg_exec layout", "[layout]") {
  static_assert(sizeof(yg_exec) == 280);
  static_assert(offsetof(yg_exec, hdr) == 0);
  static_assert(offsetof(yg_exec, task) == 16);
  static_assert(offsetof(yg_exec, exe) == 176);
  static_assert(offsetof(yg_exec, old_tid) == 240);
  static_assert(offsetof(yg_exec, argc) == 244);
  static_assert(offsetof(yg_exec, args_size) == 248);
  static_assert(offsetof(yg_exec, env_size) == 252);
  static_assert(offsetof(yg_exec, flags) == 256);
  static_assert(offsetof(yg_exec, truncated) == 260);
  static_assert(offsetof(yg_exec, len) == 262);
  static_assert(sizeof(yg_exec::len) == 2 * YG_EXEC_STR_COUNT);
  static_assert(offsetof(yg_exec, pad0) == 278);
  SUCCEED();
}

TEST_CASE("yg_fork, yg_exit, yg_cred layout", "[layout]") {
  static_assert(sizeof(yg_fork) == 176);
  static_assert(offsetof(yg_fork, hdr) == 0);
  static_assert(offsetof(yg_fork, child) == 16);

  static_assert(sizeof(yg_exit) == 184);
  static_assert(offsetof(yg_exit, hdr) == 0);
  static_assert(offsetof(yg_exit, task) == 16);
  static_assert(offsetof(yg_exit, status) == 176);
  static_assert(offsetof(yg_exit, pad0) == 180);

  static_assert(sizeof(yg_cred) == 232);
  static_assert(offsetof(yg_cred, hdr) == 0);
  static_assert(offsetof(yg_cred, task) == 16);
  static_assert(offsetof(yg_cred, old) == 176);
  static_assert(offsetof(yg_cred, syscall) == 224);
  static_assert(offsetof(yg_cred, pad0) == 228);
  SUCCEED();
}

TEST_CASE("yg_counters layout", "[layout]") {
  static_assert(sizeof(yg_counters) == 8 * YG_EV_TYPE_MAX * (1 + YG_DROP_REASON_MAX));
  static_assert(sizeof(yg_counters) == 160);
  static_assert(offsetof(yg_counters, emitted) == 0);
  static_assert(offsetof(yg_counters, drops) == 40);

  // yg_config reaches the programs through the skeleton's rodata, written
  // field by field by name, so only its alignment rules are pinned (above),
  // not its offsets.
  SUCCEED();
}
