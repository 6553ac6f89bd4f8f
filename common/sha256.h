// SHA-256 of bytes in memory, as 64 lower-case hex digits: the form every
// hash in Yagura's events, policies and protocol takes.
#pragma once

#include <string>
#include <string_view>

namespace yagura {

std::string sha256_hex(std::string_view data);

}  // namespace yagura
