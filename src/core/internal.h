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
#define SNIG_MAGIC_PLAN 0x736e504cu    /* "snPL" */

#define SNIG_ERRMSG_MAX 1024

struct snig_ctx {
    uint32_t magic;
    snig_allocator alloc;
    snig_status status;     /* first failure of the current call */
    char *msg;              /* heap message, or NULL */
    const char *static_msg; /* used when msg could not be allocated */
    atomic_int cancel;      /* set by snig_cancel, possibly in a handler */
    atomic_flag err_lock;   /* engines' threads may fail at once */
    snig_progress_fn progress_fn;
    void *progress_user;
    _Atomic uint64_t progress_last_ns;  /* rate limit of snig__progress */
    atomic_flag progress_busy;          /* one report at a time */
};

/* Every public call that takes a context starts with this: forgets the
 * message of the previous call (not a pending cancellation). */
void snig__enter(snig_ctx *ctx);

/* Copies the message of the current failure into buf and forgets it (a
 * failure that is handled, e.g. an engine passed over by "auto"). */
void snig__error_take(snig_ctx *ctx, char *buf, size_t len);

/* A private context with ctx's allocator (no message, no callbacks): each
 * handle keeps one, so that it can be freed after ctx.  NULL when out of
 * memory (and SNIG_NOMEM set on ctx). */
snig_ctx *snig__ctx_clone(snig_ctx *ctx);

/* SNIG_CANCELLED (with its message) once snig_cancel was called on ctx,
 * else SNIG_OK; long loops call it between steps. */
snig_status snig__check_cancel(snig_ctx *ctx);

/* Reports progress through the program's callback, at most every 0.1 s
 * unless done == total (the end of a phase); any thread. */
void snig__progress(snig_ctx *ctx, const char *phase, uint64_t done,
                    uint64_t total, uint64_t rows_alive, double start);

/* ---- errors: the first failure of a call wins; returns s so callers can
 *      write `st = snig__error(ctx, SNIG_FORMAT, "%s:%llu: ...", ...)`. */
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
    uint32_t n_in, n_out;    /* N and N for the challenge's layers */
    uint8_t bias_rule;       /* snig_bias_rule */
    uint8_t activation;      /* snig_activation */
    float cap;               /* SNIG_ACT_RELU_CAP */
    uint64_t nnz;
    const uint32_t *rowptr;  /* n_in + 1 offsets into col / val */
    const uint16_t *col16;   /* column indices when index16, else NULL */
    const uint32_t *col32;   /* column indices when !index16, else NULL */
    const float *val;        /* NULL: every value is `uniform` */
    float uniform;
    const float *bias;       /* NULL: every neuron has bias `bias_value` */
    float bias_value;
    bool has_bias;           /* bias recorded (binary) or set */
    /* A layer of a binary file loaded lazily (verify = 0) is read, checked
     * and kept in memory by net->fetch the first time snig__layer_ready
     * sees it: SNIG_LAYER_UNREAD, then SNIG_LAYER_READING (one thread reads
     * it, the others wait), then SNIG_LAYER_GOOD, or minus the status of
     * the failure (a negative number). */
    atomic_int verified;
    /* Until then, what waits in the file (for snig_network_layer_info). */
    bool values_stored, bias_stored;
    /* Owned arrays (the arrays may point into own_rowptr, one block). */
    void *own_rowptr, *own_col, *own_val, *own_bias;
} snig_layer;

struct snig_network {
    uint32_t magic;
    snig_ctx *ctx;           /* private, for allocation (snig__ctx_clone) */
    atomic_int refs;         /* the user's handle and each plan */
    uint32_t neurons;        /* layer 0's n_in */
    uint32_t layers;
    bool index16;            /* every layer has col16 */
    snig_layer *layer;       /* layers entries */
    char *path;              /* for messages */
    /* Where unread layers come from (a binary file), or NULL: fetch reads
     * layer l into its owned arrays and checks its checksum and structure;
     * source_free closes the source (io/snb_reader.c). */
    void *source;
    snig_status (*fetch)(snig_ctx *ctx, const snig_network *net, uint32_t l);
    void (*source_free)(snig_ctx *net_ctx, void *source);
};

