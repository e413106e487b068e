/* The cpu engine's progress line: on stderr, only when it is a terminal (or
 * when asked), and only once a run has lasted two seconds. */
#define _POSIX_C_SOURCE 200809L
#include "cpu_internal.h"

#include <stdio.h>
#include <unistd.h>

void cpu_progress_init(cpu_progress *pr, int option, uint64_t tasks,
                       uint64_t batches)
{
    pr->on = option > 0 || (option < 0 && isatty(STDERR_FILENO));
    pr->start = pr->last = snig__now();
    pr->total = tasks ? tasks : 1;
    atomic_init(&pr->done, 0);
    atomic_init(&pr->batches_done, 0);
    atomic_init(&pr->rows, 0);
    pr->batches = batches;
    atomic_flag_clear(&pr->busy);
    atomic_init(&pr->printed, 0);
}

void cpu_progress_tick(cpu_progress *pr, bool batch_done)
{
    uint64_t done = atomic_fetch_add(&pr->done, 1) + 1;
    if (batch_done)
        atomic_fetch_add(&pr->batches_done, 1);
    if (!pr->on || atomic_flag_test_and_set(&pr->busy))
        return;
    double now = snig__now();
    if (now - pr->start >= 2.0 && now - pr->last >= 0.5) {
        pr->last = now;
        fprintf(stderr,
                "\rsnig cpu: %5.1f%% of the task graph, batches %llu/%llu "
                "done, %lld rows alive in flight, %.0f s ",
                100.0 * (double)done / (double)pr->total,
                (unsigned long long)atomic_load(&pr->batches_done),
                (unsigned long long)pr->batches,
                (long long)atomic_load(&pr->rows), now - pr->start);
        fflush(stderr);
        atomic_store(&pr->printed, 1);
    }
    atomic_flag_clear(&pr->busy);
}

void cpu_progress_end(cpu_progress *pr)
{
    if (atomic_load(&pr->printed))
        fprintf(stderr, "\rsnig cpu: done in %.1f s%40s\n",
                snig__now() - pr->start, "");
}
