// RecordDecoder on the activity records: network, DNS, file and tamper. The
// task, file and string handling they share with exec is covered field by
// field in record_decoder_test.cpp; here, what is their own.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sensor/decode/record_decoder.h"
#include "tests/unit/record_builder.h"

namespace yagura {
namespace {

template <typename T>
T decode_as(const std::vector<uint8_t>& record, Event* event_out = nullptr) {
  RecordDecoder decoder;
  auto event = decoder.decode(record);
  INFO((event.ok() ? std::string() : event.error().message));
  REQUIRE(event.ok());
  REQUIRE(std::holds_alternative<T>(event->body));
  if (event_out) *event_out = *event;
  return std::get<T>(event->body);
}

// The record is rejected for `reason`, and only that counter moves.
void check_rejected(const std::vector<uint8_t>& record, RejectReason reason) {
  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE_FALSE(event.ok());
  INFO(event.error().message);
  CHECK(event.error().message.rfind(std::string(reject_reason_name(reason)) + ": ", 0) == 0);
  CHECK(decoder.stats().rejected.total() == 1);
  CHECK(decoder.stats().decoded.total() == 0);
}

std::array<uint8_t, 16> v6(std::initializer_list<uint8_t> bytes) {
  std::array<uint8_t, 16> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

}  // namespace

TEST_CASE("net record round-trips every field", "[decoder]") {
  yg_net n = RecordBuilder::net_fixed(1, YG_NET_CLOSE);
  n.hdr.flags = YG_HDR_OWNER_ONLY;
  n.error = 0;
  n.flags = YG_NET_LOOPBACK;
  n.duration_ns = 1234;
  n.bytes_sent = 5678;
  n.bytes_received = 91011;

  RecordDecoder decoder;
  auto event = decoder.decode(RecordBuilder::net(n));
  REQUIRE(event.ok());
  CHECK(event->ktime_ns == n.hdr.ktime_ns);
  CHECK(event->owner_only);
  CHECK_FALSE(event->snapshot);
  const auto& e = std::get<NetEvent>(event->body);
  CHECK(e.task.key == ProcessKey{n.task.tgid, n.task.start_ns});
  CHECK(e.task.comm == "bash");
  CHECK(e.action == NetAction::kClose);
  CHECK(e.family == NetFamily::kIpv4);
  CHECK(e.transport == Transport::kTcp);
  CHECK(e.local.ip.to_string() == "10.0.0.5");
  CHECK(e.local.port == 40000);
  CHECK(e.remote.ip == IpAddress::ipv4(93, 184, 216, 34));
  CHECK(e.remote.port == 443);
  CHECK(e.loopback);
  CHECK_FALSE(e.unix_abstract);
  CHECK_FALSE(e.inbound);
  CHECK(e.initiated());  // the close of a connection this host connected
  CHECK(e.duration_ns == 1234);
  CHECK(e.bytes_sent == 5678);
  CHECK(e.bytes_received == 91011);
  CHECK(e.unix_path.empty());
  CHECK(decoder.stats().decoded.network == 1);
  CHECK(decoder.stats().decoded.total() == 1);
}

TEST_CASE("net connect error and initiated", "[decoder]") {
  yg_net n = RecordBuilder::net_fixed(2, YG_NET_CONNECT);
  n.error = 111;  // ECONNREFUSED
  auto e = decode_as<NetEvent>(RecordBuilder::net(n));
  CHECK(e.error == 111);
  CHECK(e.initiated());
  CHECK_FALSE(decode_as<NetEvent>(RecordBuilder::net(RecordBuilder::net_fixed(2, YG_NET_ACCEPT)))
                  .initiated());
}

TEST_CASE("net IPv6 addresses, v4-mapped ones printed as IPv4", "[decoder]") {
  yg_net n = RecordBuilder::net_fixed(3, YG_NET_UDP_SEND);
  n.family = AF_INET6;
  n.protocol = 17;
  n.local =
      RecordBuilder::ipv6(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 5353);
  n.remote = RecordBuilder::ipv6(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}), 53);
  auto e = decode_as<NetEvent>(RecordBuilder::net(n));
  CHECK(e.family == NetFamily::kIpv6);
  CHECK(e.transport == Transport::kUdp);
  CHECK(e.local.ip.family == IpAddress::Family::kIpv6);
  CHECK(e.local.ip.to_string() == "2001:db8::1");
  CHECK(e.remote.ip.is_v4_mapped());
  CHECK(e.remote.ip.family == IpAddress::Family::kIpv6);  // kept as the kernel had it
  CHECK(e.remote.ip.to_string() == "1.2.3.4");
  CHECK(e.remote.ip.unmapped() == IpAddress::ipv4(1, 2, 3, 4));
  CHECK(e.remote.port == 53);
}

