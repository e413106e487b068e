/* The cpu engine's progress: tasks of the graph done, rows alive in flight,
 * reported through the program's callback (snig_set_progress). */
#include "cpu_internal.h"

void cpu_progress_init(cpu_progress *pr, snig_ctx *ctx, uint64_t tasks,
                       uint64_t batches)
{
    pr->ctx = ctx;
    pr->start = snig__now();
    pr->total = tasks ? tasks : 1;
    atomic_init(&pr->done, 0);
    atomic_init(&pr->batches_done, 0);
    atomic_init(&pr->rows, 0);
    pr->batches = batches;
}

void cpu_progress_tick(cpu_progress *pr, bool batch_done)
{
    uint64_t done = atomic_fetch_add(&pr->done, 1) + 1;
    if (batch_done)
        atomic_fetch_add(&pr->batches_done, 1);
    int64_t rows = atomic_load(&pr->rows);
    snig__progress(pr->ctx, "infer", done, pr->total,
                   rows > 0 ? (uint64_t)rows : 0, pr->start);
}

void cpu_progress_end(cpu_progress *pr) { (void)pr; }
