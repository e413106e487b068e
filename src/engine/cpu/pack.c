/* Weight preparation for the cpu engine, once per plan and layer: make the
 * layer readable (a memory-mapped layer has its checksum verified, which
 * also pages it in), cut it into cache-sized sections, and record whether
 * it keeps a row at the cap there and whether it revives a zero row. */
#include "cpu_internal.h"

/* Bit-identical to the reference: multiplies and adds stay separate (gcc in
 * ISO C mode does not contract; clang must be told). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "../activation.h"

#include <string.h>

/* Output sections of `width` neurons, so that the 16-lane output panel of
 * one section stays in the L1 data cache (256 neurons: 16 KiB, half of a
 * 32 KiB L1, the other half for the input panel's lines and the weights).
 * Layers of up to CPU_SECTION outputs need no cutting; above
 * CPU_SECTION_MAX_N the row offsets of every section would cost more than
 * the cache gains, and the layer is used as it is (its panel then lives in
 * L2). */
#define CPU_SECTION 256u
#define CPU_SECTION_WIDE 512u     /* outputs > 1024: fewer, wider sections */
#define CPU_SECTION_MAX_N 4096u

/* Column k of a layer; the index arrays are read into locals first (the
 * packing loops store through other pointers, which the compiler could
 * otherwise not tell from them). */
#define LAYER_COLS(S)                                                        \
    const uint16_t *const c16_ = (S)->col16;                                 \
    const uint32_t *const c32_ = (S)->col32
#define COL(k) (c16_ != NULL ? (uint32_t)c16_[k] : c32_[k])

/* Bytes of the sectioned copy of a layer (0: none), 64-byte multiples. */
static uint32_t section_width(const snig_layer *S)
{
    if (S->n_out <= CPU_SECTION || S->n_out > CPU_SECTION_MAX_N)
        return 0;
    return S->n_out > 1024 ? CPU_SECTION_WIDE : CPU_SECTION;
}

static size_t round64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static size_t sections_bytes(const snig_layer *S)
{
    uint32_t width = section_width(S);
    if (width == 0)
        return 0;
    size_t ns = (S->n_out + width - 1) / width, nnz = S->nnz;
    return round64(ns * (S->n_in + 1) * 4) + round64(S->val ? nnz * 4 : 0) +
           round64(nnz * 2);
}

/* Both packed copies are counting sorts by (section, key): the counts at
 * p[s * (n + 1) + k + 1] become running offsets over all sections, with
 * p[s * (n + 1)] where section s starts. */
static void running_offsets(uint32_t *p, uint32_t sections, uint32_t n)
{
    uint32_t base = 0;
    for (uint32_t s = 0; s < sections; s++) {
        uint32_t *q = p + (size_t)s * (n + 1);
        q[0] = base;
        for (uint32_t k = 0; k < n; k++)
            q[k + 1] += q[k];
        base = q[n];
    }
}

static void pack_sections(const snig_layer *S, uint32_t width, uint8_t *block,
                          cpu_layer *L)
{
    LAYER_COLS(S);
    const uint32_t n_in = S->n_in, n_out = S->n_out;
    uint32_t ns = (n_out + width - 1) / width;
    size_t nrp = (size_t)ns * (n_in + 1);
    size_t nnz = S->rowptr[n_in];
    uint32_t cur[CPU_SECTION_MAX_N / CPU_SECTION];
    uint32_t *rowptr = (uint32_t *)block;
    float *val = S->val ? (float *)(block + round64(nrp * 4)) : NULL;
    uint16_t *col = (uint16_t *)(block + round64(nrp * 4) +
                                 round64(S->val ? nnz * 4 : 0));
    /* width is a power of two: shifts, not divisions; the row bounds are
     * read once (the stores could alias them as far as the compiler
     * knows) */
    const unsigned shift = (unsigned)__builtin_ctz(width);
    memset(rowptr, 0, nrp * sizeof *rowptr);
    for (uint32_t i = 0; i < n_in; i++) {
        const uint32_t k1 = S->rowptr[i + 1];
        for (uint32_t k = S->rowptr[i]; k < k1; k++)
            rowptr[(size_t)(COL(k) >> shift) * (n_in + 1) + i + 1]++;
    }
    running_offsets(rowptr, ns, n_in);
    /* entries keep their order within a row: sums keep theirs */
    for (uint32_t i = 0; i < n_in; i++) {
        for (uint32_t s = 0; s < ns; s++)
            cur[s] = rowptr[(size_t)s * (n_in + 1) + i];
        const uint32_t k1 = S->rowptr[i + 1];
        for (uint32_t k = S->rowptr[i]; k < k1; k++) {
            uint32_t j = COL(k);
            uint32_t p = cur[j >> shift]++;
            col[p] = (uint16_t)(j & (width - 1));
            if (val != NULL)
                val[p] = S->val[k];
        }
    }
    L->sections = ns;
    L->width = width;
    L->rowptr = rowptr;
    L->col16 = col;
    L->col32 = NULL;
    L->val = val;
}

