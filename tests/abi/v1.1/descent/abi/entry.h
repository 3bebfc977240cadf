/* descent C ABI — the one symbol a plugin library exports.
 *
 * A plugin library exports exactly one symbol, `descent_entry`, a const
 * descent_plugin_entry. Everything else is reached through it. The host reads
 * `abi_version` first (its layout never changes) and refuses the library
 * unless descent_version_is_compatible() holds. Build plugins with
 * -fvisibility=hidden so that nothing else is exported.
 *
 * A library may hold any number of components of each kind; the getters
 * return NULL past the last one. Returned pointers are static data owned by
 * the plugin and valid while the library is loaded. */
#ifndef DESCENT_ABI_ENTRY_H
#define DESCENT_ABI_ENTRY_H

#include <stdint.h>

#include "loss.h"
#include "model.h"
#include "optimizer.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DESCENT_ENTRY_SYMBOL "descent_entry"

typedef struct descent_plugin_entry {
  descent_version abi_version; /* DESCENT_ABI_VERSION_INIT; always first */
  uint32_t struct_size;        /* sizeof(descent_plugin_entry) */

  /* [thread-safe] The index-th component of each kind, or NULL. */
  const descent_optimizer_api* (*optimizer)(uint32_t index);
  const descent_model_api* (*model)(uint32_t index);
  const descent_loss_api* (*loss)(uint32_t index);
} descent_plugin_entry;

#if defined(_WIN32)
#define DESCENT_EXPORT __declspec(dllexport)
#else
#define DESCENT_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define DESCENT_EXTERN_C extern "C"
#else
#define DESCENT_EXTERN_C
#endif

/* Declares the exported entry; use as
 *   DESCENT_DECLARE_ENTRY = { DESCENT_ABI_VERSION_INIT,
 *                             sizeof(descent_plugin_entry),
 *                             get_optimizer, get_model, get_loss }; */
#define DESCENT_DECLARE_ENTRY \
  DESCENT_EXTERN_C DESCENT_EXPORT const descent_plugin_entry descent_entry

#ifdef __cplusplus
}
#endif

#endif
