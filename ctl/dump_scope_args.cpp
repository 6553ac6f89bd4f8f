#include "ctl/dump_scope_args.h"

#include "common/host.h"

namespace yagura::ctl {
namespace {

constexpr std::string_view kValued[] = {"from", "to", "process", "pid", "exe", "user", "destination"};

}  // namespace

std::vector<OptionSpec> with_scope_options(std::vector<OptionSpec> options) {
  for (std::string_view name : kValued) options.push_back(optional_value(name));
  options.push_back(flag("descendants"));
  options.push_back(flag("lineage"));
  return options;
}

Result<dump::DumpScope> scope_from_args(const ParsedArgs& args) {
  if (args.has("descendants") && args.has("lineage"))
    return Error{"give --descendants or --lineage, not both"};
  const uint64_t now = realtime_ns();
  dump::DumpScope scope;
  for (std::string_view name : kValued) {
    if (auto v = args.value(name))
      if (Status s = dump::set_scope_option(scope, name, *v, now); !s)
        return Error{"--" + std::string(name) + ": " + s.error().message};
  }
  for (std::string_view mode : {"descendants", "lineage"})
    if (args.has(mode))
      if (Status s = dump::set_scope_option(scope, "mode", mode, now); !s)
        return Error{"--" + std::string(mode) + ": " + s.error().message};
  if (Status s = dump::validate_scope(scope); !s) return s.error();
  return scope;
}

}  // namespace yagura::ctl
