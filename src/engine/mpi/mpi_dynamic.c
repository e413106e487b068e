/* Dynamic work distribution (--dynamic): rank 0 holds the rows and hands
 * them out in batches to whichever rank asks, so a rank whose rows die
 * early simply asks again.  Rank 0 runs batches too, answering requests
 * between its own batches.
 *
 * Messages (one each, so a request or a batch is never half received):
 *   request  worker -> 0: u64 {status, start, rows}, then rows alive bytes
 *            and, with keep_values, rows x N floats of the previous batch
 *            (rows = 0 in the first request);
 *   work     0 -> worker: u64 {start, rows, nonzeros}, then rows + 1
 *            offsets (u64), the columns (u32) and values (float); rows = 0
 *            means stop.
 * A failed batch is reported in the next request; rank 0 then stops handing
 * out work and the caller agrees on the status. */
#include "mpi_private.h"

#include <stdio.h>
#include <string.h>

/* Requests a worker keeps in flight: it asks for its next batch before it
 * runs the current one, so it rarely waits while rank 0 is busy. */
#define DEPTH 2

/* Rows per batch: --batch, else about three batches per rank, at least 256
 * rows: every batch pays the local engine's set-up once (the cpu engine
 * prepares the weights on each call, ~80 ms for 4096 x 120 layers). */
static uint64_t batch_rows(const snig_job *job, uint64_t rows, int size)
{
    if (job->opt->batch > 0)
        return job->opt->batch;
    uint64_t b = rows / (3 * (uint64_t)size) + 1;
    return b < 256 ? 256 : (b > 16384 ? 16384 : b);
}

/* Sends in flight.  A batch is large enough to go by rendezvous, where a
 * blocking send would wait for the worker to finish its current batch and
 * post the receive: rank 0 hands each message to MPI_Isend and frees the
 * buffer once the send completes. */
typedef struct outbox {
    int cap;
    MPI_Request *req;
    unsigned char **buf;
} outbox;

static void outbox_reap(snig_ctx *ctx, outbox *o, bool all)
{
    for (int i = 0; i < o->cap; i++) {
        int done = 0;
        if (o->buf[i] == NULL)
            continue;
        if (all)
            MPI_Wait(&o->req[i], MPI_STATUS_IGNORE);
        else
            MPI_Test(&o->req[i], &done, MPI_STATUS_IGNORE);
        if (all || done) {
            snig__free(ctx, o->buf[i]);
            o->buf[i] = NULL;
        }
    }
}

/* Takes over buf (bytes <= INT_MAX). */
static void outbox_post(snig_ctx *ctx, outbox *o, unsigned char *buf,
                        size_t bytes, int to, int tag)
{
    outbox_reap(ctx, o, false);
    int slot = -1;
    for (int i = 0; i < o->cap && slot < 0; i++)
        if (o->buf[i] == NULL)
            slot = i;
    if (slot < 0) {   /* no room (or no outbox): send and wait */
        snig__mpi_send(buf, bytes, to, tag);
        snig__free(ctx, buf);
        return;
    }
    o->buf[slot] = buf;
    MPI_Isend(buf, (int)bytes, MPI_BYTE, to, tag, MPI_COMM_WORLD,
              &o->req[slot]);
}

/* Rows of in from start, at most n, whose batch message stays under 1 GiB
 * (MPI counts are int; a row holds at most N nonzeros). */
static uint64_t fit_rows(const snig_inputs *in, uint64_t start, uint64_t n)
{
    const uint64_t limit = (uint64_t)1 << 30;
    while (n > 1 && (in->rowptr[start + n] - in->rowptr[start]) * 8 +
                            (n + 1) * 8 > limit)
        n /= 2;
    return n;
}

