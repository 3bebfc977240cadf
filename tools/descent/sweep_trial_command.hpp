// descent sweep --isolate: its command-line options, and the hidden
// `descent sweep-trial REQUEST` subcommand its workers run.
#pragma once

#include "cli.hpp"

#include <descent/sweep.hpp>

#include <string>
#include <vector>

namespace descent::cli {

// --isolate and --trial-timeout SECONDS.
void add_isolate_options(po::options_description& options);
// Sets o.isolate and o.trial_timeout from the flags given (flags not given
// leave `o` as it is); a timeout that is not a positive number of seconds,
// or one without isolation, is an InputError naming the flag.
void apply_isolate_options(const po::variables_map& vm, SweepOptions& o);

// `descent sweep-trial REQUEST`: started by an isolated sweep, not by users.
int sweep_trial_command(const std::vector<std::string>& args);

}  // namespace descent::cli
