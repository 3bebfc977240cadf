/* A plain-C optimizer plugin (plain SGD), compiled several times with
 * different defines into deliberately good and bad libraries for the host's
 * loading tests:
 *   TEST_NAME         component name (default "c_sgd")
 *   TEST_ABI_MAJOR    ABI major in the entry (default: this header's)
 *   TEST_ABI_MINOR    ABI minor in the entry (default: this header's)
 *   TEST_BAD_DEFAULT  declare lr with a default outside its bounds
 *   TEST_NO_ENTRY     export something, but not descent_entry
 *   TEST_STEP_SCALE   multiply every step by this (a "changed rebuild")
 * It also proves that the ABI is implementable in plain C11. */
#include <descent/abi/descent.h>

#include <stdlib.h>
#include <string.h>

#ifndef TEST_NAME
#define TEST_NAME "c_sgd"
#endif
#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR DESCENT_ABI_VERSION_MAJOR
#endif
#ifndef TEST_ABI_MINOR
#define TEST_ABI_MINOR DESCENT_ABI_VERSION_MINOR
#endif
#ifndef TEST_STEP_SCALE
#define TEST_STEP_SCALE 1
#endif
#ifdef TEST_BAD_DEFAULT
#define TEST_LR_DEFAULT -1.0
#else
#define TEST_LR_DEFAULT 0.01
#endif

struct descent_optimizer {
  uint64_t n;
  descent_dtype dtype;
};

static const descent_hparam_desc hparams[] = {
    {"lr", "learning rate", DESCENT_HPARAM_REAL, DESCENT_HPARAM_LOG_SCALE,
     TEST_LR_DEFAULT, 0.0, 10.0, NULL, 0, 0, NULL}};

static const descent_descriptor descriptor = {
    sizeof(descent_descriptor),
    DESCENT_KIND_OPTIMIZER,
    TEST_NAME,
    "0.1.0",
    "plain SGD written in C (test plugin)",
    "",
    hparams,
    1,
    0};

static descent_status create(const descent_hparam_value* values, uint32_t count,
                             uint64_t n, descent_dtype dtype,
                             descent_optimizer** out, char* error) {
  (void)values;
  if (count != 1) {
    strcpy(error, "expected 1 hyperparameter");
    return DESCENT_ERROR_INVALID_ARGUMENT;
  }
  *out = malloc(sizeof **out);
  if (*out == NULL) return DESCENT_ERROR_OUT_OF_MEMORY;
  (*out)->n = n;
  (*out)->dtype = dtype;
  return DESCENT_OK;
}

static void destroy(descent_optimizer* self) { free(self); }

static descent_status step_f32(descent_optimizer* self, float* w,
                               const float* g, uint64_t n, double lr,
                               uint64_t t) {
  (void)t;
  if (n != self->n) return DESCENT_ERROR_INVALID_ARGUMENT;
  for (uint64_t i = 0; i < n; ++i) w[i] -= (float)(TEST_STEP_SCALE * lr) * g[i];
  return DESCENT_OK;
}

static descent_status step_f64(descent_optimizer* self, double* w,
                               const double* g, uint64_t n, double lr,
                               uint64_t t) {
  (void)t;
  if (n != self->n) return DESCENT_ERROR_INVALID_ARGUMENT;
  for (uint64_t i = 0; i < n; ++i) w[i] -= TEST_STEP_SCALE * lr * g[i];
  return DESCENT_OK;
}

static descent_status reset(descent_optimizer* self) {
  (void)self;
  return DESCENT_OK;
}
static uint64_t state_size(const descent_optimizer* self) {
  (void)self;
  return 0;
}
static descent_status state_save(const descent_optimizer* self, void* buffer,
                                 uint64_t capacity, uint64_t* written) {
  (void)self, (void)buffer, (void)capacity;
  *written = 0;
  return DESCENT_OK;
}
static descent_status state_load(descent_optimizer* self, const void* buffer,
                                 uint64_t size) {
  (void)self, (void)buffer, (void)size;
  return DESCENT_OK;
}
static const char* last_error(const descent_optimizer* self) {
  (void)self;
  return "";
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

#ifdef TEST_NO_ENTRY
DESCENT_EXPORT int not_a_descent_plugin(void) {
  return get_optimizer(0) != NULL && get_model(0) == NULL &&
         get_loss(0) == NULL;
}
#else
DESCENT_DECLARE_ENTRY = {{TEST_ABI_MAJOR, TEST_ABI_MINOR, 0},
                         sizeof(descent_plugin_entry),
                         get_optimizer,
                         get_model,
                         get_loss};
#endif
