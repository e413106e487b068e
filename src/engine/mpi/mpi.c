/* The mpi meta-engine: splits the input rows among MPI ranks, runs a local
 * engine (snig_options.local_engine) on each rank through the same engine
 * interface, and gathers the alive flags of every row on rank 0, so that
 * rank 0's result is the one a single process would give.
 *
 * Process setup lives here too (the dist slots): MPI is initialized only
 * when a launcher started the process, so a plain `snig run` never pays for
 * MPI, and `--engine mpi` without a launcher is one rank running the local
 * engine.  MPI is finalized only when snig initialized it: a program that
 * called MPI_Init itself finalizes it itself.
 *
 * The engine runs on snig_options.comm (MPI_COMM_WORLD when NULL); the
 * dist slots that take options (loading) too.  The others (init, world,
 * agree) are about the process and use MPI_COMM_WORLD.
 *
 * Files: mpi_comm.c (communication helpers) is used by mpi_load.c (loading
 * across ranks) and mpi_dynamic.c (batches handed out by rank 0), which
 * this file uses. */
#define _POSIX_C_SOURCE 200809L
#include "mpi_comm.h"
#include "mpi_dynamic.h"
#include "mpi_load.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void mpi_world(int *rank, int *size)
{
    snig__mpi_world(MPI_COMM_WORLD, rank, size);
}

/* 1 when snig called MPI_Init_thread, so that snig alone finalizes what it
 * started.  Process state, as MPI's own is. */
static atomic_int we_initialized;

static snig_status mpi_init(snig_ctx *ctx, int *rank, int *size)
{
    (void)ctx;
    int init = 0, fini = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fini);
    if (!init && !fini && launched()) {
        /* Only the main thread calls MPI; engines may run threads. */
        int provided = 0;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) ==
            MPI_SUCCESS)
            atomic_store(&we_initialized, 1);
    }
    snig__mpi_world(MPI_COMM_WORLD, rank, size);
    return SNIG_OK;
}

static void mpi_finalize(void)
{
    int init = 0, fini = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fini);
    if (init && !fini && atomic_exchange(&we_initialized, 0))
        MPI_Finalize();
}

static snig_status mpi_agree_world(snig_ctx *ctx, snig_status st)
{
    return snig__mpi_agree(ctx, MPI_COMM_WORLD, st);
}

/* ------------------------------------------------------------ local runs */

/* The engine each rank runs; sets a message when it cannot. */
/* What mpi's prepare makes: the local engine and what its prepare made. */
typedef struct mpi_prepared {
    const struct snig_engine_i *local;
    void *local_prepared;
    MPI_Comm comm;           /* the options' communicator */
    snig_options opt;        /* the options the local engine sees: the
                                threads of a rank set (see mpi_prepare) */
} mpi_prepared;

/* The local engine is chosen as the core chooses (snig__engine_select) and
 * prepared once per plan; every rank does the same, and they agree. */
