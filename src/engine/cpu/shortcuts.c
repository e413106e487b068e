/* The duplicate-row shortcut: input rows with identical entries give
 * identical results, so each distinct row is computed once and its result
 * shared.  Rows are hashed, sorted by hash, and compared entry by entry
 * within a run of equal hashes, so a hash collision never merges rows. */
#include "cpu_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct row_hash {
    uint64_t h;
    uint32_t r;
} row_hash;

/* A 64-bit hash of a row's columns and value bits: one multiply per entry
 * (the mixing constants of splitmix64); equal rows are compared entry by
 * entry anyway, so the hash only has to spread. */
static uint64_t hash_row(const snig_inputs *in, uint64_t r)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (in->rowptr[r + 1] - in->rowptr[r]);
    for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++) {
        uint32_t v;
        memcpy(&v, &in->val[k], sizeof v);
        h = (h ^ (((uint64_t)in->col[k] << 32) | v)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    h = (h ^ (h >> 30)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static int cmp_hash(const void *a, const void *b)
{
    const row_hash *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->r < y->r ? -1 : (x->r > y->r);
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

snig_status snig__cpu_find_duplicates(snig_ctx *ctx, const snig_inputs *in,
                                      int threads, uint32_t *rep,
                                      uint32_t *weight)
{
    uint32_t rows = (uint32_t)in->rows;
    row_hash *hs = snig__malloc(ctx, (rows ? rows : 1) * sizeof *hs);
    if (hs == NULL)
        return SNIG_NOMEM;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (uint32_t r = 0; r < rows; r++) {
        hs[r] = (row_hash){.h = hash_row(in, r), .r = r};
        rep[r] = r;
        weight[r] = 1;
    }
    qsort(hs, rows, sizeof *hs, cmp_hash);
    for (uint32_t a = 0; a < rows;) {
        uint32_t e = a + 1;
        while (e < rows && hs[e].h == hs[a].h)
            e++;
        /* within a run, rows are in index order: the first of each set of
         * equal rows is its representative */
        for (uint32_t i = a + 1; i < e; i++) {
            for (uint32_t j = a; j < i; j++) {
                uint32_t cand = hs[j].r;
                if (rep[cand] == cand && rows_equal(in, cand, hs[i].r)) {
                    rep[hs[i].r] = cand;
                    weight[hs[i].r] = 0;
                    weight[cand]++;
                    break;
                }
            }
        }
        a = e;
    }
    snig__free(ctx, hs);
    return SNIG_OK;
}
