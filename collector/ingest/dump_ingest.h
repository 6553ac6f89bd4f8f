// POST /v1/dumps without HTTP: a sensor's answer to a dump request (a wire
// DumpUpload) in, the request as it now stands out.
//
// The id must name a request for the peer's own sensor_id; a request
// already answered is answered again unchanged (the sensor may retry a lost
// answer). An upload carrying an error marks the request failed. A dump is
// decompressed with a hard limit, checked by the injected verifier against
// the dump key the host last reported, and kept whatever the check found
// (evidence is never discarded; the check is recorded with it). Only once
// it is durably stored does ingest() answer.
//
// Errors carry an errno-style code saying what the caller should answer:
//   ENOTSUP  a Content-Encoding other than identity                    (415)
//   EBADMSG  not a DumpUpload, id 0, both or neither of dump and error,
//            or the dump is not one zstd frame                          (400)
//   EPERM    no request with this id for this sensor: unknown ids and
//            other sensors' ids answer alike, so a sensor learns nothing
//            about requests for other hosts                             (403)
//   E2BIG    the dump expands past max_dump_bytes                       (413)
//   EIO      the store failed; nothing changed, send it again           (503)
// A dump refused as EBADMSG or E2BIG also marks its request failed, with
// the reason, so the CSIRT sees why and the sensor is not asked again.
//
//   DumpIngest dumps(store, 512 << 20, verify, system_now_ns);
//   auto receipt = dumps.ingest(request.peer, request.content_encoding, request.body);
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "collector/ingest/batch_ingest.h"
#include "collector/store/event_store.h"
#include "common/result.h"

namespace yagura::collector {

inline constexpr size_t kDefaultMaxDumpBytes = size_t{512} << 20;

// Checks a decompressed dump file: its integrity, and that the key with
// fingerprint `expected_key_fingerprint` signed it (empty: the host
// registered no key; only the file's internal consistency can be checked).
// An Error means the check could not run; the dump is kept as unverified.
using DumpVerifier = std::function<Result<DumpCheck>(std::string_view dump_bytes,
                                                     const std::string& expected_key_fingerprint)>;

struct DumpReceipt {
  DumpRecord record;       // as stored now
  bool duplicate = false;  // answered before this upload: nothing changed
};

class DumpIngest {
 public:
  // `store` must outlive this object. Without a verifier every dump is kept
  // as unverified.
  DumpIngest(EventStore& store, size_t max_dump_bytes, DumpVerifier verifier, NowFn now)
      : store_(store),
        max_dump_bytes_(max_dump_bytes),
        verifier_(std::move(verifier)),
        now_(std::move(now)) {}

  // Safe to call from several threads at once (the verifier must be too).
  Result<DumpReceipt> ingest(const std::string& peer, std::string_view content_encoding,
                             std::string_view body);

 private:
  DumpCheck check(std::string_view dump, const std::string& expected_key) const;
  Result<std::optional<DumpRecord>> find(uint64_t id);

  EventStore& store_;
  size_t max_dump_bytes_;
  DumpVerifier verifier_;
  NowFn now_;
};

// One line for people: "verified", "failed: <problems>", each followed by
// " (key not registered)" when the host had reported no dump key; empty
// unless the dump was delivered.
std::string verification_summary(const DumpRecord& dump);

}  // namespace yagura::collector
