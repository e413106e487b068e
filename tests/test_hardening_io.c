/* Hostile .snb files against the readers (issue 12): files whose checksums
 * hold but whose content lies (columns out of range, offsets going back,
 * shapes that do not chain), non-finite values, row numbers that wrap, a
 * file truncated or rewritten under a run.  Each must end in a status and a
 * message naming the file, in both verify modes and with the reference and
 * cpu engines, never a crash (the suite runs under ASan+UBSan).
 * test_hardening_limits.c has the sizes, gzip and temporaries. */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include "core/internal.h"
#include "io/checksum.h"
#include "io/snb_layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>



/* ---- files as bytes */



static void entry_of(const unsigned char *b, uint32_t k, snb_entry *e)
{
    snig__snb_entry_decode(b + SNB_HEADER_SIZE + (size_t)k * SNB_ENTRY_SIZE,
                           SNB_VERSION, 0, e);
}

/* Recomputes entry k's span checksum, then the header's: the file lies,
 * but every checksum holds. */
static void reseal(unsigned char *b, uint32_t entries, int k)
{
    if (k >= 0) {
        snb_entry e;
        entry_of(b, (uint32_t)k, &e);
        uint32_t crc = snig__checksum(b + e.offset, (size_t)e.length);
        memcpy(b + SNB_HEADER_SIZE + (size_t)k * SNB_ENTRY_SIZE + 36, &crc, 4);
    }
    size_t len = SNB_HEADER_SIZE + (size_t)entries * SNB_ENTRY_SIZE;
    memset(b + 124, 0, 4);
    uint32_t crc = snig__checksum(b, len);
    memcpy(b + 124, &crc, 4);
}

/* ---- A, B: lying layers, with valid checksums */

enum { COLUMN, BACKWARDS, N_IN, N_OUT, NAN_WEIGHT, INF_BIAS, NAN_UNIFORM,
       NAN_CAP };

typedef struct lie {
    const char *name;
    int how;
    snig_status want1, want0; /* at load with verify 1; at run with 0 */
} lie;

static const lie lies[] = {
    {"column >= n_out", COLUMN, SNIG_RANGE, SNIG_RANGE},
    {"offsets backwards", BACKWARDS, SNIG_CORRUPT, SNIG_CORRUPT},
    {"n_in against the layer before", N_IN, SNIG_CORRUPT, SNIG_CORRUPT},
    {"n_out against the layer after", N_OUT, SNIG_CORRUPT, SNIG_CORRUPT},
    {"NaN weight", NAN_WEIGHT, SNIG_FORMAT, SNIG_FORMAT},
    {"infinite bias", INF_BIAS, SNIG_FORMAT, SNIG_FORMAT},
    {"NaN uniform weight", NAN_UNIFORM, SNIG_FORMAT, SNIG_FORMAT},
    {"NaN cap", NAN_CAP, SNIG_FORMAT, SNIG_FORMAT},
};

/* A 3-layer network of 64 neurons: values and per-neuron bias. */
static snig_network *square_network(snig_ctx *ctx)
{
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 3, 6, 1.0f, 0.0f, 1, -0.3f,
                                      0.0f, 4, &net));
    return net;
}

static void mangle(unsigned char *b, int how)
{
    snb_entry e;
    entry_of(b, 1, &e);
    unsigned char *span = b + e.offset;
    const size_t rowptr = 0, col = snb_align(65 * 4, 8);
    const size_t val = snb_align(col + e.nnz * 2, 8);
    const size_t bias = snb_align(val + e.nnz * 4, 8);
    unsigned char *entry = b + SNB_HEADER_SIZE + SNB_ENTRY_SIZE;
    uint32_t u32;
    float f;
    switch (how) {
    case COLUMN: {
        uint16_t c = 64; /* one past the last output neuron */
        memcpy(span + col + 2 * 3, &c, 2);
        break;
    }
    case BACKWARDS:
        memcpy(&u32, span + rowptr + 4 * 10, 4);
        u32 += 50; /* rowptr[10] beyond rowptr[11] */
        memcpy(span + rowptr + 4 * 10, &u32, 4);
        break;
    case N_IN: /* layer 2 says 32 inputs: its span no longer fits either */
        u32 = 32;
        memcpy(entry + 40, &u32, 4);
        break;
    case N_OUT: /* layer 2 gives 65 outputs to a layer taking 64 */
        u32 = 65;
        memcpy(entry + 44, &u32, 4);
        break;
    case NAN_WEIGHT:
        f = NAN;
        memcpy(span + val + 4 * 5, &f, 4);
        break;
    case INF_BIAS:
        f = INFINITY;
        memcpy(span + bias + 4 * 7, &f, 4);
        break;
    case NAN_UNIFORM:
        f = NAN;
        memcpy(entry + 28, &f, 4);
        break;
    case NAN_CAP:
        f = NAN;
        memcpy(entry + 52, &f, 4);
        break;
    }
}

