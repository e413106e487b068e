/* Line-oriented scanning of a byte source, and the hand-written number
 * parsers of the text readers.  The scanner hands out whole lines only: every
 * region it returns ends with '\n' (one is added after a last line that has
 * none), so the parsers can stop at any byte that is not part of a number
 * without checking the end of the buffer. */
#ifndef SNIG_TEXT_SCAN_H
#define SNIG_TEXT_SCAN_H

#include "source.h"

#include <stdbool.h>

typedef struct snig_scan {
    snig_ctx *ctx;
    snig_src *src;
    const char *path;        /* for messages (borrowed) */
    uint64_t left;           /* bytes the scanner may still take from src */
    char *buf;
    size_t cap;
    size_t pos, end;         /* complete lines not handed out yet */
    size_t fill;             /* bytes in buf; [end, fill) is a partial line */
    bool eof;
    uint64_t line;           /* lines handed out so far (callers' count) */
    double start;            /* for progress reports */
} snig_scan;

/* Starts scanning at most `limit` bytes of src (UINT64_MAX: to its end). */
snig_status snig__scan_init(snig_ctx *ctx, snig_scan *s, snig_src *src,
                            const char *path, uint64_t limit);
void snig__scan_free(snig_scan *s);

/* The next run of complete lines, [*p, *e) with e[-1] == '\n'; *p == *e at
 * the end.  The caller counts lines in s->line. */
snig_status snig__scan_block(snig_scan *s, const char **p, const char **e);

/* The next line (ending with '\n'), or *p = NULL at the end; counts it. */
snig_status snig__scan_line(snig_scan *s, const char **p);

/* ---- number parsers: each reads from *pp and leaves *pp after the token. */

typedef enum snig_num {
    SNIG_NUM_OK = 0,
    SNIG_NUM_NONE,           /* no number here */
    SNIG_NUM_BIG,            /* an integer beyond 2^63 */
    SNIG_NUM_NONFINITE       /* NaN or infinite (or overflows float) */
} snig_num;

static inline bool snig__is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static inline const char *snig__skip_blank(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* An unsigned decimal integer. */
static inline snig_num snig__parse_u64(const char **pp, uint64_t *v)
{
    const char *p = *pp;
    uint64_t x = 0;
    unsigned d = (unsigned)(*p - '0');
    if (d > 9)
        return SNIG_NUM_NONE;
    int nd = 0;
    while ((d = (unsigned)(*p - '0')) <= 9) {
        x = x * 10 + d;
        p++;
        if (x != 0 && ++nd > 18)
            return SNIG_NUM_BIG;
    }
    *v = x;
    *pp = p;
    return SNIG_NUM_OK;
}

/* The slow path of snig__parse_float: strtof on the token. */
snig_num snig__parse_float_slow(const char **pp, float *v);

/* A float, exactly as strtof rounds it.  Plain decimals of up to 7
 * significant digits and exponents within ±10 (the official "6.250000e-02"
 * and "1") take the exact fast path: the mantissa and the power of ten are
 * both exact floats, so one IEEE division or product rounds correctly.
 * Anything else goes to strtof. */
static inline snig_num snig__parse_float(const char **pp, float *v)
{
    static const float pow10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                     1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    const char *p = *pp;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    uint64_t m = 0;
    int e10 = 0, nd = 0;
    unsigned d;
    while ((d = (unsigned)(*p - '0')) <= 9 && nd < 18) {
        m = m * 10 + d;
        nd++;
        p++;
    }
    if (*p == '.') {
        p++;
        while ((d = (unsigned)(*p - '0')) <= 9 && nd < 18) {
            m = m * 10 + d;
            nd++;
            e10--;
            p++;
        }
    }
    if (nd == 0 || (d = (unsigned)(*p - '0')) <= 9)
        return snig__parse_float_slow(pp, v);
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '-' || *p == '+')
            eneg = *p++ == '-';
        int x = 0, xd = 0;
        while ((d = (unsigned)(*p - '0')) <= 9 && xd < 4) {
            x = x * 10 + (int)d;
            xd++;
            p++;
        }
        if (xd == 0 || d <= 9)
            return snig__parse_float_slow(pp, v);
        e10 += eneg ? -x : x;
    }
    /* Anything glued on ("0x1p3", "1.5f") is strtof's to judge. */
    if (*p != '\n' && !snig__is_blank(*p))
        return snig__parse_float_slow(pp, v);
    if (m == 0) {
        *v = neg ? -0.0f : 0.0f;
        *pp = p;
        return SNIG_NUM_OK;
    }
    while (m % 10 == 0 && (m > (1u << 24) || e10 < -10)) {
        m /= 10;
        e10++;
    }
    if (m > (1u << 24) || e10 < -10 || e10 > 10)
        return snig__parse_float_slow(pp, v);
    float f = (float)m;
    f = e10 < 0 ? f / pow10f[-e10] : f * pow10f[e10];
    if (f > 3.4028235e38f)
        return SNIG_NUM_NONFINITE;
    *v = neg ? -f : f;
    *pp = p;
    return SNIG_NUM_OK;
}

#endif