/* Cursor sections for the largest layers (see cpu_internal.h): four
 * sections (measured on 16384 and 65536 neurons: more sections cost more in
 * row walking than they gain in cache). */
#define CPU_CURSOR_MIN_N 8192u
#define CPU_CURSOR_SECTIONS 4u

static bool rows_sorted(const snig_layer *S)
{
    LAYER_COLS(S);
    for (uint32_t i = 0; i < S->n_in; i++)
        for (uint32_t k = S->rowptr[i] + 1; k < S->rowptr[i + 1]; k++)
            if (COL(k - 1) >= COL(k))
                return false;
    return true;
}


/* The CSC copy for the gather kernel, a stable counting sort of the CSR
 * entries by (section, column), so each column lists its entries by input
 * neuron in the order the scatter adds them.  A layer of at most 1024
 * inputs whose weights are all the same is cut in sections of 512 (a
 * 32 KiB part of the input panel, the L1 cache): 10% faster on the
 * official network, where each section carries the sums through z once.
 * Other layers are one section (16-bit indices allowing): a wider input
 * panel is beyond the L1 cache in any two sections, and each more section
 * costs a pass over z (eight sections of 512 made a 4096-wide layer 1.5
 * times slower; two made the pruned 784-1024-1024-10 MLP of
 * bench/mlp_shape, whose entries load their own weights, 1.1 times
 * slower). */
#define CPU_CSC_MAX_OUT 8192u

static uint32_t csc_width(const snig_layer *S)
{
    return S->n_in <= 1024 && S->val == NULL ? 512u : 65536u;
}

static size_t csc_bytes(const snig_layer *S)
{
    if (S->n_out > CPU_CSC_MAX_OUT)
        return 0;
    size_t ns = (S->n_in + csc_width(S) - 1) / csc_width(S);
    size_t nnz = S->nnz;
    return round64(ns * (S->n_out + 1) * 4) + round64(S->val ? nnz * 4 : 0) +
           round64(nnz * 2);
}

static void pack_csc(const snig_layer *S, uint8_t *block, cpu_layer *L)
{
    LAYER_COLS(S);
    const uint32_t n_in = S->n_in, n_out = S->n_out, w = csc_width(S);
    const uint32_t ns = (n_in + w - 1) / w;
    const unsigned shift = (unsigned)__builtin_ctz(w);   /* w: a power of 2 */
    size_t nnz = S->rowptr[n_in], ncp = (size_t)ns * (n_out + 1);
    uint32_t *colptr = (uint32_t *)block;
    float *val = S->val ? (float *)(block + round64(ncp * 4)) : NULL;
    uint16_t *rows = (uint16_t *)(block + round64(ncp * 4) +
                                  round64(S->val ? nnz * 4 : 0));
    /* counts at [s][j + 1], then running offsets over (s, j) */
    memset(colptr, 0, ncp * sizeof *colptr);
    for (uint32_t i = 0; i < n_in; i++) {
        uint32_t *cp = colptr + (size_t)(i >> shift) * (n_out + 1) + 1;
        const uint32_t k1 = S->rowptr[i + 1];
        for (uint32_t k = S->rowptr[i]; k < k1; k++)
            cp[COL(k)]++;
    }
    running_offsets(colptr, ns, n_out);
    /* cp[j] runs ahead as column j fills, then is shifted back */
    for (uint32_t i = 0; i < n_in; i++) {
        uint32_t *cp = colptr + (size_t)(i >> shift) * (n_out + 1);
        const uint32_t k1 = S->rowptr[i + 1];
        for (uint32_t k = S->rowptr[i]; k < k1; k++) {
            uint32_t p = cp[COL(k)]++;
            rows[p] = (uint16_t)(i & (w - 1));
            if (val != NULL)
                val[p] = S->val[k];
        }
    }
    for (uint32_t s = 0; s < ns; s++) {
        uint32_t *cp = colptr + (size_t)s * (n_out + 1);
        for (uint32_t j = n_out; j > 0; j--)
            cp[j] = cp[j - 1];
        cp[0] = s == 0 ? 0 : colptr[(size_t)s * (n_out + 1) - 1];
    }
    L->csc_sections = ns;
    L->csc_width = w;
    L->colptr = colptr;
    L->crow = rows;
    L->cval = val;
}

