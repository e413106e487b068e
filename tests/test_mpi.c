/* The mpi meta-engine against the reference engine.  Run alone (CTest) it
 * checks the split and the one-rank paths (built without MPI: that the
 * snig_dist_* calls are the single-process ones); tests/cli_mpi.sh runs it
 * under `mpirun -np 2, 3, 5`, where every rank takes the same steps (the
 * dist calls are collective) and rank 0 checks the gathered result. */
#include "testutil.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SNIG_HAS_MPI
/* Without MPI the snig_dist_* calls are the single-process ones. */
int main(void)
{
    snig_ctx *ctx = NULL;
    int rank = -1, size = -1;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    CHECK_OK(ctx, snig_dist_init(ctx, &rank, &size));
    CHECK(rank == 0 && size == 1);
    CHECK(snig_dist_engine() == NULL);
    CHECK(snig_dist_agree(ctx, SNIG_FORMAT) == SNIG_FORMAT);
    snig_inputs *in = NULL;
    uint64_t rows = 1, nnz = 1;
    CHECK(snig_dist_inputs_load(ctx, "/nonexistent/in.tsv", NULL, NULL, &in,
                                &rows, &nnz) == SNIG_IO);
    CHECK(in == NULL && rows == 0 && nnz == 0);
    snig_dist_finalize();
    snig_ctx_free(&ctx);
    return test_result("test_mpi (built without MPI: single-process calls)");
}
#else
#include "engine/mpi/mpi_comm.h"

static int rank, size;

/* ---------------------------------------------------------------- split */

static void check_split(const uint64_t *rowptr, uint64_t rows, int parts)
{
    uint64_t bounds[17];
    snig__mpi_split(rowptr, rows, parts, bounds);
    CHECK(bounds[0] == 0 && bounds[parts] == rows);
    uint64_t total = rowptr[rows] - rowptr[0] + rows, heaviest = 0;
    for (uint64_t r = 0; r < rows; r++)
        if (rowptr[r + 1] - rowptr[r] + 1 > heaviest)
            heaviest = rowptr[r + 1] - rowptr[r] + 1;
    for (int k = 0; k < parts; k++) {
        CHECK(bounds[k] <= bounds[k + 1]);
        /* Each part is within one row's weight of the ideal share. */
        uint64_t w = rowptr[bounds[k + 1]] - rowptr[bounds[k]] +
                     bounds[k + 1] - bounds[k];
        CHECK(w <= total / (uint64_t)parts + heaviest + 1);
    }
}

static void test_split(void)
{
    const uint64_t even[9] = {0, 10, 20, 30, 40, 50, 60, 70, 80};
    const uint64_t skew[7] = {5, 105, 106, 107, 108, 109, 110}; /* base 5 */
    const uint64_t empty[5] = {0, 0, 0, 0, 0};
    const uint64_t one[2] = {0, 3};
    check_split(even, 8, 1);
    check_split(even, 8, 2);
    check_split(even, 8, 3);
    check_split(even, 8, 16);
    check_split(skew, 6, 2);
    check_split(skew, 6, 4);
    check_split(empty, 4, 3);
    check_split(one, 1, 5);
    uint64_t b[4];
    snig__mpi_split(even, 8, 2, b);
    CHECK(b[1] == 4);
    snig__mpi_split(skew, 6, 2, b);
    CHECK(b[1] == 1);           /* the heavy first row alone */
    snig__mpi_split(empty, 4, 2, b);
    CHECK(b[1] == 2);           /* no nonzeros: split by rows */
}

/* ---------------------------------------------------------------- runs */

/* Compares a gathered result (rank 0) with the reference on every row:
 * the same bits, as each rank runs the local engine on whole rows. */
static void check_same(const snig_result *got, const snig_result *ref)
{
    if (rank != 0 || got == NULL || ref == NULL)
        return;
    CHECK(snig_result_ranks(got) == size);
    const test_compare exact = {.exact = 1, .live = 1, .madds = 1};
    CHECK(test_same_results("mpi", ref, got, &exact));
}

/* This rank's share of `all`, as snig_dist_inputs_load would give it:
 * static, split by nonzeros; dynamic, every row on rank 0. */
