/* The line scanner over a byte source, and strtof for odd number forms. */
#define _GNU_SOURCE
#include "text_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_BUFFER (1u << 20)

snig_status snig__scan_init(snig_ctx *ctx, snig_scan *s, snig_src *src,
                            const char *path, uint64_t limit)
{
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->src = src;
    s->path = path;
    s->left = limit;
    s->start = snig__now();
    /* One spare byte for the '\n' added after an unterminated last line. */
    s->buf = snig__malloc(ctx, SCAN_BUFFER + 1);
    if (s->buf == NULL)
        return SNIG_NOMEM;
    s->cap = SCAN_BUFFER;
    return SNIG_OK;
}

void snig__scan_free(snig_scan *s)
{
    if (s->buf != NULL)
        snig__free(s->ctx, s->buf);
    s->buf = NULL;
}

/* Moves the partial line to the front and reads until the buffer holds at
 * least one whole line or the data ends. */
static snig_status refill(snig_scan *s)
{
    size_t part = s->fill - s->end;
    memmove(s->buf, s->buf + s->end, part);
    s->pos = s->end = 0;
    s->fill = part;
    for (;;) {
        char *nl = memrchr(s->buf, '\n', s->fill);
        if (nl != NULL) {
            s->end = (size_t)(nl - s->buf) + 1;
            return SNIG_OK;
        }
        if (s->eof) {
            if (s->fill > 0)
                s->buf[s->fill++] = '\n';
            s->end = s->fill;
            return SNIG_OK;
        }
        if (s->fill == s->cap)
            return snig__error(s->ctx, SNIG_FORMAT,
                               "%s:%llu: line longer than %zu bytes", s->path,
                               (unsigned long long)s->line + 1, s->cap);
        /* Between blocks of 1 MiB: a cancelled load stops here. */
        snig_status st = snig__check_cancel(s->ctx);
        if (st != SNIG_OK)
            return st;
        uint64_t done = 0, total = 0;
        snig__src_progress(s->src, &done, &total);
        if (total != 0)
            snig__progress(s->ctx, "load", done, total, 0, s->start);
        size_t want = s->cap - s->fill;
        if (want > s->left)
            want = (size_t)s->left;
        size_t got = 0;
        st = want ? snig__src_read(s->src, s->buf + s->fill, want, &got)
                  : SNIG_OK;
        if (st != SNIG_OK)
            return st;
        s->left -= got;
        s->fill += got;
        if (got == 0)
            s->eof = true;
    }
}

snig_status snig__scan_block(snig_scan *s, const char **p, const char **e)
{
    if (s->pos == s->end) {
        snig_status st = refill(s);
        if (st != SNIG_OK)
            return st;
    }
    *p = s->buf + s->pos;
    *e = s->buf + s->end;
    s->pos = s->end;
    return SNIG_OK;
}

snig_status snig__scan_line(snig_scan *s, const char **p)
{
    if (s->pos == s->end) {
        snig_status st = refill(s);
        if (st != SNIG_OK)
            return st;
    }
    if (s->pos == s->end) {
        *p = NULL;
        return SNIG_OK;
    }
    *p = s->buf + s->pos;
    const char *nl = memchr(*p, '\n', s->end - s->pos);
    s->pos = (size_t)(nl - s->buf) + 1;
    s->line++;
    return SNIG_OK;
}

snig_num snig__parse_float_slow(const char **pp, float *v)
{
    const char *p = *pp;
    char tok[64];
    size_t n = 0;
    while (p[n] != '\n' && p[n] != '\0' && !snig__is_blank(p[n])) {
        if (n + 1 == sizeof tok)
            return SNIG_NUM_NONE;
        tok[n] = p[n];
        n++;
    }
    if (n == 0)
        return SNIG_NUM_NONE;
    tok[n] = '\0';
    char *end = NULL;
    float f = strtof(tok, &end);
    if (end != tok + n)
        return SNIG_NUM_NONE;
    if (!isfinite(f))
        return SNIG_NUM_NONFINITE;
    *v = f;
    *pp = p + n;
    return SNIG_NUM_OK;
}
