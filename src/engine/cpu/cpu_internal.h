/* The cpu engine's private pieces, shared by its files:
 *   pack.c       per-layer preparation (checksum, sections, saturation and
 *                zero-row properties), done once per plan
 *   kernel.c     one layer on one panel of 16 rows (portable, AVX2)
 *   kernel_avx512.c  the same with AVX-512 intrinsics
 *   batch.c      a batch of rows held as panels: fill, compact, finish
 *   shortcuts.c  duplicate rows of the inputs
 *   run.c        batches one after the other, in segments of layers, the
 *                threads sharing the panels without barriers
 *   memory.c     large blocks in huge pages
 *   cpu.c        the engine table: prepare, infer, release
 *
 * Rows are held in "panels" of CPU_LANES rows stored neuron-major:
 * y[i * CPU_LANES + lane] is neuron i of the panel's row `lane`.  One weight
 * w(i, j) then updates the 16 rows of a panel with one vector multiply and
 * one vector add, and the sum for an output neuron is still accumulated in
 * the order of the input neurons, exactly as the reference engine does, so
 * values agree to the bit.  An input neuron alive in few lanes of a panel
 * updates those lanes alone, one scalar multiply-add per lane (the row-at-
 * a-time path: sparse rows that differ would waste the other lanes). */
#ifndef SNIG_CPU_INTERNAL_H
#define SNIG_CPU_INTERNAL_H

#include "../engine.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define CPU_LANES 16

/* One layer as the kernel reads it: CSR by input neuron (n_in rows), cut
 * into `sections` of `width` output neurons each, so that the 16-lane output
 * panel of one section stays in the L1 cache while the kernel scatters into
 * it.  Section s holds rows rowptr[s * (n_in + 1) + i] with column indices
 * local to the section.  With one section the network's own arrays are used
 * in place (16-bit indices when it has them, no value array when the layer
 * is uniform), so a memory-mapped layer is not copied. */
typedef struct cpu_layer {
    uint32_t n_in, n_out;
    uint32_t sections;
    uint32_t width;          /* output neurons per section */
    const uint32_t *rowptr;  /* sections * (n_in + 1) */
    const uint16_t *col16;
    const uint32_t *col32;
    const float *val;
    float uniform;
    const float *bias;       /* per neuron, or NULL: bias_scalar */
    float bias_scalar;
    uint8_t dense;           /* bias rule DENSE: bias on every output */
    uint8_t act;             /* snig_activation */
    float cap;               /* RELU_CAP's cap (else unused) */
    /* A row at sat_in in every input neuron gives cap in every output
     * neuron, in the kernel's arithmetic (shortcuts only; RELU_CAP only). */
    bool saturating;
    bool sat_valid;          /* sat_in is a cap a row can be held at */
    float sat_in;            /* the cap of the layer before (layer 0: own) */
    /* A zero row does not stay zero (DENSE with act(bias_j) != 0). */
    bool revives;
    /* Networks too large to copy in sections (N > 8192), whose rows have
     * sorted columns: the kernel walks each row section by section with a
     * cursor per row (scratch after the panel), so the output panel of one
     * section of cursor_width neurons stays nearer in the caches; 0: off. */
    uint32_t cursor_width;
    /* The layer by output neuron too (CSC, entries of a column in the
     * order of their input neurons), for the gather kernel that dense
     * panels use: each output's sum then stays in a register, in the same
     * order of additions.  Cut into `csc_sections` sections of csc_width
     * input neurons (layers of at most 1024 inputs: two, so that the part
     * of the input panel one section reads stays in the L1 cache; wider
     * layers: one, see pack.c): section s holds columns
     * colptr[s * (n_out + 1) + j] with input indices local to the section,
     * and the sums go on from one section to the next through z.  NULL
     * when the layer is too large to copy. */
    const uint32_t *row_start;  /* the layer's own CSR offsets (n_in + 1) */
    uint32_t row_len;        /* the length of every row, or 0: they differ */
    uint64_t nnz;
    uint32_t csc_sections, csc_width;
    const uint32_t *colptr;  /* csc_sections * (n_out + 1), or NULL */
    const uint16_t *crow;    /* local input neuron of each entry */
    const float *cval;       /* NULL when uniform */
} cpu_layer;

/* What prepare makes once per plan; infer only reads it. */
typedef struct cpu_prepared {
    uint32_t layers;
    uint32_t n_in;           /* layer 0's input width */
    uint32_t n_final;        /* the last layer's output width */
    uint32_t widest;         /* the widest layer input or output */
    /* Dead rows may leave their panel from this layer on (no layer from
     * here revives a zero row). */
    uint32_t drop_dead_from;
    bool shortcuts;
    cpu_layer *layer;        /* layers entries */
    void *packed;            /* every layer's packed copies, one block */
} cpu_prepared;

/* ---- pack.c */

