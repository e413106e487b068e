/* The reference engine: the challenge's definition, serial, float32, as
 * plain as it can be.  Every other engine is tested against it.
 *
 * One row at a time: y (dense, N) -> z = y W -> activate.  The sum for an
 * output neuron is accumulated in the order of the input neurons, the same
 * order the cpu engine uses, so values agree to the bit. */
#include "../activation.h"
#include "../engine.h"

#include <string.h>

static snig_status reference_infer(const snig_job *job, snig_result *res)
{
    snig_ctx *ctx = job->ctx;
    const snig_network *net = job->net;
    const snig_inputs *in = job->in;
    const uint32_t n = net->neurons;
    snig_status st = SNIG_OK;
    float *y = snig__malloc(ctx, (size_t)n * sizeof *y);
    float *z = snig__malloc(ctx, (size_t)n * sizeof *z);
    if (y == NULL || z == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (uint32_t l = 0; l < job->layers; l++) {
        st = snig__layer_ready(ctx, net, l);
        if (st != SNIG_OK)
            goto cleanup;
    }
    for (uint64_t r = 0; r < in->rows; r++) {
        st = snig__check_cancel(ctx);
        if (st != SNIG_OK)
            goto cleanup;
        memset(y, 0, (size_t)n * sizeof *y);
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++)
            y[in->col[k]] = in->val[k];
        bool any = true;
        for (uint32_t l = 0; l < job->layers && any; l++) {
            const snig_layer *L = &net->layer[l];
            float bias_scalar;
            const float *bias = snig_layer_bias(job, l, &bias_scalar);
            memset(z, 0, (size_t)n * sizeof *z);
            for (uint32_t i = 0; i < n; i++) {
                if (y[i] == 0.0f)
                    continue;
                for (uint32_t k = L->rowptr[i]; k < L->rowptr[i + 1]; k++) {
                    uint32_t j = L->col16 ? L->col16[k] : L->col32[k];
                    float w = L->val ? L->val[k] : L->uniform;
                    z[j] += y[i] * w;
                }
                atomic_fetch_add_explicit(&res->madds,
                                          L->rowptr[i + 1] - L->rowptr[i],
                                          memory_order_relaxed);
            }
            any = false;
            for (uint32_t j = 0; j < n; j++) {
                y[j] = snig_activate(z[j], bias ? bias[j] : bias_scalar);
                any = any || y[j] != 0.0f;
            }
            if (any)
                res->live[l]++;
        }
        if (any) {
            res->alive[r] = 1;
            if (res->values != NULL)
                memcpy(res->values + r * n, y, (size_t)n * sizeof *y);
        }
    }
    res->live_counted = true;
cleanup:
    snig__free(ctx, z);
    snig__free(ctx, y);
    return st;
}

const struct snig_engine_i snig_engine_reference = {
    .name = "reference",
    .summary = "serial float32 oracle: the challenge's definition, row by row",
    .infer = reference_infer,
};
