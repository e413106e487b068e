/* Progress lines for the generator; see progress.h. */
#define _DEFAULT_SOURCE
#include "progress.h"
#include "../core/internal.h"

#include <stdio.h>
#include <unistd.h>

void snig__progress_start(snig_progress *p, int mode, const char *what)
{
    *p = (snig_progress){.what = what};
    p->on = mode < 0 ? isatty(STDERR_FILENO) : mode;
    p->start = p->last = snig__now();
}

void snig__progress_update(snig_progress *p, uint64_t done, uint64_t total)
{
    if (!p->on)
        return;
    double t = snig__now();
    if (t - p->start < 2.0 || t - p->last < 0.5)
        return;
    p->last = t;
    p->shown = 1;
    double rate = (t - p->start) > 0 ? done / (t - p->start) : 0;
    double left = rate > 0 ? (total - done) / rate : 0;
    fprintf(stderr, "\r%s: %llu/%llu (%.0f%%), %.0f s left   ", p->what,
            (unsigned long long)done, (unsigned long long)total,
            total ? 100.0 * done / total : 100.0, left);
    fflush(stderr);
}

void snig__progress_end(snig_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\n");
    p->shown = 0;
}