static void run_engines(snig_ctx *ctx, const snig_network *net,
                        snig_status want, const char *what, const char *path)
{
    const char *engines[] = {"reference", "cpu"};
    snig_inputs *in = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 20, 0.3, 1.0f, 0, 0, 3, &in));
    for (int k = 0; k < 2 && in != NULL; k++) {
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = engines[k];
        opt.threads = 2;
        opt.has_bias = 1;
        opt.bias = -0.3f;
        snig_result *res = NULL;
        snig_status st = snig_infer(ctx, net, in, &opt, &res);
        if (st != want || res != NULL ||
            strstr(snig_errmsg(ctx), path) == NULL) {
            fprintf(stderr, "%s, %s, verify 0: status %s, message '%s'\n",
                    what, engines[k], snig_status_str(st), snig_errmsg(ctx));
            test_failures++;
        }
        snig_result_free(&res);
        snig_clear_error(ctx);
    }
    snig_inputs_free(&in);
}

static void test_lies(snig_ctx *ctx)
{
    snig_network *net = square_network(ctx);
    const char *good = test_path(0, "good.snb");
    CHECK_OK(ctx, snig_network_save(ctx, net, good));
    size_t n = 0;
    unsigned char *orig = test_slurp(good, &n), *b = malloc(n ? n : 1);
    for (size_t k = 0; orig != NULL && k < sizeof lies / sizeof lies[0]; k++) {
        const lie *t = &lies[k];
        const char *p = test_path(1, "lie.snb");
        memcpy(b, orig, n);
        mangle(b, t->how);
        reseal(b, 3, 1);
        test_spit(p, b, n);
        snig_load_options o;
        snig_load_options_init(&o);
        snig_network *back = NULL;
        snig_status st = snig_network_load(ctx, p, &o, &back);
        if (st != t->want1 || back != NULL ||
            strstr(snig_errmsg(ctx), p) == NULL) {
            fprintf(stderr, "%s, verify 1: status %s, message '%s'\n", t->name,
                    snig_status_str(st), snig_errmsg(ctx));
            test_failures++;
        } else {
            printf("%s: %s\n", t->name, snig_errmsg(ctx));
        }
        snig_network_free(&back);
        snig_clear_error(ctx);
        /* verify = 0: the table's lies are found at load, the data's when
         * an engine first uses the layer. */
        o.verify = 0;
        bool table = t->how == N_IN || t->how == N_OUT ||
                     t->how == NAN_UNIFORM || t->how == NAN_CAP;
        st = snig_network_load(ctx, p, &o, &back);
        if (table) {
            CHECK(st == t->want0 && back == NULL);
        } else {
            CHECK_OK(ctx, st);
            if (back != NULL)
                run_engines(ctx, back, t->want0, t->name, p);
        }
        snig_network_free(&back);
        snig_clear_error(ctx);
        /* snig info names the damaged layer. */
        snig_file_info fi;
        st = snig_file_info_get(ctx, p, &fi);
        if (table)
            CHECK(st == t->want0);
        else
            CHECK(st == SNIG_OK && fi.checksums_ok == 0 && fi.bad_entry == 2 &&
                  strstr(fi.damage, "layer 2") != NULL);
        snig_clear_error(ctx);
        unlink(p);
    }
    /* Inputs: a NaN value in a chunk, checksums resealed. */
    snig_inputs *in = NULL, *back = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 10, 0.3, 2.0f, 0, 0, 2, &in));
    const char *p = test_path(1, "nan-inputs.snb");
    CHECK_OK(ctx, snig_inputs_save(ctx, in, p));
    free(orig);
    orig = test_slurp(p, &n);
    if (orig != NULL) {
        snb_entry e;
        entry_of(orig, 0, &e);
        float f = NAN;
        memcpy(orig + e.offset + e.length - 4, &f, 4);
        reseal(orig, 1, 0);
        test_spit(p, orig, n);
        CHECK(snig_inputs_load(ctx, p, NULL, &back) == SNIG_FORMAT);
        CHECK(back == NULL && strstr(snig_errmsg(ctx), "not finite") != NULL);
        snig_clear_error(ctx);
    }
    /* Inputs whose row numbers would wrap past 2^64 - 1 (E). */
    CHECK_OK(ctx, snig_inputs_save(ctx, in, p));
    free(orig);
    orig = test_slurp(p, &n);
    if (orig != NULL) {
        uint64_t first = UINT64_MAX - 2;
        memcpy(orig + 56, &first, 8);
        reseal(orig, 1, -1);
        test_spit(p, orig, n);
        CHECK(snig_inputs_load(ctx, p, NULL, &back) == SNIG_RANGE);
        CHECK(back == NULL && strstr(snig_errmsg(ctx), "2^64") != NULL);
        snig_clear_error(ctx);
        /* The largest first row that fits is accepted. */
        first = UINT64_MAX - 11;
        memcpy(orig + 56, &first, 8);
        reseal(orig, 1, -1);
        test_spit(p, orig, n);
        CHECK_OK(ctx, snig_inputs_load(ctx, p, NULL, &back));
        snig_inputs_free(&back);
    }
    /* Nobody asked for 1024 columns: the message says what conflicts. */
    snig_load_options o;
    snig_load_options_init(&o);
    o.neurons = 1024;
    CHECK(snig_inputs_load(ctx, p, &o, &back) == SNIG_SIZE);
    CHECK(strstr(snig_errmsg(ctx), "64 columns, but 1024 are needed (the "
                                   "network's input width") != NULL);
    snig_clear_error(ctx);
    unlink(p);
    snig_inputs_free(&in);
    unlink(good);
    free(orig);
    free(b);
    snig_network_free(&net);
}

