/* Weight preparation for the cpu engine, one task per layer: make the layer
 * readable (a memory-mapped layer has its checksum verified, which also
 * pages it in), describe it for the kernel, and record whether it keeps a
 * saturated row saturated. */
#include "cpu_internal.h"

#include "../activation.h"

#include <string.h>

/* The saturation property must hold in the arithmetic the kernel uses, not
 * just on paper (32 * s_j + b >= 32), so that skipping a layer for a row at
 * the cap gives exactly what computing it would: the all-32 row is run
 * through the layer with the same operations in the same order. */
static bool layer_saturates(const cpu_layer *L, uint32_t n, float *z)
{
    memset(z, 0, (size_t)n * sizeof *z);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = L->rowptr[i]; k < L->rowptr[i + 1]; k++) {
            uint32_t j = L->col16 ? L->col16[k] : L->col32[k];
            float w = L->val ? L->val[k] : L->uniform;
            z[j] += SNIG_YMAX * w;
        }
    }
    for (uint32_t j = 0; j < n; j++) {
        float b = L->bias ? L->bias[j] : L->bias_scalar;
        if (snig_activate(z[j], b) != SNIG_YMAX)
            return false;
    }
    return true;
}

snig_status cpu_layer_prepare(const snig_job *job, uint32_t l, float *scratch,
                              cpu_layer *out)
{
    const snig_network *net = job->net;
    snig_status st = snig__layer_ready(job->ctx, net, l);
    if (st != SNIG_OK)
        return st;
    const snig_layer *S = &net->layer[l];
    cpu_layer L = {
        .rowptr = S->rowptr,
        .col16 = S->col16,
        .col32 = S->col16 ? NULL : S->col32,
        .val = S->val,
        .uniform = S->uniform,
    };
    L.bias = snig_layer_bias(job, l, &L.bias_scalar);
    L.saturating = job->opt->shortcuts && layer_saturates(&L, net->neurons,
                                                         scratch);
    *out = L;
    return SNIG_OK;
}
