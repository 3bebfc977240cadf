/* descent C ABI — version of the contract between the host and its plugins.
 *
 * Rule: a host accepts a plugin whose major version equals its own, whatever
 * the minor. Minor versions only add: new functions at the end of structs
 * that start with `struct_size`, new enum values, new flags. */
#ifndef DESCENT_ABI_VERSION_H
#define DESCENT_ABI_VERSION_H

#include <stdbool.h>
#include <stdint.h>

#define DESCENT_ABI_VERSION_MAJOR 1
#define DESCENT_ABI_VERSION_MINOR 1
#define DESCENT_ABI_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

typedef struct descent_version {
  uint32_t major;
  uint32_t minor;
  uint32_t patch;
} descent_version;

#define DESCENT_ABI_VERSION_INIT                          \
  {                                                       \
    DESCENT_ABI_VERSION_MAJOR, DESCENT_ABI_VERSION_MINOR, \
        DESCENT_ABI_VERSION_PATCH                         \
  }

/* [thread-safe] True when a plugin built against `v` can be used by a host
 * built against this header. */
static inline bool descent_version_is_compatible(descent_version v) {
  return v.major == DESCENT_ABI_VERSION_MAJOR;
}

#ifdef __cplusplus
}
#endif

#endif
