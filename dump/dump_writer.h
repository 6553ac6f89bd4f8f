// Builds an incident dump: one self-contained file holding what the chosen
// processes did in the chosen period, with what is needed to judge it
// (host, policy, journal integrity, sensor health, process table), signed
// with the sensor's key so that its origin and integrity can be proven
// later, far from the host (dump_verifier.h).
//
// The format, version 1. Text, JSON lines ("\n" after every line, the last
// included), so that any tool reads it:
//
//   {"format":"yagura-dump","version":1}            exactly this line
//   {"section":"host","lines":1}                     then exactly 1 line
//   {"sensor_id":..,"hostname":..,"boot_id":..,"kernel":..,"tags":{..}}
//   {"section":"request","lines":1}
//   {"scope":{dump_scope.h's JSON},"requested_by":"uid 0"|"collector"|..,
//    "reason":"INC-42","created":RFC3339}
//   {"section":"policy","lines":1}
//   {"name":..,"version":N,"sha256":hex}           the active policy
//   {"section":"journal","lines":1}
//   {..}   the journal's integrity report for the period, as the journal
//          gives it (first/last seq and time, records scanned, problems,
//          head chain hash)
//   {"section":"health","lines":N}     the sensor's health lines in the period
//   {"section":"process_table","lines":N}   one object per process at dump
//          time; dump_text.h reads "key", "pid", "parent":{"key","pid"},
//          "exe", "command_line", "user", "uid", "start_time" when present
//   {"section":"events","lines":N}     the selected events (docs/events.md),
//          in journal order, each line exactly as the journal holds it
//   {"section":"manifest","sections":{NAME:{"lines":N,"sha256":hex}},
//    "counts":{"events":N,"events_by_type":{TYPE:N},"processes":N,
//              "policy_dropped":N},
//    "time_range":{"from":RFC3339,"to":RFC3339},"created":RFC3339,
//    "sensor_id":..,"key":FINGERPRINT}
//   {"signature":BASE64,"key":FINGERPRINT,"public_key":PEM}
//
// The sections come in this order, each once. A section's sha256 is over
// the exact bytes of its lines, each with its "\n"; "processes" counts the
// process_table lines, "policy_dropped" the events whose JSON has
// "policy":{"dropped":true} (kept only by the flight recorder). Every event's
// "time" lies within time_range, both ends included. The signature is
// Ed25519 over "yagura dump v1\n" followed by the exact bytes of the
// manifest line with its "\n"; FINGERPRINT is the SHA-256 of the signer's
// DER public key (common/ed25519.h), PEM its public key. The public key
// proves integrity; comparing FINGERPRINT with the key the sensor
// registered proves origin. Nothing follows the signature line.
//
// The writer keeps the file in memory until finish(): a dump is as large as
// its selection, so the caller bounds the selection.
//
//   DumpWriter writer(context);
//   for (auto& line : health_lines) writer.add_health(line);
//   for (auto& line : table_lines) writer.add_process(line);
//   for (auto& line : selected) if (Status s = writer.add_event(line); !s) ...;
//   auto bytes = writer.finish(key);  // the whole file
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/ed25519.h"
#include "common/host.h"
#include "common/result.h"
#include "dump/dump_format.h"
#include "dump/dump_scope.h"

namespace yagura::dump {

struct DumpPolicy {
  std::string name;
  uint64_t version = 0;
  std::string sha256;  // of the policy file
};

struct DumpRequest {
  DumpScope scope;
  std::string requested_by;  // "uid 0", "collector"
  std::string reason;        // the incident's label; may be empty
};

struct DumpContext {
  std::string sensor_id;
  HostIdentity host;
  DumpRequest request;
  DumpPolicy policy;
  nlohmann::json journal = nlohmann::json::object();  // must be an object
  // The period the dump covers, UTC ns: the scope's bounds, an open one
  // closed by the journal's oldest record or the dump's creation.
  uint64_t from_ns = 0;
  uint64_t to_ns = 0;
  uint64_t created_ns = 0;
};

class DumpWriter {
 public:
  explicit DumpWriter(DumpContext context) : context_(std::move(context)) {}

  // Each line one JSON object, without its "\n"; a refused line is not
  // added, and the error says why.
  Status add_health(std::string_view line);
  Status add_process(std::string_view line);
  // Also refused: an event without a "type", or whose "time" is outside
  // the period.
  Status add_event(std::string_view line);

  // The file's bytes. Fails on a context it cannot write (a journal report
  // that is not an object, a period that ends before it starts) or when
  // signing fails.
  Result<std::string> finish(const PrivateKey& key) const;

 private:
  struct Section {
    std::string text;  // the lines, each with its "\n"
    uint64_t lines = 0;
  };
  static Status append_line(Section& section, std::string_view line);

  DumpContext context_;
  Section health_;
  Section processes_;
  Section events_;
  DumpCounts counts_;
};

}  // namespace yagura::dump
