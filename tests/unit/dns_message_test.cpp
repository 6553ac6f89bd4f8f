#include "sensor/decode/dns_message.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yagura {
namespace {

constexpr uint16_t kA = 1;
constexpr uint16_t kNs = 2;
constexpr uint16_t kCname = 5;
constexpr uint16_t kSoa = 6;
constexpr uint16_t kMx = 15;
constexpr uint16_t kTxt = 16;
constexpr uint16_t kAaaa = 28;
constexpr uint16_t kIn = 1;

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagAa = 0x0400;
constexpr uint16_t kFlagTc = 0x0200;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kFlagRa = 0x0080;

// Writes a DNS message byte by byte, in network order.
struct DnsBuilder {
  std::vector<uint8_t> bytes;

  DnsBuilder& u8(uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  DnsBuilder& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(v & 0xff); }
  DnsBuilder& u32(uint32_t v) { return u16(static_cast<uint16_t>(v >> 16)).u16(v & 0xffff); }
  DnsBuilder& raw(std::string_view s) {
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }

  DnsBuilder& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns = 0,
                     uint16_t ar = 0) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  // One label, no terminator.
  DnsBuilder& label(std::string_view s) { return u8(static_cast<uint8_t>(s.size())).raw(s); }
  // Labels from dotted text ("" is the root), then the root label.
  DnsBuilder& name(std::string_view dotted) {
    while (!dotted.empty()) {
      const size_t dot = dotted.find('.');
      label(dotted.substr(0, dot));
      dotted = dot == std::string_view::npos ? "" : dotted.substr(dot + 1);
    }
    return u8(0);
  }
  DnsBuilder& pointer(size_t offset) { return u16(static_cast<uint16_t>(0xc000 | offset)); }
  DnsBuilder& question_fields(uint16_t type, uint16_t qclass = kIn) {
    return u16(type).u16(qclass);
  }

  // Type, class, TTL and a placeholder rdlength; returns where the rdata
  // begins, for end_rdata() to fill the length in.
  size_t begin_rdata(uint16_t type, uint32_t ttl, uint16_t rclass = kIn) {
    u16(type).u16(rclass).u32(ttl).u16(0);
    return bytes.size();
  }
  DnsBuilder& end_rdata(size_t begin) {
    const size_t len = bytes.size() - begin;
    bytes[begin - 2] = static_cast<uint8_t>(len >> 8);
    bytes[begin - 1] = static_cast<uint8_t>(len & 0xff);
    return *this;
  }

  size_t size() const { return bytes.size(); }
};

Result<DnsMessage> parse(const std::vector<uint8_t>& bytes) {
  return parse_dns_message(bytes, bytes.size());
}

constexpr size_t kQuestionName = 12;  // where the first question's name starts

std::vector<uint8_t> example_query() {
  DnsBuilder b;
  b.header(0x1234, kFlagRd, 1, 0).name("example.com").question_fields(kA);
  return b.bytes;
}

// www.example.com: CNAME edge.cdn.net, A and AAAA for edge.cdn.net, every
// owner name and the CNAME target's suffix compressed.
struct CnameResponse {
  std::vector<uint8_t> bytes;
  size_t question_end;
  size_t answer_ends[3];  // offset just past each answer
};

CnameResponse cname_response() {
  CnameResponse r;
  DnsBuilder b;
  b.header(0xbeef, kFlagQr | kFlagAa | kFlagRd | kFlagRa, 1, 3);
  b.name("www.example.com").question_fields(kA);
  r.question_end = b.size();

  b.pointer(kQuestionName);
  size_t rdata = b.begin_rdata(kCname, 300);
  const size_t edge = b.size();
  b.label("edge").label("cdn").name("net");
  b.end_rdata(rdata);
  r.answer_ends[0] = b.size();

  b.pointer(edge);
  rdata = b.begin_rdata(kA, 60);
  b.u8(93).u8(184).u8(215).u8(14).end_rdata(rdata);
  r.answer_ends[1] = b.size();

  b.pointer(edge);
  rdata = b.begin_rdata(kAaaa, 60);
  for (uint8_t byte : {0x26, 0x06, 0x28, 0x00, 0x02, 0x1f, 0xcb, 0x07, 0x68, 0x20, 0x80, 0xda, 0xaf,
                       0x6b, 0x8b, 0x2c}) {
    b.u8(byte);
  }
  b.end_rdata(rdata);
  r.answer_ends[2] = b.size();
  r.bytes = b.bytes;
  return r;
}

}  // namespace

