/* Inputs from images: the IDX reader on hand-made good and bad files, the
 * bilinear resize on a hand-checked example, and snig_generate_inputs on a
 * tiny IDX file (rows, shifts, uniqueness, formats, errors). */
#include "testutil.h"

#include "core/internal.h"
#include "gen/idx.h"
#include "gen/resize.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char workdir[512];

static const char *tmp_path(int slot, const char *name)
{
    static char p[8][600];
    snprintf(p[slot & 7], sizeof p[0], "%s/%s", workdir, name);
    return p[slot & 7];
}

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
    snprintf(workdir, sizeof workdir, "%s/testfiles/images-%d",
             SNIG_BINARY_DIR, (int)getpid());
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", workdir, workdir);
    if (system(cmd) != 0)
        return 1;
    test_resize();
    test_idx(ctx);
    test_inputs(ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    if (test_failures == 0 && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
    snig_ctx_free(&ctx);
    return test_result("test_images");
}