TEST_CASE("net unix paths: a file name ends at its NUL, an abstract name keeps every byte",
          "[decoder]") {
  yg_net n = RecordBuilder::net_fixed(4, YG_NET_CONNECT);
  n.family = AF_UNIX;
  n.protocol = 0;
  n.local = {};
  n.remote = {};

  SECTION("file system path") {
    std::memcpy(n.unix_path, "/run/docker.sock\0", 17);
    n.unix_path_len = 17;
    auto e = decode_as<NetEvent>(RecordBuilder::net(n));
    CHECK(e.family == NetFamily::kUnix);
    CHECK(e.unix_path == "/run/docker.sock");
    CHECK_FALSE(e.unix_abstract);
    CHECK(e.local.ip.family == IpAddress::Family::kNone);
  }
  SECTION("the close of an accepted connection is inbound") {
    n.flags = YG_NET_INBOUND;
    auto e = decode_as<NetEvent>(RecordBuilder::net(n));
    CHECK(e.inbound);
    CHECK_FALSE(e.unix_abstract);
  }
  SECTION("abstract name with an inner NUL") {
    std::memcpy(n.unix_path, "x\0y", 3);
    n.unix_path_len = 3;
    n.flags = YG_NET_UNIX_ABSTRACT;
    auto e = decode_as<NetEvent>(RecordBuilder::net(n));
    CHECK(e.unix_path == std::string("x\0y", 3));
    CHECK(e.unix_abstract);
  }
  SECTION("a path filling the array") {
    std::memset(n.unix_path, 'p', YG_UNIX_PATH_MAX);
    n.unix_path_len = YG_UNIX_PATH_MAX;
    CHECK(decode_as<NetEvent>(RecordBuilder::net(n)).unix_path == std::string(108, 'p'));
  }
  SECTION("a length past the array is malformed") {
    n.unix_path_len = YG_UNIX_PATH_MAX + 1;
    check_rejected(RecordBuilder::net(n), RejectReason::kMalformed);
  }
}

TEST_CASE("net values newer than this build pass through", "[decoder]") {
  yg_net n = RecordBuilder::net_fixed(5, 99);
  n.protocol = 132;  // SCTP
  auto e = decode_as<NetEvent>(RecordBuilder::net(n));
  CHECK(static_cast<uint32_t>(e.action) == 99);
  CHECK(static_cast<uint16_t>(e.transport) == 132);
}

TEST_CASE("net records that cannot be read are rejected", "[decoder]") {
  const auto good = RecordBuilder::net(RecordBuilder::net_fixed(6, YG_NET_CONNECT));
  SECTION("an address family the record cannot carry") {
    yg_net n = RecordBuilder::net_fixed(6, YG_NET_CONNECT);
    n.family = 40;  // AF_VSOCK
    check_rejected(RecordBuilder::net(n), RejectReason::kMalformed);
  }
  SECTION("shorter than the struct") {
    auto r = good;
    RecordBuilder::resize(r, sizeof(yg_net) - 8);
    check_rejected(r, RejectReason::kTruncated);
  }
  SECTION("longer than the struct") {
    auto r = good;
    RecordBuilder::resize(r, sizeof(yg_net) + 8);
    check_rejected(r, RejectReason::kMalformed);
  }
  SECTION("the snapshot flag") {
    auto r = good;
    RecordBuilder::set_flags(r, YG_HDR_SNAPSHOT);
    check_rejected(r, RejectReason::kMalformed);
  }
}