TEST_CASE("a query for example.com A", "[dns_message]") {
  auto m = parse(example_query());
  REQUIRE(m.ok());
  CHECK(m->id == 0x1234);
  CHECK_FALSE(m->response);
  CHECK(m->opcode == 0);
  CHECK(m->rcode == 0);
  CHECK(m->recursion_desired);
  CHECK_FALSE(m->recursion_available);
  CHECK_FALSE(m->authoritative);
  CHECK_FALSE(m->truncated_flag);
  CHECK_FALSE(m->incomplete);
  CHECK(m->question_count == 1);
  REQUIRE(m->questions.size() == 1);
  CHECK(m->questions[0].name == "example.com");
  CHECK(m->questions[0].type == kA);
  CHECK(m->questions[0].qclass == kIn);
  CHECK(m->answers.empty());
}

TEST_CASE("a compressed response with CNAME, A and AAAA", "[dns_message]") {
  auto m = parse(cname_response().bytes);
  REQUIRE(m.ok());
  CHECK(m->id == 0xbeef);
  CHECK(m->response);
  CHECK(m->authoritative);
  CHECK(m->recursion_available);
  CHECK(m->rcode == 0);
  CHECK_FALSE(m->incomplete);
  REQUIRE(m->questions.size() == 1);
  CHECK(m->questions[0].name == "www.example.com");
  CHECK(m->answer_count == 3);
  REQUIRE(m->answers.size() == 3);

  CHECK(m->answers[0].name == "www.example.com");
  CHECK(m->answers[0].type == kCname);
  CHECK(m->answers[0].rclass == kIn);
  CHECK(m->answers[0].ttl == 300);
  CHECK(m->answers[0].data == "edge.cdn.net");

  CHECK(m->answers[1].name == "edge.cdn.net");
  CHECK(m->answers[1].type == kA);
  CHECK(m->answers[1].ttl == 60);
  CHECK(m->answers[1].data == "93.184.215.14");

  CHECK(m->answers[2].name == "edge.cdn.net");
  CHECK(m->answers[2].type == kAaaa);
  CHECK(m->answers[2].data == "2606:2800:21f:cb07:6820:80da:af6b:8b2c");
}

TEST_CASE("an NXDOMAIN response with an SOA in the authority section", "[dns_message]") {
  DnsBuilder b;
  b.header(7, kFlagQr | kFlagRd | kFlagRa | 3, 1, 0, 1);
  b.name("nope.example").question_fields(kA);
  b.pointer(kQuestionName + 5);  // "example"
  const size_t rdata = b.begin_rdata(kSoa, 900);
  b.label("ns").pointer(kQuestionName + 5).label("admin").pointer(kQuestionName + 5);
  b.u32(1).u32(2).u32(3).u32(4).u32(5).end_rdata(rdata);

  auto m = parse(b.bytes);
  REQUIRE(m.ok());
  CHECK(m->rcode == 3);
  CHECK(dns_rcode_name(m->rcode) == "NXDOMAIN");
  REQUIRE(m->questions.size() == 1);
  CHECK(m->questions[0].name == "nope.example");
  CHECK(m->answers.empty());
  CHECK_FALSE(m->incomplete);
}

TEST_CASE("a capture cut short keeps what it holds whole", "[dns_message]") {
  const CnameResponse full = cname_response();
  const auto whole = parse(full.bytes);
  REQUIRE(whole.ok());

  for (size_t n = 0; n <= full.bytes.size(); ++n) {
    INFO("captured " << n << " of " << full.bytes.size());
    const std::vector<uint8_t> prefix(full.bytes.begin(), full.bytes.begin() + n);
    auto m = parse_dns_message(prefix, full.bytes.size());
    if (n < 12) {
      CHECK_FALSE(m.ok());
      continue;
    }
    REQUIRE(m.ok());
    CHECK(m->incomplete == (n < full.bytes.size()));
    CHECK(m->id == 0xbeef);
    size_t whole_answers = 0;
    while (whole_answers < 3 && full.answer_ends[whole_answers] <= n) ++whole_answers;
    CHECK(m->answers.size() == whole_answers);
    for (size_t i = 0; i < m->answers.size(); ++i) {
      CHECK(m->answers[i].name == whole->answers[i].name);
      CHECK(m->answers[i].data == whole->answers[i].data);
    }
    CHECK(m->questions.size() == (n >= full.question_end ? 1 : 0));

    // The same bytes taken as a whole message: the answers section cannot
    // fit, so it is malformed, never a crash.
    if (n < full.bytes.size()) CHECK_FALSE(parse(prefix).ok());
  }
}

