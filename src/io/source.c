/* Byte source: zlib's gzread (which passes plain files through unchanged)
 * runs on a producer thread that fills a ring of blocks; the reader thread
 * copies out of them.  Inflating is the slowest step of reading the official
 * archives, so overlapping it with parsing nearly halves the load time. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SRC_BLOCK (1u << 20)
#define SRC_NBLOCK 4
#define SRC_PEEK 1024
/* A gzip file may expand to at most this many times its size (plus a
 * margin): the official files expand 4 to 8 times, a gzip bomb 1000 times. */
#define SRC_MAX_RATIO 128u
#define SRC_FREE_BYTES (64ull << 20)

struct snig_src {
    snig_ctx *ctx;
    char *path;
    gzFile gz;
    /* Ring of filled blocks: the producer fills slot `tail`, the reader
     * drains slot `head`; `count` blocks are filled. */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv_data, cv_space;
    unsigned char *blk[SRC_NBLOCK];
    size_t len[SRC_NBLOCK];
    unsigned head, tail, count;
    bool done, stop;
    int zerr, sys_errno;     /* why the producer stopped early */
    char zmsg[160];
    uint64_t file_size;      /* of the (compressed) file */
    uint64_t produced;       /* bytes inflated so far (producer) */
    bool bomb;               /* stopped: expanded beyond SRC_MAX_RATIO */
    _Atomic uint64_t raw_done; /* bytes of the file read (for progress) */
    size_t off;              /* read offset in blk[head] */
    /* Bytes peeked, returned again by the next reads. */
    unsigned char peek[SRC_PEEK];
    size_t peek_pos, peek_len;
};

static void *producer(void *arg)
{
    snig_src *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->count == SRC_NBLOCK && !s->stop)
            pthread_cond_wait(&s->cv_space, &s->mu);
        bool stop = s->stop;
        unsigned slot = s->tail;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        int n = gzread(s->gz, s->blk[slot], SRC_BLOCK);
        int zerr = Z_OK;
        const char *msg = gzerror(s->gz, &zerr);
        if (n > 0)
            s->produced += (uint64_t)n;
        z_off_t raw = gzoffset(s->gz);
        if (raw > 0)
            atomic_store(&s->raw_done, (uint64_t)raw);
        /* A gzip bomb stops here, before the parsers see gigabytes. */
        bool bomb = n > 0 && !gzdirect(s->gz) &&
                    s->produced > SRC_FREE_BYTES +
                                      SRC_MAX_RATIO * s->file_size;
        pthread_mutex_lock(&s->mu);
        if (bomb) {
            s->done = true;
            s->bomb = true;
        } else if (n > 0 && zerr == Z_OK) {
            s->len[slot] = (size_t)n;
            s->tail = (s->tail + 1) % SRC_NBLOCK;
            s->count++;
        } else {
            s->done = true;
            s->zerr = zerr;
            s->sys_errno = errno;
            /* zlib names the file by its descriptor ("<fd:3>: ..."): the
             * message names the path instead. */
            const char *m = msg ? msg : "";
            if (strncmp(m, "<fd:", 4) == 0 && strstr(m, ": ") != NULL)
                m = strstr(m, ": ") + 2;
            snprintf(s->zmsg, sizeof s->zmsg, "%s", m);
        }
        bool done = s->done;
        pthread_cond_signal(&s->cv_data);
        pthread_mutex_unlock(&s->mu);
        if (done)
            break;
    }
    return NULL;
}

snig_status snig__src_open(snig_ctx *ctx, const char *path, snig_src **out)
{
    snig_status st = SNIG_OK;
    int fd = -1;
    *out = NULL;
    snig_src *s = snig__calloc(ctx, 1, sizeof *s);
    if (s == NULL)
        return SNIG_NOMEM;
    s->ctx = ctx;
    size_t plen = strlen(path) + 1;
    s->path = snig__malloc(ctx, plen);
    bool ok = s->path != NULL;
    for (int i = 0; i < SRC_NBLOCK && ok; i++) {
        s->blk[i] = snig__malloc(ctx, SRC_BLOCK);
        ok = s->blk[i] != NULL;
    }
    if (!ok) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    memcpy(s->path, path, plen);
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot open: %s", path,
                         strerror(errno));
        goto cleanup;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
        s->file_size = (uint64_t)sb.st_size;
    else
        s->file_size = UINT64_MAX / (2 * SRC_MAX_RATIO); /* a pipe: no bound */
    s->gz = gzdopen(fd, "rb");
    if (s->gz == NULL) {
        close(fd);
        st = snig__error(ctx, SNIG_NOMEM, "%s: cannot start zlib", path);
        goto cleanup;
    }
    gzbuffer(s->gz, 256u << 10);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv_data, NULL);
    pthread_cond_init(&s->cv_space, NULL);
    if (pthread_create(&s->thread, NULL, producer, s) != 0) {
        st = snig__error(ctx, SNIG_INTERNAL, "%s: cannot start a thread", path);
        goto cleanup;
    }
    s->started = true;
    *out = s;
    s = NULL;
cleanup:
    snig__src_close(&s);
    return st;
}

