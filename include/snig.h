/* snig: inference of large sparse deep neural networks (Sparse DNN Graph
 * Challenge), after SNIG (Lin and Huang, HPEC 2020).
 *
 * The one public header.  Every object is an opaque handle created from a
 * context; the context keeps the message of the last failed call ("file:line:
 * what is wrong"), so no call takes a message buffer.  Every call that takes
 * a context forgets the previous message when it starts.  The library never
 * prints: progress reaches the program through a callback it sets.
 *
 * Threads: a context is used by one thread at a time.  Handles made from
 * different contexts may be used at once from different threads; a network,
 * inputs, a result or a plan may be *read* by several threads at once (for
 * example snig_plan_infer on one plan from several threads, each with its
 * own context).  Nothing else is shared; the library has no global mutable
 * state.
 *
 * Ownership: a function that creates a handle gives it to the caller, who
 * frees it with the matching *_free(&h); *_free accepts NULL and sets the
 * pointer to NULL.  Other handle arguments are borrowed.  A handle keeps its
 * own copy of the allocator, so handles may be freed in any order: before or
 * after the context that made them, a plan before or after its network.
 */
#ifndef SNIG_H
#define SNIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNIG_VERSION "0.1.0"

/* Marks the public functions: the shared library is built with hidden
 * visibility and exports these alone.  A program may define SNIG_API itself
 * before including this header. */
#ifndef SNIG_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define SNIG_API __attribute__((visibility("default")))
#else
#define SNIG_API
#endif
#endif

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
SNIG_API const char *snig_status_str(snig_status s);

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
SNIG_API snig_status snig_ctx_new(snig_ctx **ctx, const snig_allocator *alloc);
SNIG_API void snig_ctx_free(snig_ctx **ctx);
/* The message of the last call on ctx if it failed, "" when it succeeded.
 * Owned by ctx, valid until the next call on ctx. */
SNIG_API const char *snig_errmsg(const snig_ctx *ctx);
/* Forget the last failure and a pending cancellation. */
SNIG_API void snig_clear_error(snig_ctx *ctx);
/* Asks the long calls running on ctx (loading, generating, converting,
 * inference) to stop: they return SNIG_CANCELLED soon, after removing any
 * file they were writing.  Safe from a signal handler or another thread.
 * The request stays until snig_clear_error, so a cancellation that arrives
 * between two calls stops the next one. */
SNIG_API void snig_cancel(snig_ctx *ctx);

/* Seconds on a monotonic clock, for timing loads. */
SNIG_API double snig_now(void);

/* Progress of the long calls (loading, preparing, inference, generating,
 * converting).  The library calls `fn` from the thread of the call or from
 * one of its worker threads, never two at once, at most about ten times a
 * second, and once more at the end with done == total.  NULL (the default)
 * reports nothing. */
typedef struct snig_progress {
    const char *phase;       /* "load", "prepare", "infer", "generate", ... */
    uint64_t done, total;    /* units of work; total 0 when unknown */
    uint64_t rows_alive;     /* infer: rows still nonzero, when known */
    double seconds;          /* since the phase began */
} snig_progress;
typedef void (*snig_progress_fn)(const snig_progress *p, void *user);
SNIG_API void snig_set_progress(snig_ctx *ctx, snig_progress_fn fn, void *user);

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

SNIG_API void snig_load_options_init(snig_load_options *o);

/* Every layer computes, for each input row y (n_in values):
 *   z = y W                         (W: n_in x n_out, sparse)
 *   bias rule NONZERO: z_j += b_j where z_j != 0   (the challenge's rule)
 *             DENSE:   z_j += b_j for every j      (torch.nn.Linear's)
 *   activation RELU_CAP: y_j = min(max(z_j, 0), cap)  (the challenge: 32)
 *              RELU:     y_j = max(z_j, 0)
 *              IDENTITY: y_j = z_j                    (a classifier's scores)
 * and the n_out values are the next layer's input. */
typedef enum snig_activation {
    SNIG_ACT_RELU_CAP = 0,
    SNIG_ACT_RELU = 1,
    SNIG_ACT_IDENTITY = 2
} snig_activation;

typedef enum snig_bias_rule {
    SNIG_BIAS_NONZERO = 0,
    SNIG_BIAS_DENSE = 1
} snig_bias_rule;

