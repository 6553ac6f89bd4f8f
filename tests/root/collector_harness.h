// Runs the real yagura-collector binary for a root test, with a
// development PKI from scripts/dev-pki.sh, and asks its admin API.
//
//   TestPki pki({"s1"});                       // CA, collector, sensor-s1, admin-csirt
//   CollectorProcess collector(pki);           // listening on a free port
//   SensorProcess sensor({"--config", write_config(dir, upload_yaml(pki, collector, "s1"))});
//   Json hosts = collector.get_json("/v1/admin/hosts");
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/root/sensor_harness.h"
#include "uploader/transport/https_client.h"

namespace yagura::test {

class TestPki {
 public:
  // Client certificates for each sensor name, and for the admin "csirt".
  explicit TestPki(const std::vector<std::string>& sensors);
  const std::string& dir() const { return dir_.path(); }
  std::string file(const std::string& name) const { return dir_.path() + "/" + name; }

 private:
  TempDir dir_;
};

class CollectorProcess {
 public:
  // Starts on a free port, storing in a database of its own; `extra_yaml`
  // is appended to its configuration (e.g. "alerts: {file: ...}").
  explicit CollectorProcess(const TestPki& pki, std::string extra_yaml = "");
  ~CollectorProcess();
  CollectorProcess(const CollectorProcess&) = delete;
  CollectorProcess& operator=(const CollectorProcess&) = delete;

  void stop();   // SIGTERM; it must exit 0
  void start();  // again: the same port and database

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string stderr_text() const;

  // The admin API, as the CSIRT's certificate; fails the test unless 200.
  std::string get_text(const std::string& path);
  Json get_json(const std::string& path);
  std::vector<Json> get_lines(const std::string& path);
  HttpResponse post(const std::string& path, const std::string& body,
                    const std::string& content_type, const std::string& client = "admin-csirt");

 private:
  HttpsClientOptions client_options(const std::string& client) const;

  const TestPki& pki_;
  const std::string extra_yaml_;
  TempDir dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// The upload: section of a sensor configuration sending to `collector` as
// `sensor` (whose certificate the PKI holds), with short batch ages and
// heartbeats so that tests need not wait; `extra` is appended inside it.
std::string upload_yaml(const TestPki& pki, const CollectorProcess& collector,
                        const std::string& sensor, const std::string& extra = "");

// Polls `probe` until it returns true, for up to `seconds`; false on timeout.
bool eventually(int seconds, const std::function<bool()>& probe);

}  // namespace yagura::test
