#include "collector/ingest/dump_ingest.h"

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "wire/zstd_frame.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::collector {
namespace {

Error bad(std::string message) { return Error{std::move(message), EBADMSG}; }

// Content codings are case-insensitive (RFC 9110 8.4.1). The dump inside
// is compressed already; the body itself is not.
bool identity_encoding(std::string_view encoding) {
  constexpr std::string_view kIdentity = "identity";
  return encoding.empty() || std::equal(encoding.begin(), encoding.end(), kIdentity.begin(),
                                        kIdentity.end(), [](char a, char b) {
                                          return std::tolower(static_cast<unsigned char>(a)) == b;
                                        });
}

}  // namespace

Result<std::optional<DumpRecord>> DumpIngest::find(uint64_t id) {
  auto found = store_.dump_requests(DumpFilter{.id = id});
  if (!found) {
    return Error{"cannot read dump request " + std::to_string(id) + ": " + found.error().message,
                 EIO};
  }
  if (found->empty()) return std::optional<DumpRecord>();
  return std::optional<DumpRecord>(std::move(found->front()));
}

Result<DumpReceipt> DumpIngest::ingest(const std::string& peer, std::string_view content_encoding,
                                       std::string_view body) {
  if (!identity_encoding(content_encoding)) {
    return Error{"Content-Encoding must be absent (the dump is compressed inside), not \"" +
                     std::string(content_encoding) + "\"",
                 ENOTSUP};
  }
  wire::v1::DumpUpload upload;
  if (!upload.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return bad("body is not a yagura.wire.v1.DumpUpload");
  }
  if (upload.id() == 0) return bad("id is 0");

  auto found = find(upload.id());
  if (!found) return found.error();
  if (!*found || (*found)->sensor_id != peer) {
    return Error{"no dump request " + std::to_string(upload.id()) + " for sensor \"" + peer + "\"",
                 EPERM};
  }
  if ((*found)->state != DumpState::kPending) return DumpReceipt{std::move(**found), true};
  const bool has_error = !upload.error().empty();
  if (has_error == !upload.dump_zstd().empty()) {
    return bad("a DumpUpload carries either a dump or an error, not " +
               std::string(has_error ? "both" : "neither"));
  }

  DumpCompletion done{.id = upload.id(), .sensor_id = peer, .completed_ns = now_()};
  std::optional<Error> refusal;
  if (has_error) {
    done.error = upload.error();
  } else if (auto bytes = zstd_decompress(upload.dump_zstd(), max_dump_bytes_); !bytes) {
    const std::string limit = std::to_string(max_dump_bytes_);
    refusal = bytes.error().code == E2BIG
                  ? Error{"the dump expands past " + limit + " bytes", E2BIG}
                  : bad("the dump is not one zstd frame: " + bytes.error().message);
    done.error = "refused by the collector: " + refusal->message;
  } else {
    auto host = store_.host(peer);
    if (!host) return Error{"cannot read the host: " + host.error().message, EIO};
    done.expected_key = *host ? (*host)->host.dump_key : "";
    done.check = check(*bytes, done.expected_key);
    done.bytes = bytes->size();
    done.dump_zstd = std::move(*upload.mutable_dump_zstd());
  }

  auto stored = store_.complete_dump(done);
  if (!stored) return Error{"cannot store the dump: " + stored.error().message, EIO};
  if (refusal) return *refusal;
  // Not stored: another upload of the same id got there first.
  auto record = find(upload.id());
  if (!record) return record.error();
  if (!*record) return Error{"dump request " + std::to_string(upload.id()) + " vanished", EIO};
  return DumpReceipt{std::move(**record), !*stored};
}

DumpCheck DumpIngest::check(std::string_view dump, const std::string& expected_key) const {
  if (!verifier_) return DumpCheck{.problems = {"not verified: this collector has no verifier"}};
  auto result = verifier_(dump, expected_key);
  if (!result) return DumpCheck{.problems = {"not verified: " + result.error().message}};
  DumpCheck c = std::move(*result);
  // The verifier was told the key; the collector holds it to that as well.
  if (c.ok && !expected_key.empty() && c.key_fingerprint != expected_key) {
    c.problems.push_back("signed by key " + c.key_fingerprint + ", the host registered " +
                         expected_key);
  }
  if (!c.ok && c.problems.empty()) c.problems.push_back("verification failed");
  c.ok = c.problems.empty();
  return c;
}

std::string verification_summary(const DumpRecord& dump) {
  if (dump.state != DumpState::kDelivered) return "";
  std::string out = "verified";
  if (!dump.check.ok) {
    out = "failed: ";
    for (size_t i = 0; i < dump.check.problems.size(); ++i) {
      if (i > 0) out += "; ";
      out += dump.check.problems[i];
    }
  }
  if (dump.expected_key.empty()) out += " (key not registered)";
  return out;
}

}  // namespace yagura::collector
