// RecordBuilder: kernel records built byte for byte as the BPF programs lay
// them out (bpf/events.h), for tests that decode them as they are or corrupt
// them first. Shared by the decoder and pipeline tests.
//
//   yg_exec x = RecordBuilder::exec_fixed(3);
//   ExecStrings s;
//   s[YG_EXEC_STR_EXE] = "/bin/ls";
//   auto record = RecordBuilder::exec(x, s);  // std::vector<uint8_t>
//
//   yg_net n = RecordBuilder::net_fixed(1, YG_NET_CONNECT);
//   n.remote = RecordBuilder::ipv4(93, 184, 216, 34, 443);
//   auto connect = RecordBuilder::net(n);
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/events.h"

namespace yagura {

using ExecStrings = std::array<std::string, YG_EXEC_STR_COUNT>;
using FileStrings = std::array<std::string, YG_FILE_STR_COUNT>;
using TamperStrings = std::array<std::string, YG_TAMPER_STR_COUNT>;

// Builds records byte for byte as the BPF programs lay them out, so tests can
// decode them as they are or corrupt them first. Every field gets a distinct
// value derived from a seed, so a field copied into the wrong place shows.
class RecordBuilder {
 public:
  static yg_creds creds(uint32_t seed) {
    yg_creds c = zeroed<yg_creds>();
    c.uid = seed + 1;
    c.euid = seed + 2;
    c.suid = seed + 3;
    c.fsuid = seed + 4;
    c.gid = seed + 5;
    c.egid = seed + 6;
    c.sgid = seed + 7;
    c.fsgid = seed + 8;
    c.cap_effective = 0x1000000000ull + seed;
    c.cap_permitted = 0x2000000000ull + seed;
    return c;
  }

  static yg_task task(uint32_t seed) {
    yg_task t = zeroed<yg_task>();
    t.tgid = seed + 100;
    t.tid = seed + 101;
    t.start_ns = 0x100000000ull + seed;
    t.ppid = seed + 102;
    t.parent_start_ns = 0x200000000ull + seed;
    t.creds = creds(seed + 1000);
    t.loginuid = seed + 103;
    t.sessionid = seed + 104;
    t.pid_ns = seed + 105;
    t.mnt_ns = seed + 106;
    t.cgroup_id = 0x300000000ull + seed;
    t.tty_major = 136;
    t.tty_minor = seed + 107;
    set_chars(t.comm, "bash");
    set_chars(t.tty, "pts3");
    return t;
  }

  static yg_file file(uint32_t seed) {
    yg_file f = zeroed<yg_file>();
    f.ino = 0x400000000ull + seed;
    f.dev = (8u << 20) | (seed + 1);
    f.mode = 0104755;  // setuid regular file
    f.uid = seed + 2;
    f.gid = seed + 3;
    f.nlink = seed + 4;
    f.flags = 0;
    f.size = 0x500000000ull + seed;
    f.mtime_ns = 0x600000000ull + seed;
    f.ctime_ns = 0x700000000ull + seed;
    f.fs_magic = 0xEF53;
    return f;
  }

  // An exec's fixed part with every field but hdr.type/size and len[] set;
  // exec() fills those from the strings.
  static yg_exec exec_fixed(uint32_t seed) {
    yg_exec x = zeroed<yg_exec>();
    x.hdr.ktime_ns = 0x800000000ull + seed;
    x.task = task(seed);
    x.exe = file(seed + 50);
    x.old_tid = seed + 200;
    x.argc = 0;
    x.args_size = seed + 201;
    x.env_size = seed + 202;
    return x;
  }

  static std::vector<uint8_t> exec(yg_exec fixed, const ExecStrings& strings) {
    return with_strings(fixed, YG_EV_EXEC, strings);
  }

  static yg_sockaddr ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    yg_sockaddr s = zeroed<yg_sockaddr>();
    s.addr[0] = a;
    s.addr[1] = b;
    s.addr[2] = c;
    s.addr[3] = d;
    s.port = port;
    return s;
  }

  static yg_sockaddr ipv6(const std::array<uint8_t, 16>& addr, uint16_t port) {
    yg_sockaddr s = zeroed<yg_sockaddr>();
    std::memcpy(s.addr, addr.data(), addr.size());
    s.port = port;
    return s;
  }

  // A TCP/IPv4 record of the given action, 10.0.0.5:40000 -> 93.184.216.34:443.
  static yg_net net_fixed(uint32_t seed, uint32_t action) {
    yg_net n = zeroed<yg_net>();
    n.hdr.ktime_ns = 0x900000000ull + seed;
    n.task = task(seed);
    n.action = action;
    n.family = AF_INET;
    n.protocol = 6;  // IPPROTO_TCP
    n.local = ipv4(10, 0, 0, 5, 40000);
    n.remote = ipv4(93, 184, 216, 34, 443);
    return n;
  }

  static std::vector<uint8_t> net(yg_net n) {
    n.hdr = header(YG_EV_NET, sizeof(yg_net), n.hdr.ktime_ns, n.hdr.flags);
    return to_bytes(n);
  }

  // A DNS message over IPv4 between 10.0.0.5:53000 and the resolver 10.0.0.1:53.
  static yg_dns dns_fixed(uint32_t seed, uint32_t direction, std::string_view payload) {
    yg_dns d = zeroed<yg_dns>();
    d.hdr.ktime_ns = 0xa00000000ull + seed;
    d.task = task(seed);
    d.direction = direction;
    d.family = AF_INET;
    d.local = ipv4(10, 0, 0, 5, 53000);
    d.remote = ipv4(10, 0, 0, 1, 53);
    const size_t n = std::min(payload.size(), sizeof(d.payload));
    std::memcpy(d.payload, payload.data(), n);
    d.captured = static_cast<uint16_t>(n);
    d.msg_len = static_cast<uint16_t>(payload.size());
    return d;
  }