/* Rank 0: a work message for rows [start, start + n) of in; n = 0: stop. */
static snig_status send_work(snig_ctx *ctx, outbox *o, const snig_inputs *in,
                             uint64_t start, uint64_t n, int to)
{
    uint64_t a = n ? in->rowptr[start] : 0;
    uint64_t nnz = n ? in->rowptr[start + n] - a : 0;
    if (n == 0) {   /* small: sent at once, no allocation */
        uint64_t stop[3] = {start, 0, 0};
        snig__mpi_send(stop, sizeof stop, to, SNIG_MPI_TAG_WORK);
        return SNIG_OK;
    }
    size_t bytes = 3 * sizeof(uint64_t) + (n + 1) * sizeof(uint64_t) +
                   nnz * (sizeof(uint32_t) + sizeof(float));
    unsigned char *m = snig__malloc(ctx, bytes);
    if (m == NULL)
        return SNIG_NOMEM;
    uint64_t head[3] = {start, n, nnz};
    unsigned char *p = m;
    memcpy(p, head, sizeof head);
    p += sizeof head;
    for (uint64_t r = 0; r <= n; r++, p += sizeof(uint64_t)) {
        uint64_t off = in->rowptr[start + r] - a;
        memcpy(p, &off, sizeof off);
    }
    if (nnz > 0) {
        memcpy(p, in->col + a, nnz * sizeof(uint32_t));
        p += nnz * sizeof(uint32_t);
        memcpy(p, in->val + a, nnz * sizeof(float));
    }
    outbox_post(ctx, o, m, bytes, to, SNIG_MPI_TAG_WORK);
    return SNIG_OK;
}

/* Receives one whole message of unknown length from `from` with `tag` into
 * buf (cap bytes), grown when too small.  A message that cannot be received
 * leaves its sender waiting forever, so running out of memory here ends the
 * job (MPI_Abort), the one place snig does so: no rank could go on. */
