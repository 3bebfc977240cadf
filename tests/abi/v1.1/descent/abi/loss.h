/* descent C ABI — losses.
 *
 * A loss compares model outputs (rows x cols, row-major) with targets and
 * returns `scale` times the SUM over rows of the per-row losses, and
 * optionally its gradient w.r.t. the outputs (also scaled). Summing lets the
 * host split a batch into chunks and add the parts; `scale` = 1/batch gives
 * the usual mean.
 *
 * Targets: with DESCENT_LOSS_CLASS_TARGETS, `targets` holds `rows` class
 * indices in [0, cols) stored as doubles (and the host reports accuracy);
 * otherwise it holds rows x cols values.
 *
 * Threading as in optimizer.h. */
#ifndef DESCENT_ABI_LOSS_H
#define DESCENT_ABI_LOSS_H

#include <stdint.h>

#include "descriptor.h"
#include "hparam.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct descent_loss descent_loss; /* opaque instance */

/* Flags of a loss. */
enum {
  DESCENT_LOSS_CLASS_TARGETS = 1u << 0 /* targets are class indices */
};

typedef struct descent_loss_api {
  uint32_t struct_size; /* sizeof(descent_loss_api) of the plugin */
  uint32_t flags;       /* DESCENT_LOSS_* flags */
  const descent_descriptor* descriptor;

  /* [thread-safe] Errors and ownership as in optimizer.h. */
  descent_status (*create)(const descent_hparam_value* hparams,
                           uint32_t hparam_count, descent_loss** out,
                           char* error);
  /* [instance] Frees the instance. NULL is allowed. */
  void (*destroy)(descent_loss* self);

  /* [instance] *value = scale * sum of per-row losses; if `dout` is not
   * NULL it receives scale * d(sum)/d(outputs), rows x cols. */
  descent_status (*value_and_grad)(descent_loss* self, const double* outputs,
                                   const double* targets, uint64_t rows,
                                   uint64_t cols, double scale, double* value,
                                   double* dout);

  /* [instance] As in optimizer.h. */
  const char* (*last_error)(const descent_loss* self);
} descent_loss_api;

#ifdef __cplusplus
}
#endif

#endif
