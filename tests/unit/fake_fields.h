// A FieldSource over a map, for policy tests: field name (the JSON path,
// "host.tags.<key>" for tags) to its values. Counts how often each field is
// read, to check that an evaluation reads a field at most once.
//
//   FakeFields ev("exec", {{"process.exe", {"/bin/sh"}}, {"process.args", {"sh", "-c"}}});
//   evaluator.evaluate(ev, 0);
//   CHECK(ev.reads("process.exe") <= 1);
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policy/fields.h"

namespace yagura::policy {

class FakeFields : public FieldSource {
 public:
  FakeFields(std::string type, std::map<std::string, std::vector<std::string>> values)
      : type_(std::move(type)), values_(std::move(values)) {
    values_.emplace("type", std::vector<std::string>{type_});
  }

  uint32_t type_bit() const override { return event_type_bit(type_); }

  void values(const FieldRef& field, std::vector<std::string>& out) const override {
    std::string name(all_fields()[field.id].name);
    if (!field.key.empty()) name += "." + field.key;
    ++reads_[name];
    auto it = values_.find(name);
    if (it != values_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }

  int reads(const std::string& name) const {
    auto it = reads_.find(name);
    return it == reads_.end() ? 0 : it->second;
  }
  const std::map<std::string, int>& all_reads() const { return reads_; }
  void reset_reads() { reads_.clear(); }

 private:
  std::string type_;
  std::map<std::string, std::vector<std::string>> values_;
  mutable std::map<std::string, int> reads_;
};

}  // namespace yagura::policy
