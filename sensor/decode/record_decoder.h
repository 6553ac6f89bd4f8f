// RecordDecoder: turns one ring-buffer record (the bytes of a struct from
// bpf/events.h) into an Event. The only place that reads kernel records.
//
// Every record is bounds-checked and then copied out with memcpy into a local
// struct; the buffer is never cast. A record that fails a check is rejected
// with an Error whose message starts with the reason, and counted:
//
//   truncated     fewer bytes than the record needs: shorter than the header,
//                 than the fixed struct of its type, or than the strings its
//                 struct yg_strings announce (an empty record counts here too)
//   oversized     longer than kMaxRecordSize, whatever its type
//   unknown_type  header.type is not an enum yg_event_type this build knows;
//                 the record is skipped
//   malformed     header.size differs from the record's size (the ring buffer
//                 hands out exact sizes); a fixed-size record (fork, exit,
//                 cred, net, dns) longer than its struct; bytes left over
//                 after the strings of a variable-length one (exec, file,
//                 tamper), or a length given for a string its type does not
//                 have; a header flag on a type it does not apply to; an
//                 address family a net or dns record cannot have; a unix path
//                 or DNS capture longer than its array
//
// Values the kernel may grow without a layout change (the cred syscall
// number, net actions, file and tamper ops, the DNS direction, flag bits) are
// passed through or ignored, not rejected: dropping an event because of a new
// enum value would lose it. Header flags: YG_HDR_SNAPSHOT is valid on exec
// records only, YG_HDR_OWNER_ONLY on net and dns records only.
//
// File events whose path the kernel joined lexically (YG_FOP_LEXICAL) get it
// normalized (lexical_path.h); the raw path is kept when that changed it.
//
//   RecordDecoder decoder;
//   auto event = decoder.decode(record);  // std::span<const uint8_t>
//   if (!event) log_rate_limited(event.error().message);
//   else pipeline.push(std::move(*event));
//
// Single-threaded: one decoder per reader thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "bpf/events.h"
#include "common/event.h"
#include "common/result.h"

namespace yagura {

// The largest record the BPF side can produce: the largest variable-length
// record whose strings fill the whole per-CPU scratch area (fixed-size records
// are far smaller). Anything longer did not come from our programs.
inline constexpr size_t kMaxRecordSize =
    std::max({sizeof(yg_exec), sizeof(yg_file_event), sizeof(yg_tamper)}) + YG_SCRATCH_SIZE;
static_assert(std::max({sizeof(yg_fork), sizeof(yg_exit), sizeof(yg_cred), sizeof(yg_net),
                        sizeof(yg_dns)}) <= kMaxRecordSize);

enum class RejectReason { kTruncated, kOversized, kUnknownType, kMalformed };

// "truncated", "oversized", "unknown_type", "malformed": the prefix of every
// rejection message.
const char* reject_reason_name(RejectReason reason);

struct DecodedCounts {
  uint64_t exec = 0;
  uint64_t fork = 0;
  uint64_t exit = 0;
  uint64_t cred = 0;
  uint64_t network = 0;
  uint64_t dns = 0;
  uint64_t file = 0;
  uint64_t tamper = 0;

  uint64_t total() const { return exec + fork + exit + cred + network + dns + file + tamper; }
  bool operator==(const DecodedCounts&) const = default;
};

struct RejectedCounts {
  uint64_t truncated = 0;
  uint64_t oversized = 0;
  uint64_t unknown_type = 0;
  uint64_t malformed = 0;

  uint64_t total() const { return truncated + oversized + unknown_type + malformed; }
  bool operator==(const RejectedCounts&) const = default;
};

struct DecoderStats {
  DecodedCounts decoded;
  RejectedCounts rejected;

  bool operator==(const DecoderStats&) const = default;
};

class RecordDecoder {
 public:
  // Decodes one whole record. On success the Event has ktime_ns and body set
  // and a default Enrichment. Every call increments exactly one counter.
  Result<Event> decode(std::span<const uint8_t> record);

  DecoderStats stats() const { return stats_; }

 private:
  Error reject(RejectReason reason, const std::string& detail);

  DecoderStats stats_;
};

}  // namespace yagura
