/* Out of memory in every public call (zlib's infcover, LAGraph's
 * LG_BRUTAL): each call is run again and again with its n-th allocation
 * failing, n = 0, 1, ... until it succeeds (test_nomem in testutil).  Every
 * failure must be SNIG_NOMEM with a message, leave no block behind (counted
 * by the failing allocator; ASan/LSan in the sanitizer build) and no output
 * file; the run that succeeds must give the right thing.  Calls: every
 * reader (layer TSV folder and file, gzip, tar.gz, Matrix Market, .snb in
 * both verify modes, inputs TSV, truth, IDX through the generator), file
 * info, the several-process loaders (one process), saving, the generator,
 * networks and inputs from memory, plans, and inference on every engine
 * that runs here. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA SNIG_TEST_DATA "/readers"
#define MAX_POINTS 20000

static char dir[512];       /* this run's scratch folder */

static const char *path_of(int slot, const char *name)
{
    static char paths[8][640];
    snprintf(paths[slot & 7], sizeof paths[0], "%s/%s", dir, name);
    return paths[slot & 7];
}

static int sh(const char *fmt, const char *a, const char *b)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    return system(cmd);
}

/* Files in the output folder (a failed write must leave none). */
static int out_files(void)
{
    DIR *d = opendir(path_of(7, "out"));
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return n;
}

static void clear_out(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/out' && mkdir -p '%s/out'", dir, dir);
    if (system(cmd) != 0)
        CHECK(!"cannot clear the output folder");
}

/* ------------------------------------------------------------- readers */

typedef struct load_case {
    const char *path;
    int inputs;             /* 1: snig_inputs_load, 2: truth, 0: network */
    uint32_t neurons;       /* load option */
    int verify;
    uint64_t want;          /* layers, rows, or truth rows */
} load_case;

static snig_status run_load(snig_ctx *ctx, test_failing *f, void *user)
{
    const load_case *c = user;
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.neurons = c->neurons;
    lo.verify = c->verify;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    uint64_t *rows = NULL, count = 0;
    test_failing_start(f);
    snig_status st = c->inputs == 1 ? snig_inputs_load(ctx, c->path, &lo, &in)
                     : c->inputs == 2
                         ? snig_truth_load(ctx, c->path, &rows, &count)
                         : snig_network_load(ctx, c->path, &lo, &net);
    test_failing_stop(f);
    if (st == SNIG_OK) {
        uint64_t got = c->inputs == 1 ? snig_inputs_rows(in)
                       : c->inputs == 2 ? count : snig_network_layers(net);
        CHECK(got == c->want);
    } else {
        CHECK(net == NULL && in == NULL && rows == NULL);
    }
    snig_network_free(&net);
    snig_inputs_free(&in);
    snig_free(ctx, rows);
    return st;
}

/* The several-process loaders, here in one process (no launcher). */
static snig_status run_dist(snig_ctx *ctx, test_failing *f, void *user)
{
    const char *const *paths = user;
    snig_load_options lo;
    snig_load_options_init(&lo);
    snig_options o;
    snig_options_init(&o);
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    uint64_t rows = 0, nnz = 0;
    test_failing_start(f);
    snig_status st = snig_dist_network_load(ctx, paths[0], &lo, &o, &net);
    if (st == SNIG_OK)
        st = snig_dist_inputs_load(ctx, paths[1], &lo, &o, &in, &rows, &nnz);
    test_failing_stop(f);
    if (st == SNIG_OK)
        CHECK(snig_network_layers(net) == 3 && rows == 4 && nnz > 0);
    snig_network_free(&net);
    snig_inputs_free(&in);
    return st;
}

static snig_status run_info(snig_ctx *ctx, test_failing *f, void *user)
{
    snig_file_info info;
    test_failing_start(f);
    snig_status st = snig_file_info_get(ctx, user, &info);
    test_failing_stop(f);
    if (st == SNIG_OK)
        CHECK(info.neurons == 4);
    return st;
}

