/* snig_generate_inputs: input rows from real images.  Each image of an IDX
 * file is resized to sqrt(N) x sqrt(N) (bilinear, resize.h) and its pixels
 * above the threshold become ones (column r * sqrt(N) + c).  Rows are drawn
 * from candidates k = 0, 1, 2, ...: image k mod n placed at offset number
 * k / n of a fixed list of small shifts (offset 0 is no shift); a candidate
 * that is empty or equal to an earlier row is skipped, so no two rows are
 * identical. */
#include "../io/atomic_file.h"
#include "../io/binary.h"
#include "idx.h"
#include "resize.h"
#include "tsv_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Default threshold, as a fraction of the brightest pixel value (255):
 * measured to give 1024-pixel (32 x 32) MNIST digits about 102 nonzeros per
 * row on average (101.9 over the 10,000 digits of scripts/fetch-mnist.sh),
 * like the official inputs (102); docs/FIDELITY.md. */
#define DEFAULT_THRESHOLD 0.71f
#define SHIFT_RADIUS 8       /* offsets (dx, dy) with |dx|, |dy| <= 8 */

typedef struct shift {
    int dx, dy;
} shift;

/* Nearest offsets first; ties by dy, then dx, so the order is fixed. */
static int shift_cmp(const void *a, const void *b)
{
    const shift *p = a, *q = b;
    int dp = p->dx * p->dx + p->dy * p->dy, dq = q->dx * q->dx + q->dy * q->dy;
    if (dp != dq)
        return dp < dq ? -1 : 1;
    if (p->dy != q->dy)
        return p->dy < q->dy ? -1 : 1;
    return (p->dx > q->dx) - (p->dx < q->dx);
}

void snig_image_options_init(snig_image_options *o)
{
    *o = (snig_image_options){.threshold = -1.0f, .format = "snb"};
}

/* The rows being built, with a hash set over their column lists. */
typedef struct rowset {
    snig_ctx *ctx;
    uint64_t rows, cap_rows, nnz, cap_nnz;
    uint64_t *rowptr;
    uint32_t *col;
    uint64_t *slot;          /* hash table: row index + 1, 0 = empty */
    uint64_t nslot;          /* a power of two >= 2 * final rows */
} rowset;

