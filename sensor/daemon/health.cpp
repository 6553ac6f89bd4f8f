#include "sensor/daemon/health.h"

#include <iterator>

#include "sensor/output/json_string.h"
#include "sensor/output/json_writer.h"

namespace yagura {
namespace {

constexpr const char* kTypeNames[] = {"unknown", "exec", "fork", "exit",  "cred",
                                      "network", "dns",  "file", "tamper"};
static_assert(std::size(kTypeNames) == YG_EV_TYPE_MAX, "a name for every event type");
constexpr const char* kDropNames[YG_DROP_REASON_MAX] = {"ringbuf_full", "no_scratch", "stash_full"};

class Obj {
 public:
  explicit Obj(std::string& out) : out_(out) { out_ += '{'; }
  ~Obj() { out_ += '}'; }
  Obj& num(const char* key, uint64_t v) {
    sep(key);
    out_ += std::to_string(v);
    return *this;
  }
  std::string& raw(const char* key) {
    sep(key);
    return out_;
  }

 private:
  void sep(const char* key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string health_json(const HostIdentity& host, const WallClock& clock, const HealthSnapshot& h) {
  std::string out;
  {
    Obj root(out);
    root.num("schema", kJsonSchemaVersion);
    root.raw("type") += "\"health\"";
    std::string& t = root.raw("time");
    t += '"';
    append_rfc3339(t, clock.to_wall_ns(h.ktime_ns));
    t += '"';
    root.num("ktime_ns", h.ktime_ns);
    {
      std::string& s = root.raw("host");
      Obj o(s);
      append_json_string(o.raw("hostname"), host.hostname);
      append_json_string(o.raw("boot_id"), host.boot_id);
    }
    root.raw("final") += h.final ? "true" : "false";
    root.num("uptime_s", (h.ktime_ns - h.started_ktime_ns) / 1'000'000'000);
    {
      Obj k(root.raw("kernel"));
      {
        Obj e(k.raw("emitted"));
        for (int i = 1; i < YG_EV_TYPE_MAX; ++i) e.num(kTypeNames[i], h.kernel.emitted[i]);
      }
      {
        Obj d(k.raw("drops"));
        for (int i = 1; i < YG_EV_TYPE_MAX; ++i) {
          Obj r(d.raw(kTypeNames[i]));
          for (int j = 0; j < YG_DROP_REASON_MAX; ++j) r.num(kDropNames[j], h.kernel.drops[i][j]);
        }
      }
    }
    {
      Obj r(root.raw("reader"));
      r.num("records", h.reader.records).num("bytes", h.reader.bytes);
      Obj d(r.raw("dropped_queue_full"));
      for (int i = 0; i < YG_EV_TYPE_MAX; ++i) d.num(kTypeNames[i], h.reader.dropped_queue_full[i]);
    }
    {
      Obj d(root.raw("decoder"));
      d.num("decoded", h.decoder.decoded.total());
      {
        const DecodedCounts& c = h.decoder.decoded;
        Obj t(d.raw("by_type"));
        t.num("exec", c.exec).num("fork", c.fork).num("exit", c.exit).num("cred", c.cred);
        t.num("network", c.network).num("dns", c.dns).num("file", c.file).num("tamper", c.tamper);
      }
      Obj r(d.raw("rejected"));
      r.num("truncated", h.decoder.rejected.truncated)
          .num("oversized", h.decoder.rejected.oversized)
          .num("unknown_type", h.decoder.rejected.unknown_type)
          .num("malformed", h.decoder.rejected.malformed);
    }
    {
      Obj p(root.raw("processor"));
      p.num("events_out", h.processor.events_out)
          .num("snapshot_processes", h.processor.snapshot_processes)
          .num("hash_waits", h.processor.hash_waits)
          .num("hash_wait_expired", h.processor.hash_wait_expired)
          .num("hash_pending_forced", h.processor.hash_pending_forced)
          .num("hash_not_queued", h.processor.hash_not_queued)
          .num("owner_unknown", h.processor.owner_unknown)
          .num("dns_malformed", h.processor.dns_malformed)
          .num("unwatched_after_normalizing", h.processor.unwatched_after_normalizing);
    }
    {
      Obj t(root.raw("process_table"));
      t.num("size", h.table.size)
          .num("exited", h.table.exited)
          .num("evictions", h.table.evictions)
          .num("expired", h.table.expired)
          .num("pid_reuses", h.table.pid_reuses)
          .num("lineage_loops", h.table.lineage_loops);
    }
    if (h.hasher) {
      Obj x(root.raw("hasher"));
      x.num("hashed", h.hasher->hashed)
          .num("cache_hits", h.hasher->cache_hits)
          .num("errors", h.hasher->errors)
          .num("rejected_queue_full", h.hasher->rejected_queue_full)
          .num("bytes_hashed", h.hasher->bytes_hashed);
    }
    {
      Obj o(root.raw("output"));
      o.num("lines", h.output_lines)
          .num("write_errors", h.output_write_errors)
          .num("lines_lost", h.output_lines_lost);
    }
    auto string_array = [](std::string& out, const std::vector<std::string>& items) {
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, items[i]);
      }
      out += ']';
    };
    string_array(root.raw("degraded"), h.degraded);
    {
      Obj f(root.raw("kernel_filter"));
      f.num("generations", h.filter_generations);
      string_array(f.raw("warnings"), h.filter_warnings);
    }
  }
  return out;
}

}  // namespace yagura
