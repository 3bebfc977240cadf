/* A plain-C heavy-ball momentum optimizer, compiled once as a conformant
 * control and once per define into plugins that each break one promise of
 * optimizer.h / state.h, so that `descent check-plugin` can be shown to
 * catch exactly that:
 *   PLUGIN_NAME                 component name (required)
 *   BROKEN_UNCHECKED_BETA1      create() accepts any beta1 (declared [0, 1))
 *   BROKEN_EMPTY_STEP           step() refuses n = 0
 *   BROKEN_ZERO_GRADIENT_MOVES  a hidden decay moves w on a zero gradient
 *   BROKEN_IGNORES_STATE        state_load() checks the blob, keeps nothing
 *   BROKEN_NO_CHECKSUM          state_load() skips the checksum
 *   BROKEN_F32_STEP             the f32 step uses half the learning rate
 *   BROKEN_UPHILL               steps along +gradient
 *   BROKEN_PROPAGATES_NAN       no finiteness check on the gradient
 * Update per element: v <- beta1 v + g + weight_decay w;  w <- w - lr v.
 * The velocity is kept in double for both dtypes. */
#include <descent/abi/descent.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_VERSION 1u
#define HPARAM_COUNT 3u

struct descent_optimizer {
  uint64_t n;
  descent_dtype dtype;
  double beta1;
  double weight_decay;
  double* velocity; /* n values (one spare so that n = 0 allocates) */
  char error[256];
};

static const descent_hparam_desc hparams[HPARAM_COUNT] = {
    {"lr", "learning rate", DESCENT_HPARAM_REAL, DESCENT_HPARAM_LOG_SCALE, 0.01,
     0.0, 1e3, NULL, 0, 0, NULL},
    {"beta1", "decay of the velocity, in [0, 1)", DESCENT_HPARAM_REAL, 0, 0.9,
     0.0, 0x1.fffffffffffffp-1, NULL, 0, 0, NULL},
    {"weight_decay", "L2 penalty added to the gradient", DESCENT_HPARAM_REAL, 0,
     0.0, 0.0, 1e3, NULL, 0, 0, NULL}};

static const descent_descriptor descriptor = {
    sizeof(descent_descriptor),
    DESCENT_KIND_OPTIMIZER,
    PLUGIN_NAME,
    "0.1.0",
    "heavy-ball momentum in C (conformance test plugin)",
    "Polyak 1964",
    hparams,
    HPARAM_COUNT,
    0};

static descent_status fail(descent_optimizer* self, descent_status status,
                           const char* text) {
  snprintf(self->error, sizeof self->error, "%s", text);
  return status;
}

/* Why `values` do not suit the declaration, or NULL. */
static const char* invalid_hparams(const descent_hparam_value* values) {
  for (uint32_t i = 0; i < HPARAM_COUNT; ++i) {
    const double x = values[i].number;
#ifdef BROKEN_UNCHECKED_BETA1
    if (i == 1) continue; /* the bug: beta1 is trusted */
#endif
    if (!(x >= hparams[i].min_value && x <= hparams[i].max_value))
      return hparams[i].name; /* NaN fails the comparison too */
  }
  return NULL;
}

static descent_status create(const descent_hparam_value* values, uint32_t count,
                             uint64_t n, descent_dtype dtype,
                             descent_optimizer** out, char* error) {
  const char* bad;
  if (out == NULL) return DESCENT_ERROR_INVALID_ARGUMENT;
  *out = NULL;
  if (count != HPARAM_COUNT || values == NULL) {
    snprintf(error, DESCENT_ERROR_CAPACITY, "expected 3 hyperparameters");
    return DESCENT_ERROR_INVALID_ARGUMENT;
  }
  if (dtype != DESCENT_DTYPE_F32 && dtype != DESCENT_DTYPE_F64) {
    snprintf(error, DESCENT_ERROR_CAPACITY, "unknown dtype");
    return DESCENT_ERROR_UNSUPPORTED;
  }
  bad = invalid_hparams(values);
  if (bad != NULL) {
    snprintf(error, DESCENT_ERROR_CAPACITY, "%s: value out of bounds", bad);
    return DESCENT_ERROR_INVALID_ARGUMENT;
  }
  *out = calloc(1, sizeof **out);
  if (*out == NULL) return DESCENT_ERROR_OUT_OF_MEMORY;
  (*out)->velocity = calloc(n + 1, sizeof(double));
  if ((*out)->velocity == NULL) {
    free(*out);
    *out = NULL;
    return DESCENT_ERROR_OUT_OF_MEMORY;
  }
  (*out)->n = n;
  (*out)->dtype = dtype;
  (*out)->beta1 = values[1].number;
  (*out)->weight_decay = values[2].number;
  return DESCENT_OK;
}

