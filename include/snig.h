/* snig: inference of large sparse deep neural networks (Sparse DNN Graph
 * Challenge), after SNIG (Lin and Huang, HPEC 2020).
 *
 * The one public header.  Every object is an opaque handle created from a
 * context; the context keeps the message of the last failure ("file:line:
 * what is wrong"), so no call takes a message buffer.  A context is not
 * shared between threads; the library has no global mutable state.
 *
 * Ownership: a function that creates a handle gives it to the caller, who
 * frees it with the matching *_free(&h); *_free accepts NULL and sets the
 * pointer to NULL.  Other handle arguments are borrowed.
 */
#ifndef SNIG_H
#define SNIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNIG_VERSION "0.1.0"

/* One list makes both the enum and snig_status_str(). */
#define SNIG_STATUS_MAP(X)                                               \
    X(OK, "success")                                                     \
    X(USAGE, "invalid argument")                                         \
    X(IO, "cannot open, read or write a file")                           \
    X(FORMAT, "malformed input")                                         \
    X(RANGE, "index out of range")                                       \
    X(SIZE, "sizes do not match")                                        \
    X(CORRUPT, "corrupt or truncated binary file")                       \
    X(MISSING, "missing layer or file")                                  \
    X(NOMEM, "out of memory")                                            \
    X(UNSUPPORTED, "not supported by this build or engine")              \
    X(ENGINE, "engine failure")                                          \
    X(CANCELLED, "interrupted")                                          \
    X(INTERNAL, "internal error")

typedef enum snig_status {
#define SNIG_STATUS_ENUM(name, text) SNIG_##name,
    SNIG_STATUS_MAP(SNIG_STATUS_ENUM)
#undef SNIG_STATUS_ENUM
    SNIG_STATUS_COUNT
} snig_status;

/* A static, never NULL, name of a status ("malformed input"). */
const char *snig_status_str(snig_status s);

/* ------------------------------------------------------------------ context */

typedef struct snig_ctx snig_ctx;

/* Allocation hooks, so tests can make the n-th allocation fail.  NULL members
 * mean the C library's malloc/realloc/free. */
typedef struct snig_allocator {
    void *(*malloc_fn)(size_t size, void *user);
    void *(*realloc_fn)(void *p, size_t size, void *user);
    void (*free_fn)(void *p, void *user);
    void *user;
} snig_allocator;

/* out: *ctx, owned by the caller.  alloc may be NULL; it is copied. */
snig_status snig_ctx_new(snig_ctx **ctx, const snig_allocator *alloc);
void snig_ctx_free(snig_ctx **ctx);
/* The message of the last failure on ctx, "" when there was none.  Owned by
 * ctx, valid until the next call on ctx. */
const char *snig_errmsg(const snig_ctx *ctx);
/* Forget the last failure (and a cancellation). */
void snig_clear_error(snig_ctx *ctx);
/* Asks the long calls running on ctx (loading, generating, converting,
 * inference) to stop: they return SNIG_CANCELLED soon, after removing any
 * file they were writing.  Safe from a signal handler or another thread. */
void snig_cancel(snig_ctx *ctx);

/* Seconds on a monotonic clock, for timing loads. */
double snig_now(void);

/* ------------------------------------------------------------------ network */

typedef struct snig_network snig_network;

typedef struct snig_load_options {
    uint32_t layers;     /* 0: every layer found; else the first `layers` layers
                            (SNIG_MISSING when fewer exist) */
    uint32_t neurons;    /* 0: deduce; else required N (needed for TSV inputs) */
    uint64_t row_first;  /* inputs only: first row kept (0-based) */
    uint64_t row_count;  /* inputs only: rows kept, 0 = to the end */
    int verify;          /* binary files: check every checksum at load (1) or
                            when a layer is first used (0) */
} snig_load_options;

void snig_load_options_init(snig_load_options *o);

/* Loads a network from: a directory of official layer files nN-lK.tsv (or
 * .tsv.gz), the official archive neuronN.tar.gz (streamed), a Matrix Market
 * file (one layer), or snig's binary format (.snb, memory-mapped).  The kind
 * is found from the path and the file's first bytes. */
snig_status snig_network_load(snig_ctx *ctx, const char *path,
                              const snig_load_options *opt, snig_network **net);
void snig_network_free(snig_network **net);

uint32_t snig_network_neurons(const snig_network *net);
uint32_t snig_network_layers(const snig_network *net);
uint64_t snig_network_edges(const snig_network *net);   /* all layers */
/* The bias recorded in the file for layer 0; returns 0 and leaves *bias alone
 * when none is recorded (TSV, Matrix Market). */
int snig_network_recorded_bias(const snig_network *net, float *bias);
/* The official bias for N (1024 → -0.3, ...); returns 0 for other N. */
int snig_official_bias(uint32_t neurons, float *bias);
/* Sets one bias value for every neuron of every layer (replacing any). */
snig_status snig_network_set_bias(snig_network *net, float bias);

