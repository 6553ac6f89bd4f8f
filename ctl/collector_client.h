// How yaguractl's collector commands reach the collector and print its
// answers: one HTTPS client from --collector/--ca/--cert/--key (or
// YAGURA_COLLECTOR, YAGURA_CA, YAGURA_CERT, YAGURA_KEY), query strings built
// from options, and the common ways of answering the operator.
//
//   auto client = connect(args);
//   if (!client) return refuse(client.error().message);
//   return answer((*client)->get("/v1/admin/hosts" + query(args, {{"tag", "tag"}})));
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "ctl/command_line.h"
#include "uploader/transport/https_client.h"

namespace yagura::ctl {

// The options every collector command takes.
std::vector<OptionSpec> with_connection_options(std::vector<OptionSpec> options);

// Prints "yaguractl: message" on stderr; answers kExitRefused.
int refuse(const std::string& message);

Result<std::unique_ptr<HttpsClient>> connect(const ParsedArgs& args);

std::string url_encode(std::string_view s);

// "?a=1&b=2" from the options that are set: {option, query parameter}.
std::string query(const ParsedArgs& args,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> names);

// A 2xx answer's body, else the refusal to print (the collector's one line
// of reason, with its status).
Result<HttpResponse> expect_success(Result<HttpResponse> r);

// Prints a JSON answer indented for reading; JSON lines, and JSON carrying
// raw bytes (\udcXX escapes, which the parser refuses), as they are.
int answer(Result<HttpResponse> r);

// GET `path` and answer().
int get(const ParsedArgs& args, const std::string& path);

}  // namespace yagura::ctl
