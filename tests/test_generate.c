/* The network generator: RadiX-Net structure at every official size,
 * equality with the official 1024-neuron layers 1..6, determinism, atomic
 * output.  Inputs from images are in test_images.c. */
#include "testutil.h"

#include "core/internal.h"
#include "gen/radixnet.h"
#include "gen/rng.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char workdir[512];

/* snprintf into a path buffer (through vsnprintf, so that the compiler does
 * not warn about long test paths being cut). */
static void pathf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static const char *tmp_path(int slot, const char *name)
{
    static char p[8][600];
    pathf(p[slot & 7], sizeof p[0], "%s/%s", workdir, name);
    return p[slot & 7];
}

static int column(const snig_layer *L, uint64_t p)
{
    return L->col16 ? L->col16[p] : (int)L->col32[p];
}

/* Checks layer l (0-based) of a generated N-neuron network: 32 sorted
 * distinct columns per row, 32 rows per column, the columns of row i are
 * {x + M k} and {(x - s) mod M + M k}, and x takes each value mod M on
 * exactly 16 rows (x = p_b(i) mod M for a permutation p_b); in block 0
 * x = i mod M.  xs (N entries) gets x per row, or UINT32_MAX where x is
 * ambiguous (s = M / 2). */
static void check_stage(uint32_t n, uint32_t l, const snig_layer *L,
                        uint32_t *xs)
{
    uint32_t m = n / 16, logm = 0;
    while ((1u << logm) < m)
        logm++;
    uint32_t s = 1u << (l % logm), block = l / logm;
    uint32_t *colcount = calloc(n, sizeof *colcount);
    uint32_t *xcount = calloc(m, sizeof *xcount);
    int bad_rows = 0;
    CHECK(L->nnz == 32ull * n);
    for (uint32_t i = 0; i < n; i++) {
        if (L->rowptr[i + 1] - L->rowptr[i] != 32) {
            bad_rows++;
            continue;
        }
        uint64_t p0 = L->rowptr[i];
        uint32_t r0 = (uint32_t)column(L, p0) % m;
        uint32_t r1 = (uint32_t)column(L, p0 + 1) % m;
        /* x is the residue whose stride-s predecessor is the other. */
        uint32_t x = (r0 + m - s) % m == r1 ? r0 : r1;
        int ambiguous = (r0 + m - s) % m == r1 && (r1 + m - s) % m == r0;
        if (!ambiguous && (x + m - s) % m != (x == r0 ? r1 : r0))
            bad_rows++;
        for (uint32_t k = 0; k < 16; k++) {
            uint32_t lo = r0 < r1 ? r0 : r1, hi = r0 < r1 ? r1 : r0;
            if ((uint32_t)column(L, p0 + 2 * k) != lo + m * k ||
                (uint32_t)column(L, p0 + 2 * k + 1) != hi + m * k)
                bad_rows++;
        }
        for (uint32_t k = 0; k < 32; k++)
            colcount[column(L, p0 + k)]++;
        if (ambiguous) {
            xcount[r0 < r1 ? r0 : r1]++;   /* counted per pair below */
            xs[i] = UINT32_MAX;
        } else {
            xcount[x]++;
            xs[i] = x;
            if (block == 0 && x != i % m)
                bad_rows++;
        }
    }
    CHECK(bad_rows == 0);
    int bad_cols = 0, bad_x = 0;
    for (uint32_t j = 0; j < n; j++)
        bad_cols += colcount[j] != 32;
    for (uint32_t x = 0; x < m; x++) {
        if (s == m / 2)   /* pairs {x, x + M/2}: 32 rows each */
            bad_x += x < m / 2 ? xcount[x] != 32 : xcount[x] != 0;
        else
            bad_x += xcount[x] != 16;
    }
    CHECK(bad_cols == 0);
    CHECK(bad_x == 0);
    free(xcount);
    free(colcount);
}

/* Generates in memory a few layers of each official size (the first and
 * last of block 0, and layers of blocks 1 and 2), checks each stage, and
 * checks that x is the same on every layer of one block. */