/* One layer given from memory: W in CSR by input neuron (row i of W lists
 * the outputs input i feeds).  Weights and biases must be finite. */
typedef struct snig_layer_desc {
    uint32_t n_in, n_out;
    const uint32_t *rowptr;     /* n_in + 1 offsets, rowptr[0] == 0 */
    const uint32_t *col;        /* rowptr[n_in] output indices < n_out */
    const float *val;           /* rowptr[n_in] weights, or NULL: each is
                                   `uniform` */
    float uniform;
    const float *bias;          /* n_out values, or NULL: `bias_value` */
    float bias_value;
    snig_bias_rule bias_rule;
    snig_activation activation;
    float cap;                  /* RELU_CAP only */
} snig_layer_desc;

/* The challenge's layer: uniform weight 1/16, bias 0, NONZERO, RELU_CAP 32;
 * no arrays. */
SNIG_API void snig_layer_desc_init(snig_layer_desc *d);

/* Flags of the constructors from memory. */
#define SNIG_COPY 0u    /* the handle copies the caller's arrays */
#define SNIG_BORROW 1u  /* the handle points into them: they must stay
                           unchanged until the handle is freed */

/* Builds a network of `count` layers, chained: layer l's n_out must equal
 * layer l+1's n_in.  Checks every index and value (SNIG_RANGE, SNIG_SIZE,
 * SNIG_FORMAT for a non-finite value). */
SNIG_API snig_status snig_network_from_layers(snig_ctx *ctx,
                                     const snig_layer_desc *layers,
                                     uint32_t count, unsigned flags,
                                     snig_network **net);

/* Loads a network from: a directory of layer files nN-lK.tsv (or .tsv.gz,
 * .mtx; nIxO-lK for a layer of I inputs and O outputs, with the folder's
 * snig-network.tsv when snig_network_export wrote one), the official
 * archive neuronN.tar.gz (streamed), a Matrix Market file (one layer), or
 * snig's binary format (.snb; with verify = 0 each layer is read and
 * checked when first used).  The kind is found from the path and the
 * file's first bytes.  Every layer is checked before an engine uses it. */
SNIG_API snig_status snig_network_load(snig_ctx *ctx, const char *path,
                              const snig_load_options *opt, snig_network **net);
SNIG_API void snig_network_free(snig_network **net);

/* Input width: N for the challenge's square networks, else layer 0's n_in. */
SNIG_API uint32_t snig_network_neurons(const snig_network *net);
SNIG_API uint32_t snig_network_layers(const snig_network *net);
SNIG_API uint64_t snig_network_edges(const snig_network *net);   /* all layers */

typedef struct snig_layer_info {
    uint32_t n_in, n_out;
    uint64_t nnz;
    snig_bias_rule bias_rule;
    snig_activation activation;
    float cap;
    int has_bias;            /* a bias is recorded or set */
    int per_neuron_bias;     /* the bias differs by neuron */
    float bias;              /* neuron 0's */
    int uniform_values;      /* every weight is `uniform` */
    float uniform;
} snig_layer_info;
/* Describes layer l (0-based).  Returns 0 when l is out of range. */
SNIG_API int snig_network_layer_info(const snig_network *net, uint32_t l,
                            snig_layer_info *info);
/* The bias recorded in the file for layer 0; returns 0 and leaves *bias alone
 * when none is recorded (TSV, Matrix Market). */
SNIG_API int snig_network_recorded_bias(const snig_network *net, float *bias);
/* The official bias for N (1024 → -0.3, ...); returns 0 for other N. */
SNIG_API int snig_official_bias(uint32_t neurons, float *bias);
/* Sets one bias value for every neuron of every layer (replacing any).
 * Not while a plan of the network exists (SNIG_USAGE). */
SNIG_API snig_status snig_network_set_bias(snig_ctx *ctx, snig_network *net,
                                  float bias);

/* ------------------------------------------------------------------- inputs */

typedef struct snig_inputs snig_inputs;

/* Loads input rows from official sparse-images-N.tsv[.gz], Matrix Market, or
 * binary.  TSV and Matrix Market need opt->neurons for the column count
 * unless the file says it. */
SNIG_API snig_status snig_inputs_load(snig_ctx *ctx, const char *path,
                             const snig_load_options *opt, snig_inputs **in);