static void destroy(descent_optimizer* self) {
  if (self == NULL) return;
  free(self->velocity);
  free(self);
}

static descent_status check_call(descent_optimizer* self, uint64_t n,
                                 descent_dtype dtype, uint64_t t) {
  if (n != self->n) return fail(self, DESCENT_ERROR_INVALID_ARGUMENT, "n");
  if (dtype != self->dtype)
    return fail(self, DESCENT_ERROR_INVALID_ARGUMENT, "dtype");
  if (t == 0) return fail(self, DESCENT_ERROR_INVALID_ARGUMENT, "t is 0");
#ifdef BROKEN_EMPTY_STEP
  if (n == 0) return fail(self, DESCENT_ERROR_INVALID_ARGUMENT, "n is 0");
#endif
  return DESCENT_OK;
}

/* The new value of w[i]. */
static double update(descent_optimizer* self, uint64_t i, double w, double g,
                     double lr) {
  double v = self->beta1 * self->velocity[i] + g + self->weight_decay * w;
  self->velocity[i] = v;
#ifdef BROKEN_ZERO_GRADIENT_MOVES
  v += 1e-4 * w; /* the bug: a decay nobody asked for */
#endif
#ifdef BROKEN_UPHILL
  v = -v;
#endif
  return w - lr * v;
}

static descent_status non_finite(descent_optimizer* self) {
  return fail(self, DESCENT_ERROR_NON_FINITE,
              "the gradient holds NaN or Inf; nothing changed");
}

/* False if the gradient holds NaN or Inf. */
static int all_finite_f32(const float* g, uint64_t n) {
#ifdef BROKEN_PROPAGATES_NAN
  (void)g, (void)n;
  return 1; /* the bug: NaN goes straight into w and the velocity */
#else
  for (uint64_t i = 0; i < n; ++i)
    if (!isfinite(g[i])) return 0;
  return 1;
#endif
}

static int all_finite_f64(const double* g, uint64_t n) {
#ifdef BROKEN_PROPAGATES_NAN
  (void)g, (void)n;
  return 1;
#else
  for (uint64_t i = 0; i < n; ++i)
    if (!isfinite(g[i])) return 0;
  return 1;
#endif
}

static descent_status step_f32(descent_optimizer* self, float* w,
                               const float* g, uint64_t n, double lr,
                               uint64_t t) {
  const descent_status s = check_call(self, n, DESCENT_DTYPE_F32, t);
  if (s != DESCENT_OK) return s;
#ifdef BROKEN_F32_STEP
  lr *= 0.5;
#endif
  if (!all_finite_f32(g, n)) return non_finite(self);
  for (uint64_t i = 0; i < n; ++i)
    w[i] = (float)update(self, i, w[i], g[i], lr);
  return DESCENT_OK;
}

static descent_status step_f64(descent_optimizer* self, double* w,
                               const double* g, uint64_t n, double lr,
                               uint64_t t) {
  const descent_status s = check_call(self, n, DESCENT_DTYPE_F64, t);
  if (s != DESCENT_OK) return s;
  if (!all_finite_f64(g, n)) return non_finite(self);
  for (uint64_t i = 0; i < n; ++i) w[i] = update(self, i, w[i], g[i], lr);
  return DESCENT_OK;
}

static descent_status reset(descent_optimizer* self) {
  memset(self->velocity, 0, (self->n + 1) * sizeof(double));
  return DESCENT_OK;
}

/* ---- state blob: descent_state_header + n doubles ------------------------ */