static size_t recv_any(snig_ctx *ctx, int from, int tag, unsigned char **buf,
                       size_t *cap, int *source)
{
    MPI_Status s;
    int count = 0;
    snig__mpi_quiet_probe(from, tag, &s);
    MPI_Get_count(&s, MPI_BYTE, &count);
    *source = s.MPI_SOURCE;
    if ((size_t)count > *cap || *buf == NULL) {
        unsigned char *p = snig__realloc(ctx, *buf, (size_t)count);
        if (p == NULL) {
            fprintf(stderr, "snig: mpi: out of memory receiving %d bytes\n",
                    count);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        *buf = p;
        *cap = (size_t)count;
    }
    MPI_Recv(*buf, count, MPI_BYTE, s.MPI_SOURCE, tag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    return (size_t)count;
}

/* Copies a finished batch's alive flags (and values) into res at start. */
static void merge(snig_result *res, uint64_t start, uint64_t n,
                  const uint8_t *alive, const void *values)
{
    memcpy(res->alive + start, alive, n);
    if (res->values != NULL && values != NULL)
        memcpy(res->values + start * res->neurons, values,
               n * res->neurons * sizeof(float));
}

/* Runs rows [start, start + n) of `in` locally; with `res` set the flags go
 * there (rank 0), else into *out for sending. */
static snig_status run_batch(const snig_job *job,
                             const struct snig_engine_i *local,
                             const snig_inputs *in, uint64_t start, uint64_t n,
                             snig_result *acc, bool *counted, double *busy,
                             snig_result **out)
{
    snig_inputs *sub = NULL;
    snig_status st = snig__mpi_inputs_slice(job->ctx, in, start, n, &sub);
    if (st == SNIG_OK) {
        double t0 = snig__now();
        st = snig__mpi_run_local(job, local, sub, acc, out);
        *busy += snig__now() - t0;
        *counted = *counted && *out != NULL && (*out)->live_counted;
    }
    snig_inputs_free(&sub);
    return st;
}

static snig_status rank0(const snig_job *job, const struct snig_engine_i *local,
                         snig_result *res, int size, double *busy)
{
    snig_ctx *ctx = job->ctx;
    const snig_inputs *in = job->in;
    const uint64_t b = batch_rows(job, in->rows, size);
    const size_t rowbytes = (size_t)res->neurons * sizeof(float);
    snig_status st = SNIG_OK;
    uint64_t next = 0;
    const int stops = DEPTH * (size - 1);
    int stopped = 0;
    bool counted = true;
    unsigned char *m = NULL;
    size_t cap = 0;
    outbox o = {.cap = stops + 1};
    o.req = snig__calloc(ctx, (size_t)o.cap, sizeof *o.req);
    o.buf = snig__calloc(ctx, (size_t)o.cap, sizeof *o.buf);
    if (o.req == NULL || o.buf == NULL) {
        st = SNIG_NOMEM;   /* every worker gets a stop */
        o.cap = 0;
    }
    while (stopped < stops || next < in->rows) {
        if (st != SNIG_OK)
            next = in->rows;   /* a failure: stop handing out work */
        /* Answer every waiting request; block only when no work is left. */
        while (stopped < stops) {
            int flag = 1, from = 0;
            if (next < in->rows)
                MPI_Iprobe(MPI_ANY_SOURCE, SNIG_MPI_TAG_REQUEST,
                           MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
            if (!flag)
                break;
            size_t len = recv_any(ctx, MPI_ANY_SOURCE, SNIG_MPI_TAG_REQUEST,
                                  &m, &cap, &from);
            uint64_t h[3] = {SNIG_INTERNAL, 0, 0};
            if (len >= sizeof h)
                memcpy(h, m, sizeof h);
            size_t want = sizeof h + h[2] + (res->values ? h[2] * rowbytes : 0);
            if (h[0] != SNIG_OK)
                st = st != SNIG_OK ? st : (snig_status)h[0];
            else if (h[2] > 0 && h[1] + h[2] <= in->rows && len >= want)
                merge(res, h[1], h[2], m + sizeof h, m + sizeof h + h[2]);
            uint64_t n = next < in->rows && st == SNIG_OK
                             ? fit_rows(in, next, in->rows - next < b
                                                      ? in->rows - next
                                                      : b)
                             : 0;
            if (n > 0 && send_work(ctx, &o, in, next, n, from) != SNIG_OK) {
                st = SNIG_NOMEM;
                n = 0;
            }
            if (n == 0)
                send_work(ctx, &o, in, next, 0, from);
            next += n;
            stopped += n == 0;
        }
        /* Then a batch of its own: rank 0 answers requests only between
         * them, but each worker has one batch queued (DEPTH) meanwhile. */
        if (next < in->rows && st == SNIG_OK) {
            uint64_t n = in->rows - next < b ? in->rows - next : b;
            snig_result *sub = NULL;
            st = run_batch(job, local, in, next, n, res, &counted, busy, &sub);
            if (st == SNIG_OK)
                merge(res, next, n, sub->alive, sub->values);
            snig_result_free(&sub);
            next += n;
        }
    }
    if (o.cap > 0)
        outbox_reap(ctx, &o, true);
    snig__free(ctx, o.buf);
    snig__free(ctx, o.req);
    snig__free(ctx, m);
    res->live_counted = counted;
    return st;
}

/* Worker: runs the batch of a work message (w, len bytes) into *out; adds
 * its live counts and madds into res. */
static snig_status run_message(const snig_job *job,
                               const struct snig_engine_i *local,
                               snig_result *res, const unsigned char *w,
                               size_t len, bool *counted, double *busy,
                               snig_result **out)
{
    snig_ctx *ctx = job->ctx;
    uint64_t wh[3];
    memcpy(wh, w, sizeof wh);
    if (len != sizeof wh + (wh[1] + 1) * sizeof(uint64_t) +
                   wh[2] * (sizeof(uint32_t) + sizeof(float)))
        return snig__error(ctx, SNIG_INTERNAL, "mpi: batch message of %zu "
                           "bytes does not match its header", len);
    /* The batch as inputs of its own. */
    snig_inputs *in = NULL;
    snig_status st = snig__inputs_new(ctx, job->in->neurons, &in);
    if (st != SNIG_OK)
        return st;
    in->rows = wh[1];
    in->first_row = wh[0];   /* within rank 0's rows; only for messages */
    in->rowptr = snig__malloc(ctx, (wh[1] + 1) * sizeof(uint64_t));
    in->col = snig__malloc(ctx, (wh[2] ? wh[2] : 1) * sizeof(uint32_t));
    in->val = snig__malloc(ctx, (wh[2] ? wh[2] : 1) * sizeof(float));
    if (in->rowptr == NULL || in->col == NULL || in->val == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    const unsigned char *p = w + sizeof wh;
    memcpy(in->rowptr, p, (wh[1] + 1) * sizeof(uint64_t));
    p += (wh[1] + 1) * sizeof(uint64_t);
    memcpy(in->col, p, wh[2] * sizeof(uint32_t));
    p += wh[2] * sizeof(uint32_t);
    memcpy(in->val, p, wh[2] * sizeof(float));
    double t0 = snig__now();
    st = snig__mpi_run_local(job, local, in, res, out);
    *busy += snig__now() - t0;
    *counted = *counted && *out != NULL && (*out)->live_counted;
cleanup:
    snig_inputs_free(&in);
    return st;
}

static snig_status worker(const snig_job *job,
                          const struct snig_engine_i *local, snig_result *res,
                          double *busy)
{
    snig_ctx *ctx = job->ctx;
    const size_t rowbytes = (size_t)res->neurons * sizeof(float);
    snig_status st = SNIG_OK;
    bool counted = true;
    /* Rows this rank holds itself run first (none after a dynamic load). */
    if (job->in->rows > 0) {
        double t0 = snig__now();
        st = local->infer(job, res);
        *busy += snig__now() - t0;
        counted = res->live_counted;
    }
    snig_result *done = NULL;
    unsigned char *w = NULL, *sent = NULL;
    MPI_Request pending = MPI_REQUEST_NULL;
    size_t cap = 0;
    uint64_t start = 0;
    /* Each work message is answered by one request (carrying its result);
     * a stop by none.  The worker ends when no request is in flight. */
    for (int k = 0; k < DEPTH; k++) {
        uint64_t h[3] = {(uint64_t)st, 0, 0};
        snig__mpi_send(h, sizeof h, 0, SNIG_MPI_TAG_REQUEST);
    }
    for (int outstanding = DEPTH; outstanding > 0;) {
        int from = 0;
        size_t len = recv_any(ctx, 0, SNIG_MPI_TAG_WORK, &w, &cap, &from);
        outstanding--;
        uint64_t wh[3] = {0, 0, 0};
        if (len >= sizeof wh)
            memcpy(wh, w, sizeof wh);
        if (wh[1] == 0)
            continue;   /* a stop */
        start = wh[0];
        snig_status rs = SNIG_OK;
        if (st == SNIG_OK)
            rs = run_message(job, local, res, w, len, &counted, busy, &done);
        if (rs != SNIG_OK && st == SNIG_OK)
            st = rs;
        uint64_t n = st == SNIG_OK && done != NULL ? done->rows : 0;
        uint64_t h[3] = {(uint64_t)st, start, n};
        size_t bytes = sizeof h + n + (done && done->values ? n * rowbytes : 0);
        unsigned char *m = n > 0 ? snig__malloc(ctx, bytes) : NULL;
        if (n > 0 && m == NULL) {
            st = SNIG_NOMEM;
            h[0] = SNIG_NOMEM;
            h[2] = 0;
        }
        /* The previous result has long been sent; this one goes without
         * waiting for rank 0, which may be running a batch of its own. */
        MPI_Wait(&pending, MPI_STATUS_IGNORE);
        snig__free(ctx, sent);
        sent = NULL;
        if (m == NULL) {
            snig__mpi_send(h, sizeof h, 0, SNIG_MPI_TAG_REQUEST);
        } else {
            memcpy(m, h, sizeof h);
            memcpy(m + sizeof h, done->alive, n);
            if (done->values != NULL)
                memcpy(m + sizeof h + n, done->values, n * rowbytes);
            sent = m;
            MPI_Isend(m, (int)bytes, MPI_BYTE, 0, SNIG_MPI_TAG_REQUEST,
                      MPI_COMM_WORLD, &pending);
        }
        outstanding++;
        snig_result_free(&done);
    }
    MPI_Wait(&pending, MPI_STATUS_IGNORE);
    snig__free(ctx, sent);
    snig_result_free(&done);
    snig__free(ctx, w);
    /* This rank's own result keeps its own rows; batch rows went to rank 0,
     * their live counts and madds stay here and are summed at the gather. */
    res->live_counted = counted;
    return st;
}

snig_status snig__mpi_dynamic(const snig_job *job,
                              const struct snig_engine_i *local,
                              snig_result *res, double *busy)
{
    int rank, size;
    *busy = 0.0;
    if (!snig__mpi_world(&rank, &size)) {
        double t0 = snig__now();
        snig_status st = local->infer(job, res);
        *busy = snig__now() - t0;
        return st;
    }
    return rank == 0 ? rank0(job, local, res, size, busy)
                     : worker(job, local, res, busy);
}
