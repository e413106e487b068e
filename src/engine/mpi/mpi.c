/* The mpi meta-engine: splits the input rows among MPI ranks, runs a local
 * engine (snig_options.local_engine) on each rank through the same engine
 * interface, and gathers the alive flags of every row on rank 0, so that
 * rank 0's result is the one a single process would give.
 *
 * Process setup lives here too (the dist slots): MPI is initialized only
 * when a launcher started the process, so a plain `snig run` never pays for
 * MPI, and `--engine mpi` without a launcher is one rank running the local
 * engine. */
#define _POSIX_C_SOURCE 200809L
#include "mpi_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ process */

/* 1 when a launcher started this process: Open MPI's mpirun, PMI (MPICH's
 * hydra, Slurm's srun --mpi=pmi2) or PMIx (srun --mpi=pmix, Open MPI 5).
 * SNIG_MPI=1 or 0 overrides. */
static int launched(void)
{
    const char *force = getenv("SNIG_MPI");
    if (force != NULL && *force != '\0')
        return strcmp(force, "0") != 0;
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                                       "PMI_RANK", "PMIX_RANK",
                                       "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]) != NULL)
            return 1;
    return 0;
}

int snig__mpi_world(int *rank, int *size)
{
    int init = 0, fini = 0;
    *rank = 0;
    *size = 1;
    MPI_Initialized(&init);
    MPI_Finalized(&fini);
    if (!init || fini)
        return 0;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return *size > 1;
}

static void mpi_world(int *rank, int *size) { snig__mpi_world(rank, size); }

static snig_status mpi_init(snig_ctx *ctx, int *rank, int *size)
{
    (void)ctx;
    int init = 0;
    MPI_Initialized(&init);
    if (!init && launched()) {
        /* Only the main thread calls MPI; engines may run threads. */
        int provided = 0;
        MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    }
    snig__mpi_world(rank, size);
    return SNIG_OK;
}

static void mpi_finalize(void)
{
    int init = 0, fini = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fini);
    if (init && !fini)
        MPI_Finalize();
}

snig_status snig__mpi_agree(snig_ctx *ctx, snig_status st)
{
    int rank, size;
    if (!snig__mpi_world(&rank, &size))
        return st;
    int mine = st != SNIG_OK ? rank : size, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size)
        return SNIG_OK;
    int code = (int)st;
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    /* Only rank 0 prints, so only rank 0 needs the text. */
    if (first != 0) {
        char msg[SNIG_ERRMSG_MAX] = "";
        if (rank == first) {
            snprintf(msg, sizeof msg, "%s", snig_errmsg(ctx));
            MPI_Send(msg, (int)sizeof msg, MPI_CHAR, 0, SNIG_MPI_TAG_GATHER,
                     MPI_COMM_WORLD);
        } else if (rank == 0) {
            MPI_Recv(msg, (int)sizeof msg, MPI_CHAR, first,
                     SNIG_MPI_TAG_GATHER, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            msg[sizeof msg - 1] = '\0';
            snig_clear_error(ctx);
            snig__error(ctx, (snig_status)code, "%s (rank %d)", msg, first);
        }
    }
    return (snig_status)code;
}

/* ------------------------------------------------------------ waiting */

/* MPI's blocking calls spin; a rank that waits for slower ones then takes
 * a core from them when ranks outnumber cores (mpirun --oversubscribe, or
 * a rank that runs threads).  These waits poll and sleep instead: 100 us
 * of latency, paid once per batch or run. */
static void nap(void)
{
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
}

void snig__mpi_quiet_barrier(void)
{
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    for (MPI_Test(&req, &done, MPI_STATUS_IGNORE); !done;
         MPI_Test(&req, &done, MPI_STATUS_IGNORE))
        nap();
}

void snig__mpi_quiet_probe(int from, int tag, MPI_Status *status)
{
    int found = 0;
    for (MPI_Iprobe(from, tag, MPI_COMM_WORLD, &found, status); !found;
         MPI_Iprobe(from, tag, MPI_COMM_WORLD, &found, status))
        nap();
}

/* ------------------------------------------------------------ transfers */

#define CHUNK ((size_t)1 << 30)