static uint64_t hash_cols(const uint32_t *c, uint64_t n)
{
    uint64_t h = 0x84222325cbf29ce4ull ^ n;
    for (uint64_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

/* Appends the row held in set->col[nnz .. nnz + n) unless it is empty or a
 * duplicate; *added says which. */
static void rowset_offer(rowset *set, uint64_t n, int *added)
{
    const uint32_t *c = set->col + set->nnz;
    *added = 0;
    if (n == 0)
        return;
    uint64_t h = hash_cols(c, n), mask = set->nslot - 1;
    uint64_t s = h & mask;
    for (; set->slot[s] != 0; s = (s + 1) & mask) {
        uint64_t r = set->slot[s] - 1;
        uint64_t len = set->rowptr[r + 1] - set->rowptr[r];
        if (len == n &&
            memcmp(set->col + set->rowptr[r], c, n * sizeof *c) == 0)
            return;
    }
    set->slot[s] = set->rows + 1;
    set->nnz += n;
    set->rows++;
    set->rowptr[set->rows] = set->nnz;
    *added = 1;
}

/* Makes room for one more row of up to `need` columns. */
static snig_status rowset_reserve(rowset *set, uint64_t need)
{
    if (set->nnz + need <= set->cap_nnz)
        return SNIG_OK;
    uint64_t cap = set->cap_nnz ? set->cap_nnz : 1u << 16;
    while (cap < set->nnz + need)
        cap *= 2;
    uint32_t *col = snig__realloc(set->ctx, set->col, cap * sizeof *col);
    if (col == NULL)
        return SNIG_NOMEM;
    set->col = col;
    set->cap_nnz = cap;
    return SNIG_OK;
}

static snig_status write_tsv(snig_ctx *ctx, const rowset *set,
                             const char *path)
{
    snig_atomic_file f = {0};
    snig_status st = snig__atomic_open(ctx, path, &f);
    if (st != SNIG_OK)
        return st;
    for (uint64_t r = 0; r < set->rows; r++) {
        char rowbuf[24];
        int rlen = snprintf(rowbuf, sizeof rowbuf, "%llu\t",
                            (unsigned long long)r + 1);
        for (uint64_t p = set->rowptr[r]; p < set->rowptr[r + 1]; p++) {
            char line[48];
            memcpy(line, rowbuf, (size_t)rlen);
            int len = rlen + snig__utoa(set->col[p] + 1, line + rlen);
            memcpy(line + len, "\t1\n", 3);
            fwrite(line, 1, (size_t)len + 3, f.f);
        }
    }
    return snig__atomic_commit(ctx, &f);
}

static snig_status write_snb(snig_ctx *ctx, rowset *set, uint32_t n,
                             const char *path)
{
    snig_inputs *in = NULL;
    snig_status st = snig__inputs_new(ctx, n, &in);
    if (st != SNIG_OK)
        return st;
    in->rows = set->rows;
    in->rowptr = set->rowptr;
    in->col = set->col;
    in->val = snig__malloc(ctx, (set->nnz ? set->nnz : 1) * sizeof *in->val);
    if (in->val == NULL) {
        st = SNIG_NOMEM;
    } else {
        for (uint64_t p = 0; p < set->nnz; p++)
            in->val[p] = 1.0f;
        st = snig_inputs_save(ctx, in, path);
    }
    /* The arrays stay the rowset's. */
    in->rowptr = NULL;
    in->col = NULL;
    snig_inputs_free(&in);
    return st;
}

snig_status snig_generate_inputs(snig_ctx *ctx, const char *images,
                                 const snig_image_options *o, const char *path)
{
    snig__enter(ctx);
    snig_status st = SNIG_OK;
    snig_idx idx = {0};
    rowset set = {.ctx = ctx};
    uint32_t *pix = NULL;
    shift *shifts = NULL;
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (o == NULL || images == NULL || path == NULL || path[0] == '\0')
        return snig__error(ctx, SNIG_USAGE, "generate inputs: no options, "
                           "images or output path");
    const char *format = o->format != NULL ? o->format : "snb";
    int as_tsv = strcmp(format, "tsv") == 0;
    if (!as_tsv && strcmp(format, "snb") != 0)
        return snig__error(ctx, SNIG_USAGE, "generate inputs: format \"%s\": "
                           "use snb or tsv", format);
    uint32_t side = (uint32_t)lround(sqrt((double)o->neurons));
    if (o->neurons == 0 || side * side != o->neurons ||
        side > SNIG_RESIZE_MAX_OUT)
        return snig__error(ctx, SNIG_USAGE, "generate inputs: %u neurons: "
                           "need a square (1024, 4096, 16384, 65536)",
                           o->neurons);
    float threshold = o->threshold < 0 ? DEFAULT_THRESHOLD : o->threshold;
    if (!(threshold < 1.0f))
        return snig__error(ctx, SNIG_USAGE, "generate inputs: threshold %g: "
                           "use a fraction of full brightness in [0, 1)",
                           (double)threshold);
    st = snig__idx_read(ctx, images, &idx);
    if (st != SNIG_OK)
        goto cleanup;
    uint64_t count = o->count ? o->count : idx.count;
    int nshift = (2 * SHIFT_RADIUS + 1) * (2 * SHIFT_RADIUS + 1);
    shifts = snig__malloc(ctx, (size_t)nshift * sizeof *shifts);
    pix = snig__malloc(ctx, (size_t)side * side * sizeof *pix);
    set.nslot = 1024;
    while (set.nslot < 2 * count)
        set.nslot *= 2;
    set.slot = snig__calloc(ctx, set.nslot, sizeof *set.slot);
    set.rowptr = snig__calloc(ctx, count + 1, sizeof *set.rowptr);
    if (shifts == NULL || pix == NULL || set.slot == NULL ||
        set.rowptr == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (int i = 0, dy = -SHIFT_RADIUS; dy <= SHIFT_RADIUS; dy++)
        for (int dx = -SHIFT_RADIUS; dx <= SHIFT_RADIUS; dx++, i++)
            shifts[i] = (shift){dx, dy};
    qsort(shifts, (size_t)nshift, sizeof *shifts, shift_cmp);
    double start = snig__now();
    uint64_t image_px = (uint64_t)idx.rows * idx.cols;
    for (uint64_t k = 0; set.rows < count; k++) {
        uint64_t img = k % idx.count, round = k / idx.count;
        if (round >= (uint64_t)nshift) {
            st = snig__error(ctx, SNIG_USAGE, "%s: only %llu distinct nonempty "
                             "rows can be made from its %u images (shifts up "
                             "to %d pixels); asked for %llu", images,
                             (unsigned long long)set.rows, idx.count,
                             SHIFT_RADIUS, (unsigned long long)count);
            goto cleanup;
        }
        st = snig__check_cancel(ctx);
        if (st != SNIG_OK)
            goto cleanup;
        uint32_t den;
        snig__resize_bilinear(idx.pixels + img * image_px, idx.rows, idx.cols,
                              side, side, pix, &den);
        /* pixel > threshold * 255, compared exactly: numerators over den. */
        double cut = (double)threshold * 255.0 * (double)den;
        st = rowset_reserve(&set, (uint64_t)side * side);
        if (st != SNIG_OK)
            goto cleanup;
        int dx = shifts[round].dx, dy = shifts[round].dy;
        uint32_t *out = set.col + set.nnz;
        uint64_t n = 0;
        /* Target pixel (r, c) takes source (r - dy, c - dx); scanning target
         * rows and columns in order keeps the columns sorted. */
        for (int64_t r = 0; r < side; r++) {
            int64_t sr = r - dy;
            if (sr < 0 || sr >= side)
                continue;
            for (int64_t c = 0; c < side; c++) {
                int64_t sc = c - dx;
                if (sc >= 0 && sc < side && pix[sr * side + sc] > cut)
                    out[n++] = (uint32_t)(r * side + c);
            }
        }
        int added;
        rowset_offer(&set, n, &added);
        snig__progress(ctx, "generate", set.rows, count, 0, start);
    }
    st = as_tsv ? write_tsv(ctx, &set, path)
                : write_snb(ctx, &set, o->neurons, path);
cleanup:
    snig__free(ctx, set.rowptr);
    snig__free(ctx, set.col);
    snig__free(ctx, set.slot);
    snig__free(ctx, pix);
    snig__free(ctx, shifts);
    snig__idx_free(ctx, &idx);
    return st;
}