static snig_inputs *share(snig_ctx *ctx, const snig_inputs *all, int dynamic)
{
    uint64_t bounds[64] = {0};
    snig_inputs *in = NULL;
    if (!dynamic)
        snig__mpi_split(all->rowptr, all->rows, size, bounds);
    uint64_t first = dynamic ? 0 : bounds[rank];
    uint64_t count = dynamic ? (rank == 0 ? all->rows : 0)
                             : bounds[rank + 1] - first;
    CHECK_OK(ctx, snig__mpi_inputs_slice(ctx, all, first, count, &in));
    return in;
}

typedef struct mpi_case {
    const char *name;
    uint64_t rows;
    int dynamic;
    int keep_values;
    uint32_t batch;
} mpi_case;

static const mpi_case cases[] = {
    {"static", 41, 0, 1, 0},
    {"static, fewer rows than ranks", 2, 0, 1, 0},
    {"static, no rows", 0, 0, 0, 0},
    {"dynamic, batches of 3", 41, 1, 1, 3},
    {"dynamic, default batch", 41, 1, 0, 0},
    {"dynamic, one row", 1, 1, 1, 1},
};

static void run_case(snig_ctx *ctx, const snig_network *net, const mpi_case *c)
{
    int before = test_failures;
    snig_inputs *all = NULL, *in = NULL;
    snig_result *ref = NULL, *got = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, c->rows, 0.3, 2.0f, 5, 9, 19, &all));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = c->keep_values;
    CHECK_OK(ctx, snig_infer(ctx, net, all, &opt, &ref));
    in = share(ctx, all, c->dynamic);
    opt.engine = "mpi";
    opt.local_engine = "reference";
    opt.dynamic = c->dynamic;
    opt.batch = c->batch;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &got));
    check_same(got, ref);
    if (rank == 0 && ref != NULL && c->rows >= 10) {
        uint64_t n = 0;
        snig_result_categories(ref, &n);
        CHECK(n > 0 && n < c->rows);   /* a real mix of live and dead rows */
    }
    if (test_failures != before)
        fprintf(stderr, "rank %d: case '%s' failed\n", rank, c->name);
    snig_result_free(&got);
    snig_result_free(&ref);
    snig_inputs_free(&in);
    snig_inputs_free(&all);
}

/* Failures end every rank alike, with one message on rank 0. */
static void test_failures_agreed(snig_ctx *ctx, const snig_network *net)
{
    snig_inputs *all = NULL;
    snig_result *res = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 5, 0.3, 1.0f, 0, 0, 3, &all));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "mpi";
    opt.local_engine = "no-such-engine";
    CHECK(snig_infer(ctx, net, all, &opt, &res) == SNIG_USAGE);
    CHECK(res == NULL);
    CHECK(strstr(snig_errmsg(ctx), "no-such-engine") != NULL);
    snig_clear_error(ctx);
    opt.local_engine = "mpi";
    CHECK(snig_infer(ctx, net, all, &opt, &res) == SNIG_USAGE);
    snig_clear_error(ctx);

    /* Only the last rank fails: everyone gets its status, rank 0 its text. */
    snig_status st = SNIG_OK;
    if (rank == size - 1)
        st = snig__error(ctx, SNIG_FORMAT, "bad.tsv:3: not a number");
    st = snig_dist_agree(ctx, st);
    CHECK(st == SNIG_FORMAT);
    if (rank == 0)
        CHECK(strstr(snig_errmsg(ctx), "bad.tsv:3: not a number") != NULL);
    snig_clear_error(ctx);
    CHECK(snig_dist_agree(ctx, SNIG_OK) == SNIG_OK);
    snig_inputs_free(&all);
}

/* ------------------------------------------------------------ from files */

