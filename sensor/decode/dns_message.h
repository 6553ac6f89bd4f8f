// A DNS message (RFC 1035) as captured from a UDP packet to or from port 53:
// the header, the questions and the answer section. The authority and
// additional sections are not read.
//
// The bytes come from the network, so the parser trusts nothing: every read
// is bounds-checked, compression pointers must point backwards (RFC 1035
// 4.1.4, "a prior occurrence"), which also makes pointer loops impossible,
// names are at most 255 bytes on the wire, and at most kMaxDnsQuestions
// questions and kMaxDnsAnswers answers are kept.
//
// The kernel captures only the first bytes of a message. `captured` is what
// was captured and `original_size` the message's real length: when the
// capture is shorter, running out of bytes is not an error, the message
// comes back with incomplete = true and every question and answer that was
// captured whole. When the capture is the whole message, running out of bytes
// means it is malformed. Anything that is not a DNS message is an Error:
// shorter than a header, record counts that cannot fit, a bad label, a name
// over 255 bytes, a pointer that does not point backwards, an A record that is
// not 4 bytes...
//
// Names keep the case they were sent in and have no trailing dot; the root is
// ".". Inside a label, '.' and '\' are escaped as "\." and "\\", and bytes
// outside printable ASCII as "\DDD" (decimal), as dig writes them, so that no
// two names read the same.
//
//   auto dns = parse_dns_message(payload, udp_payload_length);
//   if (!dns) log_rate_limited(dns.error().message);
//   else for (const DnsRecord& r : dns->answers) use(r.name, dns_type_name(r.type), r.data);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace yagura {

// More questions than this are parsed but not kept (servers answer one);
// more answers are not parsed. The header counts tell the caller when either
// happened.
inline constexpr size_t kMaxDnsQuestions = 8;
inline constexpr size_t kMaxDnsAnswers = 64;

struct DnsQuestion {
  std::string name;
  uint16_t type = 0;
  uint16_t qclass = 0;
};

struct DnsRecord {
  std::string name;  // the owner
  uint16_t type = 0;
  uint16_t rclass = 0;
  uint32_t ttl = 0;
  // A, AAAA (class IN): the address as inet_ntop writes it.
  // CNAME, DNAME, NS, PTR: the target name. MX: "preference name".
  // TXT: the strings concatenated, bytes as sent. Other types: empty.
  std::string data;
};

struct DnsMessage {
  uint16_t id = 0;
  bool response = false;  // QR
  uint8_t opcode = 0;
  uint8_t rcode = 0;                 // the header's 4 bits; EDNS extended rcodes are not read
  bool authoritative = false;        // AA
  bool truncated_flag = false;       // TC: the server cut the answer, not our capture
  bool recursion_desired = false;    // RD
  bool recursion_available = false;  // RA
  uint16_t question_count = 0;       // QDCOUNT as sent
  uint16_t answer_count = 0;         // ANCOUNT as sent
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers;
  // The capture ended inside the message: questions and answers hold only
  // the ones captured whole.
  bool incomplete = false;
};

// `captured` is a prefix of the message, `original_size` its full length.
Result<DnsMessage> parse_dns_message(std::span<const uint8_t> captured, size_t original_size);

// "A", "AAAA", "CNAME", ... ; "TYPE<n>" for the others (RFC 3597).
std::string dns_type_name(uint16_t type);

// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", ... ; "RCODE<n>" for the others.
std::string dns_rcode_name(uint8_t rcode);

}  // namespace yagura
