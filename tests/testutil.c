#include "testutil.h"

#include "core/internal.h"
#include "io/layer_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int test_failures = 0;
int test_skips = 0;

int test_result(const char *name)
{
    if (test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);
        return 1;
    }
    if (test_skips) {
        printf("%s: %d part(s) skipped (see above), the rest passed: "
               "reported as skipped\n", name, test_skips);
        return TEST_SKIP;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

void test_skip(const char *what, const char *why)
{
    printf("%s: skipped: %s\n", what, why);
    test_skips++;
}

const char *test_write_file(int slot, const char *name, const char *text)
{
    static char paths[8][512];
    char *p = paths[slot & 7];
    snprintf(p, sizeof paths[0], "%s/testfiles/%d-%s", SNIG_BINARY_DIR,
             (int)getpid(), name);
    char dir[512];
    snprintf(dir, sizeof dir, "mkdir -p '%s/testfiles'", SNIG_BINARY_DIR);
    if (system(dir) != 0)
        return NULL;
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        return NULL;
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return p;
}

int test_file_exists(const char *path) { return access(path, F_OK) == 0; }

static char scratch[512];

const char *test_scratch(const char *name)
{
    snprintf(scratch, sizeof scratch, "%s/testfiles/%s-%d", SNIG_BINARY_DIR,
             name, (int)getpid());
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", scratch, scratch);
    return system(cmd) == 0 ? scratch : NULL;
}

void test_scratch_end(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (test_failures == 0 && scratch[0] != '\0' && system(cmd) != 0)
        test_failures++;
}

const char *test_path(int slot, const char *name)
{
    static char p[8][1100];
    snprintf(p[slot & 7], sizeof p[0], "%s/%s", scratch, name);
    return p[slot & 7];
}

unsigned char *test_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n ? *n : 1);
    if (b && fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

void test_spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(b, 1, n, f);
    fclose(f);
}

const uint64_t test_official_categories[TEST_OFFICIAL_COUNT] = {
    287, 295, 386, 427, 428, 529, 571, 666, 757, 943,
    945, 1031, 1097, 1098, 1177, 1184, 1190, 1194, 1200};

int test_have_official(const char *name)
{
    if (access(TEST_OFFICIAL_NETWORK, R_OK) == 0 &&
        access(TEST_OFFICIAL_INPUTS, R_OK) == 0 &&
        access(TEST_OFFICIAL_TRUTH, R_OK) == 0)
        return 1;
    char why[600];
    snprintf(why, sizeof why, "no official data in %s", SNIG_SHARED_DATA);
    test_skip(name, why);
    return 0;
}

int test_load_official(snig_ctx *ctx, uint64_t rows, snig_network **net,
                       snig_inputs **in)
{
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.neurons = 1024;
    lo.row_count = rows;
    *net = NULL;
    *in = NULL;
    CHECK_OK(ctx, snig_network_load(ctx, TEST_OFFICIAL_NETWORK, &lo, net));
    CHECK_OK(ctx, snig_inputs_load(ctx, TEST_OFFICIAL_INPUTS, &lo, in));
    return *net != NULL && *in != NULL;
}

static uint64_t next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float uniform01(uint64_t *s) { return (float)(next(s) >> 40) / 16777216.0f; }

