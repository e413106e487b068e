/* The generator: RadiX-Net structure at every official size, equality with
 * the official 1024-neuron layers 1..6, determinism, atomic output, and
 * inputs from images (through a small hand-made IDX file). */
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
    snig_radixnet rx;
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
    o.progress = 0;
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
    o.progress = 0;
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
    o.progress = 0;
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

/* ---- images */

#include "gen/idx.h"
#include "gen/resize.h"

#include <zlib.h>

/* Writes an IDX file: header (magic, dims) then `body` bytes; gz when
 * asked. */
static const char *write_idx(int slot, const char *name, uint32_t magic,
                             const uint32_t *dims, int ndims,
                             const uint8_t *body, size_t n, int gz)
{
    const char *p = tmp_path(slot, name);
    uint8_t head[16];
    int h = 0;
    uint32_t words[4] = {magic, 0, 0, 0};
    for (int d = 0; d < ndims && d < 3; d++)
        words[d + 1] = dims[d];
    for (int w = 0; w < 1 + ndims && w < 4; w++, h += 4) {
        head[h] = (uint8_t)(words[w] >> 24);
        head[h + 1] = (uint8_t)(words[w] >> 16);
        head[h + 2] = (uint8_t)(words[w] >> 8);
        head[h + 3] = (uint8_t)words[w];
    }
    if (gz) {
        gzFile f = gzopen(p, "wb");
        gzwrite(f, head, (unsigned)h);
        if (n)
            gzwrite(f, body, (unsigned)n);
        gzclose(f);
    } else {
        FILE *f = fopen(p, "wb");
        fwrite(head, 1, (size_t)h, f);
        fwrite(body, 1, n, f);
        fclose(f);
    }
    return p;
}

static void test_idx(snig_ctx *ctx)
{
    uint8_t body[13];
    for (int i = 0; i < 13; i++)
        body[i] = (uint8_t)(i * 20);
    const uint32_t dims[3] = {2, 2, 3};
    for (int gz = 0; gz < 2; gz++) {
        const char *p = write_idx(0, gz ? "good.idx.gz" : "good.idx", 0x803,
                                  dims, 3, body, 12, gz);
        snig_idx idx;
        CHECK_OK(ctx, snig__idx_read(ctx, p, &idx));
        CHECK(idx.count == 2 && idx.rows == 2 && idx.cols == 3);
        CHECK(idx.pixels != NULL && memcmp(idx.pixels, body, 12) == 0);
        snig__idx_free(ctx, &idx);
    }
    static const struct {
        const char *name;
        uint32_t magic, dims[3];
        int ndims;
        size_t n;
        int gz;
        snig_status want;
        const char *says;
    } bad[] = {
        {"labels.idx", 0x801, {2, 0, 0}, 1, 2, 0, SNIG_FORMAT, "not an IDX image"},
        {"floats.idx", 0xd03, {2, 2, 3}, 3, 12, 0, SNIG_FORMAT, "not an IDX image"},
        {"short-head.idx", 0x803, {2, 0, 0}, 1, 0, 0, SNIG_FORMAT, "truncated IDX header"},
        {"short-body.idx", 0x803, {2, 2, 3}, 3, 11, 0, SNIG_FORMAT, "truncated"},
        {"short-body.idx.gz", 0x803, {2, 2, 3}, 3, 7, 1, SNIG_FORMAT, "truncated"},
        {"zero.idx", 0x803, {0, 2, 3}, 3, 0, 0, SNIG_FORMAT, "no images"},
        {"zero-side.idx", 0x803, {2, 0, 3}, 3, 0, 0, SNIG_FORMAT, "out of range"},
        {"trailing.idx", 0x803, {2, 2, 3}, 3, 13, 0, SNIG_FORMAT, "after the 2 images"},
    };
    for (size_t t = 0; t < sizeof bad / sizeof *bad; t++) {
        const char *p = write_idx(0, bad[t].name, bad[t].magic, bad[t].dims,
                                  bad[t].ndims, body, bad[t].n, bad[t].gz);
        snig_idx idx;
        snig_status st = snig__idx_read(ctx, p, &idx);
        if (st != bad[t].want || strstr(snig_errmsg(ctx), bad[t].says) == NULL ||
            strstr(snig_errmsg(ctx), bad[t].name) == NULL)
            fprintf(stderr, "%s: got %s: %s\n", bad[t].name,
                    snig_status_str(st), snig_errmsg(ctx));
        CHECK(st == bad[t].want);
        CHECK(strstr(snig_errmsg(ctx), bad[t].says) != NULL);
        CHECK(strstr(snig_errmsg(ctx), bad[t].name) != NULL);
        CHECK(idx.pixels == NULL);
        snig_clear_error(ctx);
    }
    snig_idx idx;
    CHECK(snig__idx_read(ctx, tmp_path(0, "missing.idx"), &idx) == SNIG_IO);
    CHECK(strstr(snig_errmsg(ctx), "missing.idx") != NULL);
    snig_clear_error(ctx);
}

/* Hand-checked: 2 x 2 -> 4 x 4 with pixel centres samples the source at
 * u = (d + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25
 * (clamped to 1) on each axis. */