SNIG_API void snig_inputs_free(snig_inputs **in);
/* Inputs from memory: `rows` rows of `cols` columns in CSR (rowptr: rows + 1
 * offsets; col: rowptr[rows] indices < cols; val: the values, or NULL for
 * ones).  flags: SNIG_COPY or SNIG_BORROW (val NULL is always made). */
SNIG_API snig_status snig_inputs_from_csr(snig_ctx *ctx, uint64_t rows, uint32_t cols,
                                 const uint64_t *rowptr, const uint32_t *col,
                                 const float *val, unsigned flags,
                                 snig_inputs **in);
/* Inputs from a dense row-major rows x cols array (its zeros are dropped). */
SNIG_API snig_status snig_inputs_from_dense(snig_ctx *ctx, uint64_t rows,
                                   uint32_t cols, const float *x,
                                   snig_inputs **in);
SNIG_API uint64_t snig_inputs_rows(const snig_inputs *in);
SNIG_API uint32_t snig_inputs_neurons(const snig_inputs *in);
SNIG_API uint64_t snig_inputs_nonzeros(const snig_inputs *in);
/* Global index of the first row held (row_first of the load). */
SNIG_API uint64_t snig_inputs_first_row(const snig_inputs *in);

/* ------------------------------------------------------------------- truth */

/* Reads a truth file: one 1-based row index per line.  out: *rows (1-based,
 * sorted, caller frees with snig_free) and *count. */
SNIG_API snig_status snig_truth_load(snig_ctx *ctx, const char *path, uint64_t **rows,
                            uint64_t *count);
SNIG_API void snig_free(snig_ctx *ctx, void *p);

/* ------------------------------------------------------------------ binary */

/* Writes the network (its first `layers` layers, 0 = all) or the inputs in
 * snig's binary format, atomically: temporary file, then rename. */
SNIG_API snig_status snig_network_save(snig_ctx *ctx, const snig_network *net,
                              const char *path);
SNIG_API snig_status snig_inputs_save(snig_ctx *ctx, const snig_inputs *in,
                             const char *path);

/* Writes the network for other tools, atomically (a temporary file or
 * folder, renamed at the end; nothing is left on failure or cancel):
 *   "snb": snig's binary format (snig_network_save);
 *   "tsv": a folder of official layer files nN-lK.tsv (nIxO-lK.tsv for a
 *          layer of I inputs and O outputs), `row col value`, 1-based;
 *   "mtx": a folder of Matrix Market files, one per layer, named alike.
 * A folder also gets snig-network.tsv (bias, rule, activation per layer)
 * when the layers are not the challenge's without a bias; every file loads
 * back with snig_network_load (docs/FORMAT.md, "Export").  The folder must
 * not exist or be empty. */
SNIG_API snig_status snig_network_export(snig_ctx *ctx, const snig_network *net,
                                const char *format, const char *path);

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
    /* Networks: */
    uint32_t outputs;     /* the last layer's n_out */
    int challenge_layers; /* 1: every layer N x N, bias rule NONZERO, ReLU
                             capped at 32 (the challenge's) */
    int version;          /* binary: the format version */
    /* Binary files whose checksums or structure fail (checksums_ok 0): */
    uint32_t bad_entry;   /* the first damaged layer (or inputs chunk),
                             1-based; 0 when none */
    char damage[256];     /* what is wrong with it */
} snig_file_info;

/* Describes a file; checks every checksum and the structure of every layer
 * of a binary file (a damaged one is reported in bad_entry and damage, not
 * as a failure of the call). */
SNIG_API snig_status snig_file_info_get(snig_ctx *ctx, const char *path,
                               snig_file_info *info);

/* ---------------------------------------------------------------- inference */

typedef struct snig_options {
    const char *engine;      /* "auto" (default), "reference", "cpu", "cuda",
                                "mpi" */
    const char *local_engine;/* mpi: the engine each rank runs ("auto") */
    int threads;             /* 0: every core (the CLI divides them among
                                the ranks of one machine under MPI) */
    uint32_t batch;          /* rows per batch, 0: engine default */
    uint32_t layers;         /* 0: every layer of the network */
    int has_bias;            /* 1: `bias` for every neuron of every layer, */
    float bias;              /*    in place of the network's own */
    int shortcuts;           /* 1 (default): exact shortcuts on */
    int keep_values;         /* 1: the result keeps the final Y */
    int gpus;                /* cuda: 0 = all */
    int weight_buffers;      /* cuda: 0 = default */
    uint64_t gpu_memory;     /* cuda: byte cap, 0 = none */
    int broadcast_weights;   /* mpi */
    int dynamic;             /* mpi: rank 0 hands out batches */
    void *comm;              /* mpi: the address of the MPI_Comm to run on;
                                NULL: MPI_COMM_WORLD */
} snig_options;