/* ------------------------------------------------- saving and generating */

typedef struct save_case {
    int what;               /* 0 network, 1 inputs, 2 categories */
    snig_network *net;      /* made with a plain context */
    snig_inputs *in;
} save_case;

static snig_status run_save(snig_ctx *ctx, test_failing *f, void *user)
{
    const save_case *c = user;
    snig_result *res = NULL;
    snig_status st = SNIG_OK;
    const char *out = path_of(0, "out/saved");
    clear_out();
    if (c->what == 2) {
        snig_options o;
        snig_options_init(&o);
        o.engine = "reference";
        st = snig_infer(ctx, c->net, c->in, &o, &res);
        if (st != SNIG_OK)
            return SNIG_INTERNAL;   /* allocations do not fail yet */
    }
    test_failing_start(f);
    st = c->what == 0   ? snig_network_save(ctx, c->net, out)
         : c->what == 1 ? snig_inputs_save(ctx, c->in, out)
                        : snig_result_write_categories(ctx, res, out);
    test_failing_stop(f);
    CHECK(st == SNIG_OK ? test_file_exists(out) : out_files() == 0);
    snig_result_free(&res);
    return st;
}

typedef struct gen_case {
    int inputs;             /* 0: snig_generate_network, 1: _inputs */
    const char *format;
    const char *images;
} gen_case;

static snig_status run_generate(snig_ctx *ctx, test_failing *f, void *user)
{
    const gen_case *c = user;
    const char *out = path_of(0, "out/generated");
    snig_status st;
    clear_out();
    if (c->inputs) {
        snig_image_options o;
        snig_image_options_init(&o);
        o.neurons = 64;
        o.count = 6;
        o.format = c->format;
        test_failing_start(f);
        st = snig_generate_inputs(ctx, c->images, &o, out);
    } else {
        snig_generate_options o;
        snig_generate_options_init(&o);
        o.neurons = 64;
        o.layers = 3;
        o.has_bias = 1;
        o.bias = -0.3f;
        o.format = c->format;
        test_failing_start(f);
        st = snig_generate_network(ctx, &o, out);
    }
    test_failing_stop(f);
    if (st != SNIG_OK && out_files() != 0) {
        fprintf(stderr, "generate %s %s: %s (%s) left files behind:\n",
                c->inputs ? "inputs" : "network", c->format,
                snig_status_str(st), snig_errmsg(ctx));
        sh("ls -laR '%s/out'%s >&2", dir, "");
    }
    CHECK(st == SNIG_OK ? test_file_exists(out) : out_files() == 0);
    return st;
}

/* --------------------------------------------------------- from memory */

static const uint32_t mem_rowptr[5] = {0, 2, 3, 5, 6};
static const uint32_t mem_col[6] = {0, 3, 1, 0, 2, 3};
static const float mem_val[6] = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, 1.0f};
static const float mem_bias[4] = {-0.1f, 0.0f, 0.2f, -0.3f};
static const uint64_t in_rowptr[4] = {0, 2, 2, 4};
static const uint32_t in_col[4] = {0, 2, 1, 3};
static const float in_val[4] = {1.0f, 2.0f, 0.5f, 3.0f};
static const float dense[8] = {1, 0, 2, 0, 0, 0.5f, 0, 3};

