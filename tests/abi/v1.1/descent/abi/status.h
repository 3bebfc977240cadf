/* descent C ABI — status codes. No exception ever crosses the boundary:
 * every fallible call returns a descent_status, and the instance's
 * `last_error` gives the human-readable reason. */
#ifndef DESCENT_ABI_STATUS_H
#define DESCENT_ABI_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t descent_status;

enum {
  DESCENT_OK = 0,
  DESCENT_ERROR_INVALID_ARGUMENT = 1, /* bad hyperparameter, size, pointer */
  DESCENT_ERROR_OUT_OF_MEMORY = 2,
  DESCENT_ERROR_UNSUPPORTED = 3, /* e.g. a dtype the plugin lacks */
  DESCENT_ERROR_BAD_STATE = 4,   /* state blob corrupt or mismatched */
  DESCENT_ERROR_INTERNAL = 5,    /* anything else, incl. exceptions */
  DESCENT_ERROR_NON_FINITE = 6   /* a NaN or Inf input, e.g. gradient */
};

/* Size of the error buffer the host passes to `create` functions. A plugin
 * writes a NUL-terminated UTF-8 message of at most this many bytes. */
#define DESCENT_ERROR_CAPACITY 512

#ifdef __cplusplus
}
#endif

#endif
