// yaguractl: the operator's and the CSIRT's command line for Yagura.
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "ctl/alert_commands.h"
#include "ctl/collector_commands.h"
#include "ctl/command_line.h"
#include "ctl/dump_commands.h"
#include "ctl/dump_scope_args.h"
#include "ctl/policy_check_commands.h"
#include "ctl/policy_commands.h"

namespace {

using namespace yagura::ctl;

int help(const ParsedArgs& args);

// Every command, in the order `yaguractl help` lists them: words, synopsis,
// summary, options, min and max positional arguments, function. Kept out of
// clang-format so that each entry stays one glanceable block.
// clang-format off
const std::vector<CommandSpec> kCommands = {
    {"policy keygen", "--out PREFIX", "create PREFIX.key (mode 0600) and PREFIX.pub, an Ed25519 pair",
        {required_value("out")}, 0, 0, policy_keygen},
    {"policy sign", "--key KEY.key [--out FILE] POLICY.yaml", "write the detached signature (default POLICY.yaml.sig)",
        {required_value("key"), optional_value("out")}, 1, 1, policy_sign},
    {"policy verify", "--trusted KEY.pub [--trusted ...] [--sig FILE] POLICY.yaml", "check a policy's signature (default POLICY.yaml.sig) against trusted keys",
        {repeated_value("trusted"), optional_value("sig")}, 1, 1, policy_verify},
    {"policy check", "[--strict] [--trusted KEY.pub ...] POLICY.yaml", "parse, compile and lint a policy (and check its signature with --trusted)",
        {flag("strict"), any_number_of_values("trusted")}, 1, 1, policy_check},
    {"policy test", "[--summary] POLICY.yaml EVENTS.jsonl", "replay recorded events through a policy: the rules each one hits",
        {flag("summary")}, 2, 2, policy_test},
    {"policy push", "[--sig FILE] [--tag KEY=VALUE ...] POLICY.yaml", "push a signed policy to the collector, for every host or those with all the tags",
        with_connection_options({optional_value("sig"), any_number_of_values("tag")}), 1, 1, policy_push},
    {"policy status", "", "which hosts run which policy version, which failed to apply one and why",
        with_connection_options({}), 0, 0, policy_status},
    {"hosts", "[--tag KEY=VALUE ...] [--ran-hash SHA256 | --contacted IP | --domain NAME]", "hosts the collector knows; or those that ran an executable, contacted an address, resolved or contacted a domain",
        with_connection_options({any_number_of_values("tag"), optional_value("ran-hash"), optional_value("contacted"), optional_value("domain")}), 0, 0, hosts},
    {"events", "--sensor ID [--from TIME] [--to TIME] [--type TYPE] [--limit N]", "a host's events in a time range (RFC 3339 or epoch ns), as JSON lines",
        with_connection_options({required_value("sensor"), optional_value("from"), optional_value("to"), optional_value("type"), optional_value("limit")}), 0, 0, events},
    {"process", "--sensor ID --key TGID:START", "a process: its lineage, children, network, DNS and file activity",
        with_connection_options({required_value("sensor"), required_value("key")}), 0, 0, process},
    {"gaps", "[--sensor ID]", "sequences the collector never stored, reported or missing, per sensor",
        with_connection_options({optional_value("sensor")}), 0, 0, gaps},
    {"dump", "--out FILE [--force] [--reason TEXT] [--from TIME] [--to TIME] [--process KEY | --pid N] [--descendants | --lineage] [--exe PATH] [--user NAME] [--destination ADDR] [--socket PATH]", "on the host (root): a signed dump of what the sensor recorded, the events the policy dropped included",
        with_scope_options({required_value("out"), flag("force"), optional_value("reason"), optional_value("socket")}), 0, 0, dump},
    {"dump verify", "[--key FINGERPRINT ...] [--json] FILE", "check a dump: complete, unaltered, and (with --key) signed by that sensor's key",
        {any_number_of_values("key"), flag("json")}, 1, 1, dump_verify},
    {"dump show", "[--json] [--key FINGERPRINT ...] FILE", "a dump as a process tree with each process's activity; --json: its events as JSON lines",
        {flag("json"), any_number_of_values("key")}, 1, 1, dump_show},
    {"dump request", "--sensor ID --reason TEXT [--from TIME] [--to TIME] [--process KEY | --pid N] [--descendants | --lineage] [--exe PATH] [--user NAME] [--destination ADDR]", "ask the collector for a host's dump; its sensor makes and uploads it at its next contact",
        with_connection_options(with_scope_options({required_value("sensor"), required_value("reason")})), 0, 0, dump_request},
    {"dump list", "[--sensor ID] [--reason TEXT]", "dump requests at the collector: pending, delivered (and whether they verified) or failed",
        with_connection_options({optional_value("sensor"), optional_value("reason")}), 0, 0, dump_list},
    {"dump fetch", "--out FILE [--force] ID", "download a delivered dump from the collector (an existing FILE only with --force)",
        with_connection_options({required_value("out"), flag("force")}), 1, 1, dump_fetch},
    {"alerts", "[--host ID] [--rule RULE] [--tag KEY=VALUE ...] [--severity MIN] [--status open|closed] [--since TIME|AGE] [--limit N] [--json]", "alerts at the collector, newest first: id, severity, time, host, team, rule, count, summary",
        with_connection_options({optional_value("host"), optional_value("rule"), any_number_of_values("tag"), optional_value("severity"), optional_value("status"), optional_value("since"), optional_value("limit"), flag("json")}), 0, 0, alerts},
    {"alert", "[--json] ID", "one alert in full: host and tags, lineage with command lines, events, related hosts, next steps",
        with_connection_options({flag("json")}), 1, 1, alert_show},
    {"alert close", "[--note TEXT] ID", "close an alert (a repeat of its behaviour then raises a new one)",
        with_connection_options({optional_value("note")}), 1, 1, alert_close},
    {"alert reopen", "[--note TEXT] ID", "reopen a closed alert",
        with_connection_options({optional_value("note")}), 1, 1, alert_reopen},
    {"detections rules", "[--json]", "the detection rules: severity, counters since the collector started, on or off and who said so",
        with_connection_options({flag("json")}), 0, 0, detection_rules},
    {"detections enable", "[--reason TEXT] RULE", "switch a rule back on",
        with_connection_options({optional_value("reason")}), 1, 1, detection_enable},
    {"detections disable", "[--reason TEXT] RULE", "switch a rule off, at once and across restarts",
        with_connection_options({optional_value("reason")}), 1, 1, detection_disable},
    {"detections suppress", "--rule RULE [--host ID] [--tag KEY=VALUE ...] [--when 'YAML CONDITION'] [--reason TEXT] [--expires 7d]", "hide a rule's detections where all the criteria match (--when: a policy condition on the event)",
        with_connection_options({required_value("rule"), optional_value("host"), any_number_of_values("tag"), optional_value("when"), optional_value("reason"), optional_value("expires")}), 0, 0, detection_suppress},
    {"detections suppressions", "[--json]", "the suppressions, with their hits",
        with_connection_options({flag("json")}), 0, 0, detection_suppressions},
    {"detections unsuppress", "ID", "remove a suppression",
        with_connection_options({}), 1, 1, detection_unsuppress},
    {"report", "[--tag KEY=VALUE] [--period 7d] [--format md|html|json] [--out FILE]", "a team's report (or all hosts'): open alerts, top rules, silent hosts, sensors with gaps",
        with_connection_options({optional_value("tag"), optional_value("period"), optional_value("format"), optional_value("out")}), 0, 0, report},
    {"sensor status", "[--socket PATH]", "on the host (root): the local sensor's identity, dump key and flight recorder",
        {optional_value("socket")}, 0, 0, sensor_status},
    {"help", "", "list the commands",
        {}, 0, 0, help},
};
// clang-format on

void print_commands(std::FILE* out) {
  for (const CommandSpec& cmd : kCommands) {
    std::fprintf(out, "  %s\n      %.*s\n", cmd.command_line().c_str(),
                 static_cast<int>(cmd.summary.size()), cmd.summary.data());
  }
}

int help(const ParsedArgs&) {
  std::printf("usage: yaguractl COMMAND [ARGS]   (COMMAND --help for one command)\n");
  print_commands(stdout);
  std::printf("exit status: 0 ok, 1 refused or invalid, 2 usage error\n");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) return help(ParsedArgs{});

  size_t used = 0;
  const CommandSpec* cmd = find_command(kCommands, args, &used);
  if (cmd == nullptr) {
    if (args.empty()) {
      std::fprintf(stderr, "yaguractl: no command given; commands:\n");
    } else {
      std::fprintf(stderr, "yaguractl: unknown command '%s'; commands:\n", args[0].c_str());
    }
    print_commands(stderr);
    return kExitUsage;
  }
  auto parsed = cmd->parse(std::span(args).subspan(used));
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return kExitUsage;
  }
  if (parsed->help_requested()) {
    std::printf("usage: %s\n  %.*s\n", cmd->command_line().c_str(),
                static_cast<int>(cmd->summary.size()), cmd->summary.data());
    return kExitOk;
  }
  return cmd->run(*parsed);
}
