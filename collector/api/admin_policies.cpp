// POST and GET /v1/admin/policies: the CSIRT's side of policy distribution.
#include <algorithm>
#include <limits>

#include "collector/api/admin_handlers.h"
#include "collector/api/api_responses.h"
#include "collector/ingest/policy_targets.h"
#include "common/host.h"
#include "policy/policy_compiler.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

size_t hosts_targeted(const std::vector<HostRecord>& hosts,
                      const std::vector<std::string>& targets) {
  return std::count_if(hosts.begin(), hosts.end(),
                       [&](const HostRecord& h) { return targets_match(targets, h.host.tags); });
}

json policy_ref(const PolicyRef& p) {
  return {{"name", p.name}, {"version", p.version}, {"sha256", p.sha256}};
}

// Where a host stands against the newest policy targeted at it.
std::string policy_state(const HostRecord& h, const PolicyRecord* targeted) {
  if (targeted == nullptr) return "untargeted";
  if (h.policy.version == targeted->version) {
    return h.policy.sha256 == targeted->sha256 ? "current" : "diverged";
  }
  if (h.failed_policy_version == targeted->version) return "failed";
  if (h.policy.version > targeted->version) return "ahead";
  return "pending";
}

}  // namespace

ApiResponse push_policy(EventStore& store, const std::string& body, const std::string& admin,
                        uint64_t now_ns) {
  wire::v1::PolicyPush push;
  if (!push.ParseFromString(body)) {
    return error_response(400, "body is not a yagura.wire.v1.PolicyPush");
  }
  if (push.policy().empty()) return error_response(400, "the policy is empty");
  // The collector cannot verify the signature (sensors hold the trusted
  // keys) but it can refuse a policy no sensor would compile.
  auto compiled = policy::compile_policy(push.policy(), "policy");
  if (!compiled) return error_response(400, compiled.error().message);
  const policy::CompiledPolicy& p = **compiled;
  if (p.version() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return error_response(400, "policy version " + std::to_string(p.version()) + " is too large");
  }

  PolicyRecord record;
  for (const std::string& target : push.target_tags()) {
    if (auto kv = parse_target(target); !kv) return error_response(400, kv.error().message);
    record.targets.push_back(target);
  }
  std::sort(record.targets.begin(), record.targets.end());
  record.targets.erase(std::unique(record.targets.begin(), record.targets.end()),
                       record.targets.end());
  record.version = p.version();
  record.name = p.name();
  record.sha256 = p.sha256();
  record.pushed_ns = now_ns;
  record.pushed_by = admin;
  record.policy = push.policy();
  record.signature = push.signature();

  // Read first, so a failure here changes nothing.
  auto hosts = store.hosts();
  if (!hosts) return unavailable(hosts.error());
  auto added = store.add_policy(record);
  if (!added) return unavailable(added.error());
  if (!*added) {
    return error_response(409, "policy version " + std::to_string(record.version) +
                                   " was already pushed: bump policy.version");
  }
  return json_response(201, {{"version", record.version},
                             {"name", record.name},
                             {"sha256", record.sha256},
                             {"targets", record.targets},
                             {"hosts_targeted", hosts_targeted(*hosts, record.targets)}});
}

ApiResponse list_policies(EventStore& store, const QueryParams& params) {
  if (Status s = params.check({}); !s) return error_response(400, s.error().message);
  auto policies = store.policies();
  if (!policies) return unavailable(policies.error());
  auto hosts = store.hosts();
  if (!hosts) return unavailable(hosts.error());

  json policy_list = json::array();
  for (const PolicyRecord& p : *policies) {
    policy_list.push_back({{"version", p.version},
                           {"name", p.name},
                           {"sha256", p.sha256},
                           {"targets", p.targets},
                           {"pushed", format_rfc3339(p.pushed_ns)},
                           {"pushed_by", p.pushed_by},
                           {"hosts_targeted", hosts_targeted(*hosts, p.targets)}});
  }
  json host_list = json::array();
  for (const HostRecord& h : *hosts) {
    const PolicyRecord* targeted = latest_targeted(*policies, h.host.tags);
    json entry = {{"sensor_id", h.sensor_id}, {"hostname", h.host.hostname},
                  {"tags", h.host.tags},      {"running", policy_ref(h.policy)},
                  {"targeted", nullptr},      {"state", policy_state(h, targeted)},
                  {"failure", nullptr}};
    if (targeted != nullptr) {
      entry["targeted"] = {{"version", targeted->version}, {"sha256", targeted->sha256}};
    }
    if (h.failed_policy_version != 0) {
      entry["failure"] = {{"version", h.failed_policy_version}, {"error", h.failed_policy_error}};
    }
    host_list.push_back(std::move(entry));
  }
  return json_response(200,
                       {{"policies", std::move(policy_list)}, {"hosts", std::move(host_list)}});
}

}  // namespace yagura::collector