TEST_CASE("a capture cut inside the third answer keeps two", "[dns_message]") {
  const CnameResponse full = cname_response();
  const std::vector<uint8_t> prefix(full.bytes.begin(),
                                    full.bytes.begin() + full.answer_ends[2] - 3);
  auto m = parse_dns_message(prefix, full.bytes.size());
  REQUIRE(m.ok());
  CHECK(m->incomplete);
  CHECK(m->answer_count == 3);
  REQUIRE(m->answers.size() == 2);
  CHECK(m->answers[1].data == "93.184.215.14");
}

TEST_CASE("compression pointers that loop are rejected", "[dns_message]") {
  SECTION("a pointer to itself") {
    DnsBuilder b;
    b.header(1, 0, 1, 0).pointer(kQuestionName).question_fields(kA);
    auto m = parse(b.bytes);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message.find("backwards") != std::string::npos);
  }
  SECTION("two names pointing at each other") {
    DnsBuilder b;
    b.header(1, 0, 2, 0);
    b.label("a").pointer(kQuestionName + 8).question_fields(kA);  // forward, to the next name
    b.label("b").pointer(kQuestionName).question_fields(kA);      // backward, to the first
    auto m = parse(b.bytes);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message.find("backwards") != std::string::npos);
  }
  SECTION("a pointer into the name being read") {
    DnsBuilder b;
    b.header(1, 0, 1, 0).label("a").label("b").pointer(kQuestionName + 2).question_fields(kA);
    auto m = parse(b.bytes);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message.find("backwards") != std::string::npos);
  }
}

TEST_CASE("a pointer past the end is rejected, even in a cut capture", "[dns_message]") {
  DnsBuilder b;
  b.header(1, kFlagQr, 1, 1).name("example.com").question_fields(kA);
  b.pointer(0x3fff);
  const size_t rdata = b.begin_rdata(kA, 60);
  b.u32(0x01020304).end_rdata(rdata);
  CHECK_FALSE(parse(b.bytes).ok());
  CHECK_FALSE(parse_dns_message(b.bytes, 512).ok());
}

TEST_CASE("a pointer into the header is rejected", "[dns_message]") {
  DnsBuilder b;
  b.header(1, 0, 1, 0).pointer(4).question_fields(kA);
  CHECK_FALSE(parse(b.bytes).ok());
}

TEST_CASE("label lengths of 64 and more are rejected", "[dns_message]") {
  for (const uint8_t len : {64, 0x80, 0xbf}) {
    INFO("length byte " << int{len});
    DnsBuilder b;  // with bytes enough for the label to be read if it were one
    b.header(1, 0, 1, 0).u8(len).raw(std::string(200, 'a')).u8(0).question_fields(kA);
    auto m = parse(b.bytes);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message.find("label") != std::string::npos);
  }
  DnsBuilder ok;
  ok.header(1, 0, 1, 0).name(std::string(63, 'a')).question_fields(kA);
  auto m = parse(ok.bytes);
  REQUIRE(m.ok());
  CHECK(m->questions.at(0).name == std::string(63, 'a'));
}

TEST_CASE("names are at most 255 bytes on the wire", "[dns_message]") {
  const std::string l63(63, 'x');
  SECTION("255 bytes is fine") {
    DnsBuilder b;  // 3 * 64 + 62 + 1 = 255
    b.header(1, 0, 1, 0).label(l63).label(l63).label(l63).label(std::string(61, 'y')).u8(0);
    b.question_fields(kA);
    auto m = parse(b.bytes);
    REQUIRE(m.ok());
    CHECK(m->questions.at(0).name.size() == 3 * 64 + 61);
  }
  SECTION("256 bytes is not") {
    DnsBuilder b;
    b.header(1, 0, 1, 0).label(l63).label(l63).label(l63).label(std::string(62, 'y')).u8(0);
    b.question_fields(kA);
    CHECK_FALSE(parse(b.bytes).ok());
  }
  SECTION("nor is a long name made of a label and a pointer") {
    DnsBuilder b;  // 193 bytes, then 64 more in front of a pointer to them
    b.header(1, 0, 2, 0).label(l63).label(l63).label(l63).u8(0).question_fields(kA);
    b.label(l63).pointer(kQuestionName).question_fields(kA);
    auto m = parse(b.bytes);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message.find("255") != std::string::npos);
  }
}

