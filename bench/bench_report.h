// What every benchmark shares: the machine it ran on, numbers formatted for
// reading, and reading counts from its command line.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace yagura::bench {

// CPU model, CPU count, kernel, compiler, build type, and the load average
// at the time of the call: a result without them cannot be compared.
nlohmann::ordered_json machine();

// The value after "key:" in the first line of `path` starting with `key`;
// the whole first line when `key` is empty; "unknown" when none.
std::string first_line_of(const std::string& path, const std::string& key);

std::string fixed(double v, int decimals);  // "12.35"
std::string thousands(double v);           // "1,234,567", rounded
std::string percent(uint64_t part, uint64_t whole);  // "12.5%"

// A command-line count: digits only, above 0.
std::optional<size_t> positive_number(std::string_view text);

}  // namespace yagura::bench
