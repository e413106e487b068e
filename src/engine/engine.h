/* The engine interface, after ggml's backend interface: a table of function
 * pointers that every engine fills with designated initializers.  The core
 * knows engines only through this table and the registry (registry.c). */
#ifndef SNIG_ENGINE_H
#define SNIG_ENGINE_H

#include "../core/internal.h"


/* What an engine is asked to do: the network cut to `layers` layers with its
 * bias resolved, the inputs, and the options as the user gave them. */
typedef struct snig_job {
    snig_ctx *ctx;
    const snig_network *net;
    uint32_t layers;         /* layers to run, <= net->layers */
    const snig_inputs *in;
    const snig_options *opt;
    float bias;              /* for layers with no bias of their own */
} snig_job;

/* The bias of layer l: returns the per-neuron array, or NULL and sets
 * *scalar to the one value every neuron has. */
static inline const float *snig_layer_bias(const snig_job *job, uint32_t l,
                                           float *scalar)
{
    const snig_layer *L = &job->net->layer[l];
    *scalar = L->has_bias ? L->bias_value : job->bias;
    return L->has_bias ? L->bias : NULL;
}

struct snig_engine_i {
    const char *name;
    const char *summary;
    /* Optional: 1 when it can run on this machine (NULL: always). */
    int (*available)(void);
    /* Optional: 1 when it can run this job; on 0 it may set a reason with
     * snig__error, and the caller may fall back. (NULL: everything). */
    int (*supports)(const snig_job *job);
    /* Runs the job: sets res->alive[r] for every row left nonzero, and where
     * it can res->live[l], res->madds and (keep_values) res->values. */
    snig_status (*infer)(const snig_job *job, snig_result *res);
};

/* The registry: the only place that knows which engines exist. */
const struct snig_engine_i *snig__engine_find(const char *name);

#endif /* SNIG_ENGINE_H */