static snig_status run_memory(snig_ctx *ctx, test_failing *f, void *user)
{
    int what = *(const int *)user;
    snig_layer_desc d[2];
    for (int l = 0; l < 2; l++) {
        snig_layer_desc_init(&d[l]);
        d[l].n_in = d[l].n_out = 4;
        d[l].rowptr = mem_rowptr;
        d[l].col = mem_col;
        d[l].val = mem_val;
        d[l].bias = mem_bias;
        d[l].bias_rule = l ? SNIG_BIAS_DENSE : SNIG_BIAS_NONZERO;
        d[l].activation = l ? SNIG_ACT_IDENTITY : SNIG_ACT_RELU;
    }
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    test_failing_start(f);
    snig_status st =
        what < 2 ? snig_network_from_layers(ctx, d, 2, what ? SNIG_BORROW
                                                            : SNIG_COPY, &net)
        : what < 4 ? snig_inputs_from_csr(ctx, 3, 4, in_rowptr, in_col, in_val,
                                          what == 3 ? SNIG_BORROW : SNIG_COPY,
                                          &in)
                   : snig_inputs_from_dense(ctx, 2, 4, dense, &in);
    test_failing_stop(f);
    if (st == SNIG_OK)
        CHECK(what < 2 ? snig_network_layers(net) == 2
                       : snig_inputs_rows(in) == (what < 4 ? 3u : 2u));
    snig_network_free(&net);
    snig_inputs_free(&in);
    return st;
}

/* ----------------------------------------------------------- inference */

typedef struct infer_case {
    const char *engine;
    int step;               /* 0 snig_infer, 1 snig_plan_new, 2 plan_infer */
    int keep_values;
    int general;            /* a rectangular network from memory */
    const snig_result *want;
} infer_case;

static snig_status make_job(snig_ctx *ctx, int general, snig_network **net,
                            snig_inputs **in)
{
    snig_status st;
    if (general) {
        static const uint32_t rp[4] = {0, 2, 3, 4}, col[4] = {0, 1, 1, 0};
        static const float val[4] = {1.0f, -0.5f, 2.0f, 0.75f};
        snig_layer_desc d;
        snig_layer_desc_init(&d);
        d.n_in = 3;
        d.n_out = 2;
        d.rowptr = rp;
        d.col = col;
        d.val = val;
        d.bias_value = 0.1f;
        d.bias_rule = SNIG_BIAS_DENSE;
        d.activation = SNIG_ACT_IDENTITY;
        st = snig_network_from_layers(ctx, &d, 1, SNIG_COPY, net);
        static const float x[6] = {1, 0, 2, 0, 3, 0};
        if (st == SNIG_OK)
            st = snig_inputs_from_dense(ctx, 2, 3, x, in);
        return st;
    }
    st = test_random_network(ctx, 48, 4, 6, 0.6f, 0, 1, -0.5f, 0.05f, 7, net);
    if (st == SNIG_OK)
        st = test_random_inputs(ctx, 48, 30, 0.3, 2.0f, 5, 7, 9, in);
    return st;
}

static snig_status run_infer(snig_ctx *ctx, test_failing *f, void *user)
{
    const infer_case *c = user;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *res = NULL;
    snig_plan *plan = NULL;
    snig_status st = make_job(ctx, c->general, &net, &in);
    if (st != SNIG_OK)
        return SNIG_INTERNAL;
    snig_options o;
    snig_options_init(&o);
    o.engine = c->engine;
    o.local_engine = "cpu";
    o.keep_values = c->keep_values;
    o.threads = 2;
    if (c->step == 2) {
        st = snig_plan_new(ctx, net, &o, &plan);
        if (st != SNIG_OK)
            return SNIG_INTERNAL;
    }
    test_failing_start(f);
    if (c->step == 0)
        st = snig_infer(ctx, net, in, &o, &res);
    else if (c->step == 1)
        st = snig_plan_new(ctx, net, &o, &plan);
    else
        st = snig_plan_infer(ctx, plan, in, &res);
    test_failing_stop(f);
    if (st == SNIG_OK && c->step == 1)
        CHECK_OK(ctx, snig_plan_infer(ctx, plan, in, &res));
    if (st == SNIG_OK && res != NULL && c->want != NULL) {
        const test_compare exact = {.exact = 1};
        CHECK(test_same_results(c->engine, c->want, res, &exact));
    }
    CHECK((st == SNIG_OK) == (res != NULL));
    snig_result_free(&res);
    snig_plan_free(&plan);
    snig_inputs_free(&in);
    snig_network_free(&net);
    return st;
}