static uint64_t fnv1a64(const void* data, uint64_t size) {
  const unsigned char* bytes = data;
  uint64_t hash = 14695981039346656037ULL;
  for (uint64_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

static uint64_t payload_size(const descent_optimizer* self) {
  return self->n * sizeof(double);
}

static uint64_t state_size(const descent_optimizer* self) {
  return sizeof(descent_state_header) + payload_size(self);
}

static descent_status state_save(const descent_optimizer* self, void* buffer,
                                 uint64_t capacity, uint64_t* written) {
  descent_state_header header;
  if (buffer == NULL || capacity < state_size(self))
    return fail((descent_optimizer*)self, DESCENT_ERROR_INVALID_ARGUMENT,
                "state buffer too small");
  memset(&header, 0, sizeof header);
  memcpy(header.magic, DESCENT_STATE_MAGIC, sizeof header.magic);
  header.format_version = DESCENT_STATE_FORMAT_VERSION;
  header.header_size = sizeof header;
  strncpy(header.component, PLUGIN_NAME, DESCENT_STATE_NAME_CAPACITY - 1);
  header.payload_version = PAYLOAD_VERSION;
  header.dtype = self->dtype;
  header.n_params = self->n;
  header.payload_size = payload_size(self);
  header.checksum = fnv1a64(self->velocity, payload_size(self));
  memcpy(buffer, &header, sizeof header);
  memcpy((unsigned char*)buffer + sizeof header, self->velocity,
         payload_size(self));
  if (written != NULL) *written = state_size(self);
  return DESCENT_OK;
}

/* Why the blob does not belong to `self`, or NULL. */
static const char* blob_mismatch(const descent_optimizer* self,
                                 const void* buffer, uint64_t size) {
  descent_state_header h;
  if (buffer == NULL || size < sizeof h) return "shorter than its header";
  memcpy(&h, buffer, sizeof h);
  h.component[DESCENT_STATE_NAME_CAPACITY - 1] = '\0';
  if (memcmp(h.magic, DESCENT_STATE_MAGIC, sizeof h.magic) != 0 ||
      h.format_version != DESCENT_STATE_FORMAT_VERSION ||
      h.header_size != sizeof h)
    return "not a descent state blob";
  if (strcmp(h.component, PLUGIN_NAME) != 0 ||
      h.payload_version != PAYLOAD_VERSION)
    return "made by another optimizer";
  if (h.dtype != self->dtype || h.n_params != self->n ||
      h.payload_size != payload_size(self) ||
      size != sizeof h + payload_size(self))
    return "made for another dtype or size";
#ifndef BROKEN_NO_CHECKSUM
  if (fnv1a64((const unsigned char*)buffer + sizeof h, h.payload_size) !=
      h.checksum)
    return "checksum mismatch";
#endif
  return NULL;
}

static descent_status state_load(descent_optimizer* self, const void* buffer,
                                 uint64_t size) {
  const char* why = blob_mismatch(self, buffer, size);
  if (why != NULL) return fail(self, DESCENT_ERROR_BAD_STATE, why);
#ifndef BROKEN_IGNORES_STATE
  memcpy(self->velocity,
         (const unsigned char*)buffer + sizeof(descent_state_header),
         payload_size(self));
#endif
  return DESCENT_OK;
}

static const char* last_error(const descent_optimizer* self) {
  return self->error;
}

static const descent_optimizer_api api = {sizeof(descent_optimizer_api),
                                          0,
                                          &descriptor,
                                          create,
                                          destroy,
                                          step_f32,
                                          step_f64,
                                          reset,
                                          state_size,
                                          state_save,
                                          state_load,
                                          last_error};

static const descent_optimizer_api* get_optimizer(uint32_t index) {
  return index == 0 ? &api : NULL;
}
static const descent_model_api* get_model(uint32_t index) {
  (void)index;
  return NULL;
}
static const descent_loss_api* get_loss(uint32_t index) {
  (void)index;
  return NULL;
}

DESCENT_DECLARE_ENTRY = {DESCENT_ABI_VERSION_INIT, sizeof(descent_plugin_entry),
                         get_optimizer, get_model, get_loss};
