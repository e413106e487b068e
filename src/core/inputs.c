/* The inputs handle: construction (from readers or from the caller's
 * arrays) and accessors. */
#define _DEFAULT_SOURCE
#include "internal.h"

#include <math.h>
#include <string.h>

snig_status snig__inputs_new(snig_ctx *ctx, uint32_t neurons, snig_inputs **out)
{
    *out = NULL;
    snig_inputs *in = snig__calloc(ctx, 1, sizeof *in);
    if (in == NULL)
        return SNIG_NOMEM;
    in->ctx = snig__ctx_clone(ctx);
    if (in->ctx == NULL) {
        snig__free(ctx, in);
        return SNIG_NOMEM;
    }
    in->magic = SNIG_MAGIC_INPUTS;
    in->neurons = neurons;
    *out = in;
    return SNIG_OK;
}

void snig_inputs_free(snig_inputs **pin)
{
    if (pin == NULL || !SNIG_VALID(*pin, SNIG_MAGIC_INPUTS))
        return;
    snig_inputs *in = *pin;
    snig_ctx *ctx = in->ctx;
    if (!in->borrowed) {
        snig__free(ctx, in->rowptr);
        snig__free(ctx, in->col);
    }
    snig__free(ctx, in->val);
    in->magic = 0;
    snig__free(ctx, in);
    snig_ctx_free(&ctx);
    *pin = NULL;
}

uint64_t snig_inputs_rows(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) ? in->rows : 0;
}

uint32_t snig_inputs_neurons(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) ? in->neurons : 0;
}

uint64_t snig_inputs_nonzeros(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) && in->rowptr ? in->rowptr[in->rows]
                                                           : 0;
}

uint64_t snig_inputs_first_row(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) ? in->first_row : 0;
}

void snig_load_options_init(snig_load_options *o)
{
    *o = (snig_load_options){.verify = 1};
}

static snig_status check_csr(snig_ctx *ctx, uint64_t rows, uint32_t cols,
                             const uint64_t *rowptr, const uint32_t *col,
                             const float *val)
{
    if (rowptr[0] != 0)
        return snig__error(ctx, SNIG_FORMAT, "inputs: row offsets start at "
                           "%llu, not 0", (unsigned long long)rowptr[0]);
    for (uint64_t r = 0; r < rows; r++)
        if (rowptr[r + 1] < rowptr[r])
            return snig__error(ctx, SNIG_FORMAT, "inputs: row offsets go back "
                               "at row %llu", (unsigned long long)r + 1);
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t k = rowptr[r]; k < rowptr[r + 1]; k++) {
            if (col[k] >= cols)
                return snig__error(ctx, SNIG_RANGE, "inputs: row %llu: column "
                                   "%u out of range 1..%u",
                                   (unsigned long long)r + 1, col[k] + 1, cols);
            if (val != NULL && !isfinite(val[k]))
                return snig__error(ctx, SNIG_FORMAT, "inputs: row %llu: value "
                                   "is not finite", (unsigned long long)r + 1);
        }
    return SNIG_OK;
}

snig_status snig_inputs_from_csr(snig_ctx *ctx, uint64_t rows, uint32_t cols,
                                 const uint64_t *rowptr, const uint32_t *col,
                                 const float *val, unsigned flags,
                                 snig_inputs **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (out == NULL || rowptr == NULL || (flags & ~SNIG_BORROW) != 0 ||
        cols == 0)
        return snig__error(ctx, SNIG_USAGE, "snig_inputs_from_csr: invalid "
                           "argument");
    *out = NULL;
    uint64_t nnz = rowptr[rows];
    if (nnz != 0 && col == NULL)
        return snig__error(ctx, SNIG_USAGE, "snig_inputs_from_csr: no column "
                           "indices");
    if (nnz > SIZE_MAX / sizeof(float) || rows >= SIZE_MAX / sizeof(uint64_t))
        return snig__error(ctx, SNIG_NOMEM, "inputs: %llu values do not fit "
                           "in memory", (unsigned long long)nnz);
    snig_status st = check_csr(ctx, rows, cols, rowptr, col, val);
    if (st != SNIG_OK)
        return st;
    snig_inputs *in = NULL;
    st = snig__inputs_new(ctx, cols, &in);
    if (st != SNIG_OK)
        return st;
    in->rows = rows;
    in->borrowed = (flags & SNIG_BORROW) != 0;
    if (in->borrowed) {
        in->rowptr = (uint64_t *)rowptr;
        in->col = (uint32_t *)col;
    } else {
        in->rowptr = snig__malloc(ctx, (size_t)(rows + 1) * sizeof *rowptr);
        in->col = snig__malloc(ctx, (size_t)nnz * sizeof *col);
        if (in->rowptr != NULL)
            memcpy(in->rowptr, rowptr, (size_t)(rows + 1) * sizeof *rowptr);
        if (in->col != NULL && nnz)
            memcpy(in->col, col, (size_t)nnz * sizeof *col);
    }
    /* The values are always the handle's: engines read in->val. */
    in->val = snig__malloc(ctx, (size_t)nnz * sizeof *in->val);
    if (in->rowptr == NULL || in->col == NULL || in->val == NULL) {
        snig_inputs_free(&in);
        return SNIG_NOMEM;
    }
    for (uint64_t k = 0; k < nnz; k++)
        in->val[k] = val != NULL ? val[k] : 1.0f;
    *out = in;
    return SNIG_OK;
}

snig_status snig_inputs_from_dense(snig_ctx *ctx, uint64_t rows,
                                   uint32_t cols, const float *x,
                                   snig_inputs **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (out == NULL || (x == NULL && rows > 0) || cols == 0)
        return snig__error(ctx, SNIG_USAGE, "snig_inputs_from_dense: invalid "
                           "argument");
    *out = NULL;
    if (rows > SIZE_MAX / sizeof(float) / cols)
        return snig__error(ctx, SNIG_NOMEM, "inputs: %llu x %u values do not "
                           "fit in memory", (unsigned long long)rows, cols);
    uint64_t nnz = 0;
    for (size_t k = 0; k < (size_t)rows * cols; k++) {
        if (!isfinite(x[k]))
            return snig__error(ctx, SNIG_FORMAT, "inputs: row %llu, column "
                               "%u: value is not finite",
                               (unsigned long long)(k / cols) + 1,
                               (unsigned)(k % cols) + 1);
        nnz += x[k] != 0.0f;
    }
    snig_inputs *in = NULL;
    snig_status st = snig__inputs_new(ctx, cols, &in);
    if (st != SNIG_OK)
        return st;
    in->rows = rows;
    in->rowptr = snig__malloc(ctx, (size_t)(rows + 1) * sizeof *in->rowptr);
    in->col = snig__malloc(ctx, (size_t)nnz * sizeof *in->col);
    in->val = snig__malloc(ctx, (size_t)nnz * sizeof *in->val);
    if (in->rowptr == NULL || in->col == NULL || in->val == NULL) {
        snig_inputs_free(&in);
        return SNIG_NOMEM;
    }
    uint64_t k = 0;
    in->rowptr[0] = 0;
    for (uint64_t r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * cols;
        for (uint32_t j = 0; j < cols; j++)
            if (row[j] != 0.0f) {
                in->col[k] = j;
                in->val[k++] = row[j];
            }
        in->rowptr[r + 1] = k;
    }
    *out = in;
    return SNIG_OK;
}
