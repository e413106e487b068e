/* Weight preparation for the cpu engine, one task per layer: make the layer
 * readable (a memory-mapped layer has its checksum verified, which also
 * pages it in), describe it for the kernel, and record whether it keeps a
 * saturated row saturated. */
#include "cpu_internal.h"

#include "../activation.h"

#include <string.h>

/* Output sections of CPU_SECTION neurons: the 16-lane panel of one section
 * is 32 KiB, inside the L1 data cache.  Networks of up to CPU_SECTION
 * neurons need no cutting; above CPU_SECTION_MAX_N the row offsets of every
 * section would cost more than the cache gains, and the layer is used as
 * it is (its panel then lives in L2). */
#define CPU_SECTION 512u
#define CPU_SECTION_MAX_N 4096u
#define CPU_SECTIONS_MAX (CPU_SECTION_MAX_N / CPU_SECTION)

static snig_status pack_sections(snig_ctx *ctx, const snig_layer *S,
                                 uint32_t n, cpu_layer *L)
{
    uint32_t ns = (n + CPU_SECTION - 1) / CPU_SECTION;
    size_t nrp = (size_t)ns * (n + 1);
    size_t nnz = S->rowptr[n];
    size_t bytes = nrp * 4 + (S->val ? nnz * 4 : 0) + nnz * 2 + 16;
    uint8_t *block;
    /* preparation tasks run side by side; the context is not thread safe */
#pragma omp critical(snig_cpu_ctx)
    block = snig__malloc(ctx, bytes);
    if (block == NULL)
        return SNIG_NOMEM;
    uint32_t *rowptr = (uint32_t *)block;
    float *val = S->val ? (float *)(block + nrp * 4) : NULL;
    uint16_t *col = (uint16_t *)(block + nrp * 4 + (S->val ? nnz * 4 : 0));
    memset(rowptr, 0, nrp * sizeof *rowptr);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = S->rowptr[i]; k < S->rowptr[i + 1]; k++) {
            uint32_t j = S->col16 ? S->col16[k] : S->col32[k];
            rowptr[(size_t)(j / CPU_SECTION) * (n + 1) + i + 1]++;
        }
    uint32_t base = 0;
    for (uint32_t s = 0; s < ns; s++) {
        uint32_t *rp = rowptr + (size_t)s * (n + 1);
        rp[0] = base;
        for (uint32_t i = 0; i < n; i++)
            rp[i + 1] += rp[i];
        base = rp[n];
    }
    /* entries keep their order within a row: sums keep theirs */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t cur[CPU_SECTIONS_MAX];
        for (uint32_t s = 0; s < ns; s++)
            cur[s] = rowptr[(size_t)s * (n + 1) + i];
        for (uint32_t k = S->rowptr[i]; k < S->rowptr[i + 1]; k++) {
            uint32_t j = S->col16 ? S->col16[k] : S->col32[k];
            uint32_t p = cur[j / CPU_SECTION]++;
            col[p] = (uint16_t)(j % CPU_SECTION);
            if (val != NULL)
                val[p] = S->val[k];
        }
    }
    L->sections = ns;
    L->width = CPU_SECTION;
    L->rowptr = rowptr;
    L->col16 = col;
    L->col32 = NULL;
    L->val = val;
    L->own = block;
    return SNIG_OK;
}

/* Cursor sections for the largest networks (see cpu_internal.h): four
 * sections (measured on 16384 and 65536 neurons: more sections cost more in
 * row walking than they gain in cache). */
#define CPU_CURSOR_MIN_N 8192u
#define CPU_CURSOR_SECTIONS 4u

static bool rows_sorted(const snig_layer *S, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = S->rowptr[i] + 1; k < S->rowptr[i + 1]; k++) {
            uint32_t a = S->col16 ? S->col16[k - 1] : S->col32[k - 1];
            uint32_t b = S->col16 ? S->col16[k] : S->col32[k];
            if (a >= b)
                return false;
        }
    return true;
}

void cpu_layer_unpack(snig_ctx *ctx, cpu_layer *L)
{
    snig__free(ctx, L->own);
    L->own = NULL;
}

/* The saturation property must hold in the arithmetic the kernel uses, not
 * just on paper (32 * s_j + b >= 32), so that skipping a layer for a row at
 * the cap gives exactly what computing it would: the all-32 row is run
 * through the layer with the same operations in the same order. */
static bool layer_saturates(const cpu_layer *L, uint32_t n, float *z)
{
    memset(z, 0, (size_t)n * sizeof *z);
    for (uint32_t s = 0; s < L->sections; s++) {
        const uint32_t *rp = L->rowptr + (size_t)s * (n + 1);
        for (uint32_t i = 0; i < n; i++) {
            for (uint32_t k = rp[i]; k < rp[i + 1]; k++) {
                uint32_t j = s * L->width +
                             (L->col16 ? L->col16[k] : L->col32[k]);
                float w = L->val ? L->val[k] : L->uniform;
                z[j] += SNIG_YMAX * w;
            }
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
    const uint32_t n = net->neurons;
    snig_status st;
    /* snig__layer_ready may set the context's message: one at a time */
#pragma omp critical(snig_cpu_ctx)
    st = snig__layer_ready(job->ctx, net, l);
    if (st != SNIG_OK)
        return st;
    const snig_layer *S = &net->layer[l];
    cpu_layer L = {
        .sections = 1,
        .width = n,
        .rowptr = S->rowptr,
        .col16 = S->col16,
        .col32 = S->col16 ? NULL : S->col32,
        .val = S->val,
        .uniform = S->uniform,
    };
    if (n > CPU_SECTION && n <= CPU_SECTION_MAX_N) {
        st = pack_sections(job->ctx, S, n, &L);
        if (st != SNIG_OK)
            return st;
    }
    if (n > CPU_CURSOR_MIN_N && rows_sorted(S, n))
        L.cursor_width = (n + CPU_CURSOR_SECTIONS - 1) / CPU_CURSOR_SECTIONS;
    L.bias = snig_layer_bias(job, l, &L.bias_scalar);
    L.saturating = job->opt->shortcuts && layer_saturates(&L, n, scratch);
    *out = L;
    return SNIG_OK;
}