TEST_CASE("counts that cannot fit are rejected", "[dns_message]") {
  DnsBuilder b;
  b.header(1, 0, 65535, 0).name("a").question_fields(kA);
  CHECK_FALSE(parse(b.bytes).ok());
  CHECK_FALSE(parse_dns_message(b.bytes, 512).ok());  // even in a cut capture

  DnsBuilder answers;
  answers.header(1, kFlagQr, 0, 0, 0, 100);
  CHECK_FALSE(parse_dns_message(answers.bytes, 512).ok());
}

TEST_CASE("inconsistent or impossible sizes are rejected", "[dns_message]") {
  const std::vector<uint8_t> query = example_query();
  CHECK_FALSE(parse_dns_message(query, query.size() - 1).ok());  // more captured than sent
  CHECK_FALSE(parse_dns_message(query, 65536).ok());
  CHECK_FALSE(parse_dns_message(std::span(query).first(11), 11).ok());
}

TEST_CASE("a whole message that ends inside a record is malformed", "[dns_message]") {
  DnsBuilder b;
  b.header(1, kFlagQr, 1, 1).name("example.com").question_fields(kA);
  b.pointer(kQuestionName).u16(kA).u16(kIn).u32(60).u16(4).u8(1).u8(2);  // 2 of 4 rdata bytes
  auto m = parse(b.bytes);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("ends inside") != std::string::npos);

  auto cut = parse_dns_message(b.bytes, b.size() + 2);
  REQUIRE(cut.ok());
  CHECK(cut->incomplete);
  CHECK(cut->questions.size() == 1);
  CHECK(cut->answers.empty());
}

TEST_CASE("dots, backslashes and odd bytes in labels are escaped", "[dns_message]") {
  DnsBuilder b;
  b.header(1, 0, 1, 0);
  b.label("a.b")
      .label(std::string("x\\y\0 \x7f", 6))
      .label(
          "\xff"
          "ExAmPle")
      .u8(0);
  b.question_fields(kA);
  auto m = parse(b.bytes);
  REQUIRE(m.ok());
  CHECK(m->questions.at(0).name == R"(a\.b.x\\y\000\032\127.\255ExAmPle)");
}

TEST_CASE("the root name is a dot", "[dns_message]") {
  DnsBuilder b;
  b.header(1, kFlagRd, 1, 0).u8(0).question_fields(kNs);
  auto m = parse(b.bytes);
  REQUIRE(m.ok());
  CHECK(m->questions.at(0).name == ".");
  CHECK(m->questions.at(0).type == kNs);
}

TEST_CASE("TXT, MX and unknown record types", "[dns_message]") {
  DnsBuilder b;
  b.header(9, kFlagQr | kFlagTc, 1, 5).name("example.com").question_fields(255);

  b.pointer(kQuestionName);
  size_t rdata = b.begin_rdata(kTxt, 10);
  b.label("v=spf1 ").label("-all").label("").end_rdata(rdata);

  b.pointer(kQuestionName);
  rdata = b.begin_rdata(kMx, 20);
  const size_t mail = b.size() + 2;
  b.u16(10).label("mail").pointer(kQuestionName).end_rdata(rdata);

  b.pointer(kQuestionName);
  rdata = b.begin_rdata(65280, 30);
  b.u32(0xdeadbeef).end_rdata(rdata);

  b.pointer(kQuestionName);  // an A record outside class IN is not an address
  rdata = b.begin_rdata(kA, 40, 3);
  b.label("ch").end_rdata(rdata);

  b.pointer(mail);  // a pointer to a name that ends in a pointer
  rdata = b.begin_rdata(kA, 50);
  b.u32(0xc0000201).end_rdata(rdata);

  auto m = parse(b.bytes);
  REQUIRE(m.ok());
  CHECK(m->truncated_flag);
  CHECK_FALSE(m->incomplete);
  REQUIRE(m->answers.size() == 5);
  CHECK(m->answers[0].data == "v=spf1 -all");
  CHECK(m->answers[1].data == "10 mail.example.com");
  CHECK(m->answers[2].type == 65280);
  CHECK(m->answers[2].ttl == 30);
  CHECK(m->answers[2].data.empty());
  CHECK(m->answers[3].rclass == 3);
  CHECK(m->answers[3].data.empty());
  CHECK(m->answers[4].name == "mail.example.com");
  CHECK(m->answers[4].ttl == 50);
  CHECK(m->answers[4].data == "192.0.2.1");
}