static void test_files(snig_ctx *ctx, snig_network *net)
{
    char netpath[512], inpath[512], tsvpath[512];
    snprintf(netpath, sizeof netpath, "%s/test_mpi_np%d.snb", SNIG_BINARY_DIR,
             size);
    snprintf(inpath, sizeof inpath, "%s/test_mpi_np%d_in.snb", SNIG_BINARY_DIR,
             size);
    snprintf(tsvpath, sizeof tsvpath, "%s/test_mpi_np%d_in.tsv", SNIG_BINARY_DIR,
             size);
    snig_inputs *all = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 37, 0.3, 2.0f, 5, 9, 23, &all));
    snig_status st = SNIG_OK;
    if (rank == 0) {
        st = snig_network_save(ctx, net, netpath);
        if (st == SNIG_OK)
            st = snig_inputs_save(ctx, all, inpath);
        FILE *f = st == SNIG_OK ? fopen(tsvpath, "w") : NULL;
        for (uint64_t r = 0; f != NULL && r < all->rows; r++)
            for (uint64_t k = all->rowptr[r]; k < all->rowptr[r + 1]; k++)
                fprintf(f, "%llu\t%u\t%.9g\n", (unsigned long long)r + 1,
                        all->col[k] + 1, (double)all->val[k]);
        if (f != NULL)
            fclose(f);
    }
    st = snig_dist_agree(ctx, st);   /* also a barrier: the files exist */
    CHECK_OK(ctx, st);
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    snig_result *ref = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, all, &opt, &ref));
    const char *inputs[2] = {inpath, tsvpath};
    for (int v = 0; v < 8 && st == SNIG_OK; v++) {
        snig_load_options lo;
        snig_load_options_init(&lo);
        lo.neurons = 64;
        opt.engine = size > 1 ? snig_dist_engine() : "mpi";
        opt.local_engine = "reference";
        opt.broadcast_weights = v & 1;
        opt.dynamic = (v >> 1) & 1;
        opt.batch = 4;
        snig_network *fnet = NULL;
        snig_inputs *in = NULL;
        snig_result *got = NULL;
        uint64_t rows = 0, nnz = 0;
        CHECK(opt.engine != NULL && strcmp(opt.engine, "mpi") == 0);
        CHECK_OK(ctx, snig_dist_network_load(ctx, netpath, &lo, &opt, &fnet));
        CHECK_OK(ctx, snig_dist_inputs_load(ctx, inputs[v >> 2], &lo, &opt,
                                            &in, &rows, &nnz));
        CHECK(rows == all->rows && nnz == snig_inputs_nonzeros(all));
        if (fnet != NULL && in != NULL) {
            CHECK(snig_network_edges(fnet) == snig_network_edges(net));
            CHECK_OK(ctx, snig_infer(ctx, fnet, in, &opt, &got));
            check_same(got, ref);
        }
        if (test_failures)
            fprintf(stderr, "rank %d: file variant %d failed\n", rank, v);
        snig_result_free(&got);
        snig_inputs_free(&in);
        snig_network_free(&fnet);
    }
    /* A bad file: the same status on every rank, whichever rank read it. */
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.neurons = 64;
    snig_inputs *in = NULL;
    st = snig_dist_inputs_load(ctx, "/nonexistent/in.tsv", &lo, &opt, &in,
                               NULL, NULL);
    st = snig_dist_agree(ctx, st);
    CHECK(st == SNIG_IO && in == NULL);
    if (rank == 0)
        CHECK(strstr(snig_errmsg(ctx), "/nonexistent/in.tsv") != NULL);
    snig_clear_error(ctx);
    snig_network *bad = NULL;
    opt.broadcast_weights = 1;
    st = snig_dist_agree(ctx, snig_dist_network_load(ctx, "/nonexistent/n.snb",
                                                     &lo, &opt, &bad));
    CHECK(st != SNIG_OK && bad == NULL);
    snig_clear_error(ctx);
    if (st == SNIG_OK && rank == 0) {
        remove(netpath);
        remove(inpath);
        remove(tsvpath);
    }
    snig_result_free(&ref);
    snig_inputs_free(&all);
}

/* ------------------------------------------------ the program's own MPI */

/* Runs on a communicator of the program's (snig_options.comm): the ranks of
 * each half of MPI_COMM_WORLD run a job of their own, each half gathered
 * on its own rank 0, equal to the reference. */
