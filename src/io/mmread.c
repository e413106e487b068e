/* Matrix Market coordinate files (real, integer or pattern; general or
 * symmetric): one network layer, or input rows. */
#include "readers.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int snig__mm_detect(const unsigned char *head, size_t n)
{
    return n >= 14 && memcmp(head, "%%MatrixMarket", 14) == 0;
}

snig_status snig__mm_read_header(snig_ctx *ctx, snig_scan *s,
                                 snig_mm_header *h)
{
    const char *p = NULL;
    char object[32], format[32], field[32], symmetry[32];
    snig_status st = snig__scan_line(s, &p);
    if (st != SNIG_OK)
        return st;
    memset(h, 0, sizeof *h);
    /* The banner is short and read once: sscanf is fine here. */
    if (p == NULL ||
        sscanf(p, "%%%%MatrixMarket %31s %31s %31s %31s", object, format,
               field, symmetry) != 4)
        return snig__error(ctx, SNIG_FORMAT, "%s:1: malformed Matrix Market "
                           "banner", s->path);
    if (strcasecmp(object, "matrix") != 0 ||
        strcasecmp(format, "coordinate") != 0)
        return snig__error(ctx, SNIG_UNSUPPORTED, "%s:1: only `matrix "
                           "coordinate` Matrix Market files are supported",
                           s->path);
    if (strcasecmp(field, "pattern") == 0)
        h->pattern = true;
    else if (strcasecmp(field, "real") != 0 &&
             strcasecmp(field, "integer") != 0)
        return snig__error(ctx, SNIG_UNSUPPORTED, "%s:1: Matrix Market field "
                           "`%s` is not supported (real, integer, pattern)",
                           s->path, field);
    if (strcasecmp(symmetry, "symmetric") == 0)
        h->symmetric = true;
    else if (strcasecmp(symmetry, "general") != 0)
        return snig__error(ctx, SNIG_UNSUPPORTED, "%s:1: Matrix Market "
                           "symmetry `%s` is not supported (general, "
                           "symmetric)", s->path, symmetry);
    /* Comments and blank lines, then the size line. */
    for (;;) {
        st = snig__scan_line(s, &p);
        if (st != SNIG_OK)
            return st;
        if (p == NULL)
            return snig__error(ctx, SNIG_FORMAT, "%s: no size line",
                               s->path);
        if (*p == '%' || *snig__skip_blank(p) == '\n')
            continue;
        break;
    }
    p = snig__skip_blank(p);
    uint64_t v[3];
    for (int i = 0; i < 3; i++) {
        if (snig__parse_u64(&p, &v[i]) != SNIG_NUM_OK)
            return snig__error(ctx, SNIG_FORMAT, "%s:%llu: malformed size "
                               "line (expected `rows cols entries`)", s->path,
                               (unsigned long long)s->line);
        p = snig__skip_blank(p);
    }
    if (*p != '\n')
        return snig__error(ctx, SNIG_FORMAT, "%s:%llu: unexpected text after "
                           "the size line", s->path,
                           (unsigned long long)s->line);
    if (v[0] == 0 || v[1] == 0 || v[1] > SNIG_MAX_NEURONS ||
        v[0] > UINT32_MAX)
        return snig__error(ctx, SNIG_RANGE, "%s:%llu: unsupported matrix size "
                           "%llu x %llu (at most 2^32 - 1 rows and %u "
                           "columns)", s->path, (unsigned long long)s->line,
                           (unsigned long long)v[0], (unsigned long long)v[1],
                           SNIG_MAX_NEURONS);
    if (h->symmetric && v[0] != v[1])
        return snig__error(ctx, SNIG_FORMAT, "%s:%llu: a symmetric matrix "
                           "must be square", s->path,
                           (unsigned long long)s->line);
    h->rows = v[0];
    h->cols = v[1];
    h->nnz = v[2];
    if (h->nnz == 0)
        return snig__error(ctx, SNIG_FORMAT, "%s: no entries (empty matrix)",
                           s->path);
    return SNIG_OK;
}

/* Calls push(i, j, v) (0-based) for every entry and its mirror. */
typedef snig_status (*mm_push)(snig_ctx *ctx, void *dst, const char *path,
                               uint64_t line, uint64_t i, uint64_t j, float v);

static snig_status mm_entries(snig_ctx *ctx, snig_scan *s,
                              const snig_mm_header *h, mm_push push, void *dst)
{
    snig_status st = SNIG_OK;
    uint64_t count = 0;
    for (;;) {
        const char *p, *e;
        st = snig__scan_block(s, &p, &e);
        if (st != SNIG_OK || p == e)
            break;
        while (p < e && st == SNIG_OK) {
            uint64_t i, j;
            float v;
            s->line++;
            snig_triple t = snig__parse_triple(&p, &i, &j, &v, !h->pattern);
            if (t == SNIG_TRIPLE_BLANK)
                continue;
            if (t != SNIG_TRIPLE_OK)
                return snig__triple_error(ctx, t, s->path, s->line);
            if (i - 1 >= h->rows || j - 1 >= h->cols)
                return snig__index_error(ctx, s->path, s->line,
                                         i - 1 >= h->rows ? i : j,
                                         i - 1 >= h->rows ? h->rows : h->cols);
            if (++count > h->nnz)
                return snig__error(ctx, SNIG_FORMAT, "%s:%llu: more entries "
                                   "than the %llu of the size line", s->path,
                                   (unsigned long long)s->line,
                                   (unsigned long long)h->nnz);
            st = push(ctx, dst, s->path, s->line, i - 1, j - 1, v);
            if (st == SNIG_OK && h->symmetric && i != j)
                st = push(ctx, dst, s->path, s->line, j - 1, i - 1, v);
        }
        if (st != SNIG_OK)
            return st;
    }
    if (st == SNIG_OK && count < h->nnz)
        st = snig__error(ctx, SNIG_FORMAT, "%s: %llu entries, the size line "
                         "says %llu", s->path, (unsigned long long)count,
                         (unsigned long long)h->nnz);
    return st;
}

static snig_status push_coo(snig_ctx *ctx, void *dst, const char *path,
                            uint64_t line, uint64_t i, uint64_t j, float v)
{
    (void)path;
    return snig__coo_push(ctx, dst, (uint32_t)i, (uint32_t)j, v, line);
}

static snig_status push_rows(snig_ctx *ctx, void *dst, const char *path,
                             uint64_t line, uint64_t i, uint64_t j, float v)
{
    return snig__rows_push(ctx, dst, path, line, i, (uint32_t)j, v);
}

snig_status snig__mm_read_layer(snig_ctx *ctx, snig_scan *s,
                                const snig_mm_header *h, snig_coo *c)
{
    c->n = 0;
    return mm_entries(ctx, s, h, push_coo, c);
}

snig_status snig__mm_read_inputs(snig_ctx *ctx, snig_scan *s,
                                 const snig_mm_header *h, uint64_t row_first,
                                 uint64_t row_count, snig_inputs **in)
{
    snig_rows r = {.first = row_first, .count = row_count,
                   .neurons = (uint32_t)h->cols, .rows_sorted = true};
    snig_status st = mm_entries(ctx, s, h, push_rows, &r);
    /* The size line gives the row count, empty rows at the end included. */
    if (st == SNIG_OK)
        st = snig__rows_finish(ctx, &r, s->path, h->rows, in);
    snig__rows_clear(ctx, &r);
    return st;
}
