/* The reference engine: the definition of a layer (snig.h), serial,
 * float32, as plain as it can be.  Every other engine is tested against it.
 *
 * One row at a time: y (dense, n_in) -> z = y W -> bias and activation.  The
 * sum for an output neuron is accumulated in the order of the input neurons,
 * the same order the cpu engine uses, so values agree to the bit. */
#include "../activation.h"
#include "../engine.h"

#include <string.h>

/* The widest layer input or output: y and z are that long. */
static uint32_t widest(const snig_job *job)
{
    uint32_t w = job->net->neurons;
    for (uint32_t l = 0; l < job->layers; l++)
        if (job->net->layer[l].n_out > w)
            w = job->net->layer[l].n_out;
    return w;
}

/* z (n_out) = y (n_in) W, then the layer's bias and activation into y.
 * Returns whether the row is nonzero. */
static bool layer_row(const snig_job *job, uint32_t l, float *y, float *z,
                      snig_result *res)
{
    const snig_layer *L = &job->net->layer[l];
    float bias_scalar;
    const float *bias = snig_layer_bias(job, l, &bias_scalar);
    uint64_t madds = 0;
    memset(z, 0, (size_t)L->n_out * sizeof *z);
    for (uint32_t i = 0; i < L->n_in; i++) {
        if (y[i] == 0.0f)
            continue;
        for (uint32_t k = L->rowptr[i]; k < L->rowptr[i + 1]; k++) {
            uint32_t j = L->col16 ? L->col16[k] : L->col32[k];
            float w = L->val ? L->val[k] : L->uniform;
            z[j] += y[i] * w;
        }
        madds += L->rowptr[i + 1] - L->rowptr[i];
    }
    atomic_fetch_add_explicit(&res->madds, madds, memory_order_relaxed);
    atomic_fetch_add_explicit(&res->layer_madds[l], madds,
                              memory_order_relaxed);
    bool any = false;
    int dense = L->bias_rule == SNIG_BIAS_DENSE;
    for (uint32_t j = 0; j < L->n_out; j++) {
        y[j] = snig_activate_general(z[j], bias ? bias[j] : bias_scalar, dense,
                                     L->activation, L->cap);
        any = any || y[j] != 0.0f;
    }
    return any;
}

static snig_status reference_infer(const snig_job *job, snig_result *res)
{
    snig_ctx *ctx = job->ctx;
    const snig_network *net = job->net;
    const snig_inputs *in = job->in;
    const uint32_t w = widest(job);
    const uint32_t n_final = snig__network_outputs(net, job->layers);
    snig_status st = SNIG_OK;
    float *y = snig__malloc(ctx, (size_t)w * sizeof *y);
    float *z = snig__malloc(ctx, (size_t)w * sizeof *z);
    if (y == NULL || z == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (uint32_t l = 0; l < job->layers; l++) {
        st = snig__layer_ready(ctx, net, l);
        if (st != SNIG_OK)
            goto cleanup;
    }
    double start = snig__now();
    for (uint64_t r = 0; r < in->rows; r++) {
        st = snig__check_cancel(ctx);
        if (st != SNIG_OK)
            goto cleanup;
        snig__progress(ctx, "infer", r, in->rows, 0, start);
        memset(y, 0, (size_t)net->neurons * sizeof *y);
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++)
            y[in->col[k]] = in->val[k];
        bool any = false;
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++)
            any = any || in->val[k] != 0.0f;
        for (uint32_t l = 0; l < job->layers; l++) {
            /* A zero row stays zero under the challenge's rule: skip it. */
            if (!any && net->layer[l].bias_rule == SNIG_BIAS_NONZERO) {
                memset(y, 0, (size_t)net->layer[l].n_out * sizeof *y);
                continue;
            }
            double t = snig__now();
            any = layer_row(job, l, y, z, res);
            atomic_fetch_add_explicit(&res->layer_ns[l],
                                      (uint64_t)((snig__now() - t) * 1e9),
                                      memory_order_relaxed);
            if (any)
                res->live[l]++;
        }
        if (any) {
            res->alive[r] = 1;
            if (res->values != NULL)
                memcpy(res->values + r * n_final, y,
                       (size_t)n_final * sizeof *y);
        }
    }
    snig__progress(ctx, "infer", in->rows, in->rows, 0, start);
    res->live_counted = true;
    res->layer_counted = true;
cleanup:
    snig__free(ctx, z);
    snig__free(ctx, y);
    return st;
}

const struct snig_engine_i snig__engine_reference = {
    .name = "reference",
    .summary = "serial float32 oracle: the definition of a layer, row by row",
    .infer = reference_infer,
};
