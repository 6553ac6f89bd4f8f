// `yaguractl policy ...`: the CSIRT's side of policy signing.
//
//   yaguractl policy keygen --out csirt            # csirt.key (0600), csirt.pub
//   yaguractl policy sign --key csirt.key policy.yaml        # -> policy.yaml.sig
//   yaguractl policy verify --trusted csirt.pub policy.yaml  # exit 0 if good
//
// Each returns an ExitCode (ctl/command_line.h) and prints errors on
// stderr, one line each, naming the file concerned.
#pragma once

#include "ctl/command_line.h"

namespace yagura::ctl {

// --out PREFIX: writes PREFIX.key and PREFIX.pub, refusing to overwrite
// either.
int policy_keygen(const ParsedArgs& args);

// --key KEY [--out SIG] POLICY: writes the detached signature, by default
// to POLICY.sig.
int policy_sign(const ParsedArgs& args);

// --trusted PUB... [--sig SIG] POLICY: checks POLICY against SIG (default
// POLICY.sig) and the trusted keys.
int policy_verify(const ParsedArgs& args);

}  // namespace yagura::ctl