static void test_resize(void)
{
    const uint8_t src[4] = {0, 100, 200, 40};
    const double want[16] = {
        0, 25, 75, 100,              /* row 0 of the source */
        50, 58.75, 76.25, 85,        /* 0.75 row 0 + 0.25 row 1 */
        150, 126.25, 78.75, 55,      /* 0.25 row 0 + 0.75 row 1 */
        200, 160, 80, 40,            /* row 1 */
    };
    uint32_t dst[16], den = 0;
    snig__resize_bilinear(src, 2, 2, 4, 4, dst, &den);
    CHECK(den == 64);
    int bad = 0;
    for (int i = 0; i < 16; i++)
        bad += (double)dst[i] / den != want[i];
    CHECK(bad == 0);
    /* 1 x 4 -> 1 x 2: u = 0.5 and 2.5, the means of neighbour pairs. */
    const uint8_t row[4] = {10, 30, 100, 200};
    uint32_t two[2];
    snig__resize_bilinear(row, 1, 4, 1, 2, two, &den);
    CHECK((double)two[0] / den == 20 && (double)two[1] / den == 150);
    /* Same size: the identity. */
    uint32_t same[4];
    snig__resize_bilinear(src, 2, 2, 2, 2, same, &den);
    CHECK(same[0] == 0 && same[1] == 100 * den && same[2] == 200 * den &&
          same[3] == 40 * den);
}

/* Reads a TSV inputs file into per-row column lists (1-based in the file). */
static int read_rows(const char *path, uint32_t rows, uint32_t n,
                     uint8_t *dense)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    unsigned r, c, v;
    int lines = 0, bad = 0;
    memset(dense, 0, (size_t)rows * n);
    while (fscanf(f, "%u\t%u\t%u\n", &r, &c, &v) == 3) {
        lines++;
        if (r < 1 || r > rows || c < 1 || c > n || v != 1)
            bad++;
        else
            dense[(size_t)(r - 1) * n + c - 1] = 1;
    }
    fclose(f);
    return bad ? -1 : lines;
}

/* Three 8 x 8 images made into 64-neuron rows (8 x 8: no resizing), 10
 * rows asked: the 3 images, then the shifted ones; all distinct. */
static void test_inputs(snig_ctx *ctx)
{
    uint8_t img[3 * 64] = {0};
    for (int k = 0; k < 3; k++)
        for (int r = 2; r < 6; r++)
            img[k * 64 + r * 8 + 2 + k] = 255;   /* a bar in column 2 + k */
    img[2 * 64 + 0] = 100;                        /* dim: under 0.71 * 255 */
    const uint32_t dims[3] = {3, 8, 8};
    const char *idx = write_idx(0, "bars.idx", 0x803, dims, 3, img, 192, 0);
    snig_image_options o;
    snig_image_options_init(&o);
    o.neurons = 64;
    o.count = 10;
    o.format = "tsv";
    const char *out = tmp_path(1, "bars.tsv");
    CHECK_OK(ctx, snig_generate_inputs(ctx, idx, &o, out));
    uint8_t dense[10 * 64];
    CHECK(read_rows(out, 10, 64, dense) == 10 * 4);
    for (int k = 0; k < 3; k++)
        for (int p = 0; p < 64; p++)
            CHECK(dense[k * 64 + p] == (img[k * 64 + p] == 255));
    int dup = 0;
    for (int a = 0; a < 10; a++)
        for (int b = 0; b < a; b++)
            dup += memcmp(dense + a * 64, dense + b * 64, 64) == 0;
    CHECK(dup == 0);
    /* Row 4 is image 0 moved by the first shift (dx, dy) = (0, -1): the bar
     * one row up. */
    for (int p = 0; p < 64; p++)
        CHECK(dense[3 * 64 + p] == (p / 8 >= 1 && p / 8 < 5 && p % 8 == 2));
    /* The same as snb, when the binary format is there: equal rows. */
    o.format = "snb";
    const char *snb = tmp_path(2, "bars.snb");
    snig_status st = snig_generate_inputs(ctx, idx, &o, snb);
    if (st == SNIG_UNSUPPORTED) {
        printf("binary inputs not built yet: %s\n", snig_errmsg(ctx));
    } else {
        CHECK_OK(ctx, st);
        snig_load_options lo;
        snig_load_options_init(&lo);
        snig_inputs *in = NULL;
        CHECK_OK(ctx, snig_inputs_load(ctx, snb, &lo, &in));
        if (in != NULL) {
            CHECK(in->rows == 10 && in->neurons == 64 && in->rowptr[10] == 40);
            int diff = 0;
            for (uint64_t r = 0; r < in->rows && r < 10; r++)
                for (uint64_t p = in->rowptr[r]; p < in->rowptr[r + 1]; p++)
                    diff += dense[r * 64 + in->col[p]] != 1 || in->val[p] != 1;
            CHECK(diff == 0);
        }
        snig_inputs_free(&in);
    }
    snig_clear_error(ctx);
    /* Errors: not a square, too many rows for the shifts, bad file. */
    o.format = "tsv";
    o.neurons = 1000;
    CHECK(snig_generate_inputs(ctx, idx, &o, out) == SNIG_USAGE);
    snig_clear_error(ctx);
    o.neurons = 64;
    o.count = 3 * 289 + 1;
    CHECK(snig_generate_inputs(ctx, idx, &o, tmp_path(3, "many.tsv")) ==
          SNIG_USAGE);
    CHECK(strstr(snig_errmsg(ctx), "bars.idx") != NULL);
    CHECK(!test_file_exists(tmp_path(3, "many.tsv")));
    snig_clear_error(ctx);
    o.count = 0;
    const uint32_t zdims[3] = {0, 8, 8};
    const char *zero = write_idx(4, "none.idx", 0x803, zdims, 3, img, 0, 0);
    CHECK(snig_generate_inputs(ctx, zero, &o, tmp_path(3, "z.tsv")) ==
          SNIG_FORMAT);
    CHECK(!test_file_exists(tmp_path(3, "z.tsv")));
    snig_clear_error(ctx);
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
    test_resize();
    test_idx(ctx);
    test_network_errors(ctx);
    test_determinism(ctx);
    test_inputs(ctx);
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
