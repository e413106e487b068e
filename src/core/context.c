/* The context: allocator hooks, the message of the last failed call, the
 * progress callback. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const status_names[] = {
#define SNIG_STATUS_TEXT(name, text) text,
    SNIG_STATUS_MAP(SNIG_STATUS_TEXT)
#undef SNIG_STATUS_TEXT
};

const char *snig_status_str(snig_status s)
{
    if ((int)s < 0 || s >= SNIG_STATUS_COUNT)
        return "unknown status";
    return status_names[s];
}

snig_status snig_ctx_new(snig_ctx **out, const snig_allocator *alloc)
{
    if (out == NULL)
        return SNIG_USAGE;
    *out = NULL;
    snig_allocator a = {0};
    if (alloc != NULL)
        a = *alloc;
    snig_ctx *ctx = a.malloc_fn ? a.malloc_fn(sizeof *ctx, a.user)
                                : malloc(sizeof *ctx);
    if (ctx == NULL)
        return SNIG_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->magic = SNIG_MAGIC_CTX;
    ctx->alloc = a;
    atomic_flag_clear(&ctx->progress_busy);
    atomic_flag_clear(&ctx->err_lock);
    *out = ctx;
    return SNIG_OK;
}

snig_ctx *snig__ctx_clone(snig_ctx *ctx)
{
    snig_ctx *c = snig__malloc(ctx, sizeof *c);
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof *c);
    c->magic = SNIG_MAGIC_CTX;
    c->alloc = ctx->alloc;
    atomic_flag_clear(&c->progress_busy);
    atomic_flag_clear(&c->err_lock);
    return c;
}

void snig_ctx_free(snig_ctx **pctx)
{
    if (pctx == NULL || !SNIG_VALID(*pctx, SNIG_MAGIC_CTX))
        return;
    snig_ctx *ctx = *pctx;
    snig_clear_error(ctx);
    ctx->magic = 0;
    snig_allocator a = ctx->alloc;
    if (a.free_fn)
        a.free_fn(ctx, a.user);
    else
        free(ctx);
    *pctx = NULL;
}

const char *snig_errmsg(const snig_ctx *ctx)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return "invalid snig context";
    if (ctx->msg != NULL)
        return ctx->msg;
    if (ctx->static_msg != NULL)
        return ctx->static_msg;
    return "";
}

void snig_cancel(snig_ctx *ctx)
{
    if (ctx != NULL)
        atomic_store(&ctx->cancel, 1);
}

snig_status snig__check_cancel(snig_ctx *ctx)
{
    if (ctx == NULL || !atomic_load_explicit(&ctx->cancel, memory_order_relaxed))
        return SNIG_OK;
    return snig__error(ctx, SNIG_CANCELLED, "interrupted");
}

void snig__enter(snig_ctx *ctx)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX) || ctx->status == SNIG_OK)
        return;
    snig__free(ctx, ctx->msg);
    ctx->msg = NULL;
    ctx->static_msg = NULL;
    ctx->status = SNIG_OK;
}

void snig__error_take(snig_ctx *ctx, char *buf, size_t len)
{
    if (buf != NULL && len > 0)
        snprintf(buf, len, "%s", snig_errmsg(ctx));
    snig__enter(ctx);
}

void snig_set_progress(snig_ctx *ctx, snig_progress_fn fn, void *user)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return;
    ctx->progress_fn = fn;
    ctx->progress_user = user;
}

void snig__progress(snig_ctx *ctx, const char *phase, uint64_t done,
                    uint64_t total, uint64_t rows_alive, double start)
{
    if (ctx == NULL || ctx->progress_fn == NULL)
        return;
    double now = snig__now();
    uint64_t ns = (uint64_t)(now * 1e9);
    bool end = total != 0 && done >= total;
    uint64_t last = atomic_load_explicit(&ctx->progress_last_ns,
                                         memory_order_relaxed);
    if (!end && ns < last + 100000000u)
        return;
    /* One report at a time; a report that finds another running is dropped
     * unless it is the end, which waits its turn. */
    while (atomic_flag_test_and_set(&ctx->progress_busy))
        if (!end)
            return;
    atomic_store_explicit(&ctx->progress_last_ns, ns, memory_order_relaxed);
    snig_progress p = {.phase = phase, .done = done, .total = total,
                       .rows_alive = rows_alive, .seconds = now - start};
    ctx->progress_fn(&p, ctx->progress_user);
    atomic_flag_clear(&ctx->progress_busy);
}