TEST_CASE("the owner-only flag is valid on net and dns records only", "[decoder]") {
  const std::vector<std::vector<uint8_t>> others = {
      RecordBuilder::exec(RecordBuilder::exec_fixed(1), {}),
      RecordBuilder::fork(RecordBuilder::task(1), 1),
      RecordBuilder::exit(RecordBuilder::task(1), 0, 1),
      RecordBuilder::cred(RecordBuilder::task(1), RecordBuilder::creds(1), 1, 1),
      RecordBuilder::file_event(RecordBuilder::file_event_fixed(1, YG_FOP_UNLINK), {"/x", ""}),
      RecordBuilder::tamper(RecordBuilder::tamper_fixed(1, YG_TAMPER_UNSHARE), {}),
  };
  for (auto r : others) {
    INFO("type " << RecordBuilder::type_of(r));
    RecordBuilder::set_flags(r, YG_HDR_OWNER_ONLY);
    check_rejected(r, RejectReason::kMalformed);
  }
  yg_dns d = RecordBuilder::dns_fixed(1, YG_DNS_ANSWER, "x");
  d.hdr.flags = YG_HDR_OWNER_ONLY;
  Event event;
  decode_as<DnsEvent>(RecordBuilder::dns(d), &event);
  CHECK(event.owner_only);
}

TEST_CASE("dns record round-trips every field", "[decoder]") {
  const std::string payload("\x12\x34\x81\x80\x00\x01", 6);
  yg_dns d = RecordBuilder::dns_fixed(7, YG_DNS_QUERY, payload);

  RecordDecoder decoder;
  auto event = decoder.decode(RecordBuilder::dns(d));
  REQUIRE(event.ok());
  CHECK_FALSE(event->owner_only);
  const auto& e = std::get<DnsEvent>(event->body);
  CHECK(e.task.key == ProcessKey{d.task.tgid, d.task.start_ns});
  CHECK(e.direction == DnsDirection::kQuery);
  CHECK(e.local == SocketEndpoint{IpAddress::ipv4(10, 0, 0, 5), 53000});
  CHECK(e.remote == SocketEndpoint{IpAddress::ipv4(10, 0, 0, 1), 53});
  CHECK(e.message_bytes == 6);
  CHECK(e.payload == payload);
  CHECK_FALSE(e.incomplete);
  // Parsing is the processor's job.
  CHECK(e.questions.empty());
  CHECK_FALSE(e.malformed);
  CHECK(decoder.stats().decoded.dns == 1);
}

TEST_CASE("dns capture shorter than the message is incomplete, longer is malformed", "[decoder]") {
  yg_dns d = RecordBuilder::dns_fixed(8, YG_DNS_ANSWER, std::string(YG_DNS_MAX, 'x'));
  SECTION("a 1400-byte message of which 512 were captured") {
    d.msg_len = 1400;
    auto e = decode_as<DnsEvent>(RecordBuilder::dns(d));
    CHECK(e.payload.size() == YG_DNS_MAX);
    CHECK(e.message_bytes == 1400);
    CHECK(e.incomplete);
  }
  SECTION("captured more than the message") {
    d.msg_len = 100;
    check_rejected(RecordBuilder::dns(d), RejectReason::kMalformed);
  }
  SECTION("captured more than the payload array") {
    d.msg_len = 1400;
    d.captured = YG_DNS_MAX + 1;
    check_rejected(RecordBuilder::dns(d), RejectReason::kMalformed);
  }
  SECTION("a unix family") {
    d.family = AF_UNIX;
    check_rejected(RecordBuilder::dns(d), RejectReason::kMalformed);
  }
  SECTION("a direction newer than this build passes through") {
    d.direction = 7;
    CHECK(static_cast<uint32_t>(decode_as<DnsEvent>(RecordBuilder::dns(d)).direction) == 7);
  }
  SECTION("longer than the struct") {
    auto r = RecordBuilder::dns(d);
    RecordBuilder::resize(r, r.size() + 8);
    check_rejected(r, RejectReason::kMalformed);
  }
}

