#include "ctl/alert_text.h"

#include <algorithm>
#include <vector>

#include "common/json_bytes.h"

namespace yagura::ctl {
namespace {

using nlohmann::json;

constexpr size_t kSummaryWidth = 100;

// A member's text as the bytes it stands for; "" when absent or not a string.
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return to_bytes(it->get_ref<const std::string&>());
}

std::string num(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return "";
  return it->dump();
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// "2026-11-22T06:01:02.123456789Z" -> "2026-11-22 06:01:02".
std::string short_time(const std::string& rfc3339) {
  if (rfc3339.size() < 19) return rfc3339;
  return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 8);
}

size_t width(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; });
}

// At most `max` code points, "…" marking a cut. `s` is already terminal_text.
std::string cut(const std::string& s, size_t max) {
  if (width(s) <= max) return s;
  size_t points = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xc0) != 0x80 && ++points == max) break;
  }
  return s.substr(0, i) + "\xE2\x80\xA6";
}

// Columns padded to their widest cell; the last one is not padded.
std::string table(const std::vector<std::string>& header,
                  std::vector<std::vector<std::string>> rows) {
  std::vector<size_t> widths(header.size());
  rows.insert(rows.begin(), header);
  for (auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      row[i] = terminal_text(row[i]);
      widths[i] = std::max(widths[i], width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string tags_text(const json& tags) {
  std::string out;
  if (!tags.is_object()) return out;
  for (const auto& [k, v] : tags.items()) {
    if (!v.is_string()) continue;
    out += (out.empty() ? "" : " ") + to_bytes(k) + "=" + to_bytes(v.get_ref<const std::string&>());
  }
  return out;
}

// One event as a line: time, type, pid, and what it was about.
std::string event_line(const json& e) {
  if (!e.is_object()) return e.is_string() ? to_bytes(e.get_ref<const std::string&>()) : e.dump();
  const json& p = member(e, "process");
  const std::string type = str(e, "type");
  std::string what = str(p, "exe");
  if (type == "exec") {
    what = str(p, "command_line");
  } else if (const json& n = member(e, "network"); n.is_object()) {
    const json& d = member(n, "destination");
    what = str(n, "action") + " " + str(d, "ip") + ":" + num(d, "port");
    if (const json& domains = member(d, "domain"); domains.is_array() && !domains.empty() &&
                                                   domains[0].is_string())
      what += " (" + to_bytes(domains[0].get_ref<const std::string&>()) + ")";
  } else if (const json& f = member(e, "file"); f.is_object()) {
    what = str(f, "action") + " " + str(f, "path");
  } else if (const json& dns = member(e, "dns"); dns.is_object()) {
    what = str(dns, "direction") + " " + str(member(dns, "question"), "name");
  }
  return short_time(str(e, "time")) + "  " + type + "  pid " + num(p, "pid") + "  " + what;
}

}  // namespace

Result<json> parse_answer(std::string_view body) {
  json j = json::parse(protect_byte_escapes(body), nullptr, false);
  if (j.is_discarded()) return Error{"the collector's answer is not JSON"};
  return j;
}

std::string terminal_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += c == '\t' || c == '\n' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    const size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      if (c == 0xc2 && c1 < 0xa0) {  // a C1 control (U+009B is a CSI): one '?'
        out += '?';
        i += 2;
        continue;
      }
      // Overlong forms, surrogates, beyond U+10FFFF.
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0) && !(c == 0xf0 && c1 < 0x90) &&
           !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    out.append(in.substr(i, len));
    i += len;
  }
  return out;
}

std::string alerts_table(const json& answer, const std::string& team_key) {
  std::vector<std::vector<std::string>> rows;
  for (const json& a : member(answer, "alerts")) {
    const json& host = member(a, "host");
    std::string hostname = str(host, "hostname");
    if (hostname.empty()) hostname = str(host, "sensor_id");
    rows.push_back({num(a, "id"), str(a, "severity"), short_time(str(a, "last_time")), hostname,
                    str(member(host, "tags"), team_key.c_str()), str(a, "rule"), num(a, "count"),
                    cut(terminal_text(str(a, "summary")), kSummaryWidth)});
  }
  if (rows.empty()) return "no alerts\n";
  return table({"ID", "SEVERITY", "LAST SEEN (UTC)", "HOST", "TEAM", "RULE", "COUNT", "SUMMARY"},
               std::move(rows));
}

