#define _DEFAULT_SOURCE   /* realpath(path, NULL) */
#include "commands.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* msg without a leading "WORDS: " that repeats the command's name (the
 * library says "generate inputs: ..." where the CLI already said it). */
static const char *without_prefix(const char *cmd, const char *msg)
{
    size_t first = strcspn(cmd, " ");
    size_t lens[2] = {strlen(cmd), first};
    for (int i = 0; i < 2; i++)
        if (strncmp(msg, cmd, lens[i]) == 0 && msg[lens[i]] == ':' &&
            msg[lens[i] + 1] == ' ')
            return msg + lens[i] + 2;
    return msg;
}

int cli_fail(const char *cmd, snig_ctx *ctx)
{
    fprintf(stderr, "snig %s: %s\n", cmd, without_prefix(cmd, snig_errmsg(ctx)));
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
/* The signal that cancelled it, 0 when none. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    snig_ctx *ctx = cancellable;
    if (caught == 0)
        caught = sig;
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

int cli_exit_code(int code)
{
    return caught != 0 ? 128 + caught : code;
}

int cli_check_input(const char *cmd, const char *opt, const char *path)
{
    struct stat sb;
    int mode = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? R_OK | X_OK
                                                           : R_OK;
    if (access(path, mode) == 0)
        return 0;
    fprintf(stderr, "snig %s: %s %s: %s\n", cmd, opt, path, strerror(errno));
    return -1;
}

int cli_check_output(const char *cmd, const char *opt, const char *path)
{
    struct stat sb;
    const char *why = NULL;
    char *copy = NULL;
    if (strcmp(path, "-") == 0)
        return 0;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        why = "is a directory, not a file";
    } else if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* a device or a FIFO: written into */
        if (access(path, W_OK) != 0)
            why = strerror(errno);
    } else {
        /* A new file or a replaced one: made in the folder of the file the
         * path leads to (symbolic links followed), then renamed. */
        copy = realpath(path, NULL);
        if (copy == NULL)
            copy = strdup(path);
        if (copy == NULL) {
            why = strerror(ENOMEM);
        } else {
            const char *dir = dirname(copy);
            if (stat(dir, &sb) != 0)
                why = errno == ENOENT ? "its folder does not exist"
                                      : strerror(errno);
            else if (!S_ISDIR(sb.st_mode))
                why = "its folder is not a folder";
            else if (access(dir, W_OK | X_OK) != 0)
                why = errno == EACCES ? "its folder is not writable"
                                      : strerror(errno);
        }
    }
    if (why != NULL)
        fprintf(stderr, "snig %s: %s %s: %s\n", cmd, opt, path, why);
    free(copy);
    return why != NULL ? -1 : 0;
}

void cli_ctx_free(snig_ctx **ctx)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    cancellable = NULL;
    snig_ctx_free(ctx);
}
