/* Packing of a layer for the cuda engine (see pack.h) and a host emulation
 * of the kernel's arithmetic, so that CI, which has no GPU, tests both. */
#include "pack.h"
#include "pack_math.h"

#include <string.h>

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

static uint32_t groups(uint32_t n)
{
    return (n + SNIG_PACK_GROUP - 1) / SNIG_PACK_GROUP;
}

/* count[j] = entries of column j. */
static void count_columns(uint32_t n, uint64_t nnz, const uint16_t *col16,
                          const uint32_t *col32, uint32_t *count)
{
    memset(count, 0, (size_t)n * sizeof *count);
    for (uint64_t k = 0; k < nnz; k++)
        count[col16 ? col16[k] : col32[k]]++;
}

/* Slots of group g: 32 x its longest column. */
static uint64_t group_slots(uint32_t n, uint32_t g, const uint32_t *count)
{
    uint32_t most = 0;
    for (uint32_t j = g * SNIG_PACK_GROUP;
         j < n && j < (g + 1) * SNIG_PACK_GROUP; j++)
        most = count[j] > most ? count[j] : most;
    return (uint64_t)most * SNIG_PACK_GROUP;
}

uint64_t snig__pack_slots(uint32_t n, uint64_t nnz, const uint16_t *col16,
                         const uint32_t *col32, uint32_t *count)
{
    uint64_t slots = 0;
    count_columns(n, nnz, col16, col32, count);
    for (uint32_t g = 0; g < groups(n); g++)
        slots += group_slots(n, g, count);
    return slots;
}

int snig__pack_plan(snig__pack_layer *d, uint32_t n, uint64_t nnz,
                   uint64_t slots, int has_values, int per_neuron_bias)
{
    /* Offsets are 32 bits: at most 6 bytes a slot must stay below 4 GiB. */
    if (n == 0 || n > SNIG_PACK_MAX_NEURONS || nnz > (uint64_t)n * n ||
        slots < nnz || slots >= UINT32_MAX / 8)
        return 0;
    uint64_t at = align_up(((uint64_t)groups(n) + 1) * sizeof(uint32_t), 16);
    d->nnz = (uint32_t)nnz;
    d->slots = (uint32_t)slots;
    d->len_off = (uint32_t)at;
    at = align_up(at + (uint64_t)n * sizeof(uint32_t), 16);
    d->idx_off = (uint32_t)at;
    at = align_up(at + slots * sizeof(uint16_t), 16);
    d->val_off = 0;
    if (has_values) {
        d->val_off = (uint32_t)at;
        at = align_up(at + slots * sizeof(float), 16);
    }
    d->bias_off = 0;
    if (per_neuron_bias) {
        d->bias_off = (uint32_t)at;
        at = align_up(at + (uint64_t)n * sizeof(float), 16);
    }
    d->bytes = align_up(at, 256);
    d->uniform = 0.0f;
    d->bias_scalar = 0.0f;
    d->maps_saturated = 0;
    return 1;
}

int snig__pack_uniform(const float *val, uint64_t nnz)
{
    for (uint64_t k = 1; k < nnz; k++)
        if (memcmp(&val[k], &val[0], sizeof val[0]) != 0)
            return 0;
    return 1;
}

/* The parts of a packed blob. */
typedef struct view {
    const uint32_t *grp, *len;
    const uint16_t *idx;
    const float *val, *bias;
} view;

static view view_of(const snig__pack_layer *d, const void *blob)
{
    const unsigned char *b = blob;
    return (view){
        .grp = (const uint32_t *)b,
        .len = (const uint32_t *)(b + d->len_off),
        .idx = (const uint16_t *)(b + d->idx_off),
        .val = d->val_off ? (const float *)(b + d->val_off) : NULL,
        .bias = d->bias_off ? (const float *)(b + d->bias_off) : NULL};
}

/* The first slot of column j. */
static uint32_t column_base(const view *v, uint32_t j)
{
    return v->grp[j / SNIG_PACK_GROUP] + j % SNIG_PACK_GROUP;
}

/* The all-32 row through the packed layer, summed as the kernel sums it:
 * the saturation shortcut is exact because this is the very computation the
 * kernel would do. */
static int maps_saturated(const snig__pack_layer *d, const view *v, uint32_t n,
                          int fused)
{
    for (uint32_t j = 0; j < n; j++) {
        float z = 0.0f;
        uint32_t base = column_base(v, j);
        for (uint32_t k = 0; k < v->len[j]; k++) {
            float w = v->val ? v->val[base + (size_t)k * SNIG_PACK_GROUP]
                             : d->uniform;
            z = snig__pack_madd(z, SNIG_YMAX, w, fused);
        }
        if (snig_activate(z, v->bias ? v->bias[j] : d->bias_scalar) !=
            SNIG_YMAX)
            return 0;
    }
    return 1;
}

