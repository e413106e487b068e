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
 * out work and the caller agrees on the status.
 *
 * Every buffer a message is received into is allocated before the first
 * message, at the largest size a message can have (rank 0 says the batch
 * size and that bound), and the ranks agree on having them: a message that
 * could not be received would leave its sender waiting forever, so running
 * out of memory must happen before the exchange starts. */
#include "mpi_dynamic.h"

#include "mpi_comm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs the local engine on `in` into a fresh result for those rows; adds
 * its live counts and madds into acc (when not NULL). */
static snig_status run_local(const snig_job *job,
                             const struct snig_engine_i *local,
                             const snig_inputs *in, snig_result *acc,
                             snig_result **out)
{
    snig_job sub = *job;
    sub.in = in;
    snig_status st = snig__result_new(job->ctx, in->rows, in->first_row,
                                      snig__network_outputs(job->net,
                                                            job->layers),
                                      job->layers,
                                      job->opt->keep_values != 0, out);
    if (st != SNIG_OK)
        return st;
    st = local->infer(&sub, *out);
    if (st != SNIG_OK || acc == NULL)
        return st;
    for (uint32_t l = 0; l < job->layers; l++)
        atomic_fetch_add(&acc->live[l], atomic_load(&(*out)->live[l]));
    atomic_fetch_add(&acc->madds, atomic_load(&(*out)->madds));
    return SNIG_OK;
}

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
    MPI_Comm comm;
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
        snig__mpi_send(o->comm, buf, bytes, to, tag);
        snig__free(ctx, buf);
        return;
    }
    o->buf[slot] = buf;
    MPI_Isend(buf, (int)bytes, MPI_BYTE, to, tag, o->comm, &o->req[slot]);
}

/* Rows of in from start, at most n, whose batch message stays under 1 GiB
 * (MPI counts are int; a row holds at most N nonzeros). */
#define MESSAGE_LIMIT ((uint64_t)1 << 30)

static uint64_t fit_rows(const snig_inputs *in, uint64_t start, uint64_t n)
{
    while (n > 1 && (in->rowptr[start + n] - in->rowptr[start]) * 8 +
                            (n + 1) * 8 > MESSAGE_LIMIT)
        n /= 2;
    return n;
}

/* What the exchange uses, allocated before it starts. */
typedef struct exchange {
    MPI_Comm comm;
    uint64_t batch;          /* rows per batch (rank 0's choice) */
    unsigned char *buf;      /* where messages are received */
    size_t cap;
    outbox o;                /* rank 0: sends in flight */
} exchange;

/* The largest work message rank 0 can send for rows of `in` in batches of
 * at most b rows (what fit_rows lets through). */
static uint64_t work_bound(const snig_inputs *in, uint64_t b)
{
    uint64_t window = 0, row = 0;
    for (uint64_t r = 0; r < in->rows; r++) {
        uint64_t end = in->rows - r < b ? in->rows : r + b;
        uint64_t w = in->rowptr[end] - in->rowptr[r];
        uint64_t one = in->rowptr[r + 1] - in->rowptr[r];
        window = w > window ? w : window;
        row = one > row ? one : row;
    }
    uint64_t body = (b + 1) * 8 + window * 8;
    if (body > MESSAGE_LIMIT)
        body = MESSAGE_LIMIT;
    if (16 + row * 8 > body)   /* a single row past the limit */
        body = 16 + row * 8;
    return 3 * sizeof(uint64_t) + body;
}

/* Collective: rank 0 chooses the batch size and says the largest work
 * message; every rank allocates what it will receive into, and the ranks
 * agree on having it. */