snig_status test_random_network(snig_ctx *ctx, uint32_t n, uint32_t layers,
                                uint32_t k, float wmax, float uniform,
                                int per_neuron, float bmin, float bmax,
                                uint64_t seed, snig_network **out)
{
    snig_network *net = NULL;
    snig_status st = snig__network_new(ctx, n, layers, "random", &net);
    if (st != SNIG_OK)
        return st;
    uint8_t *used = calloc(n, 1);
    snig_coo c = {0};
    for (uint32_t l = 0; l < layers && st == SNIG_OK; l++) {
        c.n = 0;
        for (uint32_t i = 0; i < n && st == SNIG_OK; i++) {
            memset(used, 0, n);
            for (uint32_t t = 0; t < k && t < n; t++) {
                uint32_t j;
                do
                    j = (uint32_t)(next(&seed) % n);
                while (used[j]);
                used[j] = 1;
                float w = wmax == 0.0f ? uniform
                                       : wmax * (2.0f * uniform01(&seed) - 1.0f);
                st = snig__coo_push(ctx, &c, i, j, w, 0);
            }
        }
        if (st == SNIG_OK)
            st = snig__layer_from_coo(ctx, net, l, &c, "random");
        if (st == SNIG_OK && per_neuron) {
            float *b = snig__malloc(ctx, n * sizeof *b);
            if (b == NULL) {
                st = SNIG_NOMEM;
                break;
            }
            for (uint32_t j = 0; j < n; j++)
                b[j] = bmin + (bmax - bmin) * uniform01(&seed);
            net->layer[l].bias = net->layer[l].own_bias = b;
            net->layer[l].has_bias = true;
        }
    }
    snig__coo_clear(ctx, &c);
    free(used);
    if (st != SNIG_OK)
        snig_network_free(&net);
    *out = net;
    return st;
}

snig_status test_random_inputs(snig_ctx *ctx, uint32_t n, uint64_t rows,
                               double density, float vmax, uint32_t dup_every,
                               uint32_t sat_every, uint64_t seed,
                               snig_inputs **out)
{
    snig_inputs *in = NULL;
    snig_status st = snig__inputs_new(ctx, n, &in);
    if (st != SNIG_OK)
        return st;
    uint64_t cap = rows * (uint64_t)n + 1;
    in->rows = rows;
    in->rowptr = snig__calloc(ctx, rows + 1, sizeof *in->rowptr);
    in->col = snig__malloc(ctx, cap * sizeof *in->col);
    in->val = snig__malloc(ctx, cap * sizeof *in->val);
    if (!in->rowptr || !in->col || !in->val) {
        snig_inputs_free(&in);
        return SNIG_NOMEM;
    }
    uint64_t p = 0;
    for (uint64_t r = 0; r < rows; r++) {
        if (dup_every && r > 0 && r % dup_every == 0) {
            for (uint64_t q = in->rowptr[r - 1]; q < in->rowptr[r]; q++) {
                in->col[p] = in->col[q];
                in->val[p++] = in->val[q];
            }
        } else if (sat_every && r % sat_every == sat_every - 1) {
            for (uint32_t j = 0; j < n; j++) {
                in->col[p] = j;
                in->val[p++] = 32.0f;
            }
        } else {
            for (uint32_t j = 0; j < n; j++)
                if (uniform01(&seed) < density) {
                    in->col[p] = j;
                    in->val[p++] = vmax == 1.0f ? 1.0f
                                   : vmax * (0.05f + 0.95f * uniform01(&seed));
                }
        }
        in->rowptr[r + 1] = p;
    }
    *out = in;
    return SNIG_OK;
}

/* ------------------------------------------------------ failing allocator */

static void *failing_malloc(size_t n, void *user)
{
    test_failing *f = user;
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    void *p = malloc(n);
    if (p != NULL)
        f->live++;
    return p;
}

static void *failing_realloc(void *p, size_t n, void *user)
{
    test_failing *f = user;
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    void *q = realloc(p, n);
    if (p == NULL && q != NULL)
        f->live++;
    return q;
}

static void failing_free(void *p, void *user)
{
    test_failing *f = user;
    if (p != NULL)
        f->live--;
    free(p);
}

snig_allocator test_failing_allocator(test_failing *f)
{
    f->left = -1;
    return (snig_allocator){failing_malloc, failing_realloc, failing_free, f};
}

void test_failing_start(test_failing *f) { f->left = f->fail_at; }
void test_failing_stop(test_failing *f) { f->left = -1; }

