/* The cpu engine's private pieces, shared by its files:
 *   pack.c       per-layer preparation (checksum, page-in, saturation test)
 *   kernel.c     one layer on one panel of 16 rows
 *   batch.c      a batch of rows held as panels: fill, compact, finish
 *   shortcuts.c  duplicate rows of the inputs
 *   progress.c   progress through the program's callback
 *   cpu.c        the engine table and the OpenMP task graph
 *
 * Rows are held in "panels" of CPU_LANES rows stored neuron-major:
 * y[i * CPU_LANES + lane] is neuron i of the panel's row `lane`.  One weight
 * w(i, j) then updates the 16 rows of a panel with one vector multiply and
 * one vector add, and the sum for an output neuron is still accumulated in
 * the order of the input neurons, exactly as the reference engine does, so
 * values agree to the bit. */
#ifndef SNIG_CPU_INTERNAL_H
#define SNIG_CPU_INTERNAL_H

#include "../engine.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define CPU_LANES 16

/* One layer as the kernel reads it: CSR by input neuron, cut into
 * `sections` of `width` output neurons each, so that the 16-lane output
 * panel of one section (width * 64 bytes) stays in the L1 cache while the
 * kernel scatters into it.  Section s holds rows rowptr[s * (n + 1) + i]
 * with column indices local to the section.  With one section the
 * network's own arrays are used in place (16-bit indices when it has them,
 * no value array when the layer is uniform), so a memory-mapped layer is
 * not copied. */
typedef struct cpu_layer {
    uint32_t sections;
    uint32_t width;          /* output neurons per section */
    const uint32_t *rowptr;  /* sections * (n + 1) */
    const uint16_t *col16;
    const uint32_t *col32;
    const float *val;
    float uniform;
    const float *bias;       /* per neuron, or NULL: bias_scalar */
    float bias_scalar;
    bool saturating;         /* a row at the cap everywhere stays there */
    /* Networks too large to copy in sections (N > 8192), whose rows have
     * sorted columns: the kernel walks each row section by section with a
     * cursor per row (scratch after the panel), so the output panel of one
     * section of cursor_width neurons (N / 4) stays nearer in the caches;
     * 0: off. */
    uint32_t cursor_width;
    void *own;               /* the packed arrays (one block), or NULL */
} cpu_layer;

/* ---- pack.c */

/* Makes layer l ready (checksum, page-in) and fills *out, with its
 * saturation property computed by running the all-32 row through the layer
 * in the kernel's arithmetic.  scratch: n floats. */
snig_status cpu_layer_prepare(const snig_job *job, uint32_t l, float *scratch,
                              cpu_layer *out);
void cpu_layer_unpack(snig_ctx *ctx, cpu_layer *L);

/* ---- kernel.c */

typedef struct cpu_panel_stats {
    uint32_t alive;          /* lanes with a nonzero value (bit per lane) */
    uint32_t sat;            /* lanes at the cap in every neuron */
    uint64_t madds;          /* multiply-adds on nonzero inputs */
} cpu_panel_stats;

/* The per-thread scratch a kernel gets: the output panel, then n row
 * cursors. */
#define CPU_SCRATCH_BYTES(n) ((size_t)(n) * (CPU_LANES * sizeof(float) + 4))

typedef void (*cpu_kernel_fn)(const cpu_layer *L, uint32_t n,
                              float *restrict y, uint16_t *restrict mask,
                              float *restrict z, cpu_panel_stats *st);

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CPU_HAVE_AVX512_KERNEL 1
/* kernel_avx512.c (built with gcc on x86-64): only called when the
 * processor has AVX-512. */
void cpu_panel_avx512(const cpu_layer *L, uint32_t n, float *restrict y,
                      uint16_t *restrict mask, float *restrict z,
                      cpu_panel_stats *st);
#endif

/* The best kernel this processor runs; "generic" when the environment
 * variable SNIG_CPU_KERNEL says so (tests use it to cover both). */
cpu_kernel_fn cpu_kernel_pick(const char **name);

/* ---- batch.c */

enum { CPU_ROW_ACTIVE = 0, CPU_ROW_DEAD = 1, CPU_ROW_SAT = 2 };

/* The memory a batch works in; batches take turns on a few slots. */
typedef struct cpu_slot {
    float *y;                /* panels * n * CPU_LANES */
    uint16_t *mask;          /* panels * n: nonzero lanes of each neuron */
    int32_t *lane;           /* panels * CPU_LANES: batch row, or -1 */
    uint16_t *alive;         /* panels: lanes alive after the last layer */
    uint16_t *sat;           /* panels: lanes at the cap everywhere */
    int32_t *move_row;       /* compaction's move list: destination lanes */
    uint32_t *move_from;     /* and source lanes */
} cpu_slot;

typedef struct cpu_batch {
    uint32_t first;          /* index of its first row in the unique list */
    uint32_t rows;
    cpu_slot *slot;
    uint32_t used;           /* lanes in use (a prefix) */
    uint64_t sat_weight;     /* rows (with duplicates) skipping saturated */
    uint32_t sat_rows;
} cpu_batch;

typedef struct cpu_plan cpu_plan;

snig_status cpu_slot_alloc(snig_ctx *ctx, uint32_t n, uint32_t rows,
                           cpu_slot *s);
void cpu_slot_free(snig_ctx *ctx, cpu_slot *s);
/* Loads the batch's input rows into its slot. */
void cpu_batch_start(cpu_plan *p, cpu_batch *b);
/* Runs layers [l0, l1) on the batch. */
void cpu_batch_layers(cpu_plan *p, cpu_batch *b, uint32_t l0, uint32_t l1);
/* Writes the batch's rows to the result. */
void cpu_batch_finish(cpu_plan *p, cpu_batch *b);

/* ---- shortcuts.c */

/* rep[r] = the first input row equal to row r (r itself when none);
 * weight[r] = how many rows share representative r (0 for duplicates). */
snig_status cpu_find_duplicates(snig_ctx *ctx, const snig_inputs *in,
                                int threads, uint32_t *rep, uint32_t *weight);

/* ---- progress.c */

typedef struct cpu_progress {
    snig_ctx *ctx;
    double start;
    uint64_t total;          /* tasks */
    _Atomic uint64_t done;
    _Atomic uint64_t batches_done;
    _Atomic int64_t rows;    /* rows in flight, not yet dead */
    uint64_t batches;
} cpu_progress;

void cpu_progress_init(cpu_progress *pr, snig_ctx *ctx, uint64_t tasks,
                       uint64_t batches);
/* A task finished. */
void cpu_progress_tick(cpu_progress *pr, bool batch_done);
void cpu_progress_end(cpu_progress *pr);

/* ---- cpu.c: the plan every task reads */

struct cpu_plan {
    const snig_job *job;
    snig_result *res;
    uint32_t n;
    uint32_t layers;
    bool shortcuts;
    cpu_layer *layer;        /* layers entries, filled by preparation tasks */
    const uint32_t *uniq;    /* input rows computed (representatives) */
    const uint32_t *weight;  /* per input row: rows it stands for */
    uint8_t *state;          /* per unique row: CPU_ROW_* at the end */
    float **scratch;         /* per thread: n * CPU_LANES floats */
    cpu_kernel_fn kernel;
    cpu_progress progress;
};

#endif /* SNIG_CPU_INTERNAL_H */
