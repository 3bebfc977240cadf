/* descent C ABI — models.
 *
 * A model maps a batch of inputs to outputs with a flat parameter vector:
 * `forward(params, X, rows, out)`; `backward` turns d(loss)/d(out) into
 * d(loss)/d(params). All buffers are owned by the host, row-major doubles:
 *   X     rows x n_inputs      (NULL for analytic objectives)
 *   out   rows x n_outputs
 *   dout  rows x n_outputs
 *   grad  param_count          (overwritten, not accumulated)
 *
 * ABI 1.1 adds optional float32 twins of forward and backward (the same
 * contract with float buffers): a model that has them can be trained in
 * single precision, which halves the bytes every product and batch moves.
 * A 1.0 plugin's struct ends before them; the host then uses double.
 *
 * Analytic objectives (Rosenbrock, quadratics, ...) are models without data:
 * they set DESCENT_MODEL_ANALYTIC, take n_inputs = 0, X = NULL and rows = 1,
 * and write the objective's value to out[0] (n_outputs = 1). The host uses
 * that value as the loss.
 *
 * Threading as in optimizer.h. */
#ifndef DESCENT_ABI_MODEL_H
#define DESCENT_ABI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "descriptor.h"
#include "hparam.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct descent_model descent_model; /* opaque instance */

/* Flags of a model. */
enum {
  DESCENT_MODEL_ANALYTIC = 1u << 0 /* an objective without data */
};

typedef struct descent_model_api {
  uint32_t struct_size; /* sizeof(descent_model_api) of the plugin */
  uint32_t flags;       /* DESCENT_MODEL_* flags */
  const descent_descriptor* descriptor;

  /* [thread-safe] Makes a model for `n_inputs` features and `n_outputs`
   * outputs (analytic: 0 and 1). Errors and ownership as in optimizer.h. */
  descent_status (*create)(const descent_hparam_value* hparams,
                           uint32_t hparam_count, uint64_t n_inputs,
                           uint64_t n_outputs, descent_model** out,
                           char* error);
  /* [instance] Frees the instance. NULL is allowed. */
  void (*destroy)(descent_model* self);

  /* [instance] Length of the parameter vector. */
  uint64_t (*param_count)(const descent_model* self);

  /* [instance] Fills `params` (param_count values) with the initial point.
   * Random inits must depend only on `seed`. */
  descent_status (*init)(descent_model* self, double* params, uint64_t n,
                         uint64_t seed);

  /* [instance] Computes `out` for `rows` inputs. May cache activations in
   * the instance for the next `backward`. */
  descent_status (*forward)(descent_model* self, const double* params,
                            const double* X, uint64_t rows, double* out);

  /* [instance] Gradient of the loss w.r.t. params, summed over the rows.
   * Must follow `forward` on the same instance with the same params, X and
   * rows. */
  descent_status (*backward)(descent_model* self, const double* params,
                             const double* X, uint64_t rows, const double* dout,
                             double* grad);

  /* [instance] As in optimizer.h. */
  const char* (*last_error)(const descent_model* self);

  /* ABI 1.1. [instance] `forward` and `backward` on float buffers. Either
   * both are set or both are NULL (the model computes in double only). A
   * model keeps separate caches per precision: backward_f32 follows
   * forward_f32. */
  descent_status (*forward_f32)(descent_model* self, const float* params,
                                const float* X, uint64_t rows, float* out);
  descent_status (*backward_f32)(descent_model* self, const float* params,
                                 const float* X, uint64_t rows,
                                 const float* dout, float* grad);
} descent_model_api;

/* Bytes of a 1.0 descent_model_api, the smallest struct_size a host
 * accepts. */
#define DESCENT_MODEL_API_V1_0_SIZE (offsetof(descent_model_api, forward_f32))

#ifdef __cplusplus
}
#endif

#endif