#define SNIG_LAYER_UNREAD 0
#define SNIG_LAYER_GOOD 1
#define SNIG_LAYER_READING 2

/* Inputs: rows in CSR, 0-based columns, values as read. */
struct snig_inputs {
    uint32_t magic;
    snig_ctx *ctx;           /* private, for allocation */
    bool borrowed;           /* rowptr and col belong to the caller */
    uint32_t neurons;
    uint64_t rows;
    uint64_t first_row;      /* global index of row 0 */
    uint64_t *rowptr;        /* rows + 1 */
    uint32_t *col;
    float *val;              /* always the handle's own */
};

struct snig_result {
    uint32_t magic;
    snig_ctx *ctx;           /* private, for allocation */
    char engine[32];
    char fallback[256];      /* why auto did not run an earlier engine */
    uint64_t rows;           /* input rows */
    uint64_t first_row;
    uint32_t neurons;        /* columns of the final Y (values' stride) */
    uint32_t layers;
    uint64_t edges;          /* of the layers run */
    uint8_t *alive;          /* rows entries, set by engines: 1 = nonzero */
    uint64_t *categories;    /* filled by snig_infer from alive */
    uint64_t ncategories;
    _Atomic uint64_t *live;  /* layers entries, rows alive after each layer */
    bool live_counted;
    _Atomic uint64_t madds;
    /* Per layer, filled by engines that count them (layer_counted). */
    _Atomic uint64_t *layer_madds;
    _Atomic uint64_t *layer_ns;      /* nanoseconds summed over threads */
    double *layer_seconds;           /* made from layer_ns at the end */
    bool layer_counted;
    float *values;           /* keep_values: rows x neurons, else NULL */
    uint64_t *values_rowptr; /* values as CSR, made at the end */
    uint32_t *values_col;
    float *values_val;
    double seconds;
    double prepare_seconds;
    double kernel_seconds;   /* engines that time their device work, else 0 */
    char engine_info[768];   /* a JSON object of the engine's figures, or "" */
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

/* ---- layers */

/* Columns of the output of the first `layers` layers (the last one's n_out;
 * net->neurons when layers == 0). */
uint32_t snig__network_outputs(const snig_network *net, uint32_t layers);
/* 1 when the first `layers` layers are the challenge's kind: every layer
 * N x N with the network's N, bias rule NONZERO, activation RELU_CAP 32. */
bool snig__network_is_square(const snig_network *net, uint32_t layers);
/* Sets a layer's shape and the challenge's rule (NONZERO, RELU_CAP 32). */
void snig__layer_init(snig_layer *L, uint32_t n_in, uint32_t n_out);
/* Checks one layer's structure: offsets from 0 to nnz, never decreasing,
 * columns < n_out, finite values and biases.  `what` names it in the
 * message ("path: layer 3"). */
snig_status snig__layer_check(snig_ctx *ctx, const snig_layer *L,
                              const char *what);

/* ---- layer access for engines */

/* Makes sure layer l is in memory, its checksum holds and its structure is
 * sound (snig__layer_check): binary files loaded with verify = 0 are read
 * and checked here, once, the first time a layer is used.  Thread safe.
 * Engines call it before they touch a layer. */
snig_status snig__layer_ready(snig_ctx *ctx, const snig_network *net,
                              uint32_t l);

/* ---- clock */
double snig__now(void);

/* ---- network/inputs constructors used by readers and the generator:
 *      a network of `layers` empty N x N layers of the challenge's rule. */
snig_status snig__network_new(snig_ctx *ctx, uint32_t neurons, uint32_t layers,
                              const char *path, snig_network **net);
snig_status snig__inputs_new(snig_ctx *ctx, uint32_t neurons,
                             snig_inputs **in);

#endif /* SNIG_INTERNAL_H */