static void test_structure(snig_ctx *ctx)
{
    static const uint32_t sizes[] = {64, 1024, 4096, 16384, 65536, 131072};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        uint32_t n = sizes[t];
        snig_radixnet rx;
        CHECK_OK(ctx, snig__radixnet_init(ctx, &rx, n, 7));
        uint32_t *rowptr = malloc(((size_t)n + 1) * sizeof *rowptr);
        void *col = malloc(32ull * n * 4);
        uint32_t *xa = malloc(n * sizeof *xa), *xb = malloc(n * sizeof *xb);
        snig_layer L = {.rowptr = rowptr, .nnz = 32ull * n};
        if (n <= 65536)
            L.col16 = col;
        else
            L.col32 = col;
        uint32_t S = rx.log_m;
        const uint32_t layers[][2] = {{0, 1}, {S - 1, 0}, {S, S + 1},
                                      {2 * S + 1, 2 * S}};
        for (size_t k = 0; k < 4; k++) {
            for (int pass = 0; pass < 2; pass++) {
                uint32_t l = layers[k][pass];
                if (pass == 1 && layers[k][1] == 0)
                    break;
                CHECK_OK(ctx, snig__radixnet_layer(&rx, l, rowptr,
                                                   (uint16_t *)L.col16,
                                                   (uint32_t *)L.col32));
                check_stage(n, l, &L, pass == 0 ? xa : xb);
            }
            if (layers[k][1] != 0) {
                int differ = 0;
                for (uint32_t i = 0; i < n; i++)
                    differ += xa[i] != UINT32_MAX && xb[i] != UINT32_MAX &&
                              xa[i] != xb[i];
                CHECK(differ == 0);
            }
        }
        free(xb);
        free(xa);
        free(col);
        free(rowptr);
        snig__radixnet_free(&rx);
    }
    /* Known answers: the columns of layers 7, 13, 19 of N = 1024, seed 1
     * (blocks 1, 2, 3), hashed (FNV-1a over the 16-bit values).  A change
     * here changes every generated network: keep them. */
    static const uint64_t want[3] = {0x0bd9933c07c38d83ull,
                                     0xff99c8ddd89c6a83ull,
                                     0x551427fb9c9b0c03ull};
    snig_radixnet rx;
    CHECK_OK(ctx, snig__radixnet_init(ctx, &rx, 1024, 1));
    uint32_t *rp = malloc(1025 * sizeof *rp);
    uint16_t *col = malloc(32768 * sizeof *col);
    for (uint32_t k = 0; k < 3; k++) {
        CHECK_OK(ctx, snig__radixnet_layer(&rx, 6 + 6 * k, rp, col, NULL));
        uint64_t h = 1469598103934665603ull;
        for (int i = 0; i < 32768; i++) {
            h ^= col[i];
            h *= 1099511628211ull;
        }
        CHECK(h == want[k]);
    }
    free(col);
    free(rp);
    snig__radixnet_free(&rx);
    CHECK(snig__radixnet_init(ctx, &rx, 1000, 1) == SNIG_USAGE);
    snig__radixnet_free(&rx);
    snig_clear_error(ctx);
}

/* The same seed gives the same stream on every machine: known values. */
static void test_rng(void)
{
    snig_rng r;
    snig__rng_seed(&r, 1, 0);
    uint64_t a = snig__rng_next(&r);
    /* Computed independently (a few lines of Python from the published
     * definitions of splitmix64 and xoshiro256**). */
    CHECK(a == 0xef75d62a19ba94edull);
    snig__rng_seed(&r, 1, 0);
    CHECK(snig__rng_next(&r) == a);
    snig__rng_seed(&r, 1, 1);
    CHECK(snig__rng_next(&r) != a);
    int in_range = 1;
    for (int i = 0; i < 1000; i++)
        in_range &= snig__rng_below(&r, 7) < 7;
    CHECK(in_range);
}

/* Whole-file comparison: 1 same bytes, 0 differ, -1 unreadable. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa != NULL && fb != NULL ? 1 : -1;
    while (same == 1) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static void gen_net(snig_ctx *ctx, uint32_t n, uint32_t layers, uint64_t seed,
                    const char *format, const char *path, snig_status want)
{
    snig_generate_options o;
    snig_generate_options_init(&o);
    o.neurons = n;
    o.layers = layers;
    o.seed = seed;
    o.format = format;
    snig_status st = snig_generate_network(ctx, &o, path);
    if (st != want)
        fprintf(stderr, "generate %u x %u %s: %s (%s)\n", n, layers, format,
                snig_status_str(st), snig_errmsg(ctx));
    CHECK(st == want);
    snig_clear_error(ctx);
}

/* Layers 1..6 of the generated 1024 network equal the official ones, in
 * memory (through the readers) and byte for byte as TSV (layer files
 * compared with the generated TSV loaded back). */
