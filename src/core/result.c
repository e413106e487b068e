/* The result handle: what engines fill, and what users read. */
#include "internal.h"

#include <string.h>

snig_status snig__result_new(snig_ctx *ctx, uint64_t rows, uint64_t first_row,
                             uint32_t neurons, uint32_t layers,
                             bool keep_values, snig_result **out)
{
    *out = NULL;
    snig_result *res = snig__calloc(ctx, 1, sizeof *res);
    if (res == NULL)
        return SNIG_NOMEM;
    res->ctx = snig__ctx_clone(ctx);
    if (res->ctx == NULL) {
        snig__free(ctx, res);
        return SNIG_NOMEM;
    }
    res->magic = SNIG_MAGIC_RESULT;
    res->rows = rows;
    res->first_row = first_row;
    res->neurons = neurons;
    res->layers = layers;
    res->ranks = 1;
    res->alive = snig__calloc(ctx, rows ? rows : 1, 1);
    res->live = snig__calloc(ctx, layers ? layers : 1, sizeof *res->live);
    res->layer_madds = snig__calloc(ctx, layers ? layers : 1,
                                    sizeof *res->layer_madds);
    res->layer_ns = snig__calloc(ctx, layers ? layers : 1,
                                 sizeof *res->layer_ns);
    res->layer_seconds = snig__calloc(ctx, layers ? layers : 1,
                                      sizeof *res->layer_seconds);
    res->rank_seconds = snig__calloc(ctx, 1, sizeof *res->rank_seconds);
    if (keep_values && res->alive != NULL) {
        if (neurons != 0 && rows > SIZE_MAX / sizeof(float) / neurons)
            snig__error(ctx, SNIG_NOMEM, "keep_values: %llu x %u values do "
                        "not fit in memory", (unsigned long long)rows, neurons);
        else
            res->values = snig__calloc(ctx, rows ? rows * neurons : 1,
                                       sizeof(float));
    }
    if (res->alive == NULL || res->live == NULL || res->rank_seconds == NULL ||
        res->layer_madds == NULL || res->layer_ns == NULL ||
        res->layer_seconds == NULL ||
        (keep_values && res->values == NULL)) {
        snig_result_free(&res);
        return SNIG_NOMEM;
    }
    *out = res;
    return SNIG_OK;
}

/* The kept values as CSR, from the dense rows of res->values. */
static snig_status values_to_csr(snig_ctx *ctx, snig_result *res)
{
    const uint32_t n = res->neurons;
    uint64_t nnz = 0;
    for (uint64_t r = 0; r < res->rows; r++)
        for (uint32_t j = 0; res->alive[r] && j < n; j++)
            nnz += res->values[r * n + j] != 0.0f;
    snig__free(ctx, res->values_rowptr);
    snig__free(ctx, res->values_col);
    snig__free(ctx, res->values_val);
    res->values_rowptr = snig__malloc(ctx, (res->rows + 1) * sizeof(uint64_t));
    res->values_col = snig__malloc(ctx, (nnz ? nnz : 1) * sizeof(uint32_t));
    res->values_val = snig__malloc(ctx, (nnz ? nnz : 1) * sizeof(float));
    if (!res->values_rowptr || !res->values_col || !res->values_val)
        return SNIG_NOMEM;
    uint64_t k = 0;
    res->values_rowptr[0] = 0;
    for (uint64_t r = 0; r < res->rows; r++) {
        for (uint32_t j = 0; res->alive[r] && j < n; j++) {
            float v = res->values[r * n + j];
            if (v != 0.0f) {
                res->values_col[k] = j;
                res->values_val[k++] = v;
            }
        }
        res->values_rowptr[r + 1] = k;
    }
    return SNIG_OK;
}

snig_status snig__result_finish(snig_ctx *ctx, snig_result *res)
{
    for (uint32_t l = 0; l < res->layers; l++)
        res->layer_seconds[l] = 1e-9 * (double)atomic_load(&res->layer_ns[l]);
    if (res->values != NULL) {
        snig_status st = values_to_csr(ctx, res);
        if (st != SNIG_OK)
            return st;
    }
    uint64_t n = 0;
    for (uint64_t r = 0; r < res->rows; r++)
        n += res->alive[r] != 0;
    snig__free(ctx, res->categories);
    res->categories = snig__malloc(ctx, (n ? n : 1) * sizeof(uint64_t));
    if (res->categories == NULL)
        return SNIG_NOMEM;
    uint64_t k = 0;
    for (uint64_t r = 0; r < res->rows; r++)
        if (res->alive[r])
            res->categories[k++] = res->first_row + r + 1;
    res->ncategories = n;
    return SNIG_OK;
}

