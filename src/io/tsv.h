/* The official text formats: layer files nN-lK.tsv and inputs
 * sparse-images-N.tsv, both `row<TAB>col<TAB>value` lines, 1-based (spaces
 * are accepted too).  Matrix Market entries have the same shape, so
 * mmread.c shares the line parser and the inputs builder. */
#ifndef SNIG_TSV_H
#define SNIG_TSV_H

#include "layer_build.h"
#include "text_scan.h"

typedef enum snig_triple {
    SNIG_TRIPLE_OK = 0,
    SNIG_TRIPLE_BLANK,       /* an empty or all-blank line */
    SNIG_TRIPLE_INDEX,       /* a missing or non-numeric index */
    SNIG_TRIPLE_BIG,         /* an index beyond 2^32 */
    SNIG_TRIPLE_VALUE,       /* a missing or non-numeric value */
    SNIG_TRIPLE_NONFINITE,   /* NaN or infinite value */
    SNIG_TRIPLE_TRAILING     /* something after the last field */
} snig_triple;

/* Parses "i j v" (or "i j" when !has_value, v = 1) at *pp, which must end
 * with '\n'; on return *pp is past that '\n'.  Indices are as written. */
static inline snig_triple snig__parse_triple(const char **pp, uint64_t *i,
                                             uint64_t *j, float *v,
                                             bool has_value)
{
    const char *p = snig__skip_blank(*pp);
    snig_triple t = SNIG_TRIPLE_OK;
    snig_num r;
    if (*p == '\n') {
        t = SNIG_TRIPLE_BLANK;
        goto done;
    }
    if ((r = snig__parse_u64(&p, i)) != SNIG_NUM_OK ||
        !snig__is_blank(*p)) {
        t = r == SNIG_NUM_BIG ? SNIG_TRIPLE_BIG : SNIG_TRIPLE_INDEX;
        goto done;
    }
    p = snig__skip_blank(p);
    if ((r = snig__parse_u64(&p, j)) != SNIG_NUM_OK) {
        t = r == SNIG_NUM_BIG ? SNIG_TRIPLE_BIG : SNIG_TRIPLE_INDEX;
        goto done;
    }
    *v = 1.0f;
    if (has_value) {
        if (!snig__is_blank(*p)) {
            t = *p == '\n' ? SNIG_TRIPLE_VALUE : SNIG_TRIPLE_INDEX;
            goto done;
        }
        p = snig__skip_blank(p);
        if ((r = snig__parse_float(&p, v)) != SNIG_NUM_OK) {
            t = r == SNIG_NUM_NONFINITE ? SNIG_TRIPLE_NONFINITE
                                        : SNIG_TRIPLE_VALUE;
            goto done;
        }
    }
    p = snig__skip_blank(p);
    if (*p != '\n')
        t = SNIG_TRIPLE_TRAILING;
done:
    /* Resynchronise on the end of the line whatever happened. */
    while (*p != '\n')
        p++;
    *pp = p + 1;
    return t;
}

/* Reports a failed line: "path:line: what" with the matching status. */
snig_status snig__triple_error(snig_ctx *ctx, snig_triple t, const char *path,
                               uint64_t line);
/* Reports index 0 or an index beyond n. */
snig_status snig__index_error(snig_ctx *ctx, const char *path, uint64_t line,
                              uint64_t index, uint64_t n);

/* Reads a whole layer file from s into c (cleared first), 0-based, checking
 * rows against n_in and columns against n_out.  A file without entries is
 * an error. */
snig_status snig__tsv_read_layer(snig_ctx *ctx, snig_scan *s, uint32_t n_in,
                                 uint32_t n_out, snig_coo *c);

/* Inputs may have empty rows, but not many more than entries: rows are
 * allocated, so a tiny file naming row 10^9 must not take gigabytes. */
#define SNIG_ROWS_FREE (1u << 20)
#define SNIG_ROWS_PER_ENTRY 64u

/* Input rows being collected: only rows in [first, first + count) are kept
 * (count 0: to the end); `rows` ends as the largest row index seen. */
typedef struct snig_rows {
    uint64_t first, count;
    uint32_t neurons;
    snig_coo kept;           /* entries kept, local rows, no line numbers */
    uint64_t rows;           /* 1 + the largest global row index seen */
    uint64_t entries;        /* entries read, kept or not */
    bool rows_sorted, cols_sorted;
} snig_rows;

/* Adds entry (row, col) (0-based, global row); a repeat of the previous
 * entry is reported at `line`. */
snig_status snig__rows_push(snig_ctx *ctx, snig_rows *r, const char *path,
                            uint64_t line, uint64_t row, uint32_t col,
                            float val);
/* Builds the inputs (CSR, columns sorted) from r, which it empties; rows is
 * the row count of the whole file. */
snig_status snig__rows_finish(snig_ctx *ctx, snig_rows *r, const char *path,
                              uint64_t rows, snig_inputs **in);
void snig__rows_clear(snig_ctx *ctx, snig_rows *r);

/* Reads official inputs (n columns) from s. */
snig_status snig__tsv_read_inputs(snig_ctx *ctx, snig_scan *s, uint32_t n,
                                  uint64_t row_first, uint64_t row_count,
                                  snig_inputs **in);

#endif