/* ------------------------------------------------------------------- inputs */

typedef struct snig_inputs snig_inputs;

/* Loads input rows from official sparse-images-N.tsv[.gz], Matrix Market, or
 * binary.  TSV and Matrix Market need opt->neurons for the column count
 * unless the file says it. */
snig_status snig_inputs_load(snig_ctx *ctx, const char *path,
                             const snig_load_options *opt, snig_inputs **in);
void snig_inputs_free(snig_inputs **in);
uint64_t snig_inputs_rows(const snig_inputs *in);
uint32_t snig_inputs_neurons(const snig_inputs *in);
uint64_t snig_inputs_nonzeros(const snig_inputs *in);
/* Global index of the first row held (row_first of the load). */
uint64_t snig_inputs_first_row(const snig_inputs *in);

/* ------------------------------------------------------------------- truth */

/* Reads a truth file: one 1-based row index per line.  out: *rows (1-based,
 * sorted, caller frees with snig_free) and *count. */
snig_status snig_truth_load(snig_ctx *ctx, const char *path, uint64_t **rows,
                            uint64_t *count);
void snig_free(snig_ctx *ctx, void *p);

/* ------------------------------------------------------------------ binary */

/* Writes the network (its first `layers` layers, 0 = all) or the inputs in
 * snig's binary format, atomically: temporary file, then rename. */
snig_status snig_network_save(snig_ctx *ctx, const snig_network *net,
                              const char *path);
snig_status snig_inputs_save(snig_ctx *ctx, const snig_inputs *in,
                             const char *path);

typedef struct snig_file_info {
    char kind[16];        /* "network", "inputs" */
    char format[16];      /* "snb", "tsv", "tar.gz", "mtx", ... */
    uint32_t neurons;
    uint32_t layers;      /* networks */
    uint64_t rows;        /* inputs */
    uint64_t nonzeros;
    int index_bits;       /* 16 or 32 */
    int checksums_ok;     /* 1 every checksum holds, 0 not, -1 no checksums */
    int has_bias;
    float bias;           /* layer 0, neuron 0 */
    int per_neuron_bias;
    int uniform_values;   /* every layer stores no value array */
} snig_file_info;

/* Describes a file; checks every checksum of a binary file. */
snig_status snig_file_info_get(snig_ctx *ctx, const char *path,
                               snig_file_info *info);

/* ---------------------------------------------------------------- inference */

typedef struct snig_options {
    const char *engine;      /* "auto" (default), "reference", "cpu", "cuda",
                                "mpi" */
    const char *local_engine;/* mpi: the engine each rank runs ("auto") */
    int threads;             /* 0: every core */
    uint32_t batch;          /* rows per batch, 0: engine default */
    uint32_t layers;         /* 0: every layer of the network */
    int has_bias;            /* 1: `bias` for every neuron of every layer, */
    float bias;              /*    in place of the network's own */
    int shortcuts;           /* 1 (default): exact shortcuts on */
    int keep_values;         /* 1: the result keeps the final Y (tests) */
    int progress;            /* -1 (default): on when stderr is a terminal */
    int gpus;                /* cuda: 0 = all */
    int weight_buffers;      /* cuda: 0 = default */
    uint64_t gpu_memory;     /* cuda: byte cap, 0 = none */
    int broadcast_weights;   /* mpi */
    int dynamic;             /* mpi: rank 0 hands out batches */
} snig_options;

void snig_options_init(snig_options *o);

typedef struct snig_result snig_result;

/* Runs the network on the inputs.  out: *res, owned by the caller.  The bias
 * is opt->bias when opt->has_bias, else the network's (snig_network_set_bias
 * or recorded in the file), else the official value for N; SNIG_USAGE when
 * none is known. */
snig_status snig_infer(snig_ctx *ctx, const snig_network *net,
                       const snig_inputs *in, const snig_options *opt,
                       snig_result **res);
void snig_result_free(snig_result **res);

/* Categories: 1-based global row indices of the rows of the final Y that are
 * not all zero, sorted.  The pointer is owned by res. */
const uint64_t *snig_result_categories(const snig_result *res, uint64_t *count);
const char *snig_result_engine(const snig_result *res);
double snig_result_seconds(const snig_result *res);   /* inference only */
uint32_t snig_result_layers(const snig_result *res);
/* Edges of the layers that ran (the challenge's rate is rows x edges / s). */
uint64_t snig_result_edges(const snig_result *res);
/* Rows still nonzero after each layer (array of snig_result_layers), or NULL
 * when the engine did not count them. */
const uint64_t *snig_result_live_rows(const snig_result *res);
/* Multiply-adds actually done (not skipped), 0 when not counted. */
uint64_t snig_result_madds(const snig_result *res);
/* With keep_values: the final row `row` (0-based, local) as N floats, or NULL
 * when the row is zero or values were not kept. */