long test_nomem(const char *name, test_nomem_case fn, void *user,
                long max_points)
{
    for (long n = 0; n < max_points; n++) {
        test_failing f = {.fail_at = n};
        snig_allocator a = test_failing_allocator(&f);
        snig_ctx *ctx = NULL;
        if (snig_ctx_new(&ctx, &a) != SNIG_OK) {
            fprintf(stderr, "%s: no context\n", name);
            test_failures++;
            return n;
        }
        snig_status st = fn(ctx, &f, user);
        test_failing_stop(&f);
        int bad = 0;
        if (st != SNIG_OK && st != SNIG_NOMEM) {
            fprintf(stderr, "%s: allocation %ld failing: %s (%s), not "
                    "\"out of memory\"\n", name, n, snig_status_str(st),
                    snig_errmsg(ctx));
            bad = 1;
        } else if (st == SNIG_NOMEM &&
                   strstr(snig_errmsg(ctx), "memory") == NULL) {
            fprintf(stderr, "%s: allocation %ld failing: message \"%s\"\n",
                    name, n, snig_errmsg(ctx));
            bad = 1;
        }
        snig_ctx_free(&ctx);
        if (f.live != 0) {
            fprintf(stderr, "%s: allocation %ld failing: %ld block(s) not "
                    "freed\n", name, n, f.live);
            bad = 1;
        }
        test_failures += bad;
        if (st == SNIG_OK || bad)
            return n + 1;
    }
    fprintf(stderr, "%s: still failing after %ld allocation points\n", name,
            max_points);
    test_failures++;
    return max_points;
}

/* ---------------------------------------------------------- comparisons */

int test_same_results(const char *what, const snig_result *want,
                      const snig_result *got, const test_compare *how)
{
    uint64_t cw = 0, cg = 0;
    const uint64_t *a = snig_result_categories(want, &cw);
    const uint64_t *b = snig_result_categories(got, &cg);
    int same_cats = cw == cg && (cw == 0 || memcmp(a, b, cw * sizeof *a) == 0);
    uint64_t bad_live = 0, bad_values = 0;
    int no_live = 0;
    uint32_t layers = snig_result_layers(want);
    if (how->live) {
        const uint64_t *lw = snig_result_live_rows(want);
        const uint64_t *lg = snig_result_live_rows(got);
        no_live = lw == NULL || lg == NULL ||
                  snig_result_layers(got) != layers;
        for (uint32_t l = 0; !no_live && l < layers; l++)
            bad_live += lw[l] != lg[l];
    }
    int bad_madds = how->madds &&
                    snig_result_madds(want) != snig_result_madds(got);
    uint32_t width = snig_result_outputs(want);
    int bad_width = width != snig_result_outputs(got);
    uint64_t rows = want->rows < got->rows ? want->rows : got->rows;
    for (uint64_t r = 0; !how->no_values && !bad_width && r < rows; r++) {
        const float *x = snig_result_row(want, r), *y = snig_result_row(got, r);
        for (uint32_t j = 0; (x != NULL || y != NULL) && j < width; j++) {
            float p = x ? x[j] : 0.0f, q = y ? y[j] : 0.0f;
            if (how->exact ? memcmp(&p, &q, sizeof p) != 0
                           : !(fabsf(p - q) <= how->tolerance * fabsf(p)))
                bad_values++;
        }
    }
    int ok = same_cats && !no_live && bad_live == 0 && !bad_madds &&
             !bad_width && want->rows == got->rows && bad_values == 0;
    if (!ok)
        fprintf(stderr,
                "%s: categories %llu vs %llu (%s), rows %llu vs %llu, "
                "outputs %u vs %u, %llu value(s) and %llu live count(s) "
                "differ%s%s\n",
                what, (unsigned long long)cw, (unsigned long long)cg,
                same_cats ? "same" : "DIFFERENT",
                (unsigned long long)want->rows, (unsigned long long)got->rows,
                width, snig_result_outputs(got),
                (unsigned long long)bad_values, (unsigned long long)bad_live,
                no_live ? ", live rows not counted" : "",
                bad_madds ? ", multiply-adds differ" : "");
    return ok;
}