static int test_official(snig_ctx *ctx)
{
    char off[700];
    pathf(off, sizeof off, "%s/neuron1024.tar.gz", SNIG_SHARED_DATA);
    if (!test_file_exists(off)) {
        printf("official data missing: %s\n", off);
        return 0;
    }
    const char *dir = tmp_path(0, "official-like");
    gen_net(ctx, 1024, 6, 1, "tsv", dir, SNIG_OK);
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 6;
    snig_network *a = NULL, *b = NULL;
    snig_status st = snig_network_load(ctx, off, &lo, &a);
    if (st == SNIG_UNSUPPORTED) {
        printf("readers not built yet: %s\n", snig_errmsg(ctx));
        snig_clear_error(ctx);
        return 0;
    }
    CHECK_OK(ctx, st);
    CHECK_OK(ctx, snig_network_load(ctx, dir, &lo, &b));
    if (a != NULL && b != NULL) {
        CHECK(a->neurons == 1024 && b->neurons == 1024);
        CHECK(a->layers == 6 && b->layers == 6);
        snig_radixnet rx;
        CHECK_OK(ctx, snig__radixnet_init(ctx, &rx, 1024, 1));
        uint32_t *rowptr = malloc(1025 * sizeof *rowptr);
        uint16_t *col = malloc(32 * 1024 * sizeof *col);
        for (uint32_t l = 0; l < 6 && l < a->layers && l < b->layers; l++) {
            CHECK_OK(ctx, snig__radixnet_layer(&rx, l, rowptr, col, NULL));
            const snig_layer *A = &a->layer[l], *B = &b->layer[l];
            int diff = A->nnz != 32 * 1024 || B->nnz != 32 * 1024;
            for (uint32_t i = 0; !diff && i <= 1024; i++)
                diff = A->rowptr[i] != rowptr[i] || B->rowptr[i] != rowptr[i];
            /* The official files list columns in order, so rows read back
             * sorted; compare as sets anyway through a mark array. */
            for (uint32_t i = 0; !diff && i < 1024; i++) {
                uint8_t mark[1024] = {0};
                for (uint32_t p = rowptr[i]; p < rowptr[i + 1]; p++)
                    mark[col[p]] |= 1;
                for (uint32_t p = A->rowptr[i]; p < A->rowptr[i + 1]; p++)
                    mark[column(A, p)] |= 2;
                for (uint32_t p = B->rowptr[i]; p < B->rowptr[i + 1]; p++)
                    mark[column(B, p)] |= 4;
                for (int j = 0; j < 1024; j++)
                    diff |= mark[j] != 0 && mark[j] != 7;
            }
            CHECK(!diff);
            CHECK(A->val == NULL && A->uniform == 0.0625f);
            CHECK(B->val == NULL && B->uniform == 0.0625f);
        }
        free(col);
        free(rowptr);
        snig__radixnet_free(&rx);
    }
    snig_network_free(&b);
    snig_network_free(&a);
    /* Byte for byte: the TSV layer files equal the official ones (when tar
     * is there to unpack them). */
    char cmd[2000];
    pathf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' neuron1024/n1024-l1.tsv "
          "neuron1024/n1024-l6.tsv 2>/dev/null", off, workdir);
    if (system(cmd) == 0) {
        for (int l = 1; l <= 6; l += 5) {
            char fa[700], fb[700];
            pathf(fa, sizeof fa, "%s/neuron1024/n1024-l%d.tsv", workdir, l);
            pathf(fb, sizeof fb, "%s/n1024-l%d.tsv", dir, l);
            CHECK(same_file(fa, fb) == 1);
        }
    } else {
        printf("tar not usable: TSV bytes not compared\n");
    }
    return 1;
}