const float *snig_result_row(const snig_result *res, uint64_t row);
/* Per-rank timing (mpi); 1 and the local time otherwise. */
int snig_result_ranks(const snig_result *res);
double snig_result_rank_seconds(const snig_result *res, int rank);

/* Writes the categories, one 1-based row per line (the official truth
 * format), atomically. */
snig_status snig_result_write_categories(snig_ctx *ctx, const snig_result *res,
                                         const char *path);

/* Compares categories with a truth list, on the rows the inputs hold: a truth
 * row outside [first_row+1, first_row+rows] is ignored.  Returns 1 equal, 0
 * not; *missing and *extra count the differences. */
int snig_check_truth(const snig_result *res, const snig_inputs *in,
                     const uint64_t *truth, uint64_t truth_count,
                     uint64_t *missing, uint64_t *extra);

/* ------------------------------------------------------------------ engines */

/* The name of the i-th engine built in (0, 1, ...), NULL past the last. */
const char *snig_engine_name(size_t i);
/* A one-line description, NULL for an unknown name. */
const char *snig_engine_summary(const char *name);
/* 1 when the engine can run here (cuda: a device is present). */
int snig_engine_available(const char *name);
/* The engine "auto" stands for on this machine. */
const char *snig_engine_auto(void);

/* ------------------------------------------------------ several processes */

/* One run may span several processes (ranks) started by a launcher (mpirun,
 * srun): the distributed engine ("mpi" when built) splits the input rows
 * among the ranks, runs snig_options.local_engine on each and gathers the
 * categories on rank 0, whose result then covers every row (the other
 * ranks' results cover their own rows).  Without a distributed engine, or
 * in a process not started by a launcher, there is one rank and these calls
 * do the plain thing at no cost.  The calls marked collective must be made
 * by every rank in the same order; they return on every rank even when one
 * rank fails. */

/* Once per process, before the other snig_dist_* calls: joins the
 * launcher's ranks when there is one.  out: *rank (0-based), *size. */
snig_status snig_dist_init(snig_ctx *ctx, int *rank, int *size);
/* Once per process, at the end, on every path (also after failures). */
void snig_dist_finalize(void);
/* The engine that spans the ranks when there are several, else NULL: a
 * program sets snig_options.engine to it and local_engine to the user's
 * choice. */
const char *snig_dist_engine(void);
/* Collective: each rank gives its status; every rank gets the status of the
 * lowest failing rank (SNIG_OK when none) and rank 0's ctx holds that rank's
 * message, so rank 0 alone prints it and every rank exits alike. */
snig_status snig_dist_agree(snig_ctx *ctx, snig_status st);
/* Collective: every rank reads the network, or with opt->broadcast_weights
 * rank 0 reads it and sends the layers to the others. */
snig_status snig_dist_network_load(snig_ctx *ctx, const char *path,
                                   const snig_load_options *lo,
                                   const snig_options *opt,
                                   snig_network **net);
/* Collective: this rank's share of the input rows of path (within
 * lo->row_first/row_count), split so that each rank gets about the same
 * number of input nonzeros; with opt->dynamic rank 0 holds every row and
 * hands out batches during snig_infer.  out: *in, and optionally the rows
 * and nonzeros of all ranks together (NULL when not wanted). */
snig_status snig_dist_inputs_load(snig_ctx *ctx, const char *path,
                                  const snig_load_options *lo,
                                  const snig_options *opt, snig_inputs **in,
                                  uint64_t *all_rows, uint64_t *all_nonzeros);

/* ---------------------------------------------------------------- generator */

typedef struct snig_generate_options {
    uint32_t neurons;        /* N = 16 * 2^k, N >= 64 */
    uint32_t layers;
    uint64_t seed;           /* default 1 */
    int has_bias;            /* 0: the official bias for N */
    float bias;
    const char *format;      /* "snb" (default) or "tsv" */
    int progress;            /* -1: when stderr is a terminal */
} snig_generate_options;

void snig_generate_options_init(snig_generate_options *o);
/* Writes a RadiX-Net network layer by layer, atomically. */
snig_status snig_generate_network(snig_ctx *ctx, const snig_generate_options *o,
                                  const char *path);

typedef struct snig_image_options {
    uint32_t neurons;        /* a square: 1024, 4096, 16384, 65536 */
    uint64_t count;          /* 0: one row per image */
    float threshold;         /* < 0: the default */
    const char *format;      /* "snb" (default) or "tsv" */
} snig_image_options;

void snig_image_options_init(snig_image_options *o);
/* Makes input rows from an IDX image file (plain or .gz), atomically. */
snig_status snig_generate_inputs(snig_ctx *ctx, const char *images,
                                 const snig_image_options *o, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_H */
