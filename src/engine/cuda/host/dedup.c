/* Duplicate rows of a batch by hashing: open addressing over a table twice
 * the batch, every hit confirmed by comparing the rows. */
#include "dedup.h"

#include <string.h>

uint32_t snig__dedup_table_size(uint32_t count)
{
    uint32_t size = 16;
    while (size < 2 * (uint64_t)count && size < (1u << 31))
        size *= 2;
    return size;
}

static uint64_t row_hash(const uint32_t *col, const float *val, uint64_t len)
{
    uint64_t h = 1469598103934665603ull ^ len;
    for (uint64_t k = 0; k < len; k++) {
        uint32_t bits;
        memcpy(&bits, &val[k], sizeof bits);
        h = (h ^ col[k]) * 1099511628211ull;
        h = (h ^ bits) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static int rows_equal(const uint64_t *rowptr, const uint32_t *col,
                      const float *val, uint64_t a, uint64_t b)
{
    uint64_t len = rowptr[a + 1] - rowptr[a];
    if (len != rowptr[b + 1] - rowptr[b])
        return 0;
    return memcmp(col + rowptr[a], col + rowptr[b], len * sizeof *col) == 0 &&
           memcmp(val + rowptr[a], val + rowptr[b], len * sizeof *val) == 0;
}

uint32_t snig__dedup_rows(const uint64_t *rowptr, const uint32_t *col,
                         const float *val, uint64_t first, uint32_t count,
                         int enabled, uint32_t *rep_of, uint32_t *reps,
                         uint32_t *mult, uint32_t *table, uint64_t *hash,
                         int threads)
{
    uint32_t m = 0;
    if (!enabled) {
        for (uint32_t t = 0; t < count; t++) {
            rep_of[t] = t;
            reps[t] = t;
            mult[t] = 1;
        }
        return count;
    }
    const int64_t rows = count;
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : 1)
    for (int64_t t = 0; t < rows; t++) {
        uint64_t r = first + (uint64_t)t;
        hash[t] = row_hash(col + rowptr[r], val + rowptr[r],
                           rowptr[r + 1] - rowptr[r]);
    }
    uint32_t size = snig__dedup_table_size(count);
    memset(table, 0, (size_t)size * sizeof *table);   /* 0: empty, else q+1 */
    for (uint32_t t = 0; t < count; t++) {
        uint64_t r = first + t;
        uint32_t slot = (uint32_t)hash[t] & (size - 1);
        for (;;) {
            uint32_t q1 = table[slot];
            if (q1 == 0) {
                table[slot] = m + 1;
                reps[m] = t;
                mult[m] = 1;
                rep_of[t] = m++;
                break;
            }
            if (rows_equal(rowptr, col, val, first + reps[q1 - 1], r)) {
                mult[q1 - 1]++;
                rep_of[t] = q1 - 1;
                break;
            }
            slot = (slot + 1) & (size - 1);
        }
    }
    return m;
}
