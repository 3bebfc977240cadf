/* descent C ABI — self-describing hyperparameters.
 *
 * Each component lists its hyperparameters in its descriptor. The host
 * validates configs against the list, prints it (`descent plugins show`),
 * registers each one as a config/CLI key `<kind>.<name>`, and takes bounds
 * and scale from it for sweeps. At `create` the host passes one
 * descent_hparam_value per declared hyperparameter, in declaration order,
 * already checked against type and bounds. */
#ifndef DESCENT_ABI_HPARAM_H
#define DESCENT_ABI_HPARAM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t descent_hparam_type;
enum {
  DESCENT_HPARAM_REAL = 0,   /* double in [min, max] */
  DESCENT_HPARAM_INT = 1,    /* integral double in [min, max] */
  DESCENT_HPARAM_BOOL = 2,   /* 0 or 1 */
  DESCENT_HPARAM_CHOICE = 3, /* index into `choices` */
  DESCENT_HPARAM_TEXT = 4    /* free UTF-8 text, e.g. "128,64" */
};

/* Flags of a hyperparameter. */
enum {
  DESCENT_HPARAM_LOG_SCALE = 1u << 0 /* sweep it on a log scale (e.g. lr) */
};

typedef struct descent_hparam_desc {
  const char* name; /* [a-z0-9_]+, unique in its component */
  const char* doc;  /* one line, no trailing period needed */
  descent_hparam_type type;
  uint32_t flags;             /* DESCENT_HPARAM_* flags */
  double default_value;       /* number, 0/1, or choice index */
  double min_value;           /* inclusive; REAL and INT only */
  double max_value;           /* inclusive; REAL and INT only */
  const char* const* choices; /* CHOICE: `choice_count` names; else NULL */
  uint32_t choice_count;
  uint32_t reserved;        /* zero */
  const char* default_text; /* TEXT: the default; else NULL */
} descent_hparam_desc;

/* A resolved value. For TEXT the string is owned by the host and valid only
 * during the call it is passed to. */
typedef struct descent_hparam_value {
  double number;    /* REAL, INT, BOOL (0/1), CHOICE (index) */
  const char* text; /* TEXT; NULL otherwise */
} descent_hparam_value;

#ifdef __cplusplus
}
#endif

#endif
