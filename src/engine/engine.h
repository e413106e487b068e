/* The engine interface, after ggml's backend interface: a table of function
 * pointers that every engine fills with designated initializers.  The core
 * knows engines only through this table and the registry (registry.c). */
#ifndef SNIG_ENGINE_H
#define SNIG_ENGINE_H

#include "../core/internal.h"


/* What an engine is asked to do: the network cut to `layers` layers with its
 * bias resolved, the options as the user gave them, and for infer the inputs
 * and what prepare made.  The plan (core/plan.c) owns the job: prepare sees
 * in == NULL; infer may run on several threads at once with different ctx,
 * in and res, so it treats `prepared` as read-only, or guards what it
 * changes there (the cuda engine's per-GPU cache of device buffers). */
typedef struct snig_job {
    snig_ctx *ctx;
    const snig_network *net;
    uint32_t layers;         /* layers to run, <= net->layers */
    const snig_inputs *in;
    const snig_options *opt;
    float bias;              /* for layers with no bias of their own */
    bool bias_override;      /* `bias` for every layer, even biased ones */
    void *prepared;          /* the engine's prepare output, or NULL */
} snig_job;

/* The bias of layer l: returns the per-neuron array, or NULL and sets
 * *scalar to the one value every neuron has. */
static inline const float *snig_layer_bias(const snig_job *job, uint32_t l,
                                           float *scalar)
{
    const snig_layer *L = &job->net->layer[l];
    bool own = L->has_bias && !job->bias_override;
    *scalar = own ? L->bias_value : job->bias;
    return own ? L->bias : NULL;
}

/* Optional slots of an engine that spans processes (mpi), reached only
 * through the snig_dist_* calls of snig.h (dist.c), so that the core and the
 * CLI never name the transport.  Every slot is collective: all ranks call it
 * in the same order, and it returns on every rank even when one fails. */
struct snig_dist_i {
    /* Joins the launcher's ranks once per process (rank 0 of 1 when the
     * process was not started by a launcher). */
    snig_status (*init)(snig_ctx *ctx, int *rank, int *size);
    void (*finalize)(void);
    /* This process's rank and the number of ranks (0 and 1 before init). */
    void (*world)(int *rank, int *size);
    /* Every rank gets the status of the lowest failing rank; rank 0's ctx
     * gets its message. */
    snig_status (*agree)(snig_ctx *ctx, snig_status st);
    snig_status (*load_network)(snig_ctx *ctx, const char *path,
                                const snig_load_options *lo,
                                const snig_options *opt, snig_network **net);
    snig_status (*load_inputs)(snig_ctx *ctx, const char *path,
                               const snig_load_options *lo,
                               const snig_options *opt, snig_inputs **in,
                               uint64_t *all_rows, uint64_t *all_nonzeros);
};

struct snig_engine_i {
    const char *name;
    const char *summary;
    /* Optional: 1 when it can run on this machine (NULL: always). */
    int (*available)(void);
    /* Optional: 1 when it can run this job; on 0 it may set a reason with
     * snig__error, and the caller may fall back. (NULL: everything). */
    int (*supports)(const snig_job *job);
    /* Optional: the work that does not depend on the inputs, done once per
     * plan (job->in is NULL); *prepared is handed to infer as job->prepared
     * and to release.  Progress goes through snig__progress("prepare"). */
    snig_status (*prepare)(const snig_job *job, void **prepared);
    /* Optional: frees what prepare made.  ctx is the plan's own. */
    void (*release)(snig_ctx *ctx, void *prepared);
    /* Runs the job: sets res->alive[r] for every row left nonzero, and where
     * it can res->live[l], res->madds, the per-layer counts
     * (res->layer_madds, res->layer_ns, then layer_counted) and
     * (keep_values) res->values. */
    snig_status (*infer)(const snig_job *job, snig_result *res);
    /* Optional, engines that span processes: every rank gives its status
     * before the engine is entered and gets the first failing rank's, so
     * that no rank waits in a collective another one never reaches. */
    snig_status (*agree)(const snig_job *job, snig_status st);
    /* Optional: set by an engine that spans processes (NULL: one process). */
    const struct snig_dist_i *dist;
};

/* The registry: the only place that knows which engines exist. */
const struct snig_engine_i *snig__engine_find(const char *name);

/* Chooses the engine for a job (core and the mpi engine's local engine).
 * "auto" (or NULL, "") tries the engines of snig_engine_auto's order and
 * takes the first available one whose supports() accepts the job, writing
 * in fallback (when not NULL) why it passed the others; a named engine is
 * taken or refused with a message.  ctx keeps no message from a passed
 * engine. */
snig_status snig__engine_select(const snig_job *job, const char *name,
                                const struct snig_engine_i **engine,
                                char *fallback, size_t fallback_len);

#endif /* SNIG_ENGINE_H */