void snig__mpi_bcast(void *buf, size_t bytes, int root)
{
    for (char *p = buf; bytes > 0;) {
        size_t n = bytes < CHUNK ? bytes : CHUNK;
        MPI_Bcast(p, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
        p += n;
        bytes -= n;
    }
}

void snig__mpi_send(const void *buf, size_t bytes, int to, int tag)
{
    for (const char *p = buf; bytes > 0;) {
        size_t n = bytes < CHUNK ? bytes : CHUNK;
        MPI_Send(p, (int)n, MPI_BYTE, to, tag, MPI_COMM_WORLD);
        p += n;
        bytes -= n;
    }
}

void snig__mpi_recv(void *buf, size_t bytes, int from, int tag)
{
    for (char *p = buf; bytes > 0;) {
        size_t n = bytes < CHUNK ? bytes : CHUNK;
        MPI_Recv(p, (int)n, MPI_BYTE, from, tag, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        p += n;
        bytes -= n;
    }
}

/* ------------------------------------------------------------ local runs */

/* The engine each rank runs; sets a message when it cannot. */
/* What mpi's prepare makes: the local engine and what its prepare made. */
typedef struct mpi_prepared {
    const struct snig_engine_i *local;
    void *local_prepared;
} mpi_prepared;

/* The local engine is chosen as the core chooses (snig__engine_select) and
 * prepared once per plan; every rank does the same, and they agree. */
static snig_status mpi_prepare(const snig_job *job, void **out)
{
    snig_ctx *ctx = job->ctx;
    mpi_prepared *mp = snig__calloc(ctx, 1, sizeof *mp);
    if (mp == NULL)
        return snig__mpi_agree(ctx, SNIG_NOMEM);
    snig_status st = snig__engine_select(job, job->opt->local_engine,
                                         &mp->local, NULL, 0);
    if (st == SNIG_OK && (mp->local->dist != NULL || mp->local->infer == NULL))
        st = snig__error(ctx, SNIG_USAGE, "mpi: '%s' cannot be the local "
                         "engine", mp->local->name);
    if (st == SNIG_OK && mp->local->prepare != NULL)
        st = mp->local->prepare(job, &mp->local_prepared);
    else if (st == SNIG_OK)
        mp->local_prepared = NULL;
    int rank, size;
    if (snig__mpi_world(&rank, &size))
        st = snig__mpi_agree(ctx, st);
    if (st != SNIG_OK) {
        if (mp->local != NULL && mp->local_prepared != NULL &&
            mp->local->release != NULL)
            mp->local->release(ctx, mp->local_prepared);
        snig__free(ctx, mp);
        return st;
    }
    *out = mp;
    return SNIG_OK;
}

static void mpi_release(snig_ctx *ctx, void *prepared)
{
    mpi_prepared *mp = prepared;
    if (mp == NULL)
        return;
    if (mp->local->release != NULL)
        mp->local->release(ctx, mp->local_prepared);
    snig__free(ctx, mp);
}

snig_status snig__mpi_run_local(const snig_job *job,
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

/* ------------------------------------------------------------ gather */

/* Collective: rank 0 receives the alive flags (and kept values) of every
 * rank's rows and makes them its result; live counts and madds are summed,
 * per-rank seconds collected. */
static snig_status gather(snig_ctx *ctx, snig_result *res, double busy,
                          int rank, int size)
{
    snig_status st = SNIG_OK;
    uint64_t *span = NULL, *live = NULL, *live_all = NULL;
    uint8_t *alive = NULL;
    float *values = NULL;
    double *seconds = NULL;
    const size_t rowbytes = (size_t)res->neurons * sizeof(float);
    uint64_t mine[2] = {res->first_row, res->rows};
    uint64_t first = 0, end = 0;
    bool any = false;

    if (rank == 0) {
        span = snig__calloc(ctx, 2 * (size_t)size, sizeof *span);
        seconds = snig__calloc(ctx, (size_t)size, sizeof *seconds);
        live_all = snig__calloc(ctx, res->layers + 1, sizeof *live_all);
        if (span == NULL || seconds == NULL || live_all == NULL)
            st = SNIG_NOMEM;
    }
    live = snig__calloc(ctx, res->layers + 1, sizeof *live);
    if (live == NULL)
        st = SNIG_NOMEM;
    st = snig__mpi_agree(ctx, st);
    if (st != SNIG_OK)
        goto cleanup;

    /* Where every rank's rows go in rank 0's result. */
    MPI_Gather(mine, 2, MPI_UINT64_T, span, 2, MPI_UINT64_T, 0,
               MPI_COMM_WORLD);
    if (rank == 0) {
        for (int k = 0; k < size; k++) {
            uint64_t a = span[2 * k], b = a + span[2 * k + 1];
            if (a == b)
                continue;
            first = any && first < a ? first : a;
            end = any && end > b ? end : b;
            any = true;
        }
        if (!any)
            first = end = res->first_row;
        alive = snig__calloc(ctx, end - first ? end - first : 1, 1);
        if (alive == NULL)
            st = SNIG_NOMEM;
        else if (res->values != NULL &&
                 (values = snig__calloc(ctx, end - first ? end - first : 1,
                                        rowbytes)) == NULL)
            st = SNIG_NOMEM;
    }
    st = snig__mpi_agree(ctx, st);
    if (st != SNIG_OK)
        goto cleanup;

    if (rank == 0) {
        if (res->rows > 0)
            memcpy(alive + (res->first_row - first), res->alive, res->rows);
        if (res->rows > 0 && values != NULL)
            memcpy(values + (res->first_row - first) * res->neurons,
                   res->values, res->rows * rowbytes);
        for (int k = 1; k < size; k++) {
            uint64_t off = span[2 * k] - first, n = span[2 * k + 1];
            if (n == 0)
                continue;
            snig__mpi_recv(alive + off, n, k, SNIG_MPI_TAG_GATHER);
            if (values != NULL)
                snig__mpi_recv(values + off * res->neurons, n * rowbytes, k,
                               SNIG_MPI_TAG_GATHER);
        }
    } else if (res->rows > 0) {
        snig__mpi_send(res->alive, res->rows, 0, SNIG_MPI_TAG_GATHER);
        if (res->values != NULL)
            snig__mpi_send(res->values, res->rows * rowbytes, 0,
                           SNIG_MPI_TAG_GATHER);
    }

    /* A rank that ran no row does not veto the live counts. */
    for (uint32_t l = 0; l < res->layers; l++)
        live[l] = atomic_load(&res->live[l]);
    live[res->layers] = atomic_load(&res->madds);
    int counted = res->rows == 0 || res->live_counted, all_counted = 0;
    MPI_Reduce(live, live_all, (int)res->layers + 1, MPI_UINT64_T, MPI_SUM, 0,
               MPI_COMM_WORLD);
    MPI_Reduce(&counted, &all_counted, 1, MPI_INT, MPI_MIN, 0,
               MPI_COMM_WORLD);
    MPI_Gather(&busy, 1, MPI_DOUBLE, seconds, 1, MPI_DOUBLE, 0,
               MPI_COMM_WORLD);

    if (rank == 0) {
        for (uint32_t l = 0; l < res->layers; l++)
            atomic_store(&res->live[l], live_all[l]);
        atomic_store(&res->madds, live_all[res->layers]);
        res->live_counted = all_counted != 0;
        snig__free(ctx, res->alive);
        res->alive = alive;
        alive = NULL;
        if (values != NULL) {
            snig__free(ctx, res->values);
            res->values = values;
            values = NULL;
        }
        res->first_row = first;
        res->rows = end - first;
        snig__free(ctx, res->rank_seconds);
        res->rank_seconds = seconds;
        seconds = NULL;
        res->ranks = size;
    }
cleanup:
    snig__free(ctx, seconds);
    snig__free(ctx, values);
    snig__free(ctx, alive);
    snig__free(ctx, live_all);
    snig__free(ctx, live);
    snig__free(ctx, span);
    return st;
}

/* ------------------------------------------------------------ infer */

static snig_status mpi_infer(const snig_job *mjob, snig_result *res)
{
    snig_ctx *ctx = mjob->ctx;
    const mpi_prepared *mp = mjob->prepared;
    const struct snig_engine_i *local = mp->local;
    snig_job ljob = *mjob;   /* the job as the local engine sees it */
    ljob.prepared = mp->local_prepared;
    const snig_job *job = &ljob;
    int rank, size;
    snig_status st = SNIG_OK;
    /* says which engine ran on the ranks: "mpi/cpu" */
    snprintf(res->engine, sizeof res->engine, "mpi/%s", local->name);
    if (!snig__mpi_world(&rank, &size))
        return local->infer(job, res);
    double busy = 0.0;
    if (job->opt->dynamic) {
        st = snig__mpi_dynamic(job, local, res, &busy);
    } else {
        double t0 = snig__now();
        st = local->infer(job, res);
        busy = snig__now() - t0;
    }
    snig__mpi_quiet_barrier();   /* ranks done early sleep, not spin */
    st = snig__mpi_agree(ctx, st);
    if (st != SNIG_OK)
        return st;
    return gather(ctx, res, busy, rank, size);
}

static const struct snig_dist_i mpi_dist = {
    .init = mpi_init,
    .finalize = mpi_finalize,
    .world = mpi_world,
    .agree = snig__mpi_agree,
    .load_network = snig__mpi_load_network,
    .load_inputs = snig__mpi_load_inputs,
};

const struct snig_engine_i snig_engine_mpi = {
    .name = "mpi",
    .summary = "MPI ranks: rows split by nonzeros, a local engine on each "
               "rank (--engine under mpirun), gathered on rank 0",
    .prepare = mpi_prepare,
    .release = mpi_release,
    .infer = mpi_infer,
    .dist = &mpi_dist,
};
