// yb-overhead-info: what the overhead benchmark needs to know from the
// sensor's own code, printed as one JSON object: the machine (bench_report),
// and the file watches a sensor configuration gives, as the sensor reads it
// (its built-in lists unless the file names its own). The runner gives
// auditd the same watches, so both watch exactly the same paths.
//
//   yb-overhead-info config/sensor.yaml
#include <cstdio>

#include "bench/bench_report.h"
#include "sensor/config/sensor_config.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: yb-overhead-info SENSOR_CONFIG\n", stderr);
    return 64;
  }
  auto config = yagura::load_sensor_config(argv[1]);
  if (!config) {
    std::fprintf(stderr, "yb-overhead-info: %s\n", config.error().message.c_str());
    return 78;
  }
  nlohmann::ordered_json out;
  out["machine"] = yagura::bench::machine();
  out["watch_writes"] = config->filter.watch_writes;
  out["watch_exclude"] = config->filter.watch_exclude;
  out["watch_reads"] = config->filter.watch_reads;
  std::puts(out.dump(2).c_str());
  return 0;
}
