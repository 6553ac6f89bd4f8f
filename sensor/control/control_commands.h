// What the sensor answers on its control socket (control_socket.h has the
// protocol; only root reaches it):
//
//   {"command":"status"}
//     -> {"ok":true,"sensor_id":..,"dump_key":FINGERPRINT,"recorder":{..}}
//   {"command":"dump","scope":{dump/dump_scope.h JSON},"reason":"INC-42"}
//     -> {"ok":true,"bytes":N} and the signed dump file (dump/dump_writer.h)
//
// A dump names who asked: "uid U (pid P)" from the peer's credentials.
//
//   ControlCommands commands(&maker, [&] { return status_json(); });
//   ControlSocket::listen(path, [&](auto& req, auto& peer, auto& reply) {
//     commands.handle(req, peer, reply);
//   });
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "sensor/control/control_socket.h"
#include "sensor/recorder/dump_maker.h"

namespace yagura {

class ControlCommands {
 public:
  // `maker` null: no flight recorder, dumps are refused with the reason.
  ControlCommands(const DumpMaker* maker, std::function<nlohmann::json()> status)
      : maker_(maker), status_(std::move(status)) {}

  void handle(const nlohmann::json& request, const PeerCredentials& peer,
              ControlReply& reply) const;

 private:
  void dump(const nlohmann::json& request, const PeerCredentials& peer, ControlReply& reply) const;

  const DumpMaker* maker_;
  std::function<nlohmann::json()> status_;
};

}  // namespace yagura
