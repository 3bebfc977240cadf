#include <descent/catalog.hpp>
#include <descent/settings.hpp>

#include <sstream>

namespace descent {

std::string default_text(const descent_hparam_desc& h) {
  switch (h.type) {
    case DESCENT_HPARAM_BOOL:
      return h.default_value != 0 ? "true" : "false";
    case DESCENT_HPARAM_CHOICE:
      return h.choices[static_cast<std::size_t>(h.default_value)];
    case DESCENT_HPARAM_TEXT:
      return std::string("\"") + h.default_text + "\"";
    default:
      return format_number(h.default_value);
  }
}

std::string plugins_markdown(const Registry& registry) {
  std::ostringstream md;
  md << "# Plugins\n\n"
        "The built-in plugins, one folder and one shared library each. This "
        "file is generated\nby `build/bin/descent plugins --markdown > "
        "plugins/README.md`; a test checks that it\nis current. Each "
        "hyperparameter is an experiment key `<kind>.<name>`, shown with its\n"
        "default; `descent plugins show NAME` gives types, ranges and docs.\n";
  for (descent_kind kind :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS}) {
    const char* heading = kind == DESCENT_KIND_OPTIMIZER ? "Optimizers"
                          : kind == DESCENT_KIND_MODEL   ? "Models"
                                                         : "Losses";
    md << "\n## " << heading << "\n\n"
       << "| name | what it does | reference | hyperparameters |\n"
       << "|---|---|---|---|\n";
    for (const Component* c : registry.of_kind(kind)) {
      const descent_descriptor& d = *c->descriptor;
      md << "| `" << d.name << "` | " << d.doc << " | " << d.reference << " | ";
      for (std::uint32_t i = 0; i < d.hparam_count; ++i)
        md << (i ? ", " : "") << d.hparams[i].name << "="
           << default_text(d.hparams[i]);
      md << (d.hparam_count == 0 ? "none" : "") << " |\n";
    }
  }
  return md.str();
}

}  // namespace descent
