// Checks a dump file (format: dump_writer.h): that it is complete, that no
// byte changed since the sensor signed it, and, given the keys the sensor
// registered, that it came from one of them.
//
// Every check runs and each failure is one problem, named so that a report
// can say what is wrong: "section events: sha256 mismatch", "signature does
// not verify", "key not the expected one: ...", "manifest counts disagree
// with content: ...", "trailing data after the signature", "missing section
// health", ... A file the reader cannot split has that one problem. The
// signer's fingerprint is always reported, so that a CSIRT can compare it
// with the sensor's registered key even without passing it in.
//
//   auto report = verify_dump(bytes, {registered_fingerprint});
//   if (!report.ok()) for (auto& p : report.problems) print(p);
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dump/dump_format.h"

namespace yagura::dump {

struct DumpVerification {
  std::vector<std::string> problems;
  // From the manifest (what the key signed); empty when unreadable.
  std::string sensor_id;
  std::string key_fingerprint;
  std::string from, to, created;  // RFC 3339
  DumpCounts counts;              // recounted from the content

  bool ok() const { return problems.empty(); }
};

// A verification is the answer, not an error: a dump that fails is a
// report with problems. `expected_keys` are fingerprints; empty: origin not
// checked.
[[nodiscard]] DumpVerification verify_dump(std::string_view bytes,
                                           std::span<const std::string> expected_keys = {});

// {"ok":bool,"problems":[..],"sensor_id":..,"key":..,"time_range":{..},
//  "created":..,"counts":{..}}, for `dump verify --json` and the collector.
nlohmann::ordered_json to_json(const DumpVerification& report);

}  // namespace yagura::dump