static void test_comm(snig_ctx *ctx, const snig_network *net)
{
    MPI_Comm half;
    int hrank = 0, hsize = 1;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    MPI_Comm_rank(half, &hrank);
    MPI_Comm_size(half, &hsize);
    snig_inputs *all = NULL, *in = NULL;
    snig_result *ref = NULL, *got = NULL;
    /* different inputs in the two halves */
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 29 + 6 * (rank % 2), 0.3, 2.0f,
                                     5, 9, 31 + (uint64_t)(rank % 2), &all));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    CHECK_OK(ctx, snig_infer(ctx, net, all, &opt, &ref));
    for (int dynamic = 0; dynamic < 2; dynamic++) {
        uint64_t bounds[64] = {0};
        if (!dynamic)
            snig__mpi_split(all->rowptr, all->rows, hsize, bounds);
        uint64_t first = dynamic ? 0 : bounds[hrank];
        uint64_t count = dynamic ? (hrank == 0 ? all->rows : 0)
                                 : bounds[hrank + 1] - first;
        CHECK_OK(ctx, snig__mpi_inputs_slice(ctx, all, first, count, &in));
        opt.engine = "mpi";
        opt.local_engine = "reference";
        opt.comm = &half;
        opt.dynamic = dynamic;
        opt.batch = 4;
        CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &got));
        if (hrank == 0 && got != NULL) {
            uint64_t cg = 0, cr = 0;
            const uint64_t *g = snig_result_categories(got, &cg);
            const uint64_t *r = snig_result_categories(ref, &cr);
            CHECK(cg == cr && memcmp(g, r, cr * sizeof *g) == 0);
            CHECK(snig_result_ranks(got) == hsize);
        }
        snig_result_free(&got);
        snig_inputs_free(&in);
    }
    /* The loading dist calls on the half too: rank 0 of each half reads. */
    char path[512];
    snprintf(path, sizeof path, "%s/test_mpi_comm_np%d_%d.snb",
             SNIG_BINARY_DIR, size, rank % 2);
    snig_status st = hrank == 0 ? snig_inputs_save(ctx, all, path) : SNIG_OK;
    CHECK_OK(ctx, snig__mpi_agree(ctx, half, st));
    snig_load_options lo;
    snig_load_options_init(&lo);
    opt.dynamic = 0;
    opt.broadcast_weights = 1;
    uint64_t rows = 0, nnz = 0;
    CHECK_OK(ctx, snig_dist_inputs_load(ctx, path, &lo, &opt, &in, &rows,
                                        &nnz));
    CHECK(rows == all->rows && nnz == snig_inputs_nonzeros(all));
    snig_inputs_free(&in);
    MPI_Barrier(half);
    if (hrank == 0)
        remove(path);
    snig_result_free(&ref);
    snig_inputs_free(&all);
    MPI_Comm_free(&half);
}

/* Ranks on one machine share its cores (all ranks run on this one). */
static void test_threads(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int t = snig__mpi_node_threads(MPI_COMM_WORLD);
    if (size == 1) {
        CHECK(t == 0);   /* one process: every core, as without MPI */
        return;
    }
    int share = (int)(online / size);
    CHECK(t >= 1 && t <= (share > 1 ? share : 1));
}

/* usage: test_mpi [host]: with "host" the program initializes MPI itself
 * (before snig) and finalizes it after snig_dist_finalize, which must then
 * leave MPI running. */
int main(int argc, char **argv)
{
    const int host = argc > 1 && strcmp(argv[1], "host") == 0;
    if (host) {
        int provided = 0;
        MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    }
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    CHECK_OK(ctx, snig_dist_init(ctx, &rank, &size));
    CHECK(size >= 1 && size <= 63 && rank >= 0 && rank < size);
    CHECK((snig_dist_engine() != NULL) == (size > 1));
    test_split();
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 6, 8, 0.6f, 0, 1, -0.9f, 0.05f,
                                      19, &net));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, net, &cases[i]);
    test_failures_agreed(ctx, net);
    test_files(ctx, net);
    test_threads();
    if (host)
        test_comm(ctx, net);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    /* Every rank's verdict counts: a failing rank fails the run. */
    int failed = test_failures;
    snig_dist_finalize();
    if (host) {
        int fini = 1;
        MPI_Finalized(&fini);
        CHECK(fini == 0);   /* snig did not start it: not its to end */
        failed = test_failures;
        if (!fini)
            MPI_Finalize();
    }
    if (rank != 0 && failed)
        fprintf(stderr, "test_mpi: rank %d: %d check(s) failed\n", rank, failed);
    return rank == 0 ? test_result("test_mpi") : (failed ? 1 : 0);
}
#endif
