/* A one-line progress report on stderr for long generator runs: shown only
 * when stderr is a terminal and the run has lasted over two seconds. */
#ifndef SNIG_GEN_PROGRESS_H
#define SNIG_GEN_PROGRESS_H

#include <stdint.h>

typedef struct snig_progress {
    int on;                  /* 0: never print */
    int shown;               /* something was printed (needs a newline) */
    double start, last;
    const char *what;
} snig_progress;

/* mode: -1 when stderr is a terminal, 0 never, 1 always (after 2 s). */
void snig__progress_start(snig_progress *p, int mode, const char *what);
void snig__progress_update(snig_progress *p, uint64_t done, uint64_t total);
void snig__progress_end(snig_progress *p);

#endif
