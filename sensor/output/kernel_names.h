// Symbolic names for the numbers kernel records carry (errno, signals, flag
// words, request codes), as the JSON output writes them. The records come
// from the kernel the sensor runs on, so this build's headers give the
// numbering where libc has it; uapi values libc lacks are listed here.
//
// Flag words come out as the C expression that would build them, unknown bits
// as one trailing hex number, so nothing is lost:
//
//   open_flags_string(O_WRONLY | O_CREAT | O_TRUNC)  == "O_WRONLY|O_CREAT|O_TRUNC"
//   mount_flags_string(MS_NOSUID | 0x80000000)        == "MS_NOSUID|0x80000000"
//   namespace_flags(CLONE_NEWNS | CLONE_NEWPID)       == {"CLONE_NEWNS", "CLONE_NEWPID"}
//   errno_name(ECONNREFUSED)                          == "ECONNREFUSED"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yagura {

// nullptr when the number has no name.
const char* errno_name(int err);
const char* signal_name(int sig);  // real-time signals have no fixed name
const char* ptrace_request_name(uint64_t request);
const char* bpf_prog_type_name(uint64_t prog_type);  // as bpftool prints it: "kprobe", "xdp"

// "" when flags is 0, except open flags, whose access mode always shows.
std::string open_flags_string(uint32_t flags);
std::string mount_flags_string(uint64_t flags);
std::string umount_flags_string(uint64_t flags);
std::string rename_flags_string(uint32_t flags);
std::string link_flags_string(uint32_t flags);
std::string memfd_flags_string(uint32_t flags);
// unshare(2) flags and setns(2) nstype, one element per bit.
std::vector<std::string> namespace_flags(uint64_t flags);

}  // namespace yagura