static snig_status exchange_open(const snig_job *job, const snig_result *res,
                                 MPI_Comm comm, int rank, int size,
                                 exchange *ex)
{
    snig_ctx *ctx = job->ctx;
    snig_status st = SNIG_OK;
    uint64_t plan[2] = {0, 0};   /* batch rows, largest work message */
    *ex = (exchange){.comm = comm, .o = {.comm = comm}};
    if (rank == 0) {
        uint64_t rows = job->in->rows;
        uint64_t b = batch_rows(job, rows, size);
        b = b < rows ? b : (rows > 0 ? rows : 1);
        plan[0] = b;
        plan[1] = work_bound(job->in, b);
    }
    MPI_Bcast(plan, 2, MPI_UINT64_T, 0, comm);
    ex->batch = plan[0];
    if (rank == 0) {
        /* A request: header, alive flags, values of at most a batch. */
        const uint64_t rowbytes = (uint64_t)res->neurons * sizeof(float);
        uint64_t bytes = 3 * sizeof(uint64_t) + plan[0] +
                         (res->values != NULL ? plan[0] * rowbytes : 0);
        ex->o.cap = DEPTH * (size - 1) + 1;
        ex->o.req = snig__calloc(ctx, (size_t)ex->o.cap, sizeof *ex->o.req);
        ex->o.buf = snig__calloc(ctx, (size_t)ex->o.cap, sizeof *ex->o.buf);
        ex->cap = (size_t)bytes;
        if (ex->o.req == NULL || ex->o.buf == NULL)
            st = SNIG_NOMEM;
    } else {
        ex->cap = (size_t)plan[1];
    }
    ex->buf = st == SNIG_OK ? snig__malloc(ctx, ex->cap) : NULL;
    if (ex->buf == NULL && st == SNIG_OK)
        st = snig__error(ctx, SNIG_NOMEM, "mpi: out of memory for a %zu-byte "
                         "message buffer (--batch makes it smaller)", ex->cap);
    if (st != SNIG_OK)
        ex->o.cap = 0;
    return snig__mpi_agree(ctx, comm, st);
}

static void exchange_close(snig_ctx *ctx, exchange *ex)
{
    if (ex->o.cap > 0)
        outbox_reap(ctx, &ex->o, true);
    snig__free(ctx, ex->o.buf);
    snig__free(ctx, ex->o.req);
    snig__free(ctx, ex->buf);
    memset(ex, 0, sizeof *ex);
}

