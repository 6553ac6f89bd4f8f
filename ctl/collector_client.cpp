#include "ctl/collector_client.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace yagura::ctl {
namespace {

// --name, else the environment variable, else "".
std::string setting(const ParsedArgs& args, std::string_view name, const char* env) {
  if (auto v = args.value(name)) return *v;
  const char* e = std::getenv(env);
  return e ? e : "";
}

}  // namespace

std::vector<OptionSpec> with_connection_options(std::vector<OptionSpec> options) {
  for (std::string_view o : {"collector", "ca", "cert", "key"}) options.push_back(optional_value(o));
  return options;
}

int refuse(const std::string& message) {
  std::fprintf(stderr, "yaguractl: %s\n", message.c_str());
  return kExitRefused;
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

Result<HttpResponse> expect_success(Result<HttpResponse> r) {
  if (!r) return r;
  if (r->status / 100 != 2)
    return Error{"collector answered " + std::to_string(r->status) + ": " + r->body};
  return r;
}

int answer(Result<HttpResponse> r) {
  r = expect_success(std::move(r));
  if (!r) return refuse(r.error().message);
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

}  // namespace yagura::ctl
