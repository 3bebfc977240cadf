/* descent C ABI — the optimizer state blob.
 *
 * `state_save` writes this header followed by `payload_size` bytes. The
 * layout is fixed little-endian-native and never changes within a major ABI
 * version; plugins version their own payload with `payload_version`. The
 * checksum is 64-bit FNV-1a over the payload (FNV: Fowler, Noll, Vo;
 * offset basis 14695981039346656037, prime 1099511628211). */
#ifndef DESCENT_ABI_STATE_H
#define DESCENT_ABI_STATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DESCENT_STATE_MAGIC "DSCNTST" /* 7 chars + NUL = 8 bytes */
#define DESCENT_STATE_FORMAT_VERSION 1u
#define DESCENT_STATE_NAME_CAPACITY 64u

typedef struct descent_state_header {
  char magic[8];           /* DESCENT_STATE_MAGIC including its NUL */
  uint32_t format_version; /* DESCENT_STATE_FORMAT_VERSION */
  uint32_t header_size;    /* sizeof(descent_state_header) */
  char component[DESCENT_STATE_NAME_CAPACITY]; /* NUL-terminated name */
  uint32_t payload_version; /* the plugin's own state layout version */
  uint32_t dtype;           /* descent_dtype */
  uint64_t n_params;
  uint64_t payload_size; /* bytes after the header */
  uint64_t checksum;     /* FNV-1a 64 of the payload */
} descent_state_header;

#ifdef __cplusplus
}
#endif

#endif