SNIG_API void snig_options_init(snig_options *o);

typedef struct snig_result snig_result;
typedef struct snig_plan snig_plan;

/* A prepared network: everything that does not depend on the inputs is done
 * once (the engine chosen, layers checked and packed, weights uploaded to the
 * GPU or sent to the other ranks), then snig_plan_infer runs any number of
 * input batches.  The plan keeps the network alive (freeing the network
 * first is allowed) and copies the options.  The bias is opt->bias when
 * opt->has_bias, else the network's own (set or recorded in the file), else
 * the official value for N; SNIG_USAGE when none is known.
 *
 * Engine "auto" takes the first engine of cuda, cpu that is available and
 * accepts the network; the result says which ran and why another did not
 * (snig_result_fallback).  A named engine that cannot run the job fails
 * with SNIG_UNSUPPORTED and a message naming what it lacks. */
SNIG_API snig_status snig_plan_new(snig_ctx *ctx, const snig_network *net,
                          const snig_options *opt, snig_plan **plan);
/* Thread safe on one plan: each thread passes its own ctx. */
SNIG_API snig_status snig_plan_infer(snig_ctx *ctx, const snig_plan *plan,
                            const snig_inputs *in, snig_result **res);
SNIG_API void snig_plan_free(snig_plan **plan);
SNIG_API const char *snig_plan_engine(const snig_plan *plan);
/* Why "auto" did not take an earlier engine, "" when it did. */
SNIG_API const char *snig_plan_fallback(const snig_plan *plan);
SNIG_API double snig_plan_seconds(const snig_plan *plan);      /* preparation */

/* The one-call convenience: snig_plan_new, snig_plan_infer, snig_plan_free;
 * the result's seconds count the inference alone, its prepare_seconds the
 * preparation. */
SNIG_API snig_status snig_infer(snig_ctx *ctx, const snig_network *net,
                       const snig_inputs *in, const snig_options *opt,
                       snig_result **res);
SNIG_API void snig_result_free(snig_result **res);

/* Categories: 1-based global row indices of the rows of the final Y that are
 * not all zero, sorted.  The pointer is owned by res. */
SNIG_API const uint64_t *snig_result_categories(const snig_result *res, uint64_t *count);
SNIG_API const char *snig_result_engine(const snig_result *res);
/* Why engine "auto" did not run an earlier engine, "" when it did. */
SNIG_API const char *snig_result_fallback(const snig_result *res);
SNIG_API double snig_result_seconds(const snig_result *res);   /* inference only */
/* Preparation seconds of the plan it ran on. */
SNIG_API double snig_result_prepare_seconds(const snig_result *res);
/* Seconds of device work as the device timed it (cuda: CUDA events around
 * the graph launches), 0 when the engine does not time it. */
SNIG_API double snig_result_kernel_seconds(const snig_result *res);
/* The engine's own figures as one JSON object (cuda: GPU, weights resident
 * or streamed, batch, bytes...), "{}" when it has none. */
SNIG_API const char *snig_result_engine_info(const snig_result *res);
SNIG_API uint32_t snig_result_layers(const snig_result *res);
/* Edges of the layers that ran (the challenge's rate is rows x edges / s). */
SNIG_API uint64_t snig_result_edges(const snig_result *res);
/* Rows still nonzero after each layer (array of snig_result_layers), or NULL
 * when the engine did not count them. */
SNIG_API const uint64_t *snig_result_live_rows(const snig_result *res);
/* Multiply-adds actually done (not skipped), 0 when not counted. */
SNIG_API uint64_t snig_result_madds(const snig_result *res);
/* Per layer (arrays of snig_result_layers), or NULL when not counted:
 * multiply-adds done, and seconds spent in the layer summed over threads. */
