// yaguractl's command table and argument parser.
//
// Each command is one CommandSpec: the words that name it, its synopsis
// and summary for help, the options it takes and how many positional
// arguments, and the function that runs it. main.cpp holds the table, so a
// new command is one entry there plus its function.
//
//   int policy_sign(const ParsedArgs& args);   // args.value("key"), args.positional()[0]
//   {"policy sign", "--key KEY.key POLICY.yaml [--out FILE]", "sign a policy",
//    {required_value("key"), optional_value("out")}, 1, 1, policy_sign},
//
// Options are long only: "--name value" or "--name=value"; "--" ends them;
// "-h"/"--help" anywhere asks for the command's help.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yagura::ctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitRefused = 1,  // the command ran and said no: bad signature, unreadable file, ...
  kExitUsage = 2,    // the command line itself is wrong
};

enum class Arity {
  kFlag,       // --name, no value
  kOptional,   // --name VALUE, at most once
  kRequired,   // --name VALUE, exactly once
  kRepeated,   // --name VALUE, once or more
  kAnyNumber,  // --name VALUE, any number of times, none included
};

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  Arity arity;
};
constexpr OptionSpec flag(std::string_view name) { return {name, Arity::kFlag}; }
constexpr OptionSpec optional_value(std::string_view name) { return {name, Arity::kOptional}; }
constexpr OptionSpec required_value(std::string_view name) { return {name, Arity::kRequired}; }
constexpr OptionSpec repeated_value(std::string_view name) { return {name, Arity::kRepeated}; }
constexpr OptionSpec any_number_of_values(std::string_view name) {
  return {name, Arity::kAnyNumber};
}

class ParsedArgs {
 public:
  const std::vector<std::string>& positional() const { return positional_; }
  bool has(std::string_view name) const { return options_.find(name) != options_.end(); }
  // The value of a kOptional or kRequired option, nullopt when absent.
  std::optional<std::string> value(std::string_view name) const;
  // Every value of a kRepeated or kAnyNumber option, in command-line order.
  std::vector<std::string> values(std::string_view name) const;
  bool help_requested() const { return help_; }

 private:
  friend struct CommandSpec;
  std::map<std::string, std::vector<std::string>, std::less<>> options_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

struct CommandSpec {
  std::string_view words;     // "policy sign"
  std::string_view synopsis;  // what follows the words in the usage line
  std::string_view summary;   // one line for `yaguractl help`
  std::vector<OptionSpec> options;
  size_t min_positional = 0;
  size_t max_positional = 0;
  int (*run)(const ParsedArgs& args) = nullptr;

  // Parses the arguments after the command words; the error is a usage
  // error, one line naming the offending argument.
  Result<ParsedArgs> parse(std::span<const std::string> args) const;
  std::string command_line() const;  // "yaguractl policy sign --key ..."
};

// The command named by the leading words of `argv` (without the program
// name), and how many words named it; nullptr if none does.
const CommandSpec* find_command(std::span<const CommandSpec> table,
                                std::span<const std::string> argv, size_t* words_used);

}  // namespace yagura::ctl
