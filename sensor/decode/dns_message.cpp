#include "sensor/decode/dns_message.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <utility>

namespace yagura {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxMessageSize = 65535;
constexpr size_t kMaxNameWireSize = 255;
// A name of 255 bytes has at most 127 labels; no encoder needs more jumps.
constexpr int kMaxPointers = 127;
// The smallest question and record: the root name (1 byte) plus fixed fields.
constexpr size_t kMinQuestionSize = 1 + 4;
constexpr size_t kMinRecordSize = 1 + 10;

constexpr uint16_t kClassIn = 1;

enum : uint16_t {
  kTypeA = 1,
  kTypeNs = 2,
  kTypeCname = 5,
  kTypePtr = 12,
  kTypeMx = 15,
  kTypeTxt = 16,
  kTypeAaaa = 28,
  kTypeDname = 39,
};

struct Named {
  uint16_t value;
  const char* name;
};

constexpr Named kTypeNames[] = {
    {1, "A"},      {2, "NS"},    {5, "CNAME"},  {6, "SOA"},    {12, "PTR"},   {13, "HINFO"},
    {15, "MX"},    {16, "TXT"},  {28, "AAAA"},  {33, "SRV"},   {35, "NAPTR"}, {39, "DNAME"},
    {41, "OPT"},   {43, "DS"},   {44, "SSHFP"}, {46, "RRSIG"}, {47, "NSEC"},  {48, "DNSKEY"},
    {50, "NSEC3"}, {52, "TLSA"}, {64, "SVCB"},  {65, "HTTPS"}, {99, "SPF"},   {251, "IXFR"},
    {252, "AXFR"}, {255, "ANY"}, {257, "CAA"},
};

constexpr Named kRcodeNames[] = {
    {0, "NOERROR"}, {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"},
    {4, "NOTIMP"},  {5, "REFUSED"}, {6, "YXDOMAIN"}, {7, "YXRRSET"},
    {8, "NXRRSET"}, {9, "NOTAUTH"}, {10, "NOTZONE"},
};

void append_label(std::string& out, std::span<const uint8_t> label) {
  for (const uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x21 || c > 0x7e) {
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + c / 10 % 10);
      out += static_cast<char>('0' + c % 10);
    } else {
      out += static_cast<char>(c);
    }
  }
}

// Reads forward through the captured bytes. A failed read returns false and
// says why: either the captured bytes ran out (ran_out()), which only means
// "malformed" when the capture is the whole message, or the bytes are not
// DNS (problem()).
class Parser {
 public:
  explicit Parser(std::span<const uint8_t> bytes) : bytes_(bytes), pos_(kHeaderSize) {}

  bool ran_out() const { return ran_out_; }
  const std::string& problem() const { return problem_; }

  bool question(DnsQuestion& q) {
    return name(q.name, bytes_.size()) && u16(q.type) && u16(q.qclass);
  }

  bool record(DnsRecord& r) {
    uint16_t rdlength = 0;
    if (!name(r.name, bytes_.size()) || !u16(r.type) || !u16(r.rclass) || !u32(r.ttl) ||
        !u16(rdlength)) {
      return false;
    }
    if (bytes_.size() - pos_ < rdlength) return out_of_data();
    const size_t end = pos_ + rdlength;
    if (!rdata(r, end)) return false;
    pos_ = end;
    return true;
  }

 private:
  bool out_of_data() {
    ran_out_ = true;
    return false;
  }

  bool malformed(std::string problem) {
    ran_out_ = false;  // a record that ran out of its rdata is malformed, not cut
    problem_ = std::move(problem);
    return false;
  }

  bool u16(uint16_t& v) {
    if (bytes_.size() - pos_ < 2) return out_of_data();
    v = static_cast<uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
    pos_ += 2;
    return true;
  }

  bool u32(uint32_t& v) {
    uint16_t hi = 0;
    uint16_t lo = 0;
    if (!u16(hi) || !u16(lo)) return false;
    v = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }

  // Reads the name at pos_ and moves pos_ past its bytes in place. Bytes in
  // place may not reach `limit`; once a pointer is followed, the target's
  // labels may run anywhere in the captured bytes.
  bool name(std::string& out, size_t limit) {
    out.clear();
    size_t at = pos_;
    size_t segment = pos_;  // where the labels being read begin
    size_t after = 0;       // the end of the bytes in place, once known
    size_t wire_size = 1;   // the root label
    int pointers = 0;
    for (;;) {
      if (at >= limit) return out_of_data();
      const uint8_t len = bytes_[at];
      if (len == 0) {
        ++at;
        break;
      }
      if ((len & 0xc0) == 0xc0) {
        if (limit - at < 2) return out_of_data();
        const size_t target = static_cast<size_t>(len & 0x3f) << 8 | bytes_[at + 1];
        // Strictly before the labels that led here: each jump moves
        // backwards, so decoding ends even when pointers form a loop.
        if (target < kHeaderSize || target >= segment) {
          return malformed("compression pointer to " + std::to_string(target) +
                           " does not point backwards");
        }
        if (++pointers > kMaxPointers) return malformed("too many compression pointers");
        if (after == 0) after = at + 2;
        at = segment = target;
        limit = bytes_.size();
        continue;
      }
      // 0x40 (extended, RFC 6891 retired it) and 0x80 (reserved): this also
      // rejects lengths of 64 and more.
      if (len & 0xc0) return malformed("bad label length byte " + std::to_string(len));
      wire_size += 1 + len;
      if (wire_size > kMaxNameWireSize) return malformed("name longer than 255 bytes");
      if (limit - at - 1 < len) return out_of_data();
      if (!out.empty()) out += '.';
      append_label(out, bytes_.subspan(at + 1, len));
      at += 1 + len;
    }
    pos_ = after != 0 ? after : at;
    if (out.empty()) out = ".";
    return true;
  }

