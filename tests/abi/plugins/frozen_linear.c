/* frozen_linear — linear regression, out = X W^T + b, in plain C11 against
 * the frozen v1.0 headers in tests/abi/v1.0/ (no SDK), as a model plugin
 * built before ABI 1.1 would have been.
 *
 * ABI 1.1 appended forward_f32/backward_f32 to descent_model_api. This
 * plugin's struct ends before them (struct_size 72), so a 1.1 host must see
 * "no float32 path", train it in double and refuse trainer.dtype = f32 with
 * an error rather than read past the struct. To make reading past it fail
 * loudly instead of by luck, the struct is followed in memory by two
 * non-NULL pointers where 1.1 puts forward_f32/backward_f32; they abort().
 *
 * Parameters: W (n_outputs x n_inputs, row-major), then b (n_outputs) —
 * the layout of the built-in `linear`, so the two train alike. */
#include <descent/abi/descent.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if DESCENT_ABI_VERSION_MAJOR != 1 || DESCENT_ABI_VERSION_MINOR != 0
#error "frozen_linear.c must be built against the frozen v1.0 headers"
#endif

#define COMPONENT "frozen_linear"
#define HPARAM_COUNT 1u

struct descent_model {
  uint64_t n_inputs;
  uint64_t n_outputs;
  double init_scale;
  char error[256];
};

static const descent_hparam_desc hparams[HPARAM_COUNT] = {
    {"init_scale", "half-width of the uniform initial weights; 0 = all zeros",
     DESCENT_HPARAM_REAL, 0, 0.0, 0.0, 1e3, NULL, 0, 0, NULL}};

static const descent_descriptor descriptor = {
    sizeof(descent_descriptor),
    DESCENT_KIND_MODEL,
    COMPONENT,
    "1.0.0",
    "linear regression against the frozen v1.0 headers (ABI test plugin)",
    "Legendre 1805 / Gauss 1809, method of least squares",
    hparams,
    HPARAM_COUNT,
    0};

static descent_status fail(descent_model* self, descent_status status,
                           const char* text) {
  snprintf(self->error, sizeof self->error, "%s", text);
  return status;
}

static uint64_t count_of(const descent_model* self) {
  return self->n_outputs * (self->n_inputs + 1);
}

static descent_status create(const descent_hparam_value* values, uint32_t count,
                             uint64_t n_inputs, uint64_t n_outputs,
                             descent_model** out, char* error) {
  if (out == NULL) return DESCENT_ERROR_INVALID_ARGUMENT;
  *out = NULL;
  if (count != HPARAM_COUNT || values == NULL) {
    snprintf(error, DESCENT_ERROR_CAPACITY, "expected 1 hyperparameter");
    return DESCENT_ERROR_INVALID_ARGUMENT;
  }
  if (!(values[0].number >= hparams[0].min_value &&
        values[0].number <= hparams[0].max_value)) {
    snprintf(error, DESCENT_ERROR_CAPACITY, "init_scale: value out of bounds");
    return DESCENT_ERROR_INVALID_ARGUMENT;
  }
  /* A data model; the parameter count must not overflow (2^32 is far
   * beyond any feature count the host would pass). */
  if (n_inputs == 0 || n_outputs == 0 || n_inputs >= (1ull << 32) ||
      n_outputs >= (1ull << 31)) {
    snprintf(error, DESCENT_ERROR_CAPACITY,
             "n_inputs and n_outputs must be in [1, 2^31)");
    return DESCENT_ERROR_INVALID_ARGUMENT;
  }
  *out = calloc(1, sizeof **out);
  if (*out == NULL) return DESCENT_ERROR_OUT_OF_MEMORY;
  (*out)->n_inputs = n_inputs;
  (*out)->n_outputs = n_outputs;
  (*out)->init_scale = values[0].number;
  return DESCENT_OK;
}

static void destroy(descent_model* self) { free(self); }

static uint64_t param_count(const descent_model* self) {
  return count_of(self);
}

/* splitmix64 (Steele, Lea, Flood 2014): a few lines, and the init then
 * depends on nothing but the seed, as model.h requires. */
static uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static descent_status init(descent_model* self, double* params, uint64_t n,
                           uint64_t seed) {
  uint64_t state = seed;
  const uint64_t weights = self->n_outputs * self->n_inputs;
  if (params == NULL || n != count_of(self))
    return fail(self, DESCENT_ERROR_INVALID_ARGUMENT,
                "init: params must hold param_count() values");
  memset(params, 0, n * sizeof *params);
  if (self->init_scale == 0.0) return DESCENT_OK;
  for (uint64_t i = 0; i < weights; ++i) {
    /* 53 random bits -> [0, 1) -> [-scale, scale) */
    const double u = (double)(splitmix64(&state) >> 11) * 0x1.0p-53;
    params[i] = self->init_scale * (2.0 * u - 1.0);
  }
  return DESCENT_OK;
}

static descent_status check_buffers(descent_model* self, const double* params,
                                    const double* X, uint64_t rows,
                                    const double* rows_buffer) {
  if (params == NULL)
    return fail(self, DESCENT_ERROR_INVALID_ARGUMENT, "params is NULL");
  if (rows > 0 && (X == NULL || rows_buffer == NULL))
    return fail(self, DESCENT_ERROR_INVALID_ARGUMENT,
                "X, out, dout must not be NULL when rows > 0");
  return DESCENT_OK;
}

static descent_status forward(descent_model* self, const double* params,
                              const double* X, uint64_t rows, double* out) {
  const uint64_t ni = self->n_inputs, no = self->n_outputs;
  const descent_status s = check_buffers(self, params, X, rows, out);
  const double* b;
  if (s != DESCENT_OK) return s;
  b = params + no * ni;
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t o = 0; o < no; ++o) {
      double sum = b[o];
      for (uint64_t i = 0; i < ni; ++i)
        sum += params[o * ni + i] * X[r * ni + i];
      out[r * no + o] = sum;
    }
  return DESCENT_OK;
}

/* The model is linear in its parameters, so backward needs no cache from
 * forward: dW = dout^T X, db = the column sums of dout. */
static descent_status backward(descent_model* self, const double* params,
                               const double* X, uint64_t rows,
                               const double* dout, double* grad) {
  const uint64_t ni = self->n_inputs, no = self->n_outputs;
  const descent_status s = check_buffers(self, params, X, rows, dout);
  if (s != DESCENT_OK) return s;
  if (grad == NULL)
    return fail(self, DESCENT_ERROR_INVALID_ARGUMENT, "grad is NULL");
  memset(grad, 0, count_of(self) * sizeof *grad);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t o = 0; o < no; ++o) {
      const double d = dout[r * no + o];
      for (uint64_t i = 0; i < ni; ++i) grad[o * ni + i] += d * X[r * ni + i];
      grad[no * ni + o] += d;
    }
  return DESCENT_OK;
}

static const char* last_error(const descent_model* self) { return self->error; }

/* What a host would call if it took the bytes after a 1.0 struct for 1.1's
 * forward_f32/backward_f32. */
static descent_status trap_forward_f32(descent_model* self, const float* params,
                                       const float* X, uint64_t rows,
                                       float* out) {
  (void)self, (void)params, (void)X, (void)rows, (void)out;
  fputs(COMPONENT ": the host read past a v1.0 descent_model_api\n", stderr);
  abort();
}
static descent_status trap_backward_f32(descent_model* self,
                                        const float* params, const float* X,
                                        uint64_t rows, const float* dout,
                                        float* grad) {
  (void)self, (void)params, (void)X, (void)rows, (void)dout, (void)grad;
  fputs(COMPONENT ": the host read past a v1.0 descent_model_api\n", stderr);
  abort();
}

/* The api, then the poison: with 8-byte pointers `trap` starts exactly at
 * sizeof(descent_model_api) of 1.0, where 1.1 put forward_f32. */
static const struct {
  descent_model_api api;
  struct {
    descent_status (*forward_f32)(descent_model*, const float*, const float*,
                                  uint64_t, float*);
    descent_status (*backward_f32)(descent_model*, const float*, const float*,
                                   uint64_t, const float*, float*);
  } trap;
} block = {{sizeof(descent_model_api), 0, &descriptor, create, destroy,
            param_count, init, forward, backward, last_error},
           {trap_forward_f32, trap_backward_f32}};

static const descent_optimizer_api* get_optimizer(uint32_t index) {
  (void)index;
  return NULL;
}
static const descent_model_api* get_model(uint32_t index) {
  return index == 0 ? &block.api : NULL;
}
static const descent_loss_api* get_loss(uint32_t index) {
  (void)index;
  return NULL;
}

DESCENT_DECLARE_ENTRY = {DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),
                         get_optimizer, get_model, get_loss};