/* Turns the producer's stop reason into a status and a message. */
static snig_status producer_error(snig_src *s)
{
    if (s->bomb)
        return snig__error(s->ctx, SNIG_FORMAT, "%s: gzip data expands to "
                           "more than %u times the file's %llu bytes: refused "
                           "(a gzip bomb?); decompress it yourself if it is "
                           "right", s->path, SRC_MAX_RATIO,
                           (unsigned long long)s->file_size);
    switch (s->zerr) {
    case Z_OK:
        return SNIG_OK;
    case Z_ERRNO:
        return snig__error(s->ctx, SNIG_IO, "%s: read error: %s", s->path,
                           strerror(s->sys_errno));
    case Z_BUF_ERROR:
        return snig__error(s->ctx, SNIG_FORMAT,
                           "%s: truncated gzip data (unexpected end of file)",
                           s->path);
    case Z_MEM_ERROR:
        return snig__error(s->ctx, SNIG_NOMEM, "%s: out of memory in zlib",
                           s->path);
    default:
        return snig__error(s->ctx, SNIG_FORMAT, "%s: corrupt gzip data: %s",
                           s->path, s->zmsg);
    }
}

/* Reads from the ring, ignoring the peek buffer. */
static snig_status ring_read(snig_src *s, unsigned char *dst, size_t n,
                             size_t *got)
{
    size_t done = 0;
    while (done < n) {
        pthread_mutex_lock(&s->mu);
        while (s->count == 0 && !s->done)
            pthread_cond_wait(&s->cv_data, &s->mu);
        bool empty = s->count == 0;
        unsigned h = s->head;
        pthread_mutex_unlock(&s->mu);
        if (empty)
            break;
        size_t take = s->len[h] - s->off;
        if (take > n - done)
            take = n - done;
        memcpy(dst + done, s->blk[h] + s->off, take);
        done += take;
        s->off += take;
        if (s->off == s->len[h]) {
            s->off = 0;
            pthread_mutex_lock(&s->mu);
            s->head = (s->head + 1) % SRC_NBLOCK;
            s->count--;
            pthread_cond_signal(&s->cv_space);
            pthread_mutex_unlock(&s->mu);
        }
    }
    *got = done;
    if (done == 0)
        return producer_error(s);
    return SNIG_OK;
}

snig_status snig__src_read(snig_src *s, void *buf, size_t n, size_t *got)
{
    unsigned char *dst = buf;
    size_t from_peek = s->peek_len - s->peek_pos;
    if (from_peek > n)
        from_peek = n;
    memcpy(dst, s->peek + s->peek_pos, from_peek);
    s->peek_pos += from_peek;
    if (from_peek == n) {
        *got = n;
        return SNIG_OK;
    }
    size_t more = 0;
    snig_status st = ring_read(s, dst + from_peek, n - from_peek, &more);
    *got = from_peek + more;
    /* Bytes already returned go first; the error shows on the next call. */
    return *got > 0 ? SNIG_OK : st;
}

snig_status snig__src_peek(snig_src *s, void *buf, size_t n, size_t *got)
{
    if (n > SRC_PEEK)
        n = SRC_PEEK;
    /* Keep what is still unread in front, then top up from the ring. */
    size_t have = s->peek_len - s->peek_pos;
    memmove(s->peek, s->peek + s->peek_pos, have);
    s->peek_pos = 0;
    s->peek_len = have;
    snig_status st = SNIG_OK;
    if (have < n) {
        size_t more = 0;
        st = ring_read(s, s->peek + have, n - have, &more);
        s->peek_len += more;
        if (s->peek_len > 0)
            st = SNIG_OK;
    }
    *got = s->peek_len < n ? s->peek_len : n;
    memcpy(buf, s->peek, *got);
    return st;
}

snig_status snig__src_skip(snig_src *s, uint64_t n)
{
    unsigned char tmp[4096];
    while (n > 0) {
        size_t want = n < sizeof tmp ? (size_t)n : sizeof tmp;
        size_t got = 0;
        snig_status st = snig__src_read(s, tmp, want, &got);
        if (st != SNIG_OK)
            return st;
        if (got == 0)
            return snig__error(s->ctx, SNIG_FORMAT,
                               "%s: unexpected end of data", s->path);
        n -= got;
    }
    return SNIG_OK;
}

void snig__src_close(snig_src **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    snig_src *s = *ps;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->cv_space);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        pthread_cond_destroy(&s->cv_space);
        pthread_cond_destroy(&s->cv_data);
        pthread_mutex_destroy(&s->mu);
    }
    if (s->gz != NULL)
        gzclose_r(s->gz);
    for (int i = 0; i < SRC_NBLOCK; i++)
        snig__free(s->ctx, s->blk[i]);
    snig__free(s->ctx, s->path);
    snig__free(s->ctx, s);
    *ps = NULL;
}

void snig__src_progress(const snig_src *s, uint64_t *done, uint64_t *total)
{
    *done = atomic_load(&((snig_src *)s)->raw_done);
    *total = s->file_size < UINT64_MAX / (2 * SRC_MAX_RATIO) ? s->file_size : 0;
    if (*total != 0 && *done > *total)
        *done = *total;
}
