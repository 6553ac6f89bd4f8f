#include "sensor/output/kernel_names.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <string>

namespace yagura {

using Names = std::vector<std::string>;

TEST_CASE("errno and signal names", "[kernel_names]") {
  CHECK(std::string(errno_name(ECONNREFUSED)) == "ECONNREFUSED");
  CHECK(std::string(errno_name(EHOSTUNREACH)) == "EHOSTUNREACH");
  CHECK(errno_name(0) == nullptr);
  CHECK(errno_name(-1) == nullptr);
  CHECK(errno_name(100000) == nullptr);
  CHECK(std::string(signal_name(SIGKILL)) == "SIGKILL");
  CHECK(signal_name(SIGRTMIN + 1) == nullptr);
}

TEST_CASE("open flags: the access mode always, then the flags set", "[kernel_names]") {
  CHECK(open_flags_string(O_RDONLY) == "O_RDONLY");
  CHECK(open_flags_string(O_WRONLY | O_CREAT | O_TRUNC) == "O_WRONLY|O_CREAT|O_TRUNC");
  CHECK(open_flags_string(O_RDWR | O_APPEND | O_CLOEXEC) == "O_RDWR|O_APPEND|O_CLOEXEC");
  // Multi-bit flags are named whole, not as their parts.
  CHECK(open_flags_string(O_RDWR | O_TMPFILE) == "O_RDWR|O_TMPFILE");
  CHECK(open_flags_string(O_WRONLY | O_SYNC) == "O_WRONLY|O_SYNC");
  CHECK(open_flags_string(O_WRONLY | O_DSYNC) == "O_WRONLY|O_DSYNC");
  CHECK(open_flags_string(O_RDONLY | O_DIRECTORY) == "O_RDONLY|O_DIRECTORY");
  // Bits this build has no name for are kept, in hex.
  CHECK(open_flags_string(O_WRONLY | 0x40000000u) == "O_WRONLY|0x40000000");
}

TEST_CASE("mount, umount, rename, link and memfd flags", "[kernel_names]") {
  CHECK(mount_flags_string(0) == "");
  CHECK(mount_flags_string(MS_BIND | MS_REC) == "MS_BIND|MS_REC");
  CHECK(mount_flags_string(MS_REMOUNT | MS_RDONLY | MS_NOSUID) == "MS_RDONLY|MS_NOSUID|MS_REMOUNT");
  // The old magic number in the upper half is dropped, as the kernel drops it.
  CHECK(mount_flags_string(0xc0ed0000u | MS_NOEXEC) == "MS_NOEXEC");
  CHECK(mount_flags_string(1ull << 40) == "0x10000000000");
  CHECK(umount_flags_string(MNT_DETACH) == "MNT_DETACH");
  CHECK(rename_flags_string(1) == "RENAME_NOREPLACE");
  CHECK(link_flags_string(0x400) == "AT_SYMLINK_FOLLOW");
  CHECK(memfd_flags_string(1 | 2) == "MFD_CLOEXEC|MFD_ALLOW_SEALING");
}

TEST_CASE("namespace flags, one element per bit", "[kernel_names]") {
  CHECK(namespace_flags(0).empty());
  CHECK(namespace_flags(CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWNET) ==
        Names{"CLONE_NEWNS", "CLONE_NEWUSER", "CLONE_NEWNET"});
  CHECK(namespace_flags(CLONE_FILES | 0x1) == Names{"CLONE_FILES", "0x1"});
}

TEST_CASE("ptrace requests and BPF program types", "[kernel_names]") {
  CHECK(std::string(ptrace_request_name(16)) == "PTRACE_ATTACH");
  CHECK(std::string(ptrace_request_name(0x4206)) == "PTRACE_SEIZE");
  CHECK(std::string(ptrace_request_name(5)) == "PTRACE_POKEDATA");
  CHECK(ptrace_request_name(0x5000) == nullptr);
  CHECK(std::string(bpf_prog_type_name(2)) == "kprobe");
  CHECK(std::string(bpf_prog_type_name(5)) == "tracepoint");
  CHECK(std::string(bpf_prog_type_name(6)) == "xdp");
  CHECK(std::string(bpf_prog_type_name(29)) == "lsm");
  CHECK(std::string(bpf_prog_type_name(32)) == "netfilter");
  CHECK(bpf_prog_type_name(33) == nullptr);
}

}  // namespace yagura
