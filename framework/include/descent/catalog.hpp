// descent host — the plugin catalog as Markdown: plugins/README.md is this
// text, and a test keeps the two equal.
#pragma once

#include <descent/registry.hpp>

#include <string>

namespace descent {

// One table per kind: name, what it does, the paper, hyperparameters with
// their defaults. Built-in plugins only, sorted by name.
std::string plugins_markdown(const Registry& registry);

// "0.9", "true", "relu", "\"128\"": a hyperparameter's default as text.
std::string default_text(const descent_hparam_desc& h);

}  // namespace descent
