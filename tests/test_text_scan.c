/* The hand-written number parsers and the line scanner (text_scan.h). */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include "core/internal.h"
#include "io/text_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The fast float parser gives exactly what strtof gives. */
static void test_float_parser(void)
{
    static const char *const forms[] = {
        "6.250000e-02", "1", "-1", "0", "-0", "0.1", "1e-1", "3.4028235e38",
        "1.17549435e-38", "1e-45", "123456789", "16777217", "0.30000001",
        "7.0e+00", "+2.5", ".5", "5.", "1E3", "0x1p3", "9.999999e-11",
        "12345678901234567890", "1.0000000000000000000001", "2.5e-10"};
    char buf[64];
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(buf, sizeof buf, "%s\n", forms[i]);
        const char *p = buf;
        float v = -7.0f;
        CHECK(snig__parse_float(&p, &v) == SNIG_NUM_OK);
        CHECK(*p == '\n');
        float want = strtof(forms[i], NULL);
        if (memcmp(&v, &want, sizeof v) != 0) {
            fprintf(stderr, "  parse_float(%s) = %.9g, strtof %.9g\n",
                    forms[i], v, want);
            test_failures++;
        }
    }
    uint64_t s = 12345;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double x = (double)(s >> 11) / 9007199254740992.0;
        int e = (int)(s % 23) - 11;
        x = ldexp(x, 0) * pow(10.0, e);
        static const char *const fmt[] = {"%.6e", "%.3f", "%g", "%.8e",
                                          "%.7g", "%.1e"};
        snprintf(buf, sizeof buf - 1, fmt[i % 6], (i & 64) ? -x : x);
        strcat(buf, "\n");
        const char *p = buf;
        float v = 0;
        if (snig__parse_float(&p, &v) != SNIG_NUM_OK || *p != '\n') {
            bad++;
            continue;
        }
        float want = strtof(buf, NULL);
        bad += memcmp(&v, &want, sizeof v) != 0;
    }
    CHECK(bad == 0);
    const char *nan_in = "nan\n", *p = nan_in;
    float v;
    CHECK(snig__parse_float(&p, &v) == SNIG_NUM_NONFINITE);
    p = "abc\n";
    CHECK(snig__parse_float(&p, &v) == SNIG_NUM_NONE);
}

/* Integers: the largest 18-digit ones, and what is too big. */
static void test_integers(void)
{
    const char *p = "123456789012345678\n";
    uint64_t v = 0;
    CHECK(snig__parse_u64(&p, &v) == SNIG_NUM_OK && v == 123456789012345678ull);
    p = "000000000000000000000042\n";
    CHECK(snig__parse_u64(&p, &v) == SNIG_NUM_OK && v == 42);
    p = "99999999999999999999\n";
    CHECK(snig__parse_u64(&p, &v) == SNIG_NUM_BIG);
    p = "-1\n";
    CHECK(snig__parse_u64(&p, &v) == SNIG_NUM_NONE);
}

/* Lines cut by the buffer, a last line without '\n', and a line longer
 * than the buffer, through a .gz file. */
static void test_scanner(snig_ctx *ctx)
{
    const char *path = test_write_file(0, "scan.gz", "");
    CHECK(path != NULL);
    if (path == NULL)
        return;
    gzFile gz = gzopen(path, "wb");
    uint64_t sum = 0, lines = 300000;
    for (uint64_t i = 1; i <= lines; i++) {
        gzprintf(gz, i == lines ? "%llu" : "%llu\n", (unsigned long long)i);
        sum += i;
    }
    gzclose(gz);
    snig_src *src = NULL;
    snig_scan s = {0};
    CHECK_OK(ctx, snig__src_open(ctx, path, &src));
    CHECK_OK(ctx, snig__scan_init(ctx, &s, src, path, UINT64_MAX));
    uint64_t got = 0, n = 0;
    const char *p = NULL;
    while (snig__scan_line(&s, &p) == SNIG_OK && p != NULL) {
        uint64_t v = 0;
        CHECK(snig__parse_u64(&p, &v) == SNIG_NUM_OK && *p == '\n');
        got += v;
        n++;
    }
    CHECK(n == lines && got == sum && s.line == lines);
    snig__scan_free(&s);
    snig__src_close(&src);

    char *big = malloc((3u << 20) + 2);
    CHECK(big != NULL);
    if (big == NULL)
        return;
    memset(big, '1', 3u << 20);
    big[3u << 20] = '\n';
    big[(3u << 20) + 1] = '\0';
    path = test_write_file(1, "long.txt", big);
    free(big);
    CHECK_OK(ctx, snig__src_open(ctx, path, &src));
    CHECK_OK(ctx, snig__scan_init(ctx, &s, src, path, UINT64_MAX));
    snig_clear_error(ctx);
    CHECK(snig__scan_line(&s, &p) == SNIG_FORMAT);
    CHECK(strstr(snig_errmsg(ctx), ":1: line longer than") != NULL);
    snig__scan_free(&s);
    snig__src_close(&src);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    test_float_parser();
    test_integers();
    test_scanner(ctx);
    snig_ctx_free(&ctx);
    return test_result("test_text_scan");
}