TEST_CASE("file record round-trips every field", "[decoder]") {
  yg_file_event f = RecordBuilder::file_event_fixed(9, YG_FOP_OPEN);
  f.flags = YG_FOP_WRITE | YG_FOP_READ | YG_FOP_CREATED | YG_FOP_TRUNC | YG_FOP_HAS_FILE |
            YG_FOP_WATCHED_READ;
  f.open_flags = 01101;  // O_WRONLY | O_CREAT | O_TRUNC
  f.mode = 0644;
  f.fd = 7;
  f.file.flags = YG_FILE_TMPFS;
  f.str.truncated = 1u << YG_FILE_STR_PATH;
  FileStrings s;
  s[YG_FILE_STR_PATH] = std::string("/etc/cron.d/job\0", 16);

  RecordDecoder decoder;
  auto event = decoder.decode(RecordBuilder::file_event(f, s));
  REQUIRE(event.ok());
  const auto& e = std::get<FileEvent>(event->body);
  CHECK(e.task.key == ProcessKey{f.task.tgid, f.task.start_ns});
  CHECK(e.op == FileOp::kOpen);
  CHECK(e.path.value == "/etc/cron.d/job");
  CHECK(e.path.truncated);
  CHECK(e.source_path.value.empty());
  CHECK_FALSE(e.source_path.truncated);
  CHECK_FALSE(e.path_as_given.has_value());
  CHECK_FALSE(e.lexical);
  CHECK_FALSE(e.unnormalized);
  CHECK(e.write);
  CHECK(e.read);
  CHECK(e.created);
  CHECK(e.truncated_on_open);
  CHECK(e.watched_read);
  CHECK(e.flags == 01101);
  CHECK(e.mode == 0644);
  CHECK(e.uid == kUnsetId);
  CHECK(e.gid == kUnsetId);
  CHECK(e.fd == 7);
  REQUIRE(e.file.has_value());
  CHECK(e.file->ino == f.file.ino);
  CHECK(e.file->dev == f.file.dev);
  CHECK(e.file->tmpfs);
  CHECK(decoder.stats().decoded.file == 1);

  SECTION("without YG_FOP_HAS_FILE the metadata is not used") {
    f.flags = YG_FOP_WRITE;
    CHECK_FALSE(decode_as<FileEvent>(RecordBuilder::file_event(f, s)).file.has_value());
  }
}