  static std::vector<uint8_t> dns(yg_dns d) {
    d.hdr = header(YG_EV_DNS, sizeof(yg_dns), d.hdr.ktime_ns, d.hdr.flags);
    return to_bytes(d);
  }

  static yg_file_event file_event_fixed(uint32_t seed, uint32_t op) {
    yg_file_event f = zeroed<yg_file_event>();
    f.hdr.ktime_ns = 0xb00000000ull + seed;
    f.task = task(seed);
    f.op = op;
    f.uid = 0xffffffffu;
    f.gid = 0xffffffffu;
    f.fd = -1;
    f.file = file(seed + 60);
    return f;
  }

  static std::vector<uint8_t> file_event(yg_file_event fixed, const FileStrings& strings) {
    return with_strings(fixed, YG_EV_FILE, strings);
  }

  static yg_tamper tamper_fixed(uint32_t seed, uint32_t op) {
    yg_tamper t = zeroed<yg_tamper>();
    t.hdr.ktime_ns = 0xc00000000ull + seed;
    t.task = task(seed);
    t.op = op;
    return t;
  }

  static std::vector<uint8_t> tamper(yg_tamper fixed, const TamperStrings& strings) {
    return with_strings(fixed, YG_EV_TAMPER, strings);
  }

  static std::vector<uint8_t> fork(const yg_task& child, uint64_t ktime_ns) {
    yg_fork f = zeroed<yg_fork>();
    f.hdr = header(YG_EV_FORK, sizeof(yg_fork), ktime_ns);
    f.child = child;
    return to_bytes(f);
  }

  static std::vector<uint8_t> exit(const yg_task& task, uint32_t status, uint64_t ktime_ns) {
    yg_exit x = zeroed<yg_exit>();
    x.hdr = header(YG_EV_EXIT, sizeof(yg_exit), ktime_ns);
    x.task = task;
    x.status = status;
    return to_bytes(x);
  }

  static std::vector<uint8_t> cred(const yg_task& task, const yg_creds& old, uint32_t syscall,
                                   uint64_t ktime_ns) {
    yg_cred c = zeroed<yg_cred>();
    c.hdr = header(YG_EV_CRED, sizeof(yg_cred), ktime_ns);
    c.task = task;
    c.old = old;
    c.syscall = syscall;
    return to_bytes(c);
  }

  // argv as the kernel copies it: every argument followed by a NUL.
  static std::string nul_joined(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) {
      out += a;
      out += '\0';
    }
    return out;
  }

  // Corruption helpers: rewrite header fields in place.
  static void set_size(std::vector<uint8_t>& record, uint32_t size) {
    std::memcpy(record.data() + offsetof(yg_header, size), &size, sizeof(size));
  }
  static void set_type(std::vector<uint8_t>& record, uint16_t type) {
    std::memcpy(record.data() + offsetof(yg_header, type), &type, sizeof(type));
  }
  static void set_flags(std::vector<uint8_t>& record, uint16_t flags) {
    std::memcpy(record.data() + offsetof(yg_header, flags), &flags, sizeof(flags));
  }
  static uint16_t type_of(const std::vector<uint8_t>& record) {
    uint16_t type;
    std::memcpy(&type, record.data() + offsetof(yg_header, type), sizeof(type));
    return type;
  }
  // Resizes the record and keeps header.size in step, so only the check under
  // test fails.
  static void resize(std::vector<uint8_t>& record, size_t size) {
    record.resize(size, 0xAA);
    set_size(record, static_cast<uint32_t>(size));
  }

  template <size_t N>
  static void set_chars(char (&dst)[N], std::string_view src) {
    std::memset(dst, 0, N);
    std::memcpy(dst, src.data(), std::min(N, src.size()));
  }

 private:
  template <typename T>
  static T zeroed() {
    T value;
    std::memset(&value, 0, sizeof(value));
    return value;
  }

  static yg_header header(uint16_t type, size_t size, uint64_t ktime_ns, uint16_t flags = 0) {
    yg_header h = zeroed<yg_header>();
    h.type = type;
    h.flags = flags;
    h.size = static_cast<uint32_t>(size);
    h.ktime_ns = ktime_ns;
    return h;
  }

  // A variable-length record: the fixed part with its yg_strings set from
  // the strings, then the strings back to back. Header flags are kept.
  template <typename T, size_t N>
  static std::vector<uint8_t> with_strings(T fixed, uint16_t type,
                                           const std::array<std::string, N>& strings) {
    static_assert(N <= YG_STR_MAX);
    size_t data_size = 0;
    for (size_t i = 0; i < N; ++i) {
      fixed.str.len[i] = static_cast<uint16_t>(strings[i].size());
      data_size += strings[i].size();
    }
    fixed.hdr = header(type, sizeof(T) + data_size, fixed.hdr.ktime_ns, fixed.hdr.flags);
    std::vector<uint8_t> out = to_bytes(fixed);
    for (const auto& s : strings) out.insert(out.end(), s.begin(), s.end());
    return out;
  }

  template <typename T>
  static std::vector<uint8_t> to_bytes(const T& value) {
    std::vector<uint8_t> out(sizeof(T));
    std::memcpy(out.data(), &value, sizeof(T));
    return out;
  }
};

}  // namespace yagura
