// The policy in the processing stage: judges every event with the active
// policy (keep, drop, alert), and swaps policies between two events, so each
// event is judged by exactly one policy version, whole.
//
// Lives on the processing thread. The control thread loads and compiles a
// new policy, then hands it over with ProcessingStage::post(), which runs
// adopt() between batches: no lock on the per-event path, no half-loaded
// policy, no event skipped.
//
// The health line's "policy" object reports the active policy (version,
// hash, origin, signer), its totals and every rule's counters (rules that
// never fired included), and, for policies swapped out since the previous
// health line, their final counters: nothing counted is lost in a reload.
//
//   PolicyJudge judge(host, std::move(*loaded));
//   stage.post([&, p = std::move(next)]() mutable { judge.adopt(std::move(p)); });
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/host.h"
#include "policy/policy_evaluator.h"
#include "policy/policy_loader.h"
#include "sensor/pipeline/event_judge.h"

namespace yagura {

class PolicyJudge final : public EventJudge {
 public:
  PolicyJudge(const HostIdentity& host, policy::LoadedPolicy initial);

  bool judge(Event& event, uint64_t now_ns) override;
  void write_health(json::ObjectWriter& health) const override;

  // Processing thread: from the next event on, `next` judges.
  void adopt(policy::LoadedPolicy next);
  // Processing thread: a reload that failed, for the health line.
  void reload_failed(std::string error);

  const policy::CompiledPolicy& active() const { return evaluator_->policy(); }

 private:
  // A policy swapped out, with its counters at the time.
  struct Replaced {
    policy::LoadedPolicy loaded;
    std::vector<policy::RuleCounters> counters;
    policy::EvaluatorTotals totals;
  };

  const HostIdentity& host_;
  policy::LoadedPolicy loaded_;
  std::unique_ptr<policy::PolicyEvaluator> evaluator_;
  uint64_t reloads_ = 0;
  uint64_t reload_failures_ = 0;
  std::string last_reload_error_;
  // Written to the next health line, then forgotten (write_health is const
  // to the stage; the list is cleared by the next adopt or health).
  mutable std::vector<Replaced> replaced_;
};

}  // namespace yagura
