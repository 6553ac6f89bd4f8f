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
  static_assert(YG_SCHEMA_VERSION == 3, "layout changed: update this test with the version");
  static_assert(YG_COMM_LEN == 16);
  static_assert(YG_TTY_LEN == 32);
  static_assert(YG_SCRATCH_SIZE == 0x10000);
  static_assert(YG_DATA_MASK == YG_SCRATCH_SIZE / 2 - 1);
  static_assert(YG_EV_EXEC == 1 && YG_EV_FORK == 2 && YG_EV_EXIT == 3 && YG_EV_CRED == 4);
  static_assert(YG_EV_NET == 5 && YG_EV_DNS == 6 && YG_EV_FILE == 7 && YG_EV_TAMPER == 8);
  static_assert(YG_EV_TYPE_MAX == 9);
  static_assert(YG_HDR_SNAPSHOT == 1 && YG_HDR_OWNER_ONLY == 2);
  static_assert(YG_DROP_REASON_MAX == 3);
  static_assert(YG_EXEC_STR_EXE == 0 && YG_EXEC_STR_FILENAME == 1 && YG_EXEC_STR_INTERP == 2 &&
                YG_EXEC_STR_CWD == 3 && YG_EXEC_STR_CGROUP == 4 && YG_EXEC_STR_LD_PRELOAD == 5 &&
                YG_EXEC_STR_LD_LIBRARY_PATH == 6 && YG_EXEC_STR_ARGS == 7);
  static_assert(YG_EXEC_STR_COUNT == 8);
  static_assert(YG_STR_MAX == 8);
  static_assert(YG_FILE_STR_PATH == 0 && YG_FILE_STR_PATH2 == 1 && YG_FILE_STR_COUNT == 2);
  static_assert(YG_TAMPER_STR_0 == 0 && YG_TAMPER_STR_1 == 1 && YG_TAMPER_STR_2 == 2 &&
                YG_TAMPER_STR_COUNT == 3);
  // Every string of every type has a length slot and a truncated bit.
  static_assert(YG_EXEC_STR_COUNT <= YG_STR_MAX && YG_FILE_STR_COUNT <= YG_STR_MAX &&
                YG_TAMPER_STR_COUNT <= YG_STR_MAX);
  static_assert(YG_STR_MAX <= 8 * sizeof(yg_strings::truncated));
  SUCCEED();
}

TEST_CASE("enum values of the activity records match the pinned numbering", "[layout]") {
  static_assert(YG_NET_CONNECT == 1 && YG_NET_ACCEPT == 2 && YG_NET_LISTEN == 3 &&
                YG_NET_CLOSE == 4 && YG_NET_UDP_SEND == 5 && YG_NET_UDP_BIND == 6);
  static_assert(YG_NET_LOOPBACK == 1 && YG_NET_UNIX_ABSTRACT == 2 && YG_NET_INBOUND == 4);
  static_assert(YG_UNIX_PATH_MAX == 108);
  static_assert(YG_DNS_MAX == 512);
  static_assert(YG_DNS_QUERY == 0 && YG_DNS_ANSWER == 1);
  static_assert(YG_FOP_OPEN == 1 && YG_FOP_UNLINK == 2 && YG_FOP_RENAME == 3 && YG_FOP_CHMOD == 4 &&
                YG_FOP_CHOWN == 5 && YG_FOP_LINK == 6 && YG_FOP_SYMLINK == 7 &&
                YG_FOP_TRUNCATE == 8 && YG_FOP_MEMFD_CREATE == 9 && YG_FOP_MKDIR == 10 &&
                YG_FOP_RMDIR == 11 && YG_FOP_UTIMES == 12);
  static_assert(YG_FOP_WRITE == 1 && YG_FOP_READ == 2 && YG_FOP_CREATED == 4 && YG_FOP_TRUNC == 8 &&
                YG_FOP_HAS_FILE == 16 && YG_FOP_LEXICAL == 32 && YG_FOP_UNNORMALIZED == 64 &&
                YG_FOP_WATCHED_READ == 128 && YG_FOP_SETID == 256 && YG_FOP_EXPLICIT_TIMES == 512);
  static_assert(YG_TAMPER_PTRACE == 1 && YG_TAMPER_VM_WRITEV == 2 && YG_TAMPER_PROC_MEM == 3 &&
                YG_TAMPER_MODULE_LOAD == 4 && YG_TAMPER_BPF_LOAD == 5 && YG_TAMPER_MOUNT == 6 &&
                YG_TAMPER_UMOUNT == 7 && YG_TAMPER_UNSHARE == 8 && YG_TAMPER_SETNS == 9 &&
                YG_TAMPER_PRCTL_NAME == 10 && YG_TAMPER_KILL == 11);
  SUCCEED();
}

