#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_parse_u64(const char *cmd, const char *opt, const char *text,
                  uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] == '-' || end == text || *end != '\0' || errno != 0 ||
        v < min || v > max) {
        cli_usage_error(cmd, "%s expects a whole number from %llu to %llu, "
                        "not '%s'", opt, (unsigned long long)min,
                        (unsigned long long)max, text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_float(const char *cmd, const char *opt, const char *text,
                    float *out)
{
    char *end = NULL;
    errno = 0;
    float v = strtof(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v)) {
        cli_usage_error(cmd, "%s expects a finite number, not '%s'", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_fail(const char *cmd, snig_ctx *ctx)
{
    fprintf(stderr, "snig %s: %s\n", cmd, snig_errmsg(ctx));
    return SNIG_EXIT_ERROR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "snig %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'snig %s --help')\n", cmd);
    va_end(ap);
    return SNIG_EXIT_ERROR;
}

/* The one context a signal may cancel: the CLI runs one command at a time. */
static snig_ctx *volatile cancellable;

static void on_signal(int sig)
{
    snig_ctx *ctx = cancellable;
    if (ctx != NULL)
        snig_cancel(ctx);
    signal(sig, SIG_DFL); /* a second signal ends the process */
}

int cli_ctx_new(const char *cmd, snig_ctx **ctx)
{
    if (snig_ctx_new(ctx, NULL) != SNIG_OK) {
        fprintf(stderr, "snig %s: out of memory\n", cmd);
        return -1;
    }
    cancellable = *ctx;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

/* One line per phase, rewritten in place; a newline when the phase ends. */
static void print_progress(const snig_progress *p, void *user)
{
    int *shown = user;
    bool end = p->total != 0 && p->done >= p->total;
    if (p->seconds < 2.0 && !(*shown && end))
        return;
    char alive[48] = "";
    if (p->rows_alive)
        snprintf(alive, sizeof alive, ", %llu rows alive",
                 (unsigned long long)p->rows_alive);
    if (p->total)
        fprintf(stderr, "\rsnig: %s %5.1f%%%s, %.0f s   ", p->phase,
                100.0 * (double)p->done / (double)p->total, alive, p->seconds);
    else
        fprintf(stderr, "\rsnig: %s %llu%s, %.0f s   ", p->phase,
                (unsigned long long)p->done, alive, p->seconds);
    *shown = !end;
    if (end)
        fputc('\n', stderr);
    fflush(stderr);
}

void cli_progress(snig_ctx *ctx, int mode)
{
    static int shown;
    if (mode > 0 || (mode < 0 && isatty(STDERR_FILENO)))
        snig_set_progress(ctx, print_progress, &shown);
    else
        snig_set_progress(ctx, NULL, NULL);
}

void cli_ctx_free(snig_ctx **ctx)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    cancellable = NULL;
    snig_ctx_free(ctx);
}