/* ------------------------------------------------------------- set-up */

/* A tiny IDX file of three 8 x 8 images. */
static void write_idx(const char *path)
{
    unsigned char b[16 + 3 * 64] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 8, 0, 0, 0, 8};
    for (int i = 0; i < 3 * 64; i++)
        b[16 + i] = (unsigned char)((i * 37 + i / 64 * 11) % 7 < 3 ? 250 : 0);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL && fwrite(b, 1, sizeof b, f) == sizeof b);
    if (f != NULL)
        fclose(f);
}


int main(void)
{
    snprintf(dir, sizeof dir, "%s/testfiles/nomem-%d", SNIG_BINARY_DIR,
             (int)getpid());
    CHECK(sh("mkdir -p '%s/out' '%s/neuron4'", dir, dir) == 0);
    CHECK(sh("cp -r '%s/net4' '%s'", DATA, dir) == 0);
    CHECK(sh("cp '%s'/net4/n4-l*.tsv '%s/neuron4'", DATA, dir) == 0);
    CHECK(sh("gzip -c '%s/net4/n4-l1.tsv' >'%s/n4-l1.tsv.gz'", DATA, dir) == 0);
    CHECK(sh("gzip -c '%s/hand-inputs-4.tsv' >'%s/inputs.tsv.gz'", DATA, dir) == 0);
    CHECK(sh("cd '%s' && tar -czf neuron4.tar.gz neuron4%s", dir, "") == 0);
    write_idx(path_of(0, "images-idx3-ubyte"));

    snig_ctx *ctx = NULL;
    int rank = 0, size = 1;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    CHECK_OK(ctx, snig_dist_init(ctx, &rank, &size));
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.neurons = 4;
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/net4", &lo, &net));
    CHECK_OK(ctx, snig_inputs_load(ctx, DATA "/hand-inputs-4.tsv", &lo, &in));
    if (net != NULL)
        CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.2f));
    CHECK_OK(ctx, snig_network_save(ctx, net, path_of(0, "net.snb")));
    CHECK_OK(ctx, snig_inputs_save(ctx, in, path_of(0, "inputs.snb")));
    if (net == NULL || in == NULL)
        return test_result("test_nomem");

    char p[16][700];
    const char *names[] = {"net4", "n4-l1.tsv.gz", "neuron4.tar.gz", "net.snb",
                           "inputs.tsv.gz", "inputs.snb", "images-idx3-ubyte"};
    for (int i = 0; i < 7; i++)
        snprintf(p[i], sizeof p[i], "%.640s", path_of(0, names[i]));
    const load_case loads[] = {
        {p[0], 0, 0, 1, 3},                      /* folder of layer TSV */
        {DATA "/net4/n4-l1.tsv", 0, 0, 1, 1},    /* one layer file */
        {p[1], 0, 0, 1, 1},                      /* gzip */
        {p[2], 0, 0, 1, 3},                      /* tar.gz */
        {DATA "/layer4.mtx", 0, 0, 1, 1},        /* Matrix Market */
        {p[3], 0, 0, 1, 3},                      /* .snb, verified */
        {p[3], 0, 0, 0, 3},                      /* .snb, lazily */
        {DATA "/hand-inputs-4.tsv", 1, 4, 1, 4}, /* inputs TSV */
        {p[4], 1, 4, 1, 4},
        {DATA "/inputs4.mtx", 1, 0, 1, 6},
        {p[5], 1, 0, 1, 4},
        {p[5], 1, 0, 0, 4},
        {DATA "/truth.tsv", 2, 0, 1, 0},
    };
    long points = 0;
    for (size_t i = 0; i < sizeof loads / sizeof *loads; i++) {
        char name[700];
        snprintf(name, sizeof name, "load %s (verify %d)", loads[i].path,
                 loads[i].verify);
        load_case c = loads[i];
        if (c.inputs == 2) {   /* the truth's row count, read plainly */
            uint64_t *rows = NULL;
            CHECK_OK(ctx, snig_truth_load(ctx, c.path, &rows, &c.want));
            snig_free(ctx, rows);
        }
        points += test_nomem(name, run_load, &c, MAX_POINTS);
    }
    const char *dist[2] = {p[3], p[5]};
    points += test_nomem("dist loads", run_dist, (void *)dist, MAX_POINTS);
    points += test_nomem("file info .snb", run_info, p[3], MAX_POINTS);
    points += test_nomem("file info tsv", run_info, DATA "/net4", MAX_POINTS);

    for (int w = 0; w < 3; w++) {
        save_case c = {w, net, in};
        static const char *const what[] = {"save network", "save inputs",
                                           "write categories"};
        points += test_nomem(what[w], run_save, &c, MAX_POINTS);
    }
    const gen_case gens[] = {{0, "snb", NULL}, {0, "tsv", NULL},
                             {1, "snb", p[6]}, {1, "tsv", p[6]}};
    for (size_t i = 0; i < sizeof gens / sizeof *gens; i++) {
        char name[64];
        snprintf(name, sizeof name, "generate %s %s",
                 gens[i].inputs ? "inputs" : "network", gens[i].format);
        points += test_nomem(name, run_generate, (void *)&gens[i], MAX_POINTS);
    }
    static const char *const memory[] = {
        "network from layers (copy)", "network from layers (borrow)",
        "inputs from csr (copy)", "inputs from csr (borrow)",
        "inputs from dense"};
    for (int m = 0; m < 5; m++)
        points += test_nomem(memory[m], run_memory, &m, MAX_POINTS);

    /* Inference on every engine that runs here, compared bit for bit with
     * an unhindered run of the reference engine. */
    for (int general = 0; general < 2; general++) {
        snig_network *jn = NULL;
        snig_inputs *ji = NULL;
        snig_result *want = NULL;
        snig_options o;
        snig_options_init(&o);
        o.engine = "reference";
        o.keep_values = 1;
        CHECK_OK(ctx, make_job(ctx, general, &jn, &ji));
        CHECK_OK(ctx, snig_infer(ctx, jn, ji, &o, &want));
        for (size_t e = 0; snig_engine_name(e) != NULL; e++) {
            const char *engine = snig_engine_name(e);
            if (!snig_engine_available(engine)) {
                test_skip(engine, "cannot run on this machine");
                continue;
            }
            snig_result *probe = NULL;
            o.engine = engine;
            o.local_engine = "cpu";
            snig_status st = snig_infer(ctx, jn, ji, &o, &probe);
            snig_result_free(&probe);
            snig_clear_error(ctx);
            if (st == SNIG_UNSUPPORTED)
                continue;       /* e.g. cpu on rectangular layers */
            for (int step = 0; step < 3; step++)
                for (int keep = 0; keep < 2; keep++) {
                    infer_case c = {engine, step, keep, general,
                                    keep ? want : NULL};
                    char name[128];
                    snprintf(name, sizeof name, "%s: %s%s%s", engine,
                             step == 0 ? "snig_infer"
                             : step == 1 ? "snig_plan_new"
                                         : "snig_plan_infer",
                             keep ? ", values kept" : "",
                             general ? ", rectangular layers" : "");
                    long n = test_nomem(name, run_infer, &c, MAX_POINTS);
                    printf("%-60s %5ld failure points\n", name, n - 1);
                    points += n;
                }
        }
        snig_result_free(&want);
        snig_inputs_free(&ji);
        snig_network_free(&jn);
    }
    printf("test_nomem: %ld failure points in all\n", points);

    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    snig_dist_finalize();
    if (test_failures == 0)
        sh("rm -rf '%s'%s", dir, "");
    return test_result("test_nomem");
}
