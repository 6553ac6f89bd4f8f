#include "ctl/alert_commands.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/durable_file.h"
#include "common/host.h"
#include "common/json_bytes.h"
#include "ctl/alert_text.h"
#include "ctl/collector_client.h"

namespace yagura::ctl {
namespace {

using nlohmann::json;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// GET `path`; with --json the answer as it came, else `render` of it.
int show(const ParsedArgs& args, const std::string& path, std::string (*render)(const json&)) {
  if (args.has("json")) return get(args, path);
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  auto r = expect_success((*client)->get(path));
  if (!r) return refuse(r.error().message);
  auto j = parse_answer(r->body);
  if (!j) return refuse(j.error().message);
  const std::string text = render(*j);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

// POST a JSON body; prints the collector's answer.
int post(const ParsedArgs& args, const std::string& path, const json& body) {
  std::string text;
  try {
    text = body.dump();
  } catch (const json::exception&) {
    return refuse("the request is not valid UTF-8");
  }
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  return answer((*client)->post(path, text, "application/json"));
}

Result<std::string> id_argument(const ParsedArgs& args, const char* what) {
  const std::string& id = args.positional()[0];
  if (!all_digits(id)) return Error{std::string("an ") + what + " id is a number, not '" + id + "'"};
  return id;
}

int set_alert_status(const ParsedArgs& args, const char* verb) {
  auto id = id_argument(args, "alert");
  if (!id) return refuse(id.error().message);
  return post(args, "/v1/admin/alerts/" + *id + "/" + verb,
              {{"note", from_bytes(args.value("note").value_or(""))}});
}

int set_rule(const ParsedArgs& args, const char* verb) {
  return post(args, "/v1/admin/detections/rules/" + url_encode(args.positional()[0]) + "/" + verb,
              {{"reason", from_bytes(args.value("reason").value_or(""))}});
}

}  // namespace

Result<uint64_t> parse_duration_seconds(std::string_view text) {
  const Error bad{"'" + std::string(text) + "' is not a duration (90s, 30m, 24h, 7d, 2w)"};
  if (text.size() < 2 || !all_digits(text.substr(0, text.size() - 1)) || text.size() > 12)
    return bad;
  uint64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return bad;
  }
  const uint64_t n = std::stoull(std::string(text.substr(0, text.size() - 1)));
  if (n == 0 || n > 100ull * 365 * 86400 / unit) return bad;
  return n * unit;
}

Result<std::string> since_parameter(std::string_view text, uint64_t now_ns) {
  std::string_view age = text.starts_with('-') ? text.substr(1) : text;
  if (!age.empty() && !all_digits(age) && all_digits(age.substr(0, age.size() - 1))) {
    auto seconds = parse_duration_seconds(age);
    if (!seconds) return seconds.error();
    const uint64_t back = *seconds * 1000000000ull;
    return std::to_string(now_ns > back ? now_ns - back : 0);
  }
  return std::string(text);  // the collector checks the rest
}

int alerts(const ParsedArgs& args) {
  std::string q = query(args, {{"host", "sensor"},
                               {"rule", "rule"},
                               {"tag", "tag"},
                               {"severity", "severity"},
                               {"status", "status"},
                               {"limit", "limit"}});
  if (auto since = args.value("since")) {
    auto t = since_parameter(*since, realtime_ns());
    if (!t) return refuse("--since: " + t.error().message);
    q += (q.empty() ? "?" : "&") + std::string("since=") + url_encode(*t);
  }
  return show(args, "/v1/admin/alerts" + q, [](const json& j) { return alerts_table(j); });
}

int alert_show(const ParsedArgs& args) {
  auto id = id_argument(args, "alert");
  if (!id) return refuse(id.error().message);
  return show(args, "/v1/admin/alerts/" + *id, alert_details);
}

int alert_close(const ParsedArgs& args) { return set_alert_status(args, "close"); }
int alert_reopen(const ParsedArgs& args) { return set_alert_status(args, "reopen"); }

int detection_rules(const ParsedArgs& args) {
  return show(args, "/v1/admin/detections/rules", rules_table);
}

int detection_enable(const ParsedArgs& args) { return set_rule(args, "enable"); }
int detection_disable(const ParsedArgs& args) { return set_rule(args, "disable"); }

int detection_suppress(const ParsedArgs& args) {
  json body = {{"rule", from_bytes(*args.value("rule"))},
               {"sensor", from_bytes(args.value("host").value_or(""))},
               {"condition", from_bytes(args.value("when").value_or(""))},
               {"reason", from_bytes(args.value("reason").value_or(""))},
               {"tags", json::object()}};
  for (const std::string& t : args.values("tag")) {
    const size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) return refuse("--tag wants KEY=VALUE, not '" + t + "'");
    body["tags"][from_bytes(t.substr(0, eq))] = from_bytes(t.substr(eq + 1));
  }
  if (auto expires = args.value("expires")) {
    auto seconds = parse_duration_seconds(*expires);
    if (!seconds) return refuse("--expires: " + seconds.error().message);
    body["expires_in_seconds"] = *seconds;
  }
  return post(args, "/v1/admin/detections/suppressions", body);
}

int detection_suppressions(const ParsedArgs& args) {
  return show(args, "/v1/admin/detections/suppressions", suppressions_table);
}

int detection_unsuppress(const ParsedArgs& args) {
  auto id = id_argument(args, "suppression");
  if (!id) return refuse(id.error().message);
  return post(args, "/v1/admin/detections/suppressions/" + *id + "/remove", json::object());
}

int report(const ParsedArgs& args) {
  const std::string format = args.value("format").value_or("md");
  if (format != "md" && format != "html" && format != "json")
    return refuse("--format is md, html or json, not '" + format + "'");
  std::string q = query(args, {{"tag", "tag"}, {"period", "period"}});
  q += (q.empty() ? "?" : "&") + std::string("format=") + format;
  auto client = connect(args);
  if (!client) return refuse(client.error().message);
  auto r = expect_success((*client)->get("/v1/admin/reports" + q));
  if (!r) return refuse(r.error().message);
  if (auto out = args.value("out")) {
    if (Status s = replace_file_durably(*out, r->body, 0600); !s) return refuse(s.error().message);
    std::fprintf(stderr, "report written to %s\n", out->c_str());
    return kExitOk;
  }
  // Safe on a terminal: the collector replaced every control character of
  // the Markdown and HTML, and JSON escapes them.
  std::fwrite(r->body.data(), 1, r->body.size(), stdout);
  return kExitOk;
}

}  // namespace yagura::ctl
