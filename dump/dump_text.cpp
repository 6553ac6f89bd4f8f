#include "dump/dump_text.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "dump/activity_text.h"
#include "dump/dump_scope.h"
#include "dump/json_line.h"

namespace yagura::dump {
namespace {

using nlohmann::json;

// Bound on parent walks through the process table: a corrupt table with a
// cycle or an absurd depth stops here.
constexpr int kMaxParentWalk = 64;

std::vector<json> parse_lines(const DumpFile& dump, std::string_view section) {
  std::vector<json> out;
  if (const DumpSection* s = dump.section(section)) {
    for (std::string_view line : s->lines) {
      if (auto j = parse_json_line(line)) out.push_back(std::move(*j));
    }
  }
  return out;
}

json single_line(const DumpFile& dump, std::string_view section) {
  auto lines = parse_lines(dump, section);
  return lines.size() == 1 ? std::move(lines[0]) : json::object();
}

void field(std::string& out, const char* label, const std::string& value) {
  std::string padded = std::string(label) + ":";
  padded.resize(std::max<size_t>(padded.size() + 1, 12), ' ');
  out += padded + value + "\n";
}

// ---- header ----------------------------------------------------------

std::string describe_counts(const DumpCounts& counts, size_t health_lines) {
  std::string out = std::to_string(counts.events) + " events";
  if (!counts.events_by_type.empty()) {
    std::string types;
    for (const auto& [type, n] : counts.events_by_type) {
      types += (types.empty() ? "" : ", ") + display_text(type) + " " + std::to_string(n);
    }
    out += " (" + types + ")";
  }
  out += ", " + std::to_string(counts.policy_dropped) + " dropped by policy; process table " +
         std::to_string(counts.processes) + ", health lines " + std::to_string(health_lines);
  return out;
}

std::string describe_journal(const json& journal) {
  std::string out;
  for (const auto& [name, value] : journal.items()) {
    if (name == "problems") continue;
    out += (out.empty() ? "" : ", ") + display_text(name) + " " +
           (value.is_structured() ? display_text(value.dump()) : scalar_text(value));
  }
  const json& problems = at_or_null(journal, "problems");
  if (problems.is_array() && !problems.empty()) {
    for (const json& p : problems) {
      out += "\n            PROBLEM: " + (p.is_string() ? scalar_text(p) : display_text(p.dump()));
    }
  } else {
    out += (out.empty() ? "" : "; ") + std::string("no problems reported");
  }
  return out;
}

void flatten(const json& j, const std::string& prefix, std::map<std::string, uint64_t>& out) {
  if (j.is_object()) {
    for (const auto& [name, value] : j.items()) {
      flatten(value, prefix.empty() ? name : prefix + "." + name, out);
    }
  } else if (j.is_number_unsigned()) {
    out[prefix] = j.get<uint64_t>();
  }
}

// The health counters that count records lost to the sensor
// (docs/events.md, "Health").
bool is_loss_counter(const std::string& path) {
  return path.starts_with("kernel.drops.") || path.starts_with("reader.dropped_queue_full.") ||
         path.starts_with("decoder.rejected.") ||
         (path.starts_with("pipeline.") && path.find(".shed.by_type.") != std::string::npos) ||
         path == "output.lines_lost";
}

// How much each loss counter grew from the first health line to the last.
// Counters are cumulative since the sensor started; a line whose uptime is
// lower than the one before follows a restart, and counts from zero.
std::string describe_losses(const std::vector<json>& health) {
  std::map<std::string, uint64_t> grown;
  std::map<std::string, uint64_t> previous;
  uint64_t previous_uptime = 0;
  for (size_t i = 0; i < health.size(); ++i) {
    std::map<std::string, uint64_t> now;
    flatten(health[i], "", now);
    const uint64_t uptime = now.count("uptime_s") ? now["uptime_s"] : 0;
    const bool restarted = i > 0 && uptime < previous_uptime;
    for (const auto& [path, value] : now) {
      if (i == 0 || !is_loss_counter(path)) continue;
      const uint64_t before = restarted || !previous.count(path) ? 0 : previous[path];
      if (value > before) grown[path] += value - before;
    }
    previous = std::move(now);
    previous_uptime = uptime;
  }
  if (health.size() < 2) return "unknown (fewer than two health lines in the period)";
  std::string out;
  for (const auto& [path, n] : grown) {
    out += (out.empty() ? "" : ", ") + display_text(path) + " +" + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

std::string describe_integrity(const DumpVerification& v) {
  std::string out;
  if (v.ok()) {
    out = "verified: complete and unaltered, signed by key " + v.key_fingerprint +
          "\n            (compare it with the key the sensor registered)";
  } else {
    out = "NOT VERIFIED (key " + (v.key_fingerprint.empty() ? "unknown" : v.key_fingerprint) + ")";
    for (const std::string& p : v.problems) out += "\n            PROBLEM: " + p;
  }
  return out;
}

void render_header(const DumpFile& dump, const DumpVerification& v, const std::vector<json>& health,
                   std::string& out) {
  const json host = single_line(dump, "host");
  const json request = single_line(dump, "request");
  const json policy = single_line(dump, "policy");
  out += "Yagura incident dump\n";
  field(out, "Host",
        scalar_text(at_or_null(host, "hostname")) + "  sensor " +
            scalar_text(at_or_null(host, "sensor_id")) + "  boot " +
            scalar_text(at_or_null(host, "boot_id")) + "  kernel " +
            scalar_text(at_or_null(host, "kernel")));
  std::string tags;
  if (const json& t = at_or_null(host, "tags"); t.is_object()) {
    for (const auto& [k, value] : t.items()) {
      tags += (tags.empty() ? "" : ", ") + display_text(k) + "=" + scalar_text(value);
    }
  }
  field(out, "Tags", tags.empty() ? "none" : tags);
  field(out, "Policy",
        scalar_text(at_or_null(policy, "name")) + " version " +
            scalar_text(at_or_null(policy, "version")) + "  sha256 " +
            scalar_text(at_or_null(policy, "sha256")));
  field(out, "Period", v.from + " to " + v.to);
  std::string asked = "by " + scalar_text(at_or_null(request, "requested_by"));
  if (const std::string reason = scalar_text(at_or_null(request, "reason")); !reason.empty()) {
    asked += ", reason \"" + reason + "\"";
  }
  field(out, "Request", asked + ", created " + scalar_text(at_or_null(request, "created")));
  auto scope = scope_from_json(at_or_null(request, "scope"));
  field(
      out, "Scope",
      scope ? display_text(describe_scope(*scope)) : "unreadable (" + scope.error().message + ")");
  field(out, "Contents", describe_counts(v.counts, health.size()));
  field(out, "Journal", describe_journal(single_line(dump, "journal")));
  field(out, "Losses", describe_losses(health));
  field(out, "Integrity", describe_integrity(v));
}

// ---- process tree ----------------------------------------------------

struct Process {
  std::string key;
  std::string pid, exe, command_line, user, uid, start_time;
  bool exec_image = false;           // exe/command_line from an exec in the dump
  std::vector<std::string> lineage;  // parent first, then further up
  std::vector<const json*> events;
  std::string tree_parent;  // the nearest ancestor with events here
  std::vector<std::string> children;
};

class TreeBuilder {
 public:
  TreeBuilder(const std::vector<json>& events, const std::vector<json>& table) {
    for (const json& row : table) {
      if (std::string key = string_member(row, "key"); !key.empty()) table_[key] = &row;
    }
    for (const json& e : events) add(e);
    for (auto& [key, p] : processes_) complete_from_table(p);
    for (auto& [key, p] : processes_) find_tree_parent(p);
  }

  void render(std::string& out) const {
    std::vector<const Process*> roots;
    for (const auto& [key, p] : processes_) {
      if (p.tree_parent.empty()) roots.push_back(&p);
    }
    std::set<std::string> shown;
    for (const Process* p : sorted(roots)) render(*p, 0, shown, out);
    // Only a parent cycle (corrupt lineage) leaves processes unreached.
    std::vector<const Process*> rest;
    for (const auto& [key, p] : processes_) {
      if (!shown.contains(key)) rest.push_back(&p);
    }
    for (const Process* p : sorted(rest)) render(*p, 0, shown, out);
  }

 private:
  void add(const json& e) {
    const json& proc = at_or_null(e, "process");
    const std::string key = string_member(proc, "key");
    if (key.empty()) return;
    auto [it, fresh] = processes_.try_emplace(key);
    Process& p = it->second;
    if (fresh) p.key = key;
    p.events.push_back(&e);
    auto fill = [](std::string& slot, const json& v) {
      if (slot.empty()) slot = scalar_text(v);
    };
    fill(p.pid, at_or_null(proc, "pid"));
    fill(p.user, at_or_null(proc, "user"));
    fill(p.uid, at_or_null(proc, "uid"));
    fill(p.start_time, at_or_null(proc, "start_time"));
    const bool is_exec = string_member(e, "type") == "exec";
    if (is_exec || (!p.exec_image && p.exe.empty())) {
      // The last exec says what the process became; other events carry the
      // image the sensor's table knew, used until an exec is seen.
      p.exe = scalar_text(at_or_null(proc, "exe"));
      p.command_line = scalar_text(at_or_null(proc, "command_line"));
      p.exec_image = p.exec_image || is_exec;
    }
    std::vector<std::string> lineage;
    if (const std::string parent = string_member(at_or_null(e, "parent"), "key"); !parent.empty()) {
      lineage.push_back(parent);
      if (const json& ancestors = at_or_null(e, "ancestors"); ancestors.is_array()) {
        for (const json& a : ancestors) lineage.push_back(string_member(a, "key"));
      }
    }
    // The fork names the process that started this one; otherwise the
    // longest chain known wins.
    if (string_member(e, "type") == "fork" ? !lineage.empty() : lineage.size() > p.lineage.size()) {
      p.lineage = std::move(lineage);
    }
  }

  void complete_from_table(Process& p) const {
    auto row = table_.find(p.key);
    if (row == table_.end()) return;
    const json& r = *row->second;
    auto fill = [](std::string& slot, const json& v) {
      if (slot.empty()) slot = scalar_text(v);
    };
    if (!p.exec_image && p.command_line.empty()) {
      p.exe = scalar_text(at_or_null(r, "exe"));
      p.command_line = scalar_text(at_or_null(r, "command_line"));
    }
    fill(p.pid, at_or_null(r, "pid"));
    fill(p.user, at_or_null(r, "user"));
    fill(p.uid, at_or_null(r, "uid"));
    fill(p.start_time, at_or_null(r, "start_time"));
  }

  // Up the event lineage, then on through the process table's parents.
  void find_tree_parent(Process& p) {
    std::vector<std::string> chain = p.lineage;
    std::string last = chain.empty() ? p.key : chain.back();
    for (int i = 0; i < kMaxParentWalk; ++i) {
      auto row = table_.find(last);
      if (row == table_.end()) break;
      last = string_member(at_or_null(*row->second, "parent"), "key");
      if (last.empty() || last == p.key) break;
      chain.push_back(last);
    }
    for (const std::string& key : chain) {
      if (key == p.key) break;  // a loop in corrupt lineage
      auto it = processes_.find(key);
      if (it != processes_.end()) {
        p.tree_parent = key;
        it->second.children.push_back(p.key);
        return;
      }
    }
  }

  std::vector<const Process*> sorted(std::vector<const Process*> list) const {
    std::sort(list.begin(), list.end(), [](const Process* a, const Process* b) {
      return std::tie(a->start_time, a->key) < std::tie(b->start_time, b->key);
    });
    return list;
  }

  // The parent of a tree's root, when something is known of it.
  std::string outside_parent(const Process& p) const {
    if (p.lineage.empty()) return "";
    const std::string& key = p.lineage.front();
    for (const json* e : p.events) {
      const json& parent = at_or_null(*e, "parent");
      if (string_member(parent, "key") != key) continue;
      std::string exe = scalar_text(at_or_null(parent, "command_line"));
      if (exe.empty()) exe = scalar_text(at_or_null(parent, "exe"));
      return "pid " + scalar_text(at_or_null(parent, "pid")) + (exe.empty() ? "" : " " + exe) +
             ", key " + display_text(key);
    }
    return "key " + display_text(key);
  }

  void render(const Process& p, size_t depth, std::set<std::string>& shown,
              std::string& out) const {
    if (!shown.insert(p.key).second) return;
    const std::string indent(4 * depth, ' ');
    std::string title = p.command_line.empty() ? p.exe : p.command_line;
    out += indent + "pid " + (p.pid.empty() ? "?" : p.pid) + "  " +
           (title.empty() ? "(image unknown)" : title) + "\n";
    std::string details;
    if (!p.exe.empty()) details += "exe " + p.exe + "  ";
    if (!p.user.empty() || !p.uid.empty()) {
      details += "user " + (p.user.empty() ? "?" : p.user) +
                 (p.uid.empty() ? "" : " (uid " + p.uid + ")") + "  ";
    }
    if (!p.start_time.empty()) details += "started " + p.start_time + "  ";
    out += indent + "  " + details + "key " + display_text(p.key) + "\n";
    if (p.tree_parent.empty()) {
      if (std::string parent = outside_parent(p); !parent.empty()) {
        out += indent + "  parent (no events in this dump): " + parent + "\n";
      }
    }
    for (const json* e : p.events) {
      out +=
          indent + "  " + scalar_text(at_or_null(*e, "time")) + "  " + describe_activity(*e) + "\n";
    }
    std::vector<const Process*> children;
    for (const std::string& key : p.children) children.push_back(&processes_.at(key));
    for (const Process* c : sorted(children)) render(*c, depth + 1, shown, out);
  }

  std::unordered_map<std::string, const json*> table_;
  std::unordered_map<std::string, Process> processes_;
};

}  // namespace

std::string render_dump_text(const DumpFile& dump, const DumpVerification& verification) {
  const std::vector<json> events = parse_lines(dump, "events");
  const std::vector<json> table = parse_lines(dump, "process_table");
  const std::vector<json> health = parse_lines(dump, "health");
  std::string out;
  render_header(dump, verification, health, out);
  out += "\nProcesses\n";
  if (events.empty()) out += "  (no events)\n";
  TreeBuilder(events, table).render(out);
  return out;
}

}  // namespace yagura::dump