SNIG_API const uint64_t *snig_result_layer_madds(const snig_result *res);
SNIG_API const double *snig_result_layer_seconds(const snig_result *res);
/* Columns of the final Y: the last layer's n_out. */
SNIG_API uint32_t snig_result_outputs(const snig_result *res);
/* With keep_values: the final row `row` (0-based, local) as
 * snig_result_outputs floats, or NULL when the row is zero or values were
 * not kept. */
SNIG_API const float *snig_result_row(const snig_result *res, uint64_t row);
/* With keep_values: the final Y in CSR (rows + 1 offsets, column indices
 * sorted, values), owned by res.  SNIG_USAGE when values were not kept. */
SNIG_API snig_status snig_result_values(const snig_result *res, const uint64_t **rowptr,
                               const uint32_t **col, const float **val);
/* Per-rank timing (mpi); 1 and the local time otherwise. */
SNIG_API int snig_result_ranks(const snig_result *res);
SNIG_API double snig_result_rank_seconds(const snig_result *res, int rank);

/* Writes the categories, one 1-based row per line (the official truth
 * format), atomically. */
SNIG_API snig_status snig_result_write_categories(snig_ctx *ctx, const snig_result *res,
                                         const char *path);

/* Compares categories with a truth list, on the rows the inputs hold: a truth
 * row outside [first_row+1, first_row+rows] is ignored.  Returns 1 equal, 0
 * not; *missing and *extra count the differences. */
SNIG_API int snig_check_truth(const snig_result *res, const snig_inputs *in,
                     const uint64_t *truth, uint64_t truth_count,
                     uint64_t *missing, uint64_t *extra);

/* ------------------------------------------------------------------ engines */

/* The name of the i-th engine built in (0, 1, ...), NULL past the last. */
SNIG_API const char *snig_engine_name(size_t i);
/* A one-line description, NULL for an unknown name. */
SNIG_API const char *snig_engine_summary(const char *name);
/* 1 when the engine can run here (cuda: a device is present). */
SNIG_API int snig_engine_available(const char *name);
/* The engine "auto" stands for on this machine. */
SNIG_API const char *snig_engine_auto(void);

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
SNIG_API snig_status snig_dist_init(snig_ctx *ctx, int *rank, int *size);
/* Once per process, at the end, on every path (also after failures). */
SNIG_API void snig_dist_finalize(void);
/* The engine that spans the ranks when there are several, else NULL: a
 * program sets snig_options.engine to it and local_engine to the user's
 * choice. */
SNIG_API const char *snig_dist_engine(void);
/* Collective: each rank gives its status; every rank gets the status of the
 * lowest failing rank (SNIG_OK when none) and rank 0's ctx holds that rank's
 * message, so rank 0 alone prints it and every rank exits alike. */
SNIG_API snig_status snig_dist_agree(snig_ctx *ctx, snig_status st);
/* Collective: every rank reads the network, or with opt->broadcast_weights
 * rank 0 reads it and sends the layers to the others. */
SNIG_API snig_status snig_dist_network_load(snig_ctx *ctx, const char *path,
                                   const snig_load_options *lo,
                                   const snig_options *opt,
                                   snig_network **net);
/* Collective: this rank's share of the input rows of path (within
 * lo->row_first/row_count), split so that each rank gets about the same
 * number of input nonzeros; with opt->dynamic rank 0 holds every row and
 * hands out batches during snig_infer.  out: *in, and optionally the rows
 * and nonzeros of all ranks together (NULL when not wanted). */
SNIG_API snig_status snig_dist_inputs_load(snig_ctx *ctx, const char *path,
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
} snig_generate_options;

SNIG_API void snig_generate_options_init(snig_generate_options *o);
/* Writes a RadiX-Net network layer by layer, atomically. */
SNIG_API snig_status snig_generate_network(snig_ctx *ctx, const snig_generate_options *o,
                                  const char *path);

typedef struct snig_image_options {
    uint32_t neurons;        /* a square: 1024, 4096, 16384, 65536 */
    uint64_t count;          /* 0: one row per image */
    float threshold;         /* < 0: the default */
    const char *format;      /* "snb" (default) or "tsv" */
} snig_image_options;

SNIG_API void snig_image_options_init(snig_image_options *o);
/* Makes input rows from an IDX image file (plain or .gz), atomically. */
SNIG_API snig_status snig_generate_inputs(snig_ctx *ctx, const char *images,
                                 const snig_image_options *o, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_H */
