#include "sensor/daemon/health.h"

#include "sensor/output/json_object.h"
#include "sensor/output/json_writer.h"

namespace yagura {
namespace {

constexpr const char* kDropNames[YG_DROP_REASON_MAX] = {"ringbuf_full", "no_scratch", "stash_full"};

}  // namespace

std::string health_json(const HostIdentity& host, const WallClock& clock, const HealthSnapshot& h) {
  std::string out;
  {
    json::ObjectWriter root(out);
    root.number("schema", kJsonSchemaVersion);
    root.string("type", "health");
    root.time("time", clock.to_wall_ns(h.ktime_ns));
    root.number("ktime_ns", h.ktime_ns);
    {
      json::ObjectWriter o(root.key("host"));
      o.string("hostname", host.hostname);
      o.string("boot_id", host.boot_id);
    }
    root.boolean("final", h.final);
    root.number("uptime_s", (h.ktime_ns - h.started_ktime_ns) / 1'000'000'000);
    {
      json::ObjectWriter k(root.key("kernel"));
      {
        json::ObjectWriter e(k.key("emitted"));
        for (int i = 1; i < YG_EV_TYPE_MAX; ++i) e.number(item_type_name(i), h.kernel.emitted[i]);
      }
      json::ObjectWriter d(k.key("drops"));
      for (int i = 1; i < YG_EV_TYPE_MAX; ++i) {
        json::ObjectWriter r(d.key(item_type_name(i)));
        for (int j = 0; j < YG_DROP_REASON_MAX; ++j) r.number(kDropNames[j], h.kernel.drops[i][j]);
      }
    }
    {
      json::ObjectWriter r(root.key("reader"));
      r.number("records", h.reader.records);
      r.number("bytes", h.reader.bytes);
      // Every record the reader shed, whatever the reason; the reasons are
      // in pipeline.record_queue.
      json::ObjectWriter d(r.key("dropped_queue_full"));
      for (size_t i = 0; i < YG_EV_TYPE_MAX; ++i)
        d.number(item_type_name(i), h.pipeline.record_queue.shed_of_type(i));
    }
    {
      json::ObjectWriter d(root.key("decoder"));
      d.number("decoded", h.decoder.decoded.total());
      {
        const DecodedCounts& c = h.decoder.decoded;
        json::ObjectWriter t(d.key("by_type"));
        t.number("exec", c.exec);
        t.number("fork", c.fork);
        t.number("exit", c.exit);
        t.number("cred", c.cred);
        t.number("network", c.network);
        t.number("dns", c.dns);
        t.number("file", c.file);
        t.number("tamper", c.tamper);
      }
      json::ObjectWriter r(d.key("rejected"));
      r.number("truncated", h.decoder.rejected.truncated);
      r.number("oversized", h.decoder.rejected.oversized);
      r.number("unknown_type", h.decoder.rejected.unknown_type);
      r.number("malformed", h.decoder.rejected.malformed);
    }
    {
      json::ObjectWriter p(root.key("processor"));
      p.number("events_out", h.processor.events_out);
      p.number("snapshot_processes", h.processor.snapshot_processes);
      p.number("hash_waits", h.processor.hash_waits);
      p.number("hash_wait_expired", h.processor.hash_wait_expired);
      p.number("hash_pending_forced", h.processor.hash_pending_forced);
      p.number("hash_not_queued", h.processor.hash_not_queued);
      p.number("owner_unknown", h.processor.owner_unknown);
      p.number("dns_malformed", h.processor.dns_malformed);
      p.number("unwatched_after_normalizing", h.processor.unwatched_after_normalizing);
    }
    {
      json::ObjectWriter t(root.key("process_table"));
      t.number("size", h.table.size);
      t.number("exited", h.table.exited);
      t.number("evictions", h.table.evictions);
      t.number("expired", h.table.expired);
      t.number("pid_reuses", h.table.pid_reuses);
      t.number("lineage_loops", h.table.lineage_loops);
    }
    if (h.hasher) {
      json::ObjectWriter x(root.key("hasher"));
      x.number("hashed", h.hasher->hashed);
      x.number("cache_hits", h.hasher->cache_hits);
      x.number("errors", h.hasher->errors);
      x.number("rejected_queue_full", h.hasher->rejected_queue_full);
      x.number("bytes_hashed", h.hasher->bytes_hashed);
    }
    {
      const OutputSinkStats& s = h.pipeline.output.sink;
      json::ObjectWriter o(root.key("output"));
      o.number("lines", s.lines);
      o.number("write_errors", s.write_errors);
      o.number("lines_lost", s.lines_lost);
    }
    root.strings("degraded", h.degraded);
    {
      json::ObjectWriter f(root.key("kernel_filter"));
      f.number("generations", h.filter_generations);
      f.strings("warnings", h.filter_warnings);
    }
    write_pipeline_health(root, h.pipeline);
    if (h.judge) h.judge->write_health(root);
    if (h.upload) {
      const UploaderStats& u = *h.upload;
      json::ObjectWriter o(root.key("upload"));
      o.number("batches_sealed", u.batches_sealed);
      o.number("events_sealed", u.events_sealed);
      o.number("seal_errors", u.seal_errors);
      o.number("batches_acked", u.batches_acked);
      o.number("events_acked", u.events_acked);
      o.number("duplicates", u.duplicates);
      o.number("renumbered", u.renumbered);
      o.number("bytes_sent", u.bytes_sent);
      o.number("send_errors", u.send_errors);
      o.number("refused", u.refused);
      o.number("rejected_batches", u.rejected_batches);
      o.number("gaps_reported", u.gaps_reported);
      o.number("policy_fetches", u.policy_fetches);
      o.number("policy_fetch_errors", u.policy_fetch_errors);
      o.number("dumps_requested", u.dumps_requested);
      o.number("dumps_sent", u.dumps_sent);
      o.number("dumps_refused", u.dumps_refused);
      o.number("last_acked_sequence", u.last_acked_sequence);
      o.number("last_status", static_cast<uint64_t>(u.last_status));
      json::ObjectWriter sp(o.key("spool"));
      sp.number("bytes", u.spool.bytes);
      sp.number("segments", u.spool.segments);
      sp.number("pending_records", u.spool.pending_records);
      sp.number("pending_events", u.spool.pending_events);
      sp.number("evicted_records", u.spool.evicted_records);
      sp.number("evicted_events", u.spool.evicted_events);
      sp.number("corrupt_records", u.spool.corrupt_records);
      sp.number("append_errors", u.spool.append_errors);
    }
    if (h.recorder) {
      // The head's chain hash leaves the host with every health line: an
      // edit that rewrote the journal after it no longer matches.
      const JournalStats& j = *h.recorder;
      json::ObjectWriter o(root.key("recorder"));
      o.number("records_appended", j.records_appended);
      o.number("records_written", j.records_written);
      o.number("records_lost", j.records_lost);
      o.number("lost_write_error", j.lost_write_error);
      o.number("lost_too_large", j.lost_too_large);
      o.number("blocks_written", j.blocks_written);
      o.number("write_errors", j.write_errors);
      o.number("tail_bytes_cut", j.tail_bytes_cut);
      o.number("bytes", j.bytes);
      o.number("segments", j.segments);
      o.number("segments_removed_for_age", j.segments_removed_for_age);
      o.number("segments_removed_for_size", j.segments_removed_for_size);
      o.number("segments_removed_for_space", j.segments_removed_for_space);
      o.number("head_segment", j.head_segment);
      o.number("last_seq", j.last_seq);
      o.string("chain", j.chain_hex);
      o.string_unless_empty("last_error", j.last_error);
    }
  }
  return out;
}

}  // namespace yagura
