#include "sensor/control/control_commands.h"

#include "dump/dump_scope.h"

namespace yagura {

void ControlCommands::handle(const nlohmann::json& request, const PeerCredentials& peer,
                             ControlReply& reply) const {
  const auto command = request.find("command");
  if (command == request.end() || !command->is_string()) {
    reply.fail("the request has no \"command\"");
  } else if (*command == "status") {
    reply.ok(status_());
  } else if (*command == "dump") {
    dump(request, peer, reply);
  } else {
    reply.fail("unknown command '" + command->get<std::string>() + "'; commands: status, dump");
  }
}

void ControlCommands::dump(const nlohmann::json& request, const PeerCredentials& peer,
                           ControlReply& reply) const {
  if (!maker_) {
    reply.fail("the flight recorder is off on this sensor (recorder.enabled), nothing to dump");
    return;
  }
  const nlohmann::json scope_json = request.value("scope", nlohmann::json::object());
  auto scope = dump::scope_from_json(scope_json);
  if (!scope) {
    reply.fail("scope: " + scope.error().message);
    return;
  }
  dump::DumpRequest what;
  what.scope = std::move(*scope);
  what.requested_by = "uid " + std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid) + ")";
  const auto reason = request.find("reason");
  if (reason != request.end() && reason->is_string()) what.reason = *reason;
  auto file = maker_->make(what);
  if (!file) {
    reply.fail(file.error().message);
    return;
  }
  if (reply.ok_with_payload(file->size())) reply.write(*file);
}

}  // namespace yagura
