// Lexical path normalization: what a path names once "." and ".." are
// applied to the text alone, without asking the file system. Used for file
// events whose path the kernel joined from a directory and the name as given
// (YG_FOP_LEXICAL): "/etc/./x/../shadow" is reported as "/etc/shadow".
//
// Symlinks are not resolved, so when "x" is a symlink the result can differ
// from the file the kernel opened; the raw path is reported next to it.
//
//   normalize_lexical_path("/a/./b/../c")  == "/a/c"
//   normalize_lexical_path("//a//b/")      == "/a/b"
//   normalize_lexical_path("/../etc")      == "/etc"    (".." at the root stays there)
//   normalize_lexical_path("a/../../b")    == "../b"    (relative: leading ".." kept)
#pragma once

#include <string>
#include <string_view>

namespace yagura {

// Drops empty and "." components, applies ".." to the component before it,
// and removes a trailing slash (except the root's). An absolute path stays
// absolute; a relative one that reduces to nothing becomes "."; "" stays "".
std::string normalize_lexical_path(std::string_view path);

}  // namespace yagura