TEST_CASE("every record is naturally aligned with no hidden padding", "[layout]") {
  static_assert(plain_record<yg_header>);
  static_assert(plain_record<yg_creds>);
  static_assert(plain_record<yg_task>);
  static_assert(plain_record<yg_file>);
  static_assert(plain_record<yg_stdio>);
  static_assert(plain_record<yg_exec>);
  static_assert(plain_record<yg_fork>);
  static_assert(plain_record<yg_exit>);
  static_assert(plain_record<yg_cred>);
  static_assert(plain_record<yg_strings>);
  static_assert(plain_record<yg_sockaddr>);
  static_assert(plain_record<yg_net>);
  static_assert(plain_record<yg_dns>);
  static_assert(plain_record<yg_file_event>);
  static_assert(plain_record<yg_tamper>);
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
  static_assert(sizeof(yg_strings) % 8 == 0);
  static_assert(sizeof(yg_sockaddr) % 8 == 0);
  static_assert(sizeof(yg_net) % 8 == 0);
  static_assert(sizeof(yg_dns) % 8 == 0);
  static_assert(sizeof(yg_file_event) % 8 == 0);
  static_assert(sizeof(yg_tamper) % 8 == 0);
  static_assert(sizeof(yg_counters) % 8 == 0);
  static_assert(sizeof(yg_config) % 8 == 0);

  // Records sit back to back in the ring buffer at 8-byte boundaries.
  static_assert(alignof(yg_exec) == 8 && alignof(yg_fork) == 8 && alignof(yg_exit) == 8 &&
                alignof(yg_cred) == 8 && alignof(yg_net) == 8 && alignof(yg_dns) == 8 &&
                alignof(yg_file_event) == 8 && alignof(yg_tamper) == 8);
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
  static_assert(sizeof(yg_exec) == 336);
  static_assert(offsetof(yg_exec, hdr) == 0);
  static_assert(offsetof(yg_exec, task) == 16);
  static_assert(offsetof(yg_exec, exe) == 176);
  static_assert(offsetof(yg_exec, old_tid) == 240);
  static_assert(offsetof(yg_exec, argc) == 244);
  static_assert(offsetof(yg_exec, args_size) == 248);
  static_assert(offsetof(yg_exec, env_size) == 252);
  static_assert(offsetof(yg_exec, flags) == 256);
  static_assert(offsetof(yg_exec, pad0) == 260);
  static_assert(offsetof(yg_exec, stdio) == 264);
  static_assert(sizeof(yg_exec::stdio) == 3 * sizeof(yg_stdio));
  static_assert(offsetof(yg_exec, str) == 312);

  static_assert(sizeof(yg_stdio) == 16);
  static_assert(offsetof(yg_stdio, ino) == 0);
  static_assert(offsetof(yg_stdio, mode) == 8);
  static_assert(offsetof(yg_stdio, flags) == 12);
  static_assert(YG_EXEC_STDIO == 128 && YG_STDIO_OPEN == 1);
  SUCCEED();
}

TEST_CASE("yg_strings layout", "[layout]") {
  static_assert(sizeof(yg_strings) == 24);
  static_assert(offsetof(yg_strings, len) == 0);
  static_assert(sizeof(yg_strings::len) == 2 * YG_STR_MAX);
  static_assert(offsetof(yg_strings, truncated) == 16);
  static_assert(offsetof(yg_strings, pad) == 18);
  SUCCEED();
}

TEST_CASE("yg_sockaddr and yg_net layout", "[layout]") {
  static_assert(sizeof(yg_sockaddr) == 24);
  static_assert(offsetof(yg_sockaddr, addr) == 0);
  static_assert(offsetof(yg_sockaddr, port) == 16);
  static_assert(offsetof(yg_sockaddr, pad0) == 18);
  static_assert(offsetof(yg_sockaddr, pad1) == 20);

  static_assert(sizeof(yg_net) == 384);
  static_assert(offsetof(yg_net, hdr) == 0);
  static_assert(offsetof(yg_net, task) == 16);
  static_assert(offsetof(yg_net, action) == 176);
  static_assert(offsetof(yg_net, family) == 180);
  static_assert(offsetof(yg_net, protocol) == 182);
  static_assert(offsetof(yg_net, local) == 184);
  static_assert(offsetof(yg_net, remote) == 208);
  static_assert(offsetof(yg_net, error) == 232);
  static_assert(offsetof(yg_net, flags) == 236);
  static_assert(offsetof(yg_net, duration_ns) == 240);
  static_assert(offsetof(yg_net, bytes_sent) == 248);
  static_assert(offsetof(yg_net, bytes_received) == 256);
  static_assert(offsetof(yg_net, unix_path_len) == 264);
  static_assert(offsetof(yg_net, pad0) == 266);
  static_assert(offsetof(yg_net, pad1) == 268);
  static_assert(offsetof(yg_net, unix_path) == 272);
  static_assert(sizeof(yg_net::unix_path) == YG_UNIX_PATH_MAX);
  static_assert(offsetof(yg_net, pad2) == 380);
  SUCCEED();
}