size_t snig__cpu_layer_bytes(const snig_layer *S)
{
    return sections_bytes(S) + csc_bytes(S);
}

static float bias_of(const cpu_layer *L, uint32_t j)
{
    return L->bias ? L->bias[j] : L->bias_scalar;
}

/* The saturation property must hold in the arithmetic the kernel uses, not
 * just on paper (c * s_j + b >= cap), so that skipping a layer for a row at
 * the cap gives exactly what computing it would: the row at sat_in is run
 * through the layer with the same operations in the same order (by input
 * neuron; sections do not change the order of one output's additions). */
static bool layer_saturates(const snig_layer *S, const cpu_layer *L,
                            float *z)
{
    LAYER_COLS(S);
    memset(z, 0, (size_t)L->n_out * sizeof *z);
    const float c = L->sat_in;
    for (uint32_t i = 0; i < S->n_in; i++) {
        const uint32_t k1 = S->rowptr[i + 1];
        for (uint32_t k = S->rowptr[i]; k < k1; k++) {
            float w = S->val ? S->val[k] : S->uniform;
            z[COL(k)] += c * w;
        }
    }
    for (uint32_t j = 0; j < L->n_out; j++)
        if (snig_activate_general(z[j], bias_of(L, j), L->dense, L->act,
                                  L->cap) != L->cap)
            return false;
    return true;
}

/* Whether a zero row becomes nonzero: only under the dense bias rule, where
 * the output is act(b_j). */
static bool layer_revives(const cpu_layer *L)
{
    for (uint32_t j = 0; L->dense && j < L->n_out; j++)
        if (snig_activate_general(0.0f, bias_of(L, j), 1, L->act, L->cap) !=
            0.0f)
            return true;
    return false;
}

snig_status snig__cpu_layer_prepare(const snig_job *job, uint32_t l,
                                    uint8_t *mem, float *scratch,
                                    cpu_layer *out)
{
    const snig_network *net = job->net;
    snig_status st;
    /* snig__layer_ready may set the context's message: one at a time */
#pragma omp critical(snig_cpu_ctx)
    st = snig__layer_ready(job->ctx, net, l);
    if (st != SNIG_OK)
        return st;
    const snig_layer *S = &net->layer[l];
    if (S->rowptr[S->n_in] != S->nnz) {  /* the sizes mem was cut by */
#pragma omp critical(snig_cpu_ctx)
        st = snig__error(job->ctx, SNIG_CORRUPT,
                         "%s: layer %u: %llu entries, but %llu recorded",
                         net->path ? net->path : "network", l + 1,
                         (unsigned long long)S->rowptr[S->n_in],
                         (unsigned long long)S->nnz);
        return st;
    }
    cpu_layer L = {
        .n_in = S->n_in,
        .n_out = S->n_out,
        .sections = 1,
        .width = S->n_out,
        .rowptr = S->rowptr,
        .col16 = S->col16,
        .col32 = S->col16 ? NULL : S->col32,
        .val = S->val,
        .uniform = S->uniform,
        .dense = S->bias_rule == SNIG_BIAS_DENSE,
        .act = S->activation,
        .cap = S->cap,
    };
    L.bias = snig_layer_bias(job, l, &L.bias_scalar);
    /* a row held at a cap: the cap of the layer before (layer 0: its own,
     * for input rows given at the cap) */
    const snig_layer *P = l > 0 ? &net->layer[l - 1] : S;
    L.sat_valid = P->activation == SNIG_ACT_RELU_CAP && P->cap > 0.0f;
    L.sat_in = L.sat_valid ? P->cap : 0.0f;
    if (section_width(S) != 0)
        pack_sections(S, section_width(S), mem, &L);
    L.row_start = S->rowptr;
    L.nnz = S->rowptr[S->n_in];
    L.row_len = S->n_in > 0 ? S->rowptr[1] - S->rowptr[0] : 0;
    for (uint32_t i = 1; i < S->n_in && L.row_len != 0; i++)
        if (S->rowptr[i + 1] - S->rowptr[i] != L.row_len)
            L.row_len = 0;
    if (csc_bytes(S) != 0)
        pack_csc(S, mem + sections_bytes(S), &L);
    if (S->n_out > CPU_CURSOR_MIN_N && rows_sorted(S))
        L.cursor_width =
            (S->n_out + CPU_CURSOR_SECTIONS - 1) / CPU_CURSOR_SECTIONS;
    L.saturating = job->opt->shortcuts && L.sat_valid &&
                   S->activation == SNIG_ACT_RELU_CAP &&
                   layer_saturates(S, &L, scratch);
    L.revives = layer_revives(&L);
    *out = L;
    return SNIG_OK;
}