/* Bytes of the packed copies of a layer (sections, CSC). */
size_t snig__cpu_layer_bytes(const snig_layer *S);
/* Makes layer l ready (checksum, page-in) and fills *out, its packed copies
 * in mem (snig__cpu_layer_bytes of it), with its saturation property
 * computed by running the row at the cap through the layer in the kernel's
 * arithmetic.  scratch: n_out floats.  Thread safe for different l. */
snig_status snig__cpu_layer_prepare(const snig_job *job, uint32_t l,
                                    uint8_t *mem, float *scratch,
                                    cpu_layer *out);

/* ---- memory.c */

/* A block of `bytes`, 64-byte aligned, in huge pages where the kernel
 * allows (2 MiB aligned when at least 2 MiB); NULL when out of memory. */
void *snig__cpu_alloc_huge(snig_ctx *ctx, size_t bytes);
void snig__cpu_free_huge(snig_ctx *ctx, void *p);

/* ---- kernel.c */

typedef struct cpu_panel_stats {
    uint32_t alive;          /* lanes with a nonzero value (bit per lane) */
    uint32_t sat;            /* lanes at the cap in every neuron */
    uint64_t madds;          /* multiply-adds on nonzero inputs */
} cpu_panel_stats;

/* Calls fn(args..., dense, act) with the layer's bias rule and activation
 * as constants, so that each kernel's inlined activation is compiled once
 * per kind of layer (kernel.c and kernel_avx512.c). */
#define CPU_ACTIVATE_BY_KIND(L, fn, ...)                                     \
    do {                                                                     \
        switch ((L)->act * 2 + (L)->dense) {                                 \
        case SNIG_ACT_RELU_CAP * 2:                                          \
            fn(__VA_ARGS__, false, SNIG_ACT_RELU_CAP);                       \
            break;                                                           \
        case SNIG_ACT_RELU_CAP * 2 + 1:                                      \
            fn(__VA_ARGS__, true, SNIG_ACT_RELU_CAP);                        \
            break;                                                           \
        case SNIG_ACT_RELU * 2:                                              \
            fn(__VA_ARGS__, false, SNIG_ACT_RELU);                           \
            break;                                                           \
        case SNIG_ACT_RELU * 2 + 1:                                          \
            fn(__VA_ARGS__, true, SNIG_ACT_RELU);                            \
            break;                                                           \
        case SNIG_ACT_IDENTITY * 2:                                          \
            fn(__VA_ARGS__, false, SNIG_ACT_IDENTITY);                       \
            break;                                                           \
        default:                                                             \
            fn(__VA_ARGS__, true, SNIG_ACT_IDENTITY);                        \
            break;                                                           \
        }                                                                    \
    } while (0)

/* The per-thread scratch a kernel gets: the output panel, then a panel of
 * products (gather) or n row cursors. */
#define CPU_SCRATCH_BYTES(n) ((size_t)(n) * (2 * CPU_LANES * sizeof(float)))

/* The gather kernel runs a panel when the entries the scatter would visit
 * (rows of input neurons nonzero in some lane) times CPU_SCATTER_COST
 * exceed the layer's entries times CPU_GATHER_COST: a scatter update is a
 * read-modify-write of a 64-byte row, a gather entry one 64-byte load
 * added in a register (1.0 ns against 0.4 ns on the AMD EPYC measured,
 * bench/peak_panel.c; 3 ran faster than 2 and 5 on the official data). */
#define CPU_SCATTER_COST 3
#define CPU_GATHER_COST 1

typedef void (*cpu_kernel_fn)(const cpu_layer *L, float *restrict y,
                              uint16_t *restrict mask, float *restrict z,
                              cpu_panel_stats *st);

#if defined(__x86_64__) && defined(__GNUC__)
#define CPU_HAVE_AVX512_KERNEL 1
/* kernel_avx512.c (x86-64, gcc or clang): only called when the processor
 * has AVX-512. */
void snig__cpu_panel_avx512(const cpu_layer *L, float *restrict y,
                            uint16_t *restrict mask, float *restrict z,
                            cpu_panel_stats *st);
/* mask[i] = the nonzero lanes of neuron i of panel y, for i < n; returns
 * the lanes nonzero in some neuron (the fill of a panel). */
uint32_t snig__cpu_masks_avx512(const float *restrict y,
                                uint16_t *restrict mask, uint32_t n);
#endif

/* The panel-mask pass that goes with the kernel picked. */
typedef uint32_t (*cpu_masks_fn)(const float *restrict y,
                                 uint16_t *restrict mask, uint32_t n);
cpu_masks_fn snig__cpu_masks_pick(cpu_kernel_fn kernel);

/* Compaction's lane move: for neurons i < n, lane to_from[2c + 1] of panel
 * src goes to lane to_from[2c] of panel dst (c < count), and dst's mask of
 * neuron i follows; `lanes` has the bits of the destination lanes. */
