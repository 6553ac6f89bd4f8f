#include "dump/event_selector.h"

#include <charconv>
#include <deque>

#include "dump/json_line.h"
#include "dump/rfc3339.h"

namespace yagura::dump {
namespace {

using nlohmann::json;

// A glob where '*' matches any run of characters (also '/'), every other
// character itself. One backtrack point: at worst length of pattern times
// length of path, nothing for paths.
bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// The address of the other end: the destination of what this host
// initiated, the source of what it accepted.
std::string remote_ip(const json& network) {
  if (const json& remote = at_or_null(network, "remote"); remote.is_object()) {
    return string_member(remote, "ip");
  }
  const json* initiated = member(network, "initiated");
  const bool inbound = initiated && initiated->is_boolean() && !initiated->get<bool>();
  const json& source = at_or_null(network, "source");
  if (inbound && source.is_object()) return string_member(source, "ip");
  return string_member(at_or_null(network, "destination"), "ip");
}

}  // namespace

Result<EventSelector> EventSelector::create(const DumpScope& scope) {
  if (Status s = validate_scope(scope); !s) return s.error();
  std::optional<Destination> destination;
  if (!scope.destination.empty()) {
    auto d = Destination::parse(scope.destination);
    if (!d) return d.error();
    destination = std::move(*d);
  }
  EventSelector selector(scope, std::move(destination));
  if (!scope.user.empty()) {
    uint32_t uid = 0;
    const char* end = scope.user.data() + scope.user.size();
    auto [ptr, ec] = std::from_chars(scope.user.data(), end, uid);
    if (ec == std::errc() && ptr == end) selector.uid_ = uid;
  }
  if (!scope.process_key.empty()) selector.processes_.insert(scope.process_key);
  return selector;
}

bool EventSelector::in_period(const json& event) const {
  if (!scope_.from_ns && !scope_.to_ns) return true;
  auto t = parse_rfc3339(string_member(event, "time"));
  if (!t) return false;  // no time: cannot be shown to be in the period
  return (!scope_.from_ns || *t >= *scope_.from_ns) && (!scope_.to_ns || *t < *scope_.to_ns);
}

void EventSelector::link(const std::string& child, const std::string& parent) {
  if (child.empty() || parent.empty() || child == parent) return;
  auto& ps = parents_[child];
  for (const std::string& p : ps) {
    if (p == parent) return;
  }
  ps.push_back(parent);
  children_[parent].push_back(child);
}

void EventSelector::prepare(const json& event) {
  if (!needs_prepare()) return;
  const json& process = at_or_null(event, "process");
  // The chain this event knows: the process, its parent, then ancestors
  // from the grandparent up.
  std::vector<const json*> chain{&process};
  if (const json& parent = at_or_null(event, "parent"); parent.is_object()) {
    chain.push_back(&parent);
    if (const json* ancestors = member(event, "ancestors"); ancestors && ancestors->is_array()) {
      for (const json& a : *ancestors) chain.push_back(&a);
    }
  }
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    link(string_member(*chain[i], "key"), string_member(*chain[i + 1], "key"));
  }
  if (scope_.pid && in_period(event)) {
    for (const json* p : chain) {
      if (unsigned_member(*p, "pid") == *scope_.pid) {
        if (std::string key = string_member(*p, "key"); !key.empty()) pid_keys_.insert(key);
      }
    }
  }
}

void EventSelector::close_process_set() {
  closed_ = true;
  if (!scope_.has_process()) return;
  processes_.insert(pid_keys_.begin(), pid_keys_.end());
  const std::vector<std::string> roots(processes_.begin(), processes_.end());
  auto walk = [&](const std::unordered_map<std::string, std::vector<std::string>>& edges) {
    std::deque<std::string> todo(roots.begin(), roots.end());
    while (!todo.empty()) {
      auto it = edges.find(todo.front());
      todo.pop_front();
      if (it == edges.end()) continue;
      for (const std::string& next : it->second) {
        if (processes_.insert(next).second) todo.push_back(next);  // a cycle stops here
      }
    }
  };
  if (scope_.mode != ProcessMode::kProcess) walk(children_);
  if (scope_.mode == ProcessMode::kLineage) walk(parents_);
}

bool EventSelector::matches_user(const json& process) const {
  if (uid_) return unsigned_member(process, "uid") == *uid_;
  return string_member(process, "user") == scope_.user;
}

bool EventSelector::matches_destination(const json& event) const {
  const std::string type = string_member(event, "type");
  if (type == "network") {
    const json& network = at_or_null(event, "network");
    if (!destination_->is_domain()) return destination_->matches_address(remote_ip(network));
    const json* domains = member(at_or_null(network, "destination"), "domain");
    if (!domains || !domains->is_array()) return false;
    for (const json& d : *domains) {
      if (d.is_string() && destination_->matches_name(d.get<std::string>())) return true;
    }
    return false;
  }
  if (type == "dns") {
    const json& dns = at_or_null(event, "dns");
    if (destination_->matches_name(string_member(at_or_null(dns, "question"), "name"))) {
      return true;
    }
    const json* answers = member(dns, "answers");
    if (!answers || !answers->is_array()) return false;
    for (const json& a : *answers) {
      // A CNAME's owner may be the domain even when the question was not.
      if (destination_->matches_name(string_member(a, "name"))) return true;
      const std::string rtype = string_member(a, "type");
      if ((rtype == "A" || rtype == "AAAA") &&
          destination_->matches_address(string_member(a, "data"))) {
        return true;
      }
    }
  }
  return false;
}

bool EventSelector::select(const json& event) {
  if (!closed_) close_process_set();
  const std::string type = string_member(event, "type");
  if (type.empty() || type == "health") return false;
  if (!in_period(event)) return false;
  const json& process = at_or_null(event, "process");
  if (scope_.has_process() && !processes_.contains(string_member(process, "key"))) return false;
  if (!scope_.exe.empty()) {
    const json* exe = member(process, "exe");
    if (!exe || !exe->is_string() || !glob_match(scope_.exe, exe->get<std::string>())) return false;
  }
  if (!scope_.user.empty() && !matches_user(process)) return false;
  if (destination_ && !matches_destination(event)) return false;
  return true;
}

}  // namespace yagura::dump
