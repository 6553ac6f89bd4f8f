// The SigmaHQ Linux rules (../shared/corpora/sigma) name fields of the
// Sigma taxonomy; each must resolve to one Yagura field that the rule's
// category of events carries, so a Sigma rule needs no renaming.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "policy/fields.h"

using namespace yagura::policy;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, uint32_t> kCategories = {
    {"process_creation", kExecBit}, {"network_connection", kNetworkBit},
    {"file_event", kFileBit},       {"file_delete", kFileBit},
    {"file_rename", kFileBit},      {"dns_query", kDnsBit},
};

// "CommandLine|contains|all" -> "CommandLine"
std::string field_of(const std::string& key) { return key.substr(0, key.find('|')); }

void collect_fields(const YAML::Node& node, std::set<std::string>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) out.insert(field_of(kv.first.as<std::string>()));
  } else if (node.IsSequence()) {
    for (const auto& item : node)
      if (item.IsMap()) collect_fields(item, out);
  }
}

}  // namespace

TEST_CASE("every field of the SigmaHQ Linux rules maps to a field their events carry",
          "[policy][sigma]") {
  const fs::path rules = fs::path(YAGURA_SIGMA_CORPUS) / "rules" / "linux";
  REQUIRE(fs::is_directory(rules));
  size_t checked_rules = 0;
  std::set<std::string> seen;
  for (const auto& entry : fs::recursive_directory_iterator(rules)) {
    if (entry.path().extension() != ".yml") continue;
    YAML::Node doc = YAML::LoadFile(entry.path().string());
    const auto category = doc["logsource"]["category"];
    if (!category) continue;
    auto cat = kCategories.find(category.as<std::string>());
    if (cat == kCategories.end()) continue;
    std::set<std::string> fields;
    for (const auto& kv : doc["detection"]) {
      const auto name = kv.first.as<std::string>();
      if (name != "condition" && name != "timeframe") collect_fields(kv.second, fields);
    }
    for (const std::string& f : fields) {
      INFO(entry.path().string() << ": " << f);
      const FieldSpec* spec = find_field(f);
      REQUIRE(spec != nullptr);
      CHECK((spec->types & cat->second) != 0);
      seen.insert(f);
    }
    ++checked_rules;
  }
  // The corpus holds over a hundred such rules; a handful would mean the walk
  // above stopped reading them.
  CHECK(checked_rules > 100);
  CHECK(seen.count("Image"));
  CHECK(seen.count("CommandLine"));
  CHECK(seen.count("TargetFilename"));
  CHECK(seen.count("DestinationIp"));
}

TEST_CASE("Sigma names map one to one onto Yagura fields", "[policy][sigma]") {
  const std::map<std::string, std::string> expected = {
      {"Image", "process.exe"},
      {"CommandLine", "process.command_line"},
      {"ParentImage", "parent.exe"},
      {"ParentCommandLine", "parent.command_line"},
      {"CurrentDirectory", "process.cwd"},
      {"User", "process.user"},
      {"LogonId", "process.loginuid"},
      {"ProcessId", "process.pid"},
      {"ParentProcessId", "parent.pid"},
      {"DestinationIp", "network.destination.ip"},
      {"DestinationPort", "network.destination.port"},
      {"DestinationHostname", "network.destination.domain"},
      {"SourceIp", "network.source.ip"},
      {"SourcePort", "network.source.port"},
      {"Initiated", "network.initiated"},
      {"Protocol", "network.transport"},
      {"QueryName", "dns.question.name"},
      {"TargetFilename", "file.path"},
      {"SourceFilename", "file.source_path"},
  };
  std::set<std::string> targets;
  for (const auto& [sigma, ours] : expected) {
    INFO(sigma);
    const FieldSpec* spec = find_field(sigma);
    REQUIRE(spec != nullptr);
    CHECK(spec->name == ours);
    CHECK(targets.insert(ours).second);  // one to one
  }
  size_t aliased = 0;
  for (const FieldSpec& f : all_fields()) aliased += !f.sigma.empty();
  CHECK(aliased == expected.size());
}
