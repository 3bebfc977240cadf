// descent SDK — what every component states about itself.
#pragma once

#include <descent/abi/descriptor.h>

#include <cstdint>
#include <span>

namespace descent::sdk {

struct Info {
  const char* name;       // [a-z0-9_]+, e.g. "adam"
  const char* version;    // e.g. "1.0.0"
  const char* doc;        // one line
  const char* reference;  // paper or source, e.g. "Kingma & Ba, ICLR 2015"
  std::span<const descent_hparam_desc> hparams;
};

constexpr descent_descriptor make_descriptor(descent_kind kind,
                                             const Info& info) {
  return {sizeof(descent_descriptor),
          kind,
          info.name,
          info.version,
          info.doc,
          info.reference,
          info.hparams.data(),
          static_cast<std::uint32_t>(info.hparams.size()),
          0};
}

}  // namespace descent::sdk