void snig_clear_error(snig_ctx *ctx)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return;
    atomic_store(&ctx->cancel, 0);
    snig__free(ctx, ctx->msg);
    ctx->msg = NULL;
    ctx->static_msg = NULL;
    ctx->status = SNIG_OK;
}

snig_status snig__verror(snig_ctx *ctx, snig_status s, const char *fmt,
                         va_list ap)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX) || s == SNIG_OK)
        return s;
    while (atomic_flag_test_and_set(&ctx->err_lock))
        ;
    if (ctx->status != SNIG_OK) { /* the first failure of a call wins */
        atomic_flag_clear(&ctx->err_lock);
        return s;
    }
    ctx->status = s;
    char buf[SNIG_ERRMSG_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf) + 1;
    /* Not snig__malloc: a failing allocation must not recurse here. */
    char *m = ctx->alloc.malloc_fn ? ctx->alloc.malloc_fn(n, ctx->alloc.user)
                                   : malloc(n);
    if (m == NULL)
        ctx->static_msg = snig_status_str(s);
    else {
        memcpy(m, buf, n);
        ctx->msg = m;
    }
    atomic_flag_clear(&ctx->err_lock);
    return s;
}

snig_status snig__error(snig_ctx *ctx, snig_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    snig__verror(ctx, s, fmt, ap);
    va_end(ap);
    return s;
}

static void *raw_malloc(snig_ctx *ctx, size_t size)
{
    if (ctx != NULL && ctx->alloc.malloc_fn)
        return ctx->alloc.malloc_fn(size, ctx->alloc.user);
    return malloc(size);
}

void *snig__malloc(snig_ctx *ctx, size_t size)
{
    void *p = raw_malloc(ctx, size ? size : 1);
    if (p == NULL)
        snig__error(ctx, SNIG_NOMEM, "out of memory (%zu bytes)", size);
    return p;
}

void *snig__calloc(snig_ctx *ctx, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        snig__error(ctx, SNIG_NOMEM, "out of memory (%zu x %zu bytes)", n,
                    size);
        return NULL;
    }
    void *p = snig__malloc(ctx, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *snig__realloc(snig_ctx *ctx, void *p, size_t size)
{
    void *q = (ctx != NULL && ctx->alloc.realloc_fn)
                  ? ctx->alloc.realloc_fn(p, size ? size : 1, ctx->alloc.user)
                  : realloc(p, size ? size : 1);
    if (q == NULL)
        snig__error(ctx, SNIG_NOMEM, "out of memory (%zu bytes)", size);
    return q;
}

void snig__free(snig_ctx *ctx, void *p)
{
    if (p == NULL)
        return;
    if (ctx != NULL && ctx->alloc.free_fn)
        ctx->alloc.free_fn(p, ctx->alloc.user);
    else
        free(p);
}

/* Aligned blocks keep their own header so any allocator hook works: the
 * offset back to the raw pointer sits just before the aligned address. */
#define SNIG_ALIGN 64
void *snig__malloc_aligned(snig_ctx *ctx, size_t size)
{
    if (size > SIZE_MAX - 2 * SNIG_ALIGN) {
        snig__error(ctx, SNIG_NOMEM, "out of memory (%zu bytes)", size);
        return NULL;
    }
    unsigned char *raw = snig__malloc(ctx, size + 2 * SNIG_ALIGN);
    if (raw == NULL)
        return NULL;
    uintptr_t a = ((uintptr_t)raw + SNIG_ALIGN) & ~(uintptr_t)(SNIG_ALIGN - 1);
    unsigned char *p = (unsigned char *)a;
    ((size_t *)p)[-1] = (size_t)(p - raw);
    return p;
}

void snig__free_aligned(snig_ctx *ctx, void *p)
{
    if (p == NULL)
        return;
    unsigned char *q = p;
    snig__free(ctx, q - ((size_t *)q)[-1]);
}

void snig_free(snig_ctx *ctx, void *p) { snig__free(ctx, p); }

double snig_now(void) { return snig__now(); }

double snig__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
