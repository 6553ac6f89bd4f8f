// yaguractl's commands that talk to the collector over mutual TLS, as a
// CSIRT administrator (a client certificate whose common name is in the
// collector's admins list): pushing policies, and the incident questions
// (which hosts, what a host did, what a process did, where data is
// missing).
//
// Where the collector is and which certificate to present come from
// --collector/--ca/--cert/--key, or from YAGURA_COLLECTOR, YAGURA_CA,
// YAGURA_CERT and YAGURA_KEY (collector_client.h). Alerts, detections and
// reports are alert_commands.h.
#pragma once

#include "ctl/collector_client.h"
#include "ctl/command_line.h"

namespace yagura::ctl {

int policy_push(const ParsedArgs& args);    // POLICY.yaml [--sig F] [--tag k=v]...
int policy_status(const ParsedArgs& args);  // which hosts run which version
int hosts(const ParsedArgs& args);          // [--tag k=v] [--ran-hash H | --contacted IP | --domain D]
int events(const ParsedArgs& args);         // --sensor S [--from T] [--to T] [--type X] [--limit N]
int process(const ParsedArgs& args);        // --sensor S --key TGID:START
int gaps(const ParsedArgs& args);           // [--sensor S]
// Incident dumps through the collector (docs/operations.md#incident-dumps).
int dump_request(const ParsedArgs& args);  // --sensor S --reason T [scope options]
int dump_list(const ParsedArgs& args);     // [--sensor S] [--reason T]
int dump_fetch(const ParsedArgs& args);    // --out F [--force] ID

}  // namespace yagura::ctl
