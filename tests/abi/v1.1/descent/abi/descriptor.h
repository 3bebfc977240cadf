/* descent C ABI — what every component (optimizer, model, loss) says about
 * itself. Descriptors are static data owned by the plugin and valid for as
 * long as its library is loaded. */
#ifndef DESCENT_ABI_DESCRIPTOR_H
#define DESCENT_ABI_DESCRIPTOR_H

#include <stdint.h>

#include "hparam.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t descent_kind;
enum {
  DESCENT_KIND_OPTIMIZER = 0,
  DESCENT_KIND_MODEL = 1,
  DESCENT_KIND_LOSS = 2
};

typedef struct descent_descriptor {
  uint32_t struct_size; /* sizeof(descent_descriptor) of the plugin */
  descent_kind kind;
  const char* name;      /* [a-z0-9_]+, unique among loaded components */
  const char* version;   /* the component's own version, e.g. "1.0.0" */
  const char* doc;       /* one line shown by `descent plugins` */
  const char* reference; /* the paper or source of the method; may be "" */
  const descent_hparam_desc* hparams; /* `hparam_count` entries */
  uint32_t hparam_count;
  uint32_t reserved; /* zero */
} descent_descriptor;

/* Scalar element types of parameter buffers. */
typedef uint32_t descent_dtype;
enum { DESCENT_DTYPE_F32 = 0, DESCENT_DTYPE_F64 = 1 };

#ifdef __cplusplus
}
#endif

#endif