TEST_CASE("utimes records: explicit times carry the new mtime", "[decoder]") {
  yg_file_event f = RecordBuilder::file_event_fixed(11, YG_FOP_UTIMES);
  FileStrings s;
  s[YG_FILE_STR_PATH] = "/usr/bin/x";

  SECTION("explicit: seconds and nanoseconds since the epoch") {
    f.flags = YG_FOP_EXPLICIT_TIMES;
    f.mtime_sec = 1546300800;  // 2019-01-01T00:00:00Z
    f.mtime_nsec = 250'000'000;
    const auto e = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
    CHECK(e.op == FileOp::kUtimes);
    CHECK(e.explicit_times);
    CHECK(e.mtime_ns == 1546300800'250'000'000ull);
  }
  SECTION("explicit but before 1970, or past what nanoseconds hold: no mtime") {
    f.flags = YG_FOP_EXPLICIT_TIMES;
    for (int64_t sec : {int64_t{-1}, int64_t{18'446'744'074}}) {
      f.mtime_sec = sec;
      const auto e = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
      CHECK(e.explicit_times);
      CHECK_FALSE(e.mtime_ns.has_value());
    }
  }
  SECTION("\"now\": a time in the record without the flag is not used") {
    f.flags = 0;
    f.mtime_sec = 1546300800;
    const auto e = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
    CHECK_FALSE(e.explicit_times);
    CHECK_FALSE(e.mtime_ns.has_value());
  }
}

TEST_CASE("file paths joined lexically are normalized, the raw one kept", "[decoder]") {
  yg_file_event f = RecordBuilder::file_event_fixed(10, YG_FOP_RENAME);
  f.flags = YG_FOP_LEXICAL | YG_FOP_UNNORMALIZED;
  FileStrings s;
  s[YG_FILE_STR_PATH] = std::string("/home/u/./x/../../../etc//passwd\0", 33);
  s[YG_FILE_STR_PATH2] = "/tmp/new";

  auto e = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
  CHECK(e.lexical);
  CHECK(e.unnormalized);
  CHECK(e.path.value == "/etc/passwd");
  CHECK(e.path_as_given == std::optional<std::string>("/home/u/./x/../../../etc//passwd"));
  CHECK(e.source_path.value == "/tmp/new");
  CHECK_FALSE(e.source_path_as_given.has_value());  // already normal

  SECTION("a rename's old name is normalized too") {
    s[YG_FILE_STR_PATH2] = "/tmp/a/../b";
    auto r = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
    CHECK(r.source_path.value == "/tmp/b");
    CHECK(r.source_path_as_given == std::optional<std::string>("/tmp/a/../b"));
  }
  SECTION("a symlink target is kept as given") {
    f.op = YG_FOP_SYMLINK;
    s[YG_FILE_STR_PATH2] = "../../etc/shadow";
    auto r = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
    CHECK(r.source_path.value == "../../etc/shadow");
    CHECK_FALSE(r.source_path_as_given.has_value());
  }
  SECTION("without the flag the path is the kernel's resolved one, untouched") {
    f.flags = 0;
    auto r = decode_as<FileEvent>(RecordBuilder::file_event(f, s));
    CHECK(r.path.value == "/home/u/./x/../../../etc//passwd");
    CHECK_FALSE(r.path_as_given.has_value());
  }
}

TEST_CASE("file records whose strings do not fill them are rejected", "[decoder]") {
  yg_file_event f = RecordBuilder::file_event_fixed(11, YG_FOP_UNLINK);
  const auto good = RecordBuilder::file_event(f, {"/etc/x", ""});
  SECTION("strings longer than the record holds") {
    auto r = good;
    RecordBuilder::resize(r, r.size() - 1);
    check_rejected(r, RejectReason::kTruncated);
  }
  SECTION("bytes left over after the strings") {
    auto r = good;
    RecordBuilder::resize(r, r.size() + 1);
    check_rejected(r, RejectReason::kMalformed);
  }
  SECTION("a length for a string the type does not have") {
    f.str.len[YG_FILE_STR_COUNT] = 2;
    auto r = RecordBuilder::file_event(f, {"/etc/x", ""});
    r.push_back('a');
    r.push_back('b');
    RecordBuilder::set_size(r, static_cast<uint32_t>(r.size()));
    check_rejected(r, RejectReason::kMalformed);
  }
  SECTION("cut inside the fixed part") {
    auto r = good;
    RecordBuilder::resize(r, sizeof(yg_file_event) - 8);
    check_rejected(r, RejectReason::kTruncated);
  }
  SECTION("an op newer than this build passes through") {
    f.op = 42;
    CHECK(static_cast<uint32_t>(decode_as<FileEvent>(RecordBuilder::file_event(f, {})).op) == 42);
  }
}

TEST_CASE("tamper record round-trips every field", "[decoder]") {
  yg_tamper t = RecordBuilder::tamper_fixed(12, YG_TAMPER_KILL);
  t.result = 0;
  t.arg[0] = 9;
  t.arg[1] = static_cast<uint64_t>(-6);  // SI_TKILL, sign-extended
  t.target_tgid = 777;
  t.target_uid = 33;
  t.target_start_ns = 0xd00000000ull;

  RecordDecoder decoder;
  auto event = decoder.decode(RecordBuilder::tamper(t, {}));
  REQUIRE(event.ok());
  const auto& e = std::get<TamperEvent>(event->body);
  CHECK(e.task.key == ProcessKey{t.task.tgid, t.task.start_ns});
  CHECK(e.op == TamperOp::kKill);
  CHECK(e.result == 0);
  CHECK(e.success());
  CHECK(e.args == std::array<uint64_t, 3>{9, static_cast<uint64_t>(-6), 0});
  CHECK(e.kill_target == ProcessKey{777, 0xd00000000ull});
  CHECK(e.kill_target_uid == 33);
  CHECK(e.target_pid() == 777);
  CHECK(decoder.stats().decoded.tamper == 1);
}

TEST_CASE("tamper strings, results and targets", "[decoder]") {
  SECTION("mount: three strings, one cut") {
    yg_tamper t = RecordBuilder::tamper_fixed(13, YG_TAMPER_MOUNT);
    t.result = -1;
    t.arg[0] = 0x1000;  // MS_BIND
    t.str.truncated = 1u << YG_TAMPER_STR_1;
    auto e = decode_as<TamperEvent>(
        RecordBuilder::tamper(t, {std::string("/dev/sda1\0", 10), "/mnt", "ext4"}));
    CHECK(e.strings[0].value == "/dev/sda1");
    CHECK(e.strings[1].value == "/mnt");
    CHECK(e.strings[1].truncated);
    CHECK(e.strings[2].value == "ext4");
    CHECK_FALSE(e.success());
  }
  SECTION("ptrace names its target by arg1") {
    yg_tamper t = RecordBuilder::tamper_fixed(14, YG_TAMPER_PTRACE);
    t.arg[0] = 16;  // PTRACE_ATTACH
    t.arg[1] = 4321;
    CHECK(decode_as<TamperEvent>(RecordBuilder::tamper(t, {})).target_pid() == 4321);
  }
  SECTION("an op newer than this build passes through, args and all") {
    yg_tamper t = RecordBuilder::tamper_fixed(15, 64);
    t.arg[2] = 5;
    auto e = decode_as<TamperEvent>(RecordBuilder::tamper(t, {"a", "", ""}));
    CHECK(static_cast<uint32_t>(e.op) == 64);
    CHECK(e.args[2] == 5);
    CHECK(e.strings[0].value == "a");
    CHECK(e.target_pid() == 0);
  }
  SECTION("a length for a fourth string is malformed") {
    yg_tamper t = RecordBuilder::tamper_fixed(16, YG_TAMPER_UMOUNT);
    t.str.len[YG_TAMPER_STR_COUNT] = 1;
    auto r = RecordBuilder::tamper(t, {"/mnt", "", ""});
    r.push_back('z');
    RecordBuilder::set_size(r, static_cast<uint32_t>(r.size()));
    check_rejected(r, RejectReason::kMalformed);
  }
}

TEST_CASE("the decoder counts each activity type", "[decoder]") {
  RecordDecoder decoder;
  (void)decoder.decode(RecordBuilder::net(RecordBuilder::net_fixed(1, YG_NET_LISTEN)));
  (void)decoder.decode(RecordBuilder::dns(RecordBuilder::dns_fixed(1, YG_DNS_QUERY, "q")));
  (void)decoder.decode(RecordBuilder::dns(RecordBuilder::dns_fixed(2, YG_DNS_ANSWER, "a")));
  (void)decoder.decode(RecordBuilder::file_event(RecordBuilder::file_event_fixed(1, 1), {}));
  (void)decoder.decode(RecordBuilder::tamper(RecordBuilder::tamper_fixed(1, 1), {}));
  DecodedCounts want{.network = 1, .dns = 2, .file = 1, .tamper = 1};
  CHECK(decoder.stats().decoded == want);
  CHECK(decoder.stats().decoded.total() == 5);
}

}  // namespace yagura