std::string alert_details(const json& a) {
  const json& host = member(a, "host");
  std::string out;
  auto line = [&](const std::string& label, const std::string& value) {
    if (!value.empty()) out += terminal_text(label) + std::string(12 - label.size(), ' ') + terminal_text(value) + "\n";
  };
  std::string attack;
  for (const json& t : member(a, "attack"))
    if (t.is_string()) attack += " " + to_bytes(t.get<std::string>());
  out += terminal_text("Alert " + num(a, "id") + ": " + str(a, "title")) + "\n";
  line("Severity", str(a, "severity") + ", " + str(a, "status"));
  line("Rule", str(a, "rule") + (attack.empty() ? "" : "  (ATT&CK" + attack + ")"));
  line("Host", str(host, "hostname") + " (sensor " + str(host, "sensor_id") + ")  " +
                   tags_text(member(host, "tags")));
  line("When", "first " + short_time(str(a, "first_time")) + ", last " +
                   short_time(str(a, "last_time")) + " UTC, " + num(a, "count") + " time(s)");
  line("Summary", str(a, "summary"));
  line("Why", str(a, "description"));
  if (str(a, "status") == "closed") {
    line("Closed", "by " + str(a, "closed_by") + " at " + short_time(str(a, "closed_time")) +
                       (str(a, "close_note").empty() ? "" : ": " + str(a, "close_note")));
  }

  out += "\nLineage (the process first, then its parents)\n";
  std::string indent = "  ";
  for (const json& p : member(a, "lineage")) {
    std::string user = str(p, "user");
    out += indent + terminal_text("pid " + num(p, "pid") + "  " + str(p, "exe") +
                                  (user.empty() ? "" : "  (" + user + ")") + "  key " +
                                  str(p, "key")) +
           "\n";
    if (!str(p, "command_line").empty())
      out += indent + "  $ " + terminal_text(str(p, "command_line")) + "\n";
    indent += "  ";
  }

  const json& events = member(a, "events");
  out += "\nEvents (" + std::to_string(events.size()) + ")\n";
  for (const json& e : events) out += "  " + cut(terminal_text(event_line(e)), 160) + "\n";

  const json& related = member(a, "related");
  if (!related.empty()) {
    out += "\nRelated activity on other hosts\n";
    for (const json& r : related) {
      std::string hosts;
      for (const json& h : member(r, "hosts"))
        if (h.is_string()) hosts += (hosts.empty() ? "" : ", ") + to_bytes(h.get<std::string>());
      out += "  " + terminal_text(str(r, "kind") + " " + str(r, "value") + ": " +
                                  num(r, "host_count") + " host(s)" +
                                  (hosts.empty() ? "" : " (" + hosts + ")")) +
             "\n";
    }
  }
  const json& steps = member(a, "next_steps");
  if (!steps.empty()) {
    out += "\nNext steps\n";
    int n = 0;
    for (const json& s : steps) {
      if (s.is_string())
        out += "  " + std::to_string(++n) + ". " + terminal_text(to_bytes(s.get<std::string>())) + "\n";
    }
  }
  return out;
}

std::string rules_table(const json& answer) {
  std::vector<std::vector<std::string>> rows;
  for (const json& r : member(answer, "rules")) {
    const bool enabled = member(r, "enabled").is_boolean() && r["enabled"].get<bool>();
    std::string state = enabled ? "on" : "OFF";
    if (const json& c = member(r, "changed"); c.is_object())
      state += " (" + str(c, "by") + (str(c, "reason").empty() ? "" : ": " + str(c, "reason")) + ")";
    rows.push_back({str(r, "id"), str(r, "severity"), str(r, "kind"), num(r, "matched"),
                    num(r, "raised"), num(r, "suppressed"), state, str(r, "title")});
  }
  if (rows.empty()) return "no rules\n";
  return table({"RULE", "SEVERITY", "KIND", "MATCHED", "RAISED", "SUPPRESSED", "STATE", "TITLE"},
               std::move(rows));
}

std::string suppressions_table(const json& answer) {
  std::vector<std::vector<std::string>> rows;
  for (const json& s : member(answer, "suppressions")) {
    std::string expires = str(s, "expires");
    rows.push_back({num(s, "id"), str(s, "rule").empty() ? "*" : str(s, "rule"),
                    str(s, "sensor").empty() ? "*" : str(s, "sensor"), tags_text(member(s, "tags")),
                    str(s, "condition"), num(s, "hits"), expires.empty() ? "never" : short_time(expires),
                    str(s, "created_by"), str(s, "reason")});
  }
  if (rows.empty()) return "no suppressions\n";
  return table({"ID", "RULE", "HOST", "TAGS", "CONDITION", "HITS", "EXPIRES (UTC)", "BY", "REASON"},
               std::move(rows));
}

}  // namespace yagura::ctl
