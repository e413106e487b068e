/* Private structures shared by the core, the readers, the generator and the
 * engines.  Nothing here is visible to users of include/snig.h. */
#ifndef SNIG_INTERNAL_H
#define SNIG_INTERNAL_H

#include "snig.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNIG_MAGIC_CTX 0x736e6347u     /* "snCG" */
#define SNIG_MAGIC_NETWORK 0x736e4e57u /* "snNW" */
#define SNIG_MAGIC_INPUTS 0x736e494eu  /* "snIN" */
#define SNIG_MAGIC_RESULT 0x736e5253u  /* "snRS" */

#define SNIG_ERRMSG_MAX 1024

struct snig_ctx {
    uint32_t magic;
    snig_allocator alloc;
    snig_status status;     /* first failure since the last clear */
    char *msg;              /* heap message, or NULL */
    const char *static_msg; /* used when msg could not be allocated */
    atomic_int cancel;      /* set by snig_cancel, possibly in a handler */
};

/* SNIG_CANCELLED (with its message) once snig_cancel was called on ctx,
 * else SNIG_OK; long loops call it between steps. */
snig_status snig__check_cancel(snig_ctx *ctx);

/* ---- errors: the first failure wins; returns s so callers can write
 *      `st = snig__error(ctx, SNIG_FORMAT, "%s:%llu: ...", ...)`. */
snig_status snig__error(snig_ctx *ctx, snig_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
snig_status snig__verror(snig_ctx *ctx, snig_status s, const char *fmt,
                         va_list ap);
/* 1 when h points to a live object with this magic. */
#define SNIG_VALID(h, m) ((h) != NULL && (h)->magic == (m))

/* ---- memory through the context's allocator.  snig__malloc and friends set
 *      SNIG_NOMEM on ctx when they fail. */
void *snig__malloc(snig_ctx *ctx, size_t size);
void *snig__calloc(snig_ctx *ctx, size_t n, size_t size);
void *snig__realloc(snig_ctx *ctx, void *p, size_t size);
void snig__free(snig_ctx *ctx, void *p);
/* Large aligned arrays (engines' buffers); freed with snig__free_aligned. */
void *snig__malloc_aligned(snig_ctx *ctx, size_t size);
void snig__free_aligned(snig_ctx *ctx, void *p);

/* ---- a network layer: W stored by input neuron (CSR rows of W), so that one
 *      input nonzero y_i scatters y_i * W[i, :] into the output row. */
typedef struct snig_layer {
    uint64_t nnz;
    const uint32_t *rowptr;  /* N + 1 offsets into col / val */
    const uint16_t *col16;   /* column indices when index16, else NULL */
    const uint32_t *col32;   /* column indices when !index16, else NULL */
    const float *val;        /* NULL: every value is `uniform` */
    float uniform;
    const float *bias;       /* NULL: every neuron has bias `bias_value` */
    float bias_value;
    bool has_bias;           /* bias recorded (binary) or set */
    /* Checksum verification of a memory-mapped layer, done once, over the
     * bytes [span, span + span_len) of the mapping. */
    const void *span;
    size_t span_len;
    uint32_t checksum;
    atomic_int verified;     /* 0 not yet, 1 good, -1 bad */
    /* Owned arrays (NULL when the layer points into a mapping). */
    void *own_rowptr, *own_col, *own_val, *own_bias;
} snig_layer;

struct snig_network {
    uint32_t magic;
    snig_ctx *ctx;           /* the context that loaded it (for allocation) */
    uint32_t neurons;
    uint32_t layers;
    bool index16;            /* every layer has col16 */
    snig_layer *layer;       /* layers entries */
    char *path;              /* for messages */
    /* Backing mapping of a binary file, or NULL. */
    void *map;
    size_t map_len;
};

/* Inputs: rows in CSR, 0-based columns, values as read. */
struct snig_inputs {
    uint32_t magic;
    snig_ctx *ctx;
    uint32_t neurons;
    uint64_t rows;
    uint64_t first_row;      /* global index of row 0 */
    uint64_t *rowptr;        /* rows + 1 */
    uint32_t *col;
    float *val;
    void *map;               /* when the arrays point into a mapping */
    size_t map_len;
};

struct snig_result {
    uint32_t magic;
    snig_ctx *ctx;
    char engine[32];
    uint64_t rows;           /* input rows */
    uint64_t first_row;
    uint32_t neurons;
    uint32_t layers;
    uint64_t edges;          /* of the layers run */
    uint8_t *alive;          /* rows entries, set by engines: 1 = nonzero */
    uint64_t *categories;    /* filled by snig_infer from alive */
    uint64_t ncategories;
    _Atomic uint64_t *live;  /* layers entries, rows alive after each layer */
    bool live_counted;
    _Atomic uint64_t madds;
    float *values;           /* keep_values: rows x neurons, else NULL */
    double seconds;
    int ranks;
    double *rank_seconds;    /* ranks entries */
};

/* Makes a result for `rows` rows (engines use this when they allocate one for
 * a sub-run, e.g. the MPI meta-engine). */
snig_status snig__result_new(snig_ctx *ctx, uint64_t rows, uint64_t first_row,
                             uint32_t neurons, uint32_t layers,
                             bool keep_values, snig_result **res);
/* Builds the sorted categories from alive[]. */
snig_status snig__result_finish(snig_ctx *ctx, snig_result *res);

/* ---- layer access for engines */

/* Makes sure layer l is readable and its checksum holds (memory-mapped
 * networks verify lazily); also advises the kernel to page it in.  Thread
 * safe.  Engines call it from their weight-preparation task. */
snig_status snig__layer_ready(snig_ctx *ctx, const snig_network *net,
                              uint32_t l);
/* Tells the kernel layer l may be dropped from memory (mapped networks). */
void snig__layer_release(const snig_network *net, uint32_t l);

/* ---- clock */
double snig__now(void);

/* ---- allocation-free network/inputs constructors used by readers and the
 *      generator: allocate a network of `layers` empty layers. */
snig_status snig__network_new(snig_ctx *ctx, uint32_t neurons, uint32_t layers,
                              const char *path, snig_network **net);
snig_status snig__inputs_new(snig_ctx *ctx, uint32_t neurons,
                             snig_inputs **in);

#endif /* SNIG_INTERNAL_H */