typedef void (*cpu_move_fn)(const float *restrict src, float *restrict dst,
                            uint16_t *restrict dmask, uint32_t n,
                            const uint8_t *to_from, uint32_t count,
                            uint32_t lanes);
cpu_move_fn snig__cpu_move_pick(cpu_kernel_fn kernel);
#ifdef CPU_HAVE_AVX512_KERNEL
void snig__cpu_move_avx512(const float *restrict src, float *restrict dst,
                           uint16_t *restrict dmask, uint32_t n,
                           const uint8_t *to_from, uint32_t count,
                           uint32_t lanes);
#endif

/* The best kernel this processor runs; "generic" or "avx2" when the
 * environment variable SNIG_CPU_KERNEL says so (tests cover each). */
cpu_kernel_fn snig__cpu_kernel_pick(const char **name);

/* ---- batch.c */

enum { CPU_ROW_ACTIVE = 0, CPU_ROW_DEAD = 1, CPU_ROW_SAT = 2 };

/* The memory a batch works in (every thread works on one batch at a
 * time, panel by panel). */
typedef struct cpu_slot {
    float *y;                /* panels * widest * CPU_LANES */
    uint16_t *mask;          /* panels * widest: nonzero lanes of a neuron */
    int32_t *lane;           /* panels * CPU_LANES: batch row, or -1 */
    uint16_t *alive;         /* panels: lanes alive after the last layer */
    uint16_t *sat;           /* panels: lanes at the cap everywhere */
    int32_t *move_row;       /* compaction's move list: destination lanes */
    uint32_t *move_from;     /* and source lanes */
    uint8_t *state;          /* per batch row: CPU_ROW_* */
    uint32_t rows;           /* capacity */
} cpu_slot;

/* What every batch of one infer call reads and adds to. */
typedef struct cpu_run {
    const snig_job *job;
    const cpu_prepared *prep;
    snig_result *res;
    const uint32_t *uniq;    /* input rows computed (representatives) */
    const uint32_t *weight;  /* per input row: rows it stands for */
    cpu_kernel_fn kernel;
    cpu_masks_fn masks;      /* the fill's mask pass */
    cpu_move_fn move;        /* compaction's lane move */
} cpu_run;

typedef struct cpu_batch {
    uint32_t first;          /* index of its first row in the unique list */
    uint32_t rows;
    cpu_slot *slot;
    uint32_t used;           /* lanes in use (a prefix) */
    uint32_t width;          /* neurons of the rows held now */
    uint32_t stride;         /* neurons between panels: the widest layer */
    uint64_t sat_weight;     /* rows (with duplicates) skipping saturated */
    uint32_t sat_rows;
    bool fresh;              /* the panels are not filled yet */
} cpu_batch;

snig_status snig__cpu_slot_alloc(snig_ctx *ctx, uint32_t widest,
                                 uint32_t rows, cpu_slot *s);
void snig__cpu_slot_free(snig_ctx *ctx, cpu_slot *s);
/* Starts a batch in its slot (one thread); its panels are then filled by
 * snig__cpu_batch_fill, each by the thread that runs it first. */
void snig__cpu_batch_start(const cpu_run *run, cpu_batch *b);
/* Loads the input rows of panel pi (any thread). */
void snig__cpu_batch_fill(const cpu_run *run, cpu_batch *b, uint32_t pi);
/* Readies the batch for layer l (one thread): rows that died or stay
 * saturated leave their panels, saturated rows come back in front of a
 * layer that would change them.  Returns the panels to run. */
uint32_t snig__cpu_batch_before(const cpu_run *run, cpu_batch *b, uint32_t l);
/* Runs layer l on panel pi (any thread, each with its own scratch z of
 * CPU_SCRATCH_BYTES(widest)); adds its counts to the result. */
void snig__cpu_batch_panel(const cpu_run *run, cpu_batch *b, uint32_t l,
                           uint32_t pi, float *z);
/* Writes the batch's rows to the result. */
void snig__cpu_batch_finish(const cpu_run *run, cpu_batch *b);

/* ---- run.c */

/* Runs the unique rows [0, nuniq) in batches of `batch` rows on `threads`
 * threads; SNIG_CANCELLED when snig_cancel stopped it. */
snig_status snig__cpu_run_batches(const cpu_run *run, uint32_t batch,
                                  uint32_t nuniq, int threads);

/* ---- shortcuts.c */

/* rep[r] = the first input row equal to row r (r itself when none);
 * weight[r] = how many rows share representative r (0 for duplicates). */
snig_status snig__cpu_find_duplicates(snig_ctx *ctx, const snig_inputs *in,
                                      int threads, uint32_t *rep,
                                      uint32_t *weight);

#endif /* SNIG_CPU_INTERNAL_H */
