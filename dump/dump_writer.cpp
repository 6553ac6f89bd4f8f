#include "dump/dump_writer.h"

#include "common/sha256.h"
#include "dump/json_line.h"
#include "dump/rfc3339.h"

namespace yagura::dump {
namespace {

using ojson = nlohmann::ordered_json;

// Serialized on one line. Invalid UTF-8 (a host name is bytes) is replaced
// rather than thrown on: the dump is still written, and signed as written.
std::string one_line(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// The same value, keeping the order of its members from here on.
ojson ordered(const nlohmann::json& j) {
  return ojson::parse(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<nlohmann::json> parse_line(std::string_view line, const char* what, Error& error) {
  auto j = parse_json_line(line);
  if (!j) error = Error{std::string(what) + " line is not a JSON object"};
  return j;
}

}  // namespace

Status DumpWriter::append_line(Section& section, std::string_view line) {
  if (line.find('\n') != std::string_view::npos) {
    return Error{"a dump line cannot contain a line feed"};
  }
  section.text.append(line);
  section.text.push_back('\n');
  ++section.lines;
  return ok_status();
}

Status DumpWriter::add_health(std::string_view line) {
  Error error;
  if (!parse_line(line, "health", error)) return error;
  return append_line(health_, line);
}

Status DumpWriter::add_process(std::string_view line) {
  Error error;
  if (!parse_line(line, "process table", error)) return error;
  if (Status s = append_line(processes_, line); !s) return s;
  ++counts_.processes;
  return ok_status();
}

Status DumpWriter::add_event(std::string_view line) {
  Error error;
  auto event = parse_line(line, "event", error);
  if (!event) return error;
  if (string_member(*event, "type").empty()) return Error{"event without a type"};
  auto t = parse_rfc3339(string_member(*event, "time"));
  if (!t) return Error{"event without an RFC 3339 time"};
  if (*t < context_.from_ns || *t > context_.to_ns) {
    return Error{"event at " + string_member(*event, "time") + " is outside the dump's period"};
  }
  if (Status s = append_line(events_, line); !s) return s;
  counts_.add_event(*event);
  return ok_status();
}

Result<std::string> DumpWriter::finish(const PrivateKey& key) const {
  if (context_.from_ns > context_.to_ns) return Error{"the dump's period ends before it starts"};
  if (!context_.journal.is_object()) return Error{"the journal report is not a JSON object"};

  ojson host;
  host["sensor_id"] = context_.sensor_id;
  host["hostname"] = context_.host.hostname;
  host["boot_id"] = context_.host.boot_id;
  host["kernel"] = context_.host.kernel_release;
  host["tags"] = ojson::object();
  for (const auto& [k, v] : context_.host.tags) host["tags"][k] = v;

  ojson request;
  request["scope"] = ordered(scope_to_json(context_.request.scope));
  request["requested_by"] = context_.request.requested_by;
  request["reason"] = context_.request.reason;
  request["created"] = format_rfc3339(context_.created_ns);

  ojson policy;
  policy["name"] = context_.policy.name;
  policy["version"] = context_.policy.version;
  policy["sha256"] = context_.policy.sha256;

  auto single = [](const std::string& line) { return Section{line + "\n", 1}; };
  const Section sections[] = {single(one_line(host)),
                              single(one_line(request)),
                              single(one_line(policy)),
                              single(one_line(ordered(context_.journal))),
                              health_,
                              processes_,
                              events_};
  static_assert(std::size(sections) == kDumpSections.size());

  std::string out(kDumpHeaderLine);
  out += '\n';
  ojson manifest;
  manifest["section"] = kManifestSection;
  manifest["sections"] = ojson::object();
  for (size_t i = 0; i < kDumpSections.size(); ++i) {
    const std::string name(kDumpSections[i]);
    out += section_line(name, sections[i].lines);
    out += '\n';
    out += sections[i].text;
    manifest["sections"][name] = {{"lines", sections[i].lines},
                                  {"sha256", sha256_hex(sections[i].text)}};
  }
  manifest["counts"] = counts_.to_json();
  manifest["time_range"] = {{"from", format_rfc3339(context_.from_ns)},
                            {"to", format_rfc3339(context_.to_ns)}};
  manifest["created"] = format_rfc3339(context_.created_ns);
  manifest["sensor_id"] = context_.sensor_id;
  manifest["key"] = key.fingerprint();
  const std::string manifest_line = one_line(manifest) + "\n";

  auto signature = sign_message(kDumpSignatureDomain, manifest_line, key);
  if (!signature) return signature.error();
  auto public_pem = key.public_pem();
  if (!public_pem) return public_pem.error();
  ojson sig;
  sig["signature"] = base64_encode(*signature);
  sig["key"] = key.fingerprint();
  sig["public_key"] = *public_pem;

  out += manifest_line;
  out += one_line(sig);
  out += '\n';
  return out;
}

}  // namespace yagura::dump
