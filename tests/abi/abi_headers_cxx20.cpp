// The C ABI headers also compile as C++20 with -pedantic -Werror, and the
// entry can be initialised there the way DESCENT_DECLARE_ENTRY documents.
#include <descent/abi/descent.h>

#include <cstddef>

namespace descent::test {

extern const descent_plugin_entry cxx_entry;
const descent_plugin_entry cxx_entry = {DESCENT_ABI_VERSION_INIT,
                                        sizeof(descent_plugin_entry), nullptr,
                                        nullptr, nullptr};

}  // namespace descent::test
