/* The duplicate-row shortcut: input rows with identical entries give
 * identical results, so each distinct row is computed once and its result
 * shared.  Rows are hashed and go in index order into an open-addressing
 * table of hashes; a row meeting an equal hash is compared entry by entry,
 * so a hash collision never merges rows (a table, not a sort: on the 1200
 * official rows the sort was a serial tenth of a millisecond).
 * Leaving duplicates apart is exact too (they are then computed twice), so
 * on many rows a sample is searched first, and the whole search is made
 * only when the sample holds equal rows: real-valued rows (images) hardly
 * ever repeat, and the search would cost more than it saves. */
#include "cpu_internal.h"

#include <string.h>

/* Rows up to which the whole search is made at once; above, one row in
 * SAMPLE_STRIDE (at least SAMPLE_MIN rows) is searched first.  A fraction d
 * of rows that are duplicates of others shows in the sample about
 * d * sample^2 / rows times. */
#define SAMPLE_FROM 4096u
#define SAMPLE_STRIDE 4u
#define SAMPLE_MIN 2048u

typedef struct row_hash {
    uint64_t h;
    uint32_t r;
} row_hash;

/* A 64-bit hash of a row's columns and value bits: a sum of one mixed word
 * per entry (the column is in the word, so the sum keeps the entries
 * apart), no chain from one entry to the next, so entries hash at the rate
 * of the multiplier; equal rows are compared entry by entry anyway, so the
 * hash only has to spread. */
static uint64_t hash_row(const snig_inputs *in, uint64_t r)
{
    uint64_t n = in->rowptr[r + 1] - in->rowptr[r];
    const uint32_t *col = in->col + in->rowptr[r];
    const float *val = in->val + in->rowptr[r];
    uint64_t h = 0x9e3779b97f4a7c15ull * (n + 1);
    for (uint64_t k = 0; k < n; k++) {
        uint32_t v;
        memcpy(&v, &val[k], sizeof v);
        uint64_t x = (((uint64_t)col[k] << 32) | v) * 0xbf58476d1ce4e5b9ull;
        h += x ^ (x >> 29);
    }
    h = (h ^ (h >> 30)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static bool rows_equal(const snig_inputs *in, uint64_t a, uint64_t b)
{
    uint64_t na = in->rowptr[a + 1] - in->rowptr[a];
    if (na != in->rowptr[b + 1] - in->rowptr[b])
        return false;
    const uint32_t *ca = in->col + in->rowptr[a], *cb = in->col + in->rowptr[b];
    const float *va = in->val + in->rowptr[a], *vb = in->val + in->rowptr[b];
    return memcmp(ca, cb, na * sizeof *ca) == 0 &&
           memcmp(va, vb, na * sizeof *va) == 0;
}

/* Sets rep / weight of the rows of hs[0, n) (in index order) that equal an
 * earlier one; `table` holds 2^bits slots of scratch.  Returns how many
 * rows did. */
static uint32_t merge_equal(const snig_inputs *in, const row_hash *hs,
                            uint32_t n, uint32_t *table, unsigned bits,
                            uint32_t *rep, uint32_t *weight)
{
    const uint32_t empty = UINT32_MAX;
    const uint64_t mask = ((uint64_t)1 << bits) - 1;
    uint32_t merged = 0;
    memset(table, 0xff, (size_t)(mask + 1) * sizeof *table);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t slot = (hs[i].h >> (64 - bits)) & mask;
        bool dup = false;
        for (; table[slot] != empty; slot = (slot + 1) & mask) {
            const row_hash *c = &hs[table[slot]];
            if (c->h == hs[i].h && rows_equal(in, c->r, hs[i].r)) {
                /* earlier rows went in first: c is the representative */
                rep[hs[i].r] = c->r;
                weight[hs[i].r] = 0;
                weight[c->r]++;
                merged++;
                dup = true;
                break;
            }
        }
        if (!dup)
            table[slot] = i;
    }
    return merged;
}

snig_status snig__cpu_find_duplicates(snig_ctx *ctx, const snig_inputs *in,
                                      int threads, uint32_t *rep,
                                      uint32_t *weight)
{
    uint32_t rows = (uint32_t)in->rows;
    unsigned bits = 1;   /* a table at most half full (rows < 2^32) */
    while (((uint64_t)1 << bits) < 2 * (uint64_t)rows)
        bits++;
    row_hash *hs = snig__malloc(ctx, (rows ? rows : 1) * sizeof *hs);
    uint32_t *table = snig__malloc(ctx, ((size_t)1 << bits) * sizeof *table);
    if (hs == NULL || table == NULL) {
        snig__free(ctx, hs);
        snig__free(ctx, table);
        return SNIG_NOMEM;
    }
    for (uint32_t r = 0; r < rows; r++) {
        rep[r] = r;
        weight[r] = 1;
    }
    uint32_t stride = rows / SAMPLE_STRIDE >= SAMPLE_MIN
                          ? SAMPLE_STRIDE
                          : (rows >= 2 * SAMPLE_MIN ? rows / SAMPLE_MIN : 1);
    if (rows > SAMPLE_FROM && stride > 1) {
        uint32_t n = (rows + stride - 1) / stride;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (uint32_t i = 0; i < n; i++)
            hs[i] = (row_hash){.h = hash_row(in, (uint64_t)i * stride),
                               .r = i * stride};
        uint32_t found = merge_equal(in, hs, n, table, bits, rep, weight);
        /* the sampled rows' marks are made again by the whole search */
        for (uint32_t i = 0; i < n; i++) {
            rep[i * stride] = i * stride;
            weight[i * stride] = 1;
        }
        if (found == 0)
            goto cleanup;
    }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (uint32_t r = 0; r < rows; r++)
        hs[r] = (row_hash){.h = hash_row(in, r), .r = r};
    merge_equal(in, hs, rows, table, bits, rep, weight);
cleanup:
    snig__free(ctx, table);
    snig__free(ctx, hs);
    return SNIG_OK;
}