TEST_CASE("malformed record data is rejected", "[dns_message]") {
  auto with_answer = [](uint16_t type, auto write_rdata) {
    DnsBuilder b;
    b.header(1, kFlagQr, 1, 1).name("example.com").question_fields(kA);
    b.pointer(kQuestionName);
    const size_t rdata = b.begin_rdata(type, 60);
    write_rdata(b);
    b.end_rdata(rdata);
    return b.bytes;
  };
  CHECK_FALSE(parse(with_answer(kA, [](DnsBuilder& b) { b.u32(1).u8(2); })).ok());
  CHECK_FALSE(parse(with_answer(kAaaa, [](DnsBuilder& b) { b.u32(1); })).ok());
  CHECK_FALSE(parse(with_answer(kMx, [](DnsBuilder& b) { b.u8(1); })).ok());
  CHECK_FALSE(parse(with_answer(kTxt, [](DnsBuilder& b) { b.u8(5).raw("abc"); })).ok());
  // A name running past its rdata, and bytes left after one.
  CHECK_FALSE(parse(with_answer(kCname, [](DnsBuilder& b) { b.u8(3).raw("abc"); })).ok());
  CHECK_FALSE(parse(with_answer(kCname, [](DnsBuilder& b) { b.name("a").u8(0); })).ok());

  // The same overrun as the last bytes of a cut capture is still malformed:
  // rdlength says where the name had to end.
  const auto overrun = with_answer(kCname, [](DnsBuilder& b) { b.u8(3).raw("abc"); });
  CHECK_FALSE(parse_dns_message(overrun, 512).ok());
}

TEST_CASE("record counts beyond the bounds are parsed no further", "[dns_message]") {
  DnsBuilder b;
  b.header(1, kFlagQr, 10, 100).name("example.com").question_fields(kA);
  for (int i = 1; i < 10; ++i) b.pointer(kQuestionName).question_fields(kA);
  for (int i = 0; i < 100; ++i) {
    b.pointer(kQuestionName);
    const size_t rdata = b.begin_rdata(kA, 60);
    b.u8(10).u8(0).u8(0).u8(static_cast<uint8_t>(i)).end_rdata(rdata);
  }
  auto m = parse(b.bytes);
  REQUIRE(m.ok());
  CHECK(m->question_count == 10);
  CHECK(m->questions.size() == kMaxDnsQuestions);
  CHECK(m->answer_count == 100);
  REQUIRE(m->answers.size() == kMaxDnsAnswers);
  CHECK(m->answers.back().data == "10.0.0." + std::to_string(kMaxDnsAnswers - 1));
}

TEST_CASE("type and rcode names", "[dns_message]") {
  CHECK(dns_type_name(1) == "A");
  CHECK(dns_type_name(28) == "AAAA");
  CHECK(dns_type_name(5) == "CNAME");
  CHECK(dns_type_name(15) == "MX");
  CHECK(dns_type_name(16) == "TXT");
  CHECK(dns_type_name(12) == "PTR");
  CHECK(dns_type_name(33) == "SRV");
  CHECK(dns_type_name(65) == "HTTPS");
  CHECK(dns_type_name(64) == "SVCB");
  CHECK(dns_type_name(255) == "ANY");
  CHECK(dns_type_name(0) == "TYPE0");
  CHECK(dns_type_name(65280) == "TYPE65280");
  CHECK(dns_rcode_name(0) == "NOERROR");
  CHECK(dns_rcode_name(2) == "SERVFAIL");
  CHECK(dns_rcode_name(3) == "NXDOMAIN");
  CHECK(dns_rcode_name(5) == "REFUSED");
  CHECK(dns_rcode_name(15) == "RCODE15");
}

}  // namespace yagura
