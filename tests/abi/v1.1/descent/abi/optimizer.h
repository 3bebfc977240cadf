/* descent C ABI — optimizers.
 *
 * An optimizer updates a flat parameter vector in place from its gradient:
 * `step(params, grads, n, lr, t)`. The learning rate arrives on every step,
 * so schedules live in the host; `t` is the 1-based step number, so bias
 * corrections need no hidden counter. The host owns `params` and `grads`;
 * the plugin owns its state (moments, accumulators), which it can save to
 * and load from a blob (see state.h).
 *
 * Every optimizer declares a REAL hyperparameter named "lr" first: its
 * default, bounds and log-scale hint are the learning rate's. The host
 * passes the per-step value to `step`; the value given at `create` may be
 * ignored.
 *
 * Threading: functions tagged [thread-safe] may be called from any thread
 * at any time; [instance] functions are never called concurrently on the
 * same instance (distinct instances may be used concurrently). */
#ifndef DESCENT_ABI_OPTIMIZER_H
#define DESCENT_ABI_OPTIMIZER_H

#include <stddef.h>
#include <stdint.h>

#include "descriptor.h"
#include "hparam.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct descent_optimizer descent_optimizer; /* opaque instance */

typedef struct descent_optimizer_api {
  uint32_t struct_size; /* sizeof(descent_optimizer_api) of the plugin */
  uint32_t reserved;    /* zero */
  const descent_descriptor* descriptor;

  /* [thread-safe] Makes an instance for `n_params` parameters of `dtype`.
   * `hparams` holds one value per declared hyperparameter, in order. On
   * failure returns non-OK, sets *out to NULL and writes a message of at
   * most DESCENT_ERROR_CAPACITY bytes into `error`. The instance is owned by
   * the plugin and must be freed with `destroy`. */
  descent_status (*create)(const descent_hparam_value* hparams,
                           uint32_t hparam_count, uint64_t n_params,
                           descent_dtype dtype, descent_optimizer** out,
                           char* error);

  /* [instance] Frees the instance. NULL is allowed. */
  void (*destroy)(descent_optimizer* self);

  /* [instance] One update of `params` in place. `n` must equal the
   * `n_params` given at create, and the call must match the instance's
   * dtype (else DESCENT_ERROR_INVALID_ARGUMENT); `t` starts at 1. Buffers
   * do not alias. Documented behaviour every optimizer keeps (and
   * `descent check-plugin` verifies):
   *   - n = 0 is valid (an instance made for 0 parameters): nothing is read
   *     or written, and the pointers may be NULL;
   *   - from a fresh or reset state, with the declared defaults except that
   *     weight decay is 0, an all-zero gradient leaves `params` unchanged;
   *   - a NaN or Inf in `grads` returns DESCENT_ERROR_NON_FINITE: the step
   *     is reported, never silently taken, and the host must stop the run
   *     (or restore a saved state). What `params` and the state hold then
   *     is unspecified for elementwise optimizers (each output element
   *     depends only on the same element of params, grads and state, as in
   *     every built-in one): the SDK checks and updates them block by
   *     block, so blocks before the bad one may already be updated. Other
   *     optimizers leave both unchanged. */
  descent_status (*step_f32)(descent_optimizer* self, float* params,
                             const float* grads, uint64_t n, double lr,
                             uint64_t t);
  descent_status (*step_f64)(descent_optimizer* self, double* params,
                             const double* grads, uint64_t n, double lr,
                             uint64_t t);

  /* [instance] Forgets all state, as if just created. */
  descent_status (*reset)(descent_optimizer* self);

  /* [instance] Size in bytes of the blob `state_save` writes. */
  uint64_t (*state_size)(const descent_optimizer* self);
  /* [instance] Writes the state blob (header + payload) into `buffer` of
   * `capacity` bytes; `*written` receives its size. */
  descent_status (*state_save)(const descent_optimizer* self, void* buffer,
                               uint64_t capacity, uint64_t* written);
  /* [instance] Restores state from a blob made by `state_save` of an
   * instance with the same component name, dtype and n_params; a mismatch
   * or a bad checksum gives DESCENT_ERROR_BAD_STATE and leaves the state
   * unchanged. */
  descent_status (*state_load)(descent_optimizer* self, const void* buffer,
                               uint64_t size);

  /* [instance] Text of the last error on this instance; owned by the
   * instance, valid until its next call. Never NULL ("" if none). */
  const char* (*last_error)(const descent_optimizer* self);
} descent_optimizer_api;

#ifdef __cplusplus
}
#endif

#endif