/* Rank 0: a work message for rows [start, start + n) of in; n = 0: stop. */
static snig_status send_work(snig_ctx *ctx, outbox *o, const snig_inputs *in,
                             uint64_t start, uint64_t n, int to)
{
    uint64_t a = n ? in->rowptr[start] : 0;
    uint64_t nnz = n ? in->rowptr[start + n] - a : 0;
    if (n == 0) {   /* small: sent at once, no allocation */
        uint64_t stop[3] = {start, 0, 0};
        snig__mpi_send(o->comm, stop, sizeof stop, to, SNIG_MPI_TAG_WORK);
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
 * buf (cap bytes, allocated before the exchange at the largest size a
 * message can have).  A larger message is a bug of this file: it cannot be
 * left unreceived (its sender would wait forever), so the job ends. */
static size_t recv_any(MPI_Comm comm, int from, int tag, unsigned char *buf,
                       size_t cap, int *source)
{
    MPI_Status s;
    int count = 0;
    snig__mpi_quiet_probe(comm, from, tag, &s);
    MPI_Get_count(&s, MPI_BYTE, &count);
    *source = s.MPI_SOURCE;
    if ((size_t)count > cap) {
        fprintf(stderr, "snig: mpi: internal error: a message of %d bytes "
                "where at most %zu were foreseen\n", count, cap);
        MPI_Abort(comm, 2);
    }
    MPI_Recv(buf, count, MPI_BYTE, s.MPI_SOURCE, tag, comm,
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
        st = run_local(job, local, sub, acc, out);
        *busy += snig__now() - t0;
        *counted = *counted && *out != NULL && (*out)->live_counted;
    }
    snig_inputs_free(&sub);
    return st;
}

static snig_status rank0(const snig_job *job, const struct snig_engine_i *local,
                         snig_result *res, int size, exchange *ex,
                         double *busy)
{
    snig_ctx *ctx = job->ctx;
    const snig_inputs *in = job->in;
    const uint64_t b = ex->batch;
    const size_t rowbytes = (size_t)res->neurons * sizeof(float);
    snig_status st = SNIG_OK;
    uint64_t next = 0;
    const int stops = DEPTH * (size - 1);
    int stopped = 0;
    bool counted = true;
    unsigned char *m = ex->buf;
    outbox *o = &ex->o;
    while (stopped < stops || next < in->rows) {
        if (st != SNIG_OK)
            next = in->rows;   /* a failure: stop handing out work */
        /* Answer every waiting request; block only when no work is left. */
        while (stopped < stops) {
            int flag = 1, from = 0;
            if (next < in->rows)
                MPI_Iprobe(MPI_ANY_SOURCE, SNIG_MPI_TAG_REQUEST, ex->comm,
                           &flag, MPI_STATUS_IGNORE);
            if (!flag)
                break;
            size_t len = recv_any(ex->comm, MPI_ANY_SOURCE,
                                  SNIG_MPI_TAG_REQUEST, m, ex->cap, &from);
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
            if (n > 0 && send_work(ctx, o, in, next, n, from) != SNIG_OK) {
                st = SNIG_NOMEM;
                n = 0;
            }
            if (n == 0)
                send_work(ctx, o, in, next, 0, from);
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
    st = run_local(job, local, in, res, out);
    *busy += snig__now() - t0;
    *counted = *counted && *out != NULL && (*out)->live_counted;
cleanup:
    snig_inputs_free(&in);
    return st;
}

static snig_status worker(const snig_job *job,
                          const struct snig_engine_i *local, snig_result *res,
                          exchange *ex, double *busy)
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
    unsigned char *w = ex->buf, *sent = NULL;
    MPI_Request pending = MPI_REQUEST_NULL;
    uint64_t start = 0;
    /* Each work message is answered by one request (carrying its result);
     * a stop by none.  The worker ends when no request is in flight. */
    for (int k = 0; k < DEPTH; k++) {
        uint64_t h[3] = {(uint64_t)st, 0, 0};
        snig__mpi_send(ex->comm, h, sizeof h, 0, SNIG_MPI_TAG_REQUEST);
    }
    for (int outstanding = DEPTH; outstanding > 0;) {
        int from = 0;
        size_t len = recv_any(ex->comm, 0, SNIG_MPI_TAG_WORK, w, ex->cap,
                              &from);
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
            snig__mpi_send(ex->comm, h, sizeof h, 0, SNIG_MPI_TAG_REQUEST);
        } else {
            memcpy(m, h, sizeof h);
            memcpy(m + sizeof h, done->alive, n);
            if (done->values != NULL)
                memcpy(m + sizeof h + n, done->values, n * rowbytes);
            sent = m;
            MPI_Isend(m, (int)bytes, MPI_BYTE, 0, SNIG_MPI_TAG_REQUEST,
                      ex->comm, &pending);
        }
        outstanding++;
        snig_result_free(&done);
    }
    MPI_Wait(&pending, MPI_STATUS_IGNORE);
    snig__free(ctx, sent);
    snig_result_free(&done);
    /* This rank's own result keeps its own rows; batch rows went to rank 0,
     * their live counts and madds stay here and are summed at the gather. */
    res->live_counted = counted;
    return st;
}

snig_status snig__mpi_dynamic(const snig_job *job,
                              const struct snig_engine_i *local,
                              MPI_Comm comm, snig_result *res, double *busy)
{
    int rank, size;
    *busy = 0.0;
    if (!snig__mpi_world(comm, &rank, &size)) {
        double t0 = snig__now();
        snig_status st = local->infer(job, res);
        *busy = snig__now() - t0;
        return st;
    }
    exchange ex;
    snig_status st = exchange_open(job, res, comm, rank, size, &ex);
    if (st == SNIG_OK)
        st = rank == 0 ? rank0(job, local, res, size, &ex, busy)
                       : worker(job, local, res, &ex, busy);
    exchange_close(job->ctx, &ex);
    return st;
}