static snig_status mpi_prepare(const snig_job *mjob, void **out)
{
    snig_ctx *ctx = mjob->ctx;
    const MPI_Comm comm = snig__mpi_comm(mjob->opt);
    /* Collective first, so that every rank takes it whatever fails: ranks
     * on one machine share its cores unless told the threads. */
    const int threads = mjob->opt->threads > 0 ? mjob->opt->threads
                                               : snig__mpi_node_threads(comm);
    mpi_prepared *mp = snig__calloc(ctx, 1, sizeof *mp);
    if (mp == NULL)
        return snig__mpi_agree(ctx, comm, SNIG_NOMEM);
    mp->comm = comm;
    mp->opt = *mjob->opt;
    mp->opt.threads = threads;
    snig_job ljob = *mjob;   /* the job as the local engine sees it */
    ljob.opt = &mp->opt;
    const snig_job *job = &ljob;
    snig_status st = snig__engine_select(job, job->opt->local_engine,
                                         &mp->local, NULL, 0);
    if (st == SNIG_OK && (mp->local->dist != NULL || mp->local->infer == NULL))
        st = snig__error(ctx, SNIG_USAGE, "mpi: '%s' cannot be the local "
                         "engine", mp->local->name);
    if (st == SNIG_OK && mp->local->prepare != NULL)
        st = mp->local->prepare(job, &mp->local_prepared);
    else if (st == SNIG_OK)
        mp->local_prepared = NULL;
    st = snig__mpi_agree(ctx, comm, st);
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

/* ------------------------------------------------------------ gather */

/* Collective: rank 0 receives the alive flags (and kept values) of every
 * rank's rows and makes them its result; live counts and madds are summed,
 * per-rank seconds collected. */
static snig_status gather(snig_ctx *ctx, MPI_Comm comm, snig_result *res,
                          double busy, int rank, int size)
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
    st = snig__mpi_agree(ctx, comm, st);
    if (st != SNIG_OK)
        goto cleanup;

    /* Where every rank's rows go in rank 0's result. */
    MPI_Gather(mine, 2, MPI_UINT64_T, span, 2, MPI_UINT64_T, 0,
               comm);
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
    st = snig__mpi_agree(ctx, comm, st);
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
            snig__mpi_recv(comm, alive + off, n, k, SNIG_MPI_TAG_GATHER);
            if (values != NULL)
                snig__mpi_recv(comm, values + off * res->neurons,
                               n * rowbytes, k, SNIG_MPI_TAG_GATHER);
        }
    } else if (res->rows > 0) {
        snig__mpi_send(comm, res->alive, res->rows, 0, SNIG_MPI_TAG_GATHER);
        if (res->values != NULL)
            snig__mpi_send(comm, res->values, res->rows * rowbytes, 0,
                           SNIG_MPI_TAG_GATHER);
    }

    /* A rank that ran no row does not veto the live counts. */
    for (uint32_t l = 0; l < res->layers; l++)
        live[l] = atomic_load(&res->live[l]);
    live[res->layers] = atomic_load(&res->madds);
    int counted = res->rows == 0 || res->live_counted, all_counted = 0;
    MPI_Reduce(live, live_all, (int)res->layers + 1, MPI_UINT64_T, MPI_SUM, 0,
               comm);
    MPI_Reduce(&counted, &all_counted, 1, MPI_INT, MPI_MIN, 0,
               comm);
    MPI_Gather(&busy, 1, MPI_DOUBLE, seconds, 1, MPI_DOUBLE, 0,
               comm);

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
    ljob.opt = &mp->opt;
    const snig_job *job = &ljob;
    const MPI_Comm comm = mp->comm;
    int rank, size;
    snig_status st = SNIG_OK;
    /* says which engine ran on the ranks: "mpi/cpu" */
    snprintf(res->engine, sizeof res->engine, "mpi/%s", local->name);
    if (!snig__mpi_world(comm, &rank, &size))
        return local->infer(job, res);
    double busy = 0.0;
    if (job->opt->dynamic) {
        st = snig__mpi_dynamic(job, local, comm, res, &busy);
    } else {
        double t0 = snig__now();
        st = local->infer(job, res);
        busy = snig__now() - t0;
    }
    snig__mpi_quiet_barrier(comm);   /* ranks done early sleep, not spin */
    st = snig__mpi_agree(ctx, comm, st);
    if (st != SNIG_OK)
        return st;
    return gather(ctx, comm, res, busy, rank, size);
}

/* Before the engine is entered (a rank out of memory for its result). */
static snig_status mpi_agree_job(const snig_job *job, snig_status st)
{
    return snig__mpi_agree(job->ctx, snig__mpi_comm(job->opt), st);
}

static const struct snig_dist_i mpi_dist = {
    .init = mpi_init,
    .finalize = mpi_finalize,
    .world = mpi_world,
    .agree = mpi_agree_world,
    .load_network = snig__mpi_load_network,
    .load_inputs = snig__mpi_load_inputs,
};

const struct snig_engine_i snig__engine_mpi = {
    .name = "mpi",
    .summary = "MPI ranks: rows split by nonzeros, a local engine on each "
               "rank (--engine under mpirun), gathered on rank 0",
    .prepare = mpi_prepare,
    .release = mpi_release,
    .infer = mpi_infer,
    .agree = mpi_agree_job,
    .dist = &mpi_dist,
};