/* ---- C: the file changes under a run */

static void test_truncated(snig_ctx *ctx)
{
    snig_network *net = square_network(ctx), *lazy = NULL, *eager = NULL;
    const char *p = test_path(2, "shrinks.snb");
    CHECK_OK(ctx, snig_network_save(ctx, net, p));
    snig_load_options o;
    snig_load_options_init(&o);
    CHECK_OK(ctx, snig_network_load(ctx, p, &o, &eager));
    o.verify = 0;
    CHECK_OK(ctx, snig_network_load(ctx, p, &o, &lazy));
    /* Truncated after the table: the lazy network's layers are gone. */
    snb_entry e;
    size_t n = 0;
    unsigned char *b = test_slurp(p, &n);
    if (b != NULL) {
        entry_of(b, 0, &e);
        CHECK(truncate(p, (off_t)e.offset + 8) == 0);
    }
    if (lazy != NULL)
        run_engines(ctx, lazy, SNIG_CORRUPT, "truncated", p);
    /* Overwritten in place after a verified load: the run is unaffected. */
    if (b != NULL) {
        memset(b + e.offset, 0xff, n - e.offset);
        test_spit(p, b, n);
    }
    snig_inputs *in = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 20, 0.3, 1.0f, 0, 0, 3, &in));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "cpu";
    opt.threads = 2;
    opt.has_bias = 1;
    opt.bias = -0.3f;
    snig_result *r1 = NULL, *r2 = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &r1));
    if (eager != NULL)
        CHECK_OK(ctx, snig_infer(ctx, eager, in, &opt, &r2));
    uint64_t c1 = 0, c2 = 0;
    if (r1 != NULL && r2 != NULL) {
        const uint64_t *a = snig_result_categories(r1, &c1);
        const uint64_t *z = snig_result_categories(r2, &c2);
        CHECK(c1 == c2 && memcmp(a, z, c1 * sizeof *a) == 0);
    }
    snig_result_free(&r1);
    snig_result_free(&r2);
    snig_inputs_free(&in);
    free(b);
    unlink(p);
    snig_network_free(&lazy);
    snig_network_free(&eager);
    snig_network_free(&net);
}

int main(void)
{
    if (test_scratch("hardening") == NULL)
        return 1;
    snig_ctx *ctx = NULL;
    snig_ctx_new(&ctx, NULL);
    test_lies(ctx);
    test_truncated(ctx);
    snig_ctx_free(&ctx);
    test_scratch_end();
    return test_result("test_hardening_io");
}
