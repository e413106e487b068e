/* Memory layout and batch choice of the cuda engine (see plan.h). */
#include "plan.h"

static uint64_t take(uint64_t *at, uint64_t bytes)
{
    uint64_t start = *at;
    *at += (bytes + 255) / 256 * 256;   /* every buffer 256-aligned */
    return start;
}

void snig__cuda_layout_make(snig__cuda_layout *lay, uint32_t n, uint32_t layers,
                           uint32_t batch, uint64_t max_entries,
                           uint64_t weight_bytes)
{
    uint64_t at = 0;
    uint64_t b = batch;
    lay->weights = take(&at, weight_bytes);
    for (int i = 0; i < 2; i++)
        lay->y[i] = take(&at, b * n * sizeof(float));
    for (int i = 0; i < 2; i++)
        lay->list[i] = take(&at, b * sizeof(uint32_t));
    lay->rownz = take(&at, b * sizeof(uint32_t));
    lay->rowsat = take(&at, b * sizeof(uint32_t));
    lay->status = take(&at, b);
    lay->rowptr = take(&at, (b + 1) * sizeof(uint64_t));
    lay->mult = take(&at, b * sizeof(uint32_t));
    lay->entries = take(&at, (max_entries ? max_entries : 1) *
                                 sizeof(snig__cuda_entry));
    lay->count = take(&at, ((uint64_t)layers + 1) * sizeof(uint32_t));
    lay->stats = take(&at, 2 * (uint64_t)layers * sizeof(uint64_t));
    lay->total = at;
}

uint64_t snig__cuda_max_entries(const uint64_t *rowptr, uint64_t rows,
                               uint32_t batch)
{
    uint64_t most = 0;
    for (uint64_t r = 0; batch > 0 && r < rows; r += batch) {
        uint64_t end = rows - r < batch ? rows : r + batch;
        if (rowptr[end] - rowptr[r] > most)
            most = rowptr[end] - rowptr[r];
    }
    return most;
}

/* 1 when a batch of `batch` rows fits the budget; fills p. */
static int fits(snig__cuda_plan *p, uint32_t n, uint32_t layers,
                const uint64_t *rowptr, uint64_t rows, uint64_t weights,
                uint64_t budget, uint32_t batch)
{
    p->max_entries = snig__cuda_max_entries(rowptr, rows, batch);
    snig__cuda_layout_make(&p->layout, n, layers, batch, p->max_entries,
                          weights);
    return p->layout.total <= budget;
}

/* The largest batch <= start whose layout fits the budget (only start
 * itself when exact), 0 when none; p holds its layout. */
static uint32_t fit_batch(snig__cuda_plan *p, uint32_t n, uint32_t layers,
                          const uint64_t *rowptr, uint64_t rows,
                          uint64_t weights, uint64_t budget, uint32_t start,
                          int exact)
{
    if (fits(p, n, layers, rowptr, rows, weights, budget, start))
        return start;
    if (exact || start == 1 ||
        !fits(p, n, layers, rowptr, rows, weights, budget, 1))
        return 0;
    /* 1 fits, start does not: bisect (the need grows with the batch). */
    uint32_t lo = 1, hi = start;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (fits(p, n, layers, rowptr, rows, weights, budget, mid))
            lo = mid;
        else
            hi = mid;
    }
    fits(p, n, layers, rowptr, rows, weights, budget, lo);
    return lo;
}

int snig__cuda_weights_choose(snig__cuda_weights_plan *w, uint32_t n,
                             uint32_t layers, uint64_t arena_bytes,
                             uint64_t max_layer_bytes, uint64_t budget,
                             int want_buffers)
{
    snig__cuda_layout lay;
    int buffers = want_buffers > 0 ? want_buffers : 2;
    if ((uint32_t)buffers > layers)
        buffers = (int)(layers ? layers : 1);
    w->buffers = buffers;
    snig__cuda_layout_make(&lay, n, layers, SNIG_CUDA_RESIDENT_ROWS,
                          (uint64_t)SNIG_CUDA_RESIDENT_ROWS *
                              (n / SNIG_CUDA_RESIDENT_DENSITY + 1),
                          0);
    w->need = arena_bytes + lay.total;
    w->resident = w->need <= budget;
    if (w->resident)
        return 1;
    /* Streamed: one row (dense, the worst) beside the buffers at least. */
    snig__cuda_layout_make(&lay, n, layers, 1, n,
                          (uint64_t)buffers * max_layer_bytes);
    w->need = lay.total;
    return lay.total <= budget;
}

int snig__cuda_plan_make(snig__cuda_plan *p, uint32_t n, uint32_t layers,
                        const uint64_t *rowptr, uint64_t rows,
                        uint64_t weight_bytes, uint64_t budget,
                        uint32_t want_batch, int gpus)
{
    uint64_t per_gpu = gpus > 1 ? (rows + (uint64_t)gpus - 1) / gpus : rows;
    uint64_t start = want_batch ? want_batch : per_gpu;
    if (start > rows)
        start = rows;
    if (start > SNIG_CUDA_MAX_BATCH)
        start = SNIG_CUDA_MAX_BATCH;
    if (start == 0)
        start = 1;
    /* A caller's batch is taken as given (fewer rows only at the end), the
     * engine's own is the largest that fits. */
    p->batch = fit_batch(p, n, layers, rowptr, rows, weight_bytes, budget,
                         (uint32_t)start, want_batch != 0);
    if (p->batch > 0)
        return 1;
    /* Tell the caller the least it would take: one row. */
    p->max_entries = snig__cuda_max_entries(rowptr, rows, 1);
    snig__cuda_layout_make(&p->layout, n, layers, 1, p->max_entries,
                          weight_bytes);
    return 0;
}

uint32_t snig__cuda_section(uint32_t n, uint64_t smem_block, uint64_t smem_sm,
                           uint32_t want)
{
    const uint64_t per_neuron = 16;   /* 4 rows of floats */
    uint64_t most = smem_block / per_neuron / 4 * 4;
    uint64_t need = ((uint64_t)n + 3) / 4 * 4;
    uint64_t s;
    if (want > 0) {
        s = want / 4 * 4;
        s = s < 4 ? 4 : s;
    } else {
        /* Two blocks per multiprocessor, each with 1 KiB the system keeps. */
        uint64_t half = smem_sm / 2 > 1024 ? smem_sm / 2 - 1024 : 0;
        s = half / per_neuron / 256 * 256;
        s = s < 256 ? 256 : s;
    }
    s = s < most ? s : most;
    s = s < need ? s : need;
    return (uint32_t)(s < 4 ? 4 : s);
}