/* Same seed, same bytes; another seed changes the layers after block 0. */
static void test_determinism(snig_ctx *ctx)
{
    const char *a = tmp_path(1, "det-a"), *b = tmp_path(2, "det-b"),
               *c = tmp_path(3, "det-c");
    gen_net(ctx, 1024, 14, 5, "tsv", a, SNIG_OK);
    gen_net(ctx, 1024, 14, 5, "tsv", b, SNIG_OK);
    gen_net(ctx, 1024, 14, 6, "tsv", c, SNIG_OK);
    for (int l = 1; l <= 14; l++) {
        char fa[700], fb[700], fc[700];
        pathf(fa, sizeof fa, "%s/n1024-l%d.tsv", a, l);
        pathf(fb, sizeof fb, "%s/n1024-l%d.tsv", b, l);
        pathf(fc, sizeof fc, "%s/n1024-l%d.tsv", c, l);
        CHECK(same_file(fa, fb) == 1);
        CHECK(same_file(fa, fc) == (l <= 6 ? 1 : 0));
    }
    char extra[700];
    pathf(extra, sizeof extra, "%s/n1024-l15.tsv", a);
    CHECK(!test_file_exists(extra));

    /* The binary format, when the writer is there. */
    const char *sa = tmp_path(4, "det-a.snb"), *sb = tmp_path(5, "det-b.snb"),
               *sc = tmp_path(6, "det-c.snb");
    snig_generate_options o;
    snig_generate_options_init(&o);
    o.neurons = 1024;
    o.layers = 14;
    o.seed = 5;
    snig_status st = snig_generate_network(ctx, &o, sa);
    if (st == SNIG_UNSUPPORTED) {
        printf("binary writer not built yet: %s\n", snig_errmsg(ctx));
        snig_clear_error(ctx);
        return;
    }
    CHECK_OK(ctx, st);
    gen_net(ctx, 1024, 14, 5, "snb", sb, SNIG_OK);
    gen_net(ctx, 1024, 14, 6, "snb", sc, SNIG_OK);
    CHECK(same_file(sa, sb) == 1);
    CHECK(same_file(sa, sc) == 0);
    snig_file_info fi;
    st = snig_file_info_get(ctx, sa, &fi);
    if (st == SNIG_OK) {
        CHECK(strcmp(fi.kind, "network") == 0);
        CHECK(fi.neurons == 1024 && fi.layers == 14);
        CHECK(fi.nonzeros == 14ull * 32 * 1024);
        CHECK(fi.index_bits == 16 && fi.uniform_values == 1);
        CHECK(fi.has_bias && fi.bias == -0.3f && fi.checksums_ok == 1);
    }
    snig_clear_error(ctx);
    /* Loaded back, the binary layers equal the TSV ones. */
    snig_load_options lo;
    snig_load_options_init(&lo);
    snig_network *x = NULL, *y = NULL;
    if (snig_network_load(ctx, sa, &lo, &x) == SNIG_OK &&
        snig_network_load(ctx, a, &lo, &y) == SNIG_OK) {
        CHECK(x->layers == 14 && y->layers == 14);
        int diff = 0;
        for (uint32_t l = 0; l < 14 && l < x->layers && l < y->layers; l++)
            for (uint64_t p = 0; p < 32 * 1024; p++)
                diff += column(&x->layer[l], p) != column(&y->layer[l], p);
        CHECK(diff == 0);
        float bias = 0;
        CHECK(snig_network_recorded_bias(x, &bias) && bias == -0.3f);
    }
    snig_clear_error(ctx);
    snig_network_free(&y);
    snig_network_free(&x);
}

/* Bad arguments are usage errors and leave nothing behind. */
static void test_network_errors(snig_ctx *ctx)
{
    const char *p = tmp_path(0, "bad-net");
    gen_net(ctx, 1000, 2, 1, "tsv", p, SNIG_USAGE);    /* not 16 * 2^k */
    gen_net(ctx, 32, 2, 1, "tsv", p, SNIG_USAGE);      /* below 64 */
    gen_net(ctx, 128, 2, 1, "tsv", p, SNIG_USAGE);     /* no official bias */
    gen_net(ctx, 1024, 0, 1, "tsv", p, SNIG_USAGE);    /* no layers */
    gen_net(ctx, 1024, 2, 1, "csv", p, SNIG_USAGE);    /* unknown format */
    CHECK(!test_file_exists(p));
    /* Other N with a bias: fine; 64 neurons, 5 layers, two blocks. */
    snig_generate_options o;
    snig_generate_options_init(&o);
    o.neurons = 64;
    o.layers = 5;
    o.has_bias = 1;
    o.bias = -0.2f;
    o.format = "tsv";
    CHECK_OK(ctx, snig_generate_network(ctx, &o, p));
    char f[700];
    pathf(f, sizeof f, "%s/n64-l5.tsv", p);
    CHECK(test_file_exists(f));
    /* An existing, non-empty target is refused; nothing is left over. */
    gen_net(ctx, 64, 1, 1, "tsv", p, SNIG_USAGE);
    o.layers = 1;
    CHECK(snig_generate_network(ctx, &o, p) == SNIG_IO);
    snig_clear_error(ctx);
    pathf(f, sizeof f, "%s/n64-l5.tsv", p);
    CHECK(test_file_exists(f));
    /* A folder that does not exist: an I/O error, no partial output. */
    const char *q = tmp_path(1, "no-such-dir/net");
    CHECK(snig_generate_network(ctx, &o, q) == SNIG_IO);
    CHECK(strstr(snig_errmsg(ctx), "no-such-dir") != NULL);
    snig_clear_error(ctx);
    CHECK(!test_file_exists(q));
}

int main(void)
{
    snig_ctx *ctx = NULL;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 1;
    snprintf(workdir, sizeof workdir, "%s/testfiles/gen-%d", SNIG_BINARY_DIR,
             (int)getpid());
    char cmd[700];
    pathf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", workdir, workdir);
    if (system(cmd) != 0)
        return 1;
    test_rng();
    test_structure(ctx);
    test_network_errors(ctx);
    test_determinism(ctx);
    int official = test_official(ctx);
    pathf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    if (test_failures == 0 && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
    snig_ctx_free(&ctx);
    int rc = test_result("test_generate");
    if (rc == 0 && !official) {
        printf("test_generate: the official comparison could not run: "
               "skipped\n");
        return TEST_SKIP;
    }
    return rc;
}