  // The whole rdata [pos_, end) was captured, so running out inside it means
  // the record is malformed.
  bool rdata(DnsRecord& r, size_t end) {
    const size_t size = end - pos_;
    auto address = [&](int family, size_t want) {
      if (size != want) {
        return malformed(dns_type_name(r.type) + " record of " + std::to_string(size) + " bytes");
      }
      char text[INET6_ADDRSTRLEN];
      ::inet_ntop(family, bytes_.data() + pos_, text, sizeof(text));
      r.data = text;
      return true;
    };
    auto target_name = [&](std::string& out) {
      if (!name(out, end)) return ran_out_ ? malformed("name overruns its record") : false;
      if (pos_ != end) return malformed("bytes after the name in a record");
      return true;
    };

    switch (r.type) {
      case kTypeA:
        return r.rclass != kClassIn || address(AF_INET, 4);
      case kTypeAaaa:
        return r.rclass != kClassIn || address(AF_INET6, 16);
      case kTypeCname:
      case kTypeDname:
      case kTypeNs:
      case kTypePtr:
        return target_name(r.data);
      case kTypeMx: {
        if (size < 2) return malformed("MX record of " + std::to_string(size) + " bytes");
        uint16_t preference = 0;
        std::string exchange;
        if (!u16(preference) || !target_name(exchange)) return false;
        r.data = std::to_string(preference) + " " + exchange;
        return true;
      }
      case kTypeTxt:
        while (pos_ < end) {
          const size_t len = bytes_[pos_];
          if (end - pos_ - 1 < len) return malformed("TXT string overruns its record");
          r.data.append(reinterpret_cast<const char*>(bytes_.data() + pos_ + 1), len);
          pos_ += 1 + len;
        }
        return true;
      default:
        return true;
    }
  }

  std::span<const uint8_t> bytes_;
  size_t pos_;
  bool ran_out_ = false;
  std::string problem_;
};

uint16_t header_u16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

}  // namespace

Result<DnsMessage> parse_dns_message(std::span<const uint8_t> captured, size_t original_size) {
  if (captured.size() > original_size) {
    return Error{"dns: " + std::to_string(captured.size()) + " bytes captured of a " +
                 std::to_string(original_size) + "-byte message"};
  }
  if (original_size > kMaxMessageSize) {
    return Error{"dns: message of " + std::to_string(original_size) + " bytes"};
  }
  if (captured.size() < kHeaderSize) {
    return Error{"dns: " + std::to_string(captured.size()) + " bytes, shorter than a header"};
  }

  DnsMessage m;
  m.id = header_u16(captured, 0);
  const uint16_t flags = header_u16(captured, 2);
  m.response = flags & 0x8000;
  m.opcode = static_cast<uint8_t>(flags >> 11 & 0xf);
  m.authoritative = flags & 0x0400;
  m.truncated_flag = flags & 0x0200;
  m.recursion_desired = flags & 0x0100;
  m.recursion_available = flags & 0x0080;
  m.rcode = static_cast<uint8_t>(flags & 0xf);
  m.question_count = header_u16(captured, 4);
  m.answer_count = header_u16(captured, 6);
  const size_t other_records = size_t{header_u16(captured, 8)} + header_u16(captured, 10);
  const size_t least_size = kHeaderSize + m.question_count * kMinQuestionSize +
                            (m.answer_count + other_records) * kMinRecordSize;
  if (least_size > original_size) {
    return Error{"dns: record counts need at least " + std::to_string(least_size) +
                 " bytes, the message has " + std::to_string(original_size)};
  }
  m.incomplete = captured.size() < original_size;

  Parser parser(captured);
  auto stop = [&]() -> Result<DnsMessage> {
    if (!parser.ran_out()) return Error{"dns: " + parser.problem()};
    if (!m.incomplete) return Error{"dns: message ends inside a record"};
    return std::move(m);
  };
  for (size_t i = 0; i < m.question_count; ++i) {
    DnsQuestion q;
    if (!parser.question(q)) return stop();
    if (m.questions.size() < kMaxDnsQuestions) m.questions.push_back(std::move(q));
  }
  for (size_t i = 0; i < m.answer_count && i < kMaxDnsAnswers; ++i) {
    DnsRecord r;
    if (!parser.record(r)) return stop();
    m.answers.push_back(std::move(r));
  }
  return m;
}

std::string dns_type_name(uint16_t type) {
  for (const auto& [value, name] : kTypeNames) {
    if (value == type) return name;
  }
  return "TYPE" + std::to_string(type);
}

std::string dns_rcode_name(uint8_t rcode) {
  for (const auto& [value, name] : kRcodeNames) {
    if (value == rcode) return name;
  }
  return "RCODE" + std::to_string(rcode);
}

}  // namespace yagura