void snig__pack_fill(snig__pack_layer *d, uint32_t n, const uint32_t *rowptr,
                    const uint16_t *col16, const uint32_t *col32,
                    const float *val, float uniform, const float *bias,
                    float bias_scalar, int fused, void *blob,
                    uint32_t *cursor)
{
    unsigned char *b = blob;
    uint32_t *grp = (uint32_t *)b;
    uint32_t *len = (uint32_t *)(b + d->len_off);
    uint16_t *idx = (uint16_t *)(b + d->idx_off);
    float *pval = d->val_off ? (float *)(b + d->val_off) : NULL;
    float *pbias = d->bias_off ? (float *)(b + d->bias_off) : NULL;

    memset(blob, 0, d->bytes);
    d->uniform = val && !pval ? (d->nnz ? val[0] : 0.0f) : uniform;
    d->bias_scalar = bias_scalar;
    count_columns(n, d->nnz, col16, col32, len);
    grp[0] = 0;
    for (uint32_t g = 0; g < groups(n); g++)
        grp[g + 1] = grp[g] + (uint32_t)group_slots(n, g, len);
    /* Place the entries visiting the inputs in increasing order, so each
     * column comes out sorted by input neuron. */
    memset(cursor, 0, (size_t)n * sizeof *cursor);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = rowptr[i]; k < rowptr[i + 1]; k++) {
            uint32_t j = col16 ? col16[k] : col32[k];
            uint32_t at = grp[j / SNIG_PACK_GROUP] + j % SNIG_PACK_GROUP +
                          cursor[j]++ * SNIG_PACK_GROUP;
            idx[at] = (uint16_t)i;
            if (pval)
                pval[at] = val[k];
        }
    if (pbias)
        memcpy(pbias, bias, (size_t)n * sizeof *pbias);
    view v = view_of(d, blob);
    d->maps_saturated = maps_saturated(d, &v, n, fused);
}

void snig__pack_emulate(const snig__pack_layer *d, const void *blob, uint32_t n,
                       uint32_t section, int fused, const float *yin,
                       float *yout, uint32_t rows, float *acc,
                       uint32_t *cursor)
{
    const view v = view_of(d, blob);
    float ys[SNIG_CUDA_ROWS * SNIG_PACK_EMULATE_SECTION];

    if (section == 0 || section > SNIG_PACK_EMULATE_SECTION)
        section = SNIG_PACK_EMULATE_SECTION;
    for (uint32_t r0 = 0; r0 < rows; r0 += SNIG_CUDA_ROWS) {
        for (uint32_t j = 0; j < n; j++) {
            cursor[j] = 0;
            for (int r = 0; r < SNIG_CUDA_ROWS; r++)
                acc[(size_t)j * SNIG_CUDA_ROWS + r] = 0.0f;
        }
        for (uint32_t s0 = 0; s0 < n; s0 += section) {
            uint32_t len = n - s0 < section ? n - s0 : section;
            int any = 0;
            /* The kernel's shared-memory load: rows interleaved, rows past
             * the end zeros, and the zero test is the block's vote. */
            for (int r = 0; r < SNIG_CUDA_ROWS; r++)
                for (uint32_t i = 0; i < len; i++) {
                    float y = r0 + r < rows
                                  ? yin[(size_t)(r0 + r) * n + s0 + i]
                                  : 0.0f;
                    ys[i * SNIG_CUDA_ROWS + r] = y;
                    any |= y != 0.0f;
                }
            for (uint32_t j = 0; j < n; j++) {
                uint32_t base = column_base(&v, j);
                const uint16_t *idx = v.idx + base;
                cursor[j] =
                    any ? snig__pack_section(idx, v.val ? v.val + base : NULL,
                                            SNIG_PACK_GROUP, d->uniform,
                                            cursor[j], v.len[j], s0, s0 + len,
                                            ys, fused,
                                            acc + (size_t)j * SNIG_CUDA_ROWS)
                        : snig__pack_skip(idx, SNIG_PACK_GROUP, cursor[j],
                                         v.len[j], s0 + len);
            }
        }
        for (uint32_t j = 0; j < n; j++)
            for (int r = 0; r < SNIG_CUDA_ROWS && r0 + r < rows; r++)
                yout[(size_t)(r0 + r) * n + j] =
                    snig_activate(acc[(size_t)j * SNIG_CUDA_ROWS + r],
                                  v.bias ? v.bias[j] : d->bias_scalar);
    }
}
