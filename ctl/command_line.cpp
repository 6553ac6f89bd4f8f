#include "ctl/command_line.h"

#include <algorithm>

namespace yagura::ctl {

namespace {

const OptionSpec* find_option(const std::vector<OptionSpec>& options, std::string_view name) {
  auto it = std::find_if(options.begin(), options.end(),
                         [&](const OptionSpec& o) { return o.name == name; });
  return it == options.end() ? nullptr : &*it;
}

// "policy sign" -> {"policy", "sign"}
std::vector<std::string_view> split_words(std::string_view words) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < words.size()) {
    size_t end = words.find(' ', pos);
    if (end == std::string_view::npos) end = words.size();
    if (end > pos) out.push_back(words.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  auto it = options_.find(name);
  if (it == options_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  auto it = options_.find(name);
  return it == options_.end() ? std::vector<std::string>{} : it->second;
}

Result<ParsedArgs> CommandSpec::parse(std::span<const std::string> args) const {
  const std::string prefix = "yaguractl " + std::string(words) + ": ";
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out.help_ = true;
      return out;
    }
    if (arg.rfind("--", 0) != 0) return Error{prefix + "unknown option " + arg};
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = find_option(options, name);
    if (spec == nullptr) return Error{prefix + "unknown option --" + name};
    std::vector<std::string>& slot = out.options_[name];
    if (spec->arity == Arity::kFlag) {
      if (inline_value) return Error{prefix + "--" + name + " takes no value"};
      slot.clear();
      continue;
    }
    if (!slot.empty() && spec->arity != Arity::kRepeated && spec->arity != Arity::kAnyNumber) {
      return Error{prefix + "--" + name + " given more than once"};
    }
    if (inline_value) {
      slot.push_back(*inline_value);
    } else if (i + 1 < args.size()) {
      slot.push_back(args[++i]);
    } else {
      return Error{prefix + "--" + name + " needs a value"};
    }
  }

  for (const OptionSpec& spec : options) {
    bool needed = spec.arity == Arity::kRequired || spec.arity == Arity::kRepeated;
    if (needed && !out.has(spec.name)) {
      return Error{prefix + "--" + std::string(spec.name) + " is required"};
    }
  }
  const size_t n = out.positional_.size();
  if (n < min_positional) return Error{prefix + "missing argument; usage: " + command_line()};
  if (n > max_positional)
    return Error{prefix + "unexpected argument '" + out.positional_[max_positional] + "'"};
  return out;
}

std::string CommandSpec::command_line() const {
  std::string line = "yaguractl " + std::string(words);
  if (!synopsis.empty()) line += " " + std::string(synopsis);
  return line;
}

const CommandSpec* find_command(std::span<const CommandSpec> table,
                                std::span<const std::string> argv, size_t* words_used) {
  const CommandSpec* best = nullptr;
  size_t best_words = 0;
  for (const CommandSpec& cmd : table) {
    std::vector<std::string_view> words = split_words(cmd.words);
    if (words.size() > argv.size() || words.size() <= best_words) continue;
    if (std::equal(words.begin(), words.end(), argv.begin())) {
      best = &cmd;
      best_words = words.size();
    }
  }
  *words_used = best_words;
  return best;
}

}  // namespace yagura::ctl
