/* Duplicate input rows of a batch, found on the host so the GPU computes
 * each distinct row once (an exact shortcut: equal rows stay equal through
 * every layer).  Plain C, tested on CPUs. */
#ifndef SNIG_CUDA_DEDUP_H
#define SNIG_CUDA_DEDUP_H

#include <stdint.h>

/* Table slots snig__dedup_rows needs for `count` rows (a power of two). */
uint32_t snig__dedup_table_size(uint32_t count);

/* Rows first .. first + count - 1 of an inputs CSR (rowptr, col, val).
 * Out: rep_of[t] (t < count) = the representative of row first + t, a number
 * q < m; reps[q] = t of the first row with that content; mult[q] = how many
 * rows it stands for.  Returns m.  With enabled == 0 every row is its own
 * representative.  table: snig__dedup_table_size(count) scratch slots;
 * hash: count scratch uint64, the rows' hashes, computed on `threads`
 * threads (the table is then filled in order: the same answer for any
 * number of threads).  Rows are equal when their columns and values are
 * equal bit for bit. */
uint32_t snig__dedup_rows(const uint64_t *rowptr, const uint32_t *col,
                         const float *val, uint64_t first, uint32_t count,
                         int enabled, uint32_t *rep_of, uint32_t *reps,
                         uint32_t *mult, uint32_t *table, uint64_t *hash,
                         int threads);

#endif /* SNIG_CUDA_DEDUP_H */
