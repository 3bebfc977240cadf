/* The C ABI is plain C11: this translation unit includes every header with
 * -std=c11 -pedantic -Werror and implements a complete (empty) plugin entry
 * in C, so a plugin can be written without any C++.
 *
 * It also records the struct sizes as the C compiler sees them; abi_layout
 * links this object and checks that C and C++ agree. */
#include <descent/abi/descent.h>

#include <stddef.h>

static const descent_optimizer_api* no_optimizer(uint32_t index) {
  (void)index;
  return NULL;
}

static const descent_model_api* no_model(uint32_t index) {
  (void)index;
  return NULL;
}

static const descent_loss_api* no_loss(uint32_t index) {
  (void)index;
  return NULL;
}

DESCENT_DECLARE_ENTRY = {DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),
                         no_optimizer, no_model, no_loss};

/* Sizes of every ABI struct as compiled by the C compiler, in the order of
 * abi_layout.cpp's `c_sizes` check. */
extern const size_t descent_test_c_sizes[9];
const size_t descent_test_c_sizes[9] = {
    sizeof(descent_version),       sizeof(descent_hparam_desc),
    sizeof(descent_hparam_value),  sizeof(descent_descriptor),
    sizeof(descent_optimizer_api), sizeof(descent_model_api),
    sizeof(descent_loss_api),      sizeof(descent_state_header),
    sizeof(descent_plugin_entry)};

/* The version check is usable from C. */
extern bool descent_test_c_accepts(uint32_t major, uint32_t minor);
bool descent_test_c_accepts(uint32_t major, uint32_t minor) {
  descent_version v;
  v.major = major;
  v.minor = minor;
  v.patch = 0;
  return descent_version_is_compatible(v);
}
