/* Communication helpers of the mpi engine (see mpi_comm.h). */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include "mpi_comm.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

MPI_Comm snig__mpi_comm(const snig_options *opt)
{
    return opt != NULL && opt->comm != NULL ? *(const MPI_Comm *)opt->comm
                                            : MPI_COMM_WORLD;
}

int snig__mpi_world(MPI_Comm comm, int *rank, int *size)
{
    int init = 0, fini = 0;
    *rank = 0;
    *size = 1;
    MPI_Initialized(&init);
    MPI_Finalized(&fini);
    if (!init || fini)
        return 0;
    MPI_Comm_rank(comm, rank);
    MPI_Comm_size(comm, size);
    return *size > 1;
}

snig_status snig__mpi_agree(snig_ctx *ctx, MPI_Comm comm, snig_status st)
{
    int rank, size;
    if (!snig__mpi_world(comm, &rank, &size))
        return st;
    int mine = st != SNIG_OK ? rank : size, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size)
        return SNIG_OK;
    int code = (int)st;
    MPI_Bcast(&code, 1, MPI_INT, first, comm);
    /* Only rank 0 prints, so only rank 0 needs the text. */
    if (first != 0) {
        char msg[SNIG_ERRMSG_MAX] = "";
        if (rank == first) {
            snprintf(msg, sizeof msg, "%s", snig_errmsg(ctx));
            MPI_Send(msg, (int)sizeof msg, MPI_CHAR, 0, SNIG_MPI_TAG_GATHER,
                     comm);
        } else if (rank == 0) {
            MPI_Recv(msg, (int)sizeof msg, MPI_CHAR, first,
                     SNIG_MPI_TAG_GATHER, comm, MPI_STATUS_IGNORE);
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

void snig__mpi_quiet_barrier(MPI_Comm comm)
{
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(comm, &req);
    for (MPI_Test(&req, &done, MPI_STATUS_IGNORE); !done;
         MPI_Test(&req, &done, MPI_STATUS_IGNORE))
        nap();
}

void snig__mpi_quiet_probe(MPI_Comm comm, int from, int tag,
                           MPI_Status *status)
{
    int found = 0;
    for (MPI_Iprobe(from, tag, comm, &found, status); !found;
         MPI_Iprobe(from, tag, comm, &found, status))
        nap();
}

/* ------------------------------------------------------------ transfers */

#define CHUNK ((size_t)1 << 30)

void snig__mpi_bcast(MPI_Comm comm, void *buf, size_t bytes, int root)
{
    for (char *p = buf; bytes > 0;) {
        size_t n = bytes < CHUNK ? bytes : CHUNK;
        MPI_Bcast(p, (int)n, MPI_BYTE, root, comm);
        p += n;
        bytes -= n;
    }
}

void snig__mpi_send(MPI_Comm comm, const void *buf, size_t bytes, int to,
                    int tag)
{
    for (const char *p = buf; bytes > 0;) {
        size_t n = bytes < CHUNK ? bytes : CHUNK;
        MPI_Send(p, (int)n, MPI_BYTE, to, tag, comm);
        p += n;
        bytes -= n;
    }
}

void snig__mpi_recv(MPI_Comm comm, void *buf, size_t bytes, int from, int tag)
{
    for (char *p = buf; bytes > 0;) {
        size_t n = bytes < CHUNK ? bytes : CHUNK;
        MPI_Recv(p, (int)n, MPI_BYTE, from, tag, comm,
                 MPI_STATUS_IGNORE);
        p += n;
        bytes -= n;
    }
}

/* ------------------------------------------------------------ rows */

void snig__mpi_split(const uint64_t *rowptr, uint64_t rows, int parts,
                     uint64_t *bounds)
{
    /* Weight of rows [0, r): nonzeros + r. */
    const uint64_t base = rowptr[0];
    const uint64_t total = rowptr[rows] - base + rows;
    uint64_t r = 0;
    bounds[0] = 0;
    for (int k = 1; k < parts; k++) {
        /* total * k / parts without overflow */
        uint64_t p = (uint64_t)parts, target =
            total / p * (uint64_t)k + total % p * (uint64_t)k / p;
        while (r < rows && rowptr[r] - base + r < target)
            r++;
        /* The nearer of the two boundaries around the target. */
        if (r > bounds[k - 1] && r > 0 &&
            target - (rowptr[r - 1] - base + r - 1) <
                rowptr[r] - base + r - target)
            r--;
        bounds[k] = r;
    }
    bounds[parts] = rows;
}

snig_status snig__mpi_inputs_slice(snig_ctx *ctx, const snig_inputs *in,
                                   uint64_t first, uint64_t count,
                                   snig_inputs **out)
{
    snig_inputs *s = NULL;
    snig_status st = snig__inputs_new(ctx, in->neurons, &s);
    if (st != SNIG_OK)
        return st;
    uint64_t a = count ? in->rowptr[first] : 0;
    uint64_t nnz = count ? in->rowptr[first + count] - a : 0;
    s->rows = count;
    s->first_row = in->first_row + first;
    s->rowptr = snig__malloc(ctx, (count + 1) * sizeof *s->rowptr);
    s->col = snig__malloc(ctx, (nnz ? nnz : 1) * sizeof *s->col);
    s->val = snig__malloc(ctx, (nnz ? nnz : 1) * sizeof *s->val);
    if (s->rowptr == NULL || s->col == NULL || s->val == NULL) {
        snig_inputs_free(&s);
        return SNIG_NOMEM;
    }
    s->rowptr[0] = 0;
    for (uint64_t r = 0; r < count; r++)
        s->rowptr[r + 1] = in->rowptr[first + r + 1] - a;
    if (nnz > 0) {
        memcpy(s->col, in->col + a, nnz * sizeof *s->col);
        memcpy(s->val, in->val + a, nnz * sizeof *s->val);
    }
    *out = s;
    return SNIG_OK;
}

/* ------------------------------------------------------------ threads */

int snig__mpi_node_threads(MPI_Comm comm)
{
    int rank, size;
    if (!snig__mpi_world(comm, &rank, &size))
        return 0;   /* one process: every core */
    MPI_Comm node = MPI_COMM_NULL;
    int local = 1;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL,
                        &node);
    if (node != MPI_COMM_NULL) {
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cores = online > 0 ? (int)online : 1;
    int threads = cores / (local > 0 ? local : 1);
    /* A launcher that binds each rank to its own cores has divided them
     * already: the binding is the limit. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 &&
        CPU_COUNT(&set) < threads)
        threads = CPU_COUNT(&set);
    return threads > 0 ? threads : 1;
}
