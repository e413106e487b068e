/* See fuzz_common.h. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_common.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Networks and inputs wider or deeper than this are not run: a fuzz run
 * must stay at thousands of inputs a second. */
#define FUZZ_MAX_NEURONS 4096u
#define FUZZ_MAX_LAYERS 16u
#define FUZZ_MAX_ROWS 4096u

int fuzz_nomem_is_finding;
static snig_ctx *ctx_once;
static char scratch[256];

static void remove_scratch(void)
{
    char cmd[300];
    snig_ctx_free(&ctx_once);
    if (scratch[0] == '\0')
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", scratch);
}

static const char *scratch_dir(void)
{
    if (scratch[0] != '\0')
        return scratch;
    const char *base = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/snig-fuzz-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(scratch) == NULL) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(remove_scratch);
    return scratch;
}

snig_ctx *fuzz_ctx(void)
{
    if (ctx_once == NULL && snig_ctx_new(&ctx_once, NULL) != SNIG_OK)
        abort();
    scratch_dir();
    return ctx_once;
}

const char *fuzz_path(int slot, const char *name)
{
    static char paths[4][512];
    char *p = paths[slot & 3];
    snprintf(p, sizeof paths[0], "%s/%s", scratch_dir(), name);
    return p;
}

const char *fuzz_write(int slot, const char *name, const uint8_t *data,
                       size_t size)
{
    const char *p = fuzz_path(slot, name);
    const char *sub = strchr(name, '/');
    if (sub != NULL) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%.*s", scratch_dir(), (int)(sub - name),
                 name);
        mkdir(dir, 0700);  /* EEXIST after the first run */
    }
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(p);
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            perror(p);
            abort();
        }
        done += (size_t)w;
    }
    close(fd);
    return p;
}

void fuzz_check(snig_ctx *ctx, snig_status st, const void *handle)
{
    const char *msg = snig_errmsg(ctx);
    if (st == SNIG_OK) {
        if (handle == NULL) {
            fprintf(stderr, "fuzz: success without a handle\n");
            abort();
        }
        return;
    }
    if ((int)st < 0 || st >= SNIG_STATUS_COUNT || st == SNIG_INTERNAL ||
        (st == SNIG_NOMEM && fuzz_nomem_is_finding) || msg == NULL ||
        msg[0] == '\0' || handle != NULL) {
        fprintf(stderr, "fuzz: unclean failure: status %d (%s), message "
                "\"%s\", handle %p\n", (int)st, snig_status_str(st),
                msg ? msg : "(null)", handle);
        abort();
    }
}

/* Runs one engine; NULL when it failed (cleanly). */
static snig_result *run(snig_ctx *ctx, const snig_network *net,
                        const snig_inputs *in, const char *engine)
{
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = engine;
    opt.threads = 1;
    snig_result *res = NULL;
    snig_status st = snig_infer(ctx, net, in, &opt, &res);
    if (st == SNIG_USAGE && res == NULL) {
        /* No bias known for this N: give one. */
        opt.has_bias = 1;
        opt.bias = -0.25f;
        st = snig_infer(ctx, net, in, &opt, &res);
    }
    fuzz_check(ctx, st, res);
    return res;
}

static void run_both(snig_ctx *ctx, const snig_network *net,
                     const snig_inputs *in)
{
    snig_result *ref = run(ctx, net, in, "reference");
    snig_result *cpu = run(ctx, net, in, "cpu");
    if (ref != NULL && cpu != NULL) {
        uint64_t a = 0, b = 0;
        const uint64_t *ca = snig_result_categories(ref, &a);
        const uint64_t *cb = snig_result_categories(cpu, &b);
        if (a != b || (a > 0 && memcmp(ca, cb, a * sizeof *ca) != 0)) {
            fprintf(stderr, "fuzz: reference and cpu disagree: %llu vs %llu "
                    "categories\n", (unsigned long long)a,
                    (unsigned long long)b);
            abort();
        }
    }
    snig_result_free(&cpu);
    snig_result_free(&ref);
}