TEST_CASE("yg_dns layout", "[layout]") {
  static_assert(sizeof(yg_dns) == 752);
  static_assert(offsetof(yg_dns, hdr) == 0);
  static_assert(offsetof(yg_dns, task) == 16);
  static_assert(offsetof(yg_dns, direction) == 176);
  static_assert(offsetof(yg_dns, family) == 180);
  static_assert(offsetof(yg_dns, msg_len) == 182);
  static_assert(offsetof(yg_dns, local) == 184);
  static_assert(offsetof(yg_dns, remote) == 208);
  static_assert(offsetof(yg_dns, captured) == 232);
  static_assert(offsetof(yg_dns, pad0) == 234);
  static_assert(offsetof(yg_dns, pad1) == 236);
  static_assert(offsetof(yg_dns, payload) == 240);
  static_assert(sizeof(yg_dns::payload) == YG_DNS_MAX);
  SUCCEED();
}

TEST_CASE("yg_file_event layout", "[layout]") {
  static_assert(sizeof(yg_file_event) == 304);
  static_assert(offsetof(yg_file_event, hdr) == 0);
  static_assert(offsetof(yg_file_event, task) == 16);
  static_assert(offsetof(yg_file_event, op) == 176);
  static_assert(offsetof(yg_file_event, flags) == 180);
  static_assert(offsetof(yg_file_event, open_flags) == 184);
  static_assert(offsetof(yg_file_event, mode) == 188);
  static_assert(offsetof(yg_file_event, uid) == 192);
  static_assert(offsetof(yg_file_event, gid) == 196);
  static_assert(offsetof(yg_file_event, fd) == 200);
  static_assert(offsetof(yg_file_event, mtime_nsec) == 204);
  static_assert(offsetof(yg_file_event, mtime_sec) == 208);
  static_assert(offsetof(yg_file_event, file) == 216);
  static_assert(offsetof(yg_file_event, str) == 280);
  SUCCEED();
}

TEST_CASE("yg_tamper layout", "[layout]") {
  static_assert(sizeof(yg_tamper) == 248);
  static_assert(offsetof(yg_tamper, hdr) == 0);
  static_assert(offsetof(yg_tamper, task) == 16);
  static_assert(offsetof(yg_tamper, op) == 176);
  static_assert(offsetof(yg_tamper, result) == 180);
  static_assert(offsetof(yg_tamper, arg) == 184);
  static_assert(sizeof(yg_tamper::arg) == 3 * 8);
  static_assert(offsetof(yg_tamper, target_tgid) == 208);
  static_assert(offsetof(yg_tamper, target_uid) == 212);
  static_assert(offsetof(yg_tamper, target_start_ns) == 216);
  static_assert(offsetof(yg_tamper, str) == 224);
  SUCCEED();
}

TEST_CASE("strings end every variable-length record", "[layout]") {
  // The BPF side places the fixed part so that its strings run on into the
  // data area (record.bpf.h); the decoder finds yg_strings the same way.
  static_assert(offsetof(yg_exec, str) + sizeof(yg_strings) == sizeof(yg_exec));
  static_assert(offsetof(yg_file_event, str) + sizeof(yg_strings) == sizeof(yg_file_event));
  static_assert(offsetof(yg_tamper, str) + sizeof(yg_strings) == sizeof(yg_tamper));
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
  static_assert(sizeof(yg_counters) == 288);
  static_assert(offsetof(yg_counters, emitted) == 0);
  static_assert(offsetof(yg_counters, drops) == 72);

  // yg_config reaches the programs through the skeleton's rodata, written
  // field by field by name, so only its alignment rules are pinned (above),
  // not its offsets.
  SUCCEED();
}
