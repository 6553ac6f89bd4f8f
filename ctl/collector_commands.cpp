#include "ctl/collector_commands.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/read_file.h"
#include "uploader/transport/https_client.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::ctl {

namespace {

int refuse(const std::string& message) {
  std::fprintf(stderr, "yaguractl: %s\n", message.c_str());
  return kExitRefused;
}

// --name, else the environment variable, else "".
std::string setting(const ParsedArgs& args, std::string_view name, const char* env) {
  if (auto v = args.value(name)) return *v;
  const char* e = std::getenv(env);
  return e ? e : "";
}

Result<std::unique_ptr<HttpsClient>> connect(const ParsedArgs& args) {
  HttpsClientOptions o;
  o.base_url = setting(args, "collector", "YAGURA_COLLECTOR");
  o.ca_file = setting(args, "ca", "YAGURA_CA");
  o.cert_file = setting(args, "cert", "YAGURA_CERT");
  o.key_file = setting(args, "key", "YAGURA_KEY");
  if (o.base_url.empty() || o.ca_file.empty() || o.cert_file.empty() || o.key_file.empty())
    return Error{"no collector: give --collector, --ca, --cert and --key (or YAGURA_COLLECTOR, "
                 "YAGURA_CA, YAGURA_CERT, YAGURA_KEY)"};
  return HttpsClient::create(o);
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "?a=1&b=2" from the options that are set.
std::string query(const ParsedArgs& args,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> names) {
  std::string q;
  for (const auto& [option, param] : names) {
    for (const std::string& v : args.values(option)) {
      q += q.empty() ? '?' : '&';
      q += std::string(param) + "=" + url_encode(v);
    }
  }
  return q;
}

// Prints a JSON answer indented for reading; JSON lines, and JSON carrying
// raw bytes (\udcXX escapes, which the parser refuses), as they are.
int answer(Result<HttpResponse> r) {
  if (!r) return refuse(r.error().message);
  if (r->status / 100 != 2) return refuse("collector answered " + std::to_string(r->status) + ": " + r->body);
  if (r->content_type.starts_with("application/json")) {
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (!j.is_discarded()) {
      std::printf("%s\n", j.dump(2).c_str());
      return kExitOk;
    }
  }
  std::fwrite(r->body.data(), 1, r->body.size(), stdout);
  if (!r->body.empty() && r->body.back() != '\n') std::putchar('\n');
  return kExitOk;
}

int get(const ParsedArgs& args, const std::string& path) {
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  return answer((*client)->get(path));
}

}  // namespace

std::vector<OptionSpec> with_connection_options(std::vector<OptionSpec> options) {
  for (std::string_view o : {"collector", "ca", "cert", "key"}) options.push_back(optional_value(o));
  return options;
}

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

}  // namespace yagura::ctl
