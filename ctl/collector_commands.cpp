#include "ctl/collector_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/durable_file.h"
#include "common/read_file.h"
#include "common/unique_fd.h"
#include "ctl/collector_client.h"
#include "ctl/dump_scope_args.h"
#include "uploader/transport/https_client.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::ctl {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Creates `path` (0600: a dump is evidence, and personal data), or
// replaces it atomically with `force`. Without it, an existing file is
// never touched, and a failed write leaves no partial file behind.
Status write_dump(const std::string& path, const std::string& bytes, bool force) {
  if (force) return replace_file_durably(path, bytes, 0600);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) return Error{path + ": already exists; give --force to overwrite it"};
    return Error::from_errno(path);
  }
  Status s = write_all(fd.get(), bytes, path);
  if (s && (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0)) s = Error::from_errno(path);
  if (!s) ::unlink(path.c_str());
  return s;
}

}  // namespace

int policy_push(const ParsedArgs& args) {
  const std::string& path = args.positional()[0];
  auto policy = read_file(path);
  if (!policy) return refuse(policy.error().message);
  const std::string sig_path = args.value("sig").value_or(path + ".sig");
  auto signature = read_file(sig_path);
  // Sensors refuse an unsigned policy from the collector; so does push.
  if (!signature) return refuse("no signature (" + signature.error().message + "); sign it first");
  wire::v1::PolicyPush push;
  push.set_policy(*policy);
  push.set_signature(*signature);
  for (const std::string& t : args.values("tag")) {
    if (t.find('=') == std::string::npos) return refuse("--tag wants KEY=VALUE, not '" + t + "'");
    push.add_target_tags(t);
  }
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  return answer((*client)->post("/v1/admin/policies", push.SerializeAsString(),
                                "application/x-protobuf"));
}

int policy_status(const ParsedArgs& args) { return get(args, "/v1/admin/policies"); }

int hosts(const ParsedArgs& args) {
  const int questions = args.has("ran-hash") + args.has("contacted") + args.has("domain");
  if (questions > 1) return refuse("ask one of --ran-hash, --contacted, --domain at a time");
  return get(args, "/v1/admin/hosts" + query(args, {{"tag", "tag"},
                                                    {"ran-hash", "exe_sha256"},
                                                    {"contacted", "address"},
                                                    {"domain", "domain"}}));
}

int events(const ParsedArgs& args) {
  // Without bounds: from the epoch to the end of time.
  std::string q = query(args, {{"sensor", "sensor"}, {"type", "type"}, {"limit", "limit"}});
  q += "&from=" + url_encode(args.value("from").value_or("0"));
  q += "&to=" + url_encode(args.value("to").value_or("9223372036854775807"));
  return get(args, "/v1/admin/events" + q);
}

int process(const ParsedArgs& args) {
  return get(args, "/v1/admin/process" + query(args, {{"sensor", "sensor"}, {"key", "key"}}));
}

int gaps(const ParsedArgs& args) {
  return get(args, "/v1/admin/gaps" + query(args, {{"sensor", "sensor"}}));
}

int dump_request(const ParsedArgs& args) {
  // Checked here as the sensor will check it, so a mistake is refused now
  // and not by the sensor later; relative times count from now.
  auto scope = scope_from_args(args);
  if (!scope) return refuse(scope.error().message);
  const nlohmann::json body = {{"sensor", *args.value("sensor")},
                               {"scope", dump::scope_to_json(*scope)},
                               {"reason", *args.value("reason")}};
  std::string text;
  try {
    text = body.dump();
  } catch (const nlohmann::json::exception&) {
    return refuse("the request is not valid UTF-8");
  }
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  return answer((*client)->post("/v1/admin/dumps", text, "application/json"));
}

int dump_list(const ParsedArgs& args) {
  return get(args, "/v1/admin/dumps" + query(args, {{"sensor", "sensor"}, {"reason", "reason"}}));
}

int dump_fetch(const ParsedArgs& args) {
  const std::string& id = args.positional()[0];
  if (!all_digits(id)) return refuse("a dump id is a number, not '" + id + "'");
  const std::string out = *args.value("out");
  const bool force = args.has("force");
  // Checked before the download too, so a refusal costs no transfer.
  if (!force && ::access(out.c_str(), F_OK) == 0)
    return refuse(out + ": already exists; give --force to overwrite it");
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  auto r = (*client)->get("/v1/admin/dumps/" + id);
  if (!r) return refuse(r.error().message);
  if (r->status != 200) return refuse("collector answered " + std::to_string(r->status) + ": " + r->body);
  if (Status s = write_dump(out, r->body, force); !s) return refuse(s.error().message);
  std::printf("dump %s: %zu bytes written to %s\n", id.c_str(), r->body.size(), out.c_str());
  return kExitOk;
}

}  // namespace yagura::ctl