void snig_result_free(snig_result **pres)
{
    if (pres == NULL || !SNIG_VALID(*pres, SNIG_MAGIC_RESULT))
        return;
    snig_result *res = *pres;
    snig_ctx *ctx = res->ctx;
    snig__free(ctx, res->alive);
    snig__free(ctx, res->categories);
    snig__free(ctx, (void *)res->live);
    snig__free(ctx, (void *)res->layer_madds);
    snig__free(ctx, (void *)res->layer_ns);
    snig__free(ctx, res->layer_seconds);
    snig__free(ctx, res->values);
    snig__free(ctx, res->values_rowptr);
    snig__free(ctx, res->values_col);
    snig__free(ctx, res->values_val);
    snig__free(ctx, res->rank_seconds);
    res->magic = 0;
    snig__free(ctx, res);
    snig_ctx_free(&ctx);
    *pres = NULL;
}

const uint64_t *snig_result_categories(const snig_result *res, uint64_t *count)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT)) {
        if (count)
            *count = 0;
        return NULL;
    }
    if (count)
        *count = res->ncategories;
    return res->categories;
}

const char *snig_result_engine(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->engine : "";
}

const char *snig_result_fallback(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->fallback : "";
}

double snig_result_seconds(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->seconds : 0.0;
}

double snig_result_prepare_seconds(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->prepare_seconds : 0.0;
}

double snig_result_kernel_seconds(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->kernel_seconds : 0.0;
}

const char *snig_result_engine_info(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) && res->engine_info[0] != '\0'
               ? res->engine_info
               : "{}";
}

uint32_t snig_result_outputs(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->neurons : 0;
}

const uint64_t *snig_result_layer_madds(const snig_result *res)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || !res->layer_counted)
        return NULL;
    return (const uint64_t *)res->layer_madds;
}

const double *snig_result_layer_seconds(const snig_result *res)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || !res->layer_counted)
        return NULL;
    return res->layer_seconds;
}

snig_status snig_result_values(const snig_result *res, const uint64_t **rowptr,
                               const uint32_t **col, const float **val)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || res->values_rowptr == NULL ||
        rowptr == NULL || col == NULL || val == NULL)
        return SNIG_USAGE;
    *rowptr = res->values_rowptr;
    *col = res->values_col;
    *val = res->values_val;
    return SNIG_OK;
}

uint32_t snig_result_layers(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->layers : 0;
}

uint64_t snig_result_edges(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->edges : 0;
}

const uint64_t *snig_result_live_rows(const snig_result *res)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || !res->live_counted)
        return NULL;
    /* _Atomic uint64_t has the layout of uint64_t on every target we build. */
    return (const uint64_t *)res->live;
}

uint64_t snig_result_madds(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? atomic_load(&((snig_result *)res)->madds) : 0;
}

const float *snig_result_row(const snig_result *res, uint64_t row)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || res->values == NULL ||
        row >= res->rows || !res->alive[row])
        return NULL;
    return res->values + row * res->neurons;
}

int snig_result_ranks(const snig_result *res)
{
    return SNIG_VALID(res, SNIG_MAGIC_RESULT) ? res->ranks : 0;
}

double snig_result_rank_seconds(const snig_result *res, int rank)
{
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || rank < 0 || rank >= res->ranks)
        return 0.0;
    return res->rank_seconds[rank];
}

int snig_check_truth(const snig_result *res, const snig_inputs *in,
                     const uint64_t *truth, uint64_t truth_count,
                     uint64_t *missing, uint64_t *extra)
{
    uint64_t miss = 0, more = 0;
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || !SNIG_VALID(in, SNIG_MAGIC_INPUTS) ||
        (truth == NULL && truth_count > 0))
        return 0;
    /* The rows the result covers: those of `in`, or on rank 0 of a run over
     * several processes every rank's rows (gathered there). */
    uint64_t lo = res->first_row + 1, hi = res->first_row + res->rows;
    /* Both lists are sorted: merge them over the rows held. */
    uint64_t i = 0, j = 0;
    while (i < truth_count && truth[i] < lo)
        i++;
    while (i < truth_count && truth[i] <= hi) {
        if (j < res->ncategories && res->categories[j] == truth[i]) {
            i++, j++;
        } else if (j < res->ncategories && res->categories[j] < truth[i]) {
            more++, j++;
        } else {
            miss++, i++;
        }
    }
    more += res->ncategories - j;
    if (missing)
        *missing = miss;
    if (extra)
        *extra = more;
    return miss == 0 && more == 0;
}