/* Three rows of `cols` columns: ones on the first columns, twos on every
 * seventh, and an empty row. */
static snig_status tiny_inputs(snig_ctx *ctx, uint32_t cols, snig_inputs **in)
{
    uint64_t rowptr[4];
    uint32_t col[64 + FUZZ_MAX_NEURONS / 7 + 1];
    float val[sizeof col / sizeof *col];
    uint64_t k = 0;
    rowptr[0] = 0;
    for (uint32_t j = 0; j < cols && j < 64; j++, k++) {
        col[k] = j;
        val[k] = 1.0f;
    }
    rowptr[1] = k;
    for (uint32_t j = 3; j < cols; j += 7, k++) {
        col[k] = j;
        val[k] = 2.0f;
    }
    rowptr[2] = rowptr[3] = k;
    return snig_inputs_from_csr(ctx, 3, cols, rowptr, col, val, SNIG_COPY, in);
}

void fuzz_infer_network(snig_ctx *ctx, const snig_network *net)
{
    uint32_t n = snig_network_neurons(net);
    if (n == 0 || n > FUZZ_MAX_NEURONS ||
        snig_network_layers(net) > FUZZ_MAX_LAYERS)
        return;
    snig_inputs *in = NULL;
    snig_status st = tiny_inputs(ctx, n, &in);
    fuzz_check(ctx, st, in);
    if (in != NULL)
        run_both(ctx, net, in);
    snig_inputs_free(&in);
}

void fuzz_infer_inputs(snig_ctx *ctx, const snig_inputs *in)
{
    uint32_t n = snig_inputs_neurons(in);
    if (n == 0 || n > FUZZ_MAX_NEURONS || snig_inputs_rows(in) > FUZZ_MAX_ROWS)
        return;
    /* One layer: neuron i feeds i and i + 1 with weight 1/2. */
    uint32_t *rowptr = malloc((n + 1) * sizeof *rowptr);
    uint32_t *col = malloc(2 * (size_t)n * sizeof *col);
    if (rowptr == NULL || col == NULL)
        abort();
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        rowptr[i] = k;
        col[k++] = i;
        if (i + 1 < n)
            col[k++] = i + 1;
    }
    rowptr[n] = k;
    snig_layer_desc d;
    snig_layer_desc_init(&d);
    d.n_in = d.n_out = n;
    d.rowptr = rowptr;
    d.col = col;
    d.uniform = 0.5f;
    d.bias_value = -0.25f;
    snig_network *net = NULL;
    snig_status st = snig_network_from_layers(ctx, &d, 1, SNIG_COPY, &net);
    fuzz_check(ctx, st, net);
    if (net != NULL)
        run_both(ctx, net, in);
    snig_network_free(&net);
    free(col);
    free(rowptr);
}

void fuzz_load_network(snig_ctx *ctx, const char *path,
                       const snig_load_options *lo, int infer)
{
    snig_network *net = NULL;
    snig_status st = snig_network_load(ctx, path, lo, &net);
    fuzz_check(ctx, st, net);
    if (net != NULL && infer)
        fuzz_infer_network(ctx, net);
    snig_network_free(&net);
}

void fuzz_load_inputs(snig_ctx *ctx, const char *path,
                      const snig_load_options *lo, int infer)
{
    snig_inputs *in = NULL;
    snig_status st = snig_inputs_load(ctx, path, lo, &in);
    fuzz_check(ctx, st, in);
    if (in != NULL && infer)
        fuzz_infer_inputs(ctx, in);
    snig_inputs_free(&in);
}

void fuzz_file_info(snig_ctx *ctx, const char *path)
{
    snig_file_info info;
    snig_status st = snig_file_info_get(ctx, path, &info);
    fuzz_check(ctx, st, st == SNIG_OK ? &info : NULL);
}
