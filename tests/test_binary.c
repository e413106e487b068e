/* snig's binary format (.snb): round trips of networks and inputs, file
 * info, failed saves leaving nothing behind, and a table of mangled files
 * that must each give SNIG_CORRUPT with the file named (docs/FORMAT.md). */
#include "testutil.h"

#include "core/internal.h"
#include "io/binary.h"
#include "io/checksum.h"
#include "io/layer_build.h"
#include "io/snb_layout.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh path under the build folder's testfiles/ (slot 0..7). */
static const char *tpath(int slot, const char *name)
{
    static char paths[8][600];
    const char *made = test_write_file(7, "probe", "");
    if (made != NULL)
        unlink(made);
    snprintf(paths[slot & 7], sizeof paths[0], "%s/testfiles/%d-%s",
             SNIG_BINARY_DIR, (int)getpid(), name);
    return paths[slot & 7];
}

static int same_layers(const snig_network *a, const snig_network *b)
{
    if (a->neurons != b->neurons || a->layers != b->layers)
        return 0;
    const uint32_t n = a->neurons;
    for (uint32_t l = 0; l < a->layers; l++) {
        const snig_layer *x = &a->layer[l], *y = &b->layer[l];
        if (x->nnz != y->nnz || x->has_bias != y->has_bias ||
            memcmp(x->rowptr, y->rowptr, (n + 1) * sizeof(uint32_t)) != 0)
            return 0;
        for (uint64_t q = 0; q < x->nnz; q++) {
            uint32_t cx = x->col16 ? x->col16[q] : x->col32[q];
            uint32_t cy = y->col16 ? y->col16[q] : y->col32[q];
            float vx = x->val ? x->val[q] : x->uniform;
            float vy = y->val ? y->val[q] : y->uniform;
            if (cx != cy || memcmp(&vx, &vy, sizeof vx) != 0)
                return 0;
        }
        if (!x->has_bias)
            continue;
        if ((x->bias == NULL) != (y->bias == NULL))
            return 0;
        if (x->bias == NULL && x->bias_value != y->bias_value)
            return 0;
        if (x->bias != NULL && memcmp(x->bias, y->bias, n * sizeof(float)) != 0)
            return 0;
    }
    return 1;
}

/* Rows [first, first + b->rows) of a equal b. */
static int same_rows(const snig_inputs *a, uint64_t first, const snig_inputs *b)
{
    if (a->neurons != b->neurons || first + b->rows > a->rows ||
        b->rowptr[0] != 0)
        return 0;
    for (uint64_t r = 0; r < b->rows; r++) {
        uint64_t pa = a->rowptr[first + r], pb = b->rowptr[r];
        if (a->rowptr[first + r + 1] - pa != b->rowptr[r + 1] - pb)
            return 0;
        for (; pb < b->rowptr[r + 1]; pa++, pb++)
            if (a->col[pa] != b->col[pb] || a->val[pa] != b->val[pb])
                return 0;
    }
    return 1;
}

/* Saves, loads back with verify = 1 and 0, compares; runs the reference
 * engine on both and compares the final values. */
static void network_round_trip(snig_ctx *ctx, snig_network *net,
                               const char *name, int run)
{
    const char *p = tpath(0, name);
    CHECK_OK(ctx, snig_network_save(ctx, net, p));
    for (int verify = 1; verify >= 0; verify--) {
        snig_load_options o;
        snig_load_options_init(&o);
        o.verify = verify;
        snig_network *back = NULL;
        CHECK_OK(ctx, snig__snb_load_network(ctx, p, &o, &back));
        if (back == NULL)
            continue;
        CHECK((back->source == NULL) == (verify == 1));
        CHECK(back->index16 == (net->neurons <= 65536));
        /* verify = 0: nothing is read until a layer is first used. */
        CHECK(atomic_load(&back->layer[0].verified) == verify);
        CHECK(verify || back->layer[0].rowptr == NULL);
        for (uint32_t l = 0; l < back->layers; l++)
            CHECK_OK(ctx, snig__layer_ready(ctx, back, l));
        CHECK(atomic_load(&back->layer[0].verified) == 1);
        CHECK(same_layers(net, back));
        if (run) {
            snig_inputs *in = NULL;
            CHECK_OK(ctx, test_random_inputs(ctx, net->neurons, 40, 0.2, 1.0f,
                                             7, 5, 11, &in));
            snig_options opt;
            snig_options_init(&opt);
            opt.engine = "reference";
            opt.keep_values = 1;
            snig_result *r1 = NULL, *r2 = NULL;
            CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &r1));
            CHECK_OK(ctx, snig_infer(ctx, back, in, &opt, &r2));
            for (uint64_t r = 0; r1 && r2 && r < in->rows; r++) {
                const float *a = snig_result_row(r1, r), *b = snig_result_row(r2, r);
                CHECK((a == NULL) == (b == NULL));
                if (a && b)
                    CHECK(memcmp(a, b, net->neurons * sizeof(float)) == 0);
            }
            snig_result_free(&r1);
            snig_result_free(&r2);
            snig_inputs_free(&in);
        }
        snig_network_free(&back);
    }
    unlink(p);
}

/* N > 65536 (32-bit indices) with a handful of nonzeros; layer 2 empty. */
static snig_network *wide_network(snig_ctx *ctx)
{
    const uint32_t n = 70000;
    snig_network *net = NULL;
    CHECK_OK(ctx, snig__network_new(ctx, n, 3, "wide", &net));
    snig_coo c = {0};
    const uint32_t e[][2] = {{0, 69999}, {5, 65536}, {69999, 0}, {40000, 3}};
    for (uint32_t l = 0; l < 3; l++) {
        c.n = 0;
        for (uint32_t k = 0; l != 1 && k < 4; k++)
            CHECK_OK(ctx, snig__coo_push(ctx, &c, e[k][0], e[k][1],
                                         0.25f * (float)(k + l + 1), 0));
        CHECK_OK(ctx, snig__layer_from_coo(ctx, net, l, &c, "wide"));
    }
    snig__coo_clear(ctx, &c);
    float *b = snig__malloc(ctx, n * sizeof *b);
    for (uint32_t j = 0; j < n; j++)
        b[j] = -0.001f * (float)(j % 97);
    net->layer[2].bias = net->layer[2].own_bias = b;
    net->layer[2].has_bias = true;
    net->layer[0].has_bias = true;
    net->layer[0].bias_value = -0.5f;
    return net;
}

static void test_networks(snig_ctx *ctx)
{
    snig_network *net = NULL;
    /* Uniform values (no value array), no bias recorded. */
    CHECK_OK(ctx, test_random_network(ctx, 256, 4, 8, 0.0f, 0.0625f, 0, 0, 0,
                                      1, &net));
    network_round_trip(ctx, net, "uniform.snb", 0);
    /* The same with one bias value: it is recorded and read back. */
    CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.3f));
    network_round_trip(ctx, net, "uniform-bias.snb", 1);
    snig_network_free(&net);
    /* Values of every kind, per-neuron bias. */
    CHECK_OK(ctx, test_random_network(ctx, 300, 3, 5, 0.5f, 0.0f, 1, -0.2f,
                                      0.05f, 2, &net));
    network_round_trip(ctx, net, "values.snb", 1);
    snig_network_free(&net);
    net = wide_network(ctx);
    network_round_trip(ctx, net, "wide.snb", 0);
    /* Info on the wide file: 32-bit indices, bias of layer 1 recorded. */
    const char *p = tpath(1, "wide-info.snb");
    CHECK_OK(ctx, snig_network_save(ctx, net, p));
    snig_file_info info;
    CHECK_OK(ctx, snig_file_info_get(ctx, p, &info));
    CHECK(strcmp(info.kind, "network") == 0 && strcmp(info.format, "snb") == 0);
    CHECK(info.neurons == 70000 && info.layers == 3 && info.nonzeros == 8);
    CHECK(info.index_bits == 32 && info.checksums_ok == 1);
    CHECK(info.has_bias == 1 && info.bias == -0.5f && info.per_neuron_bias == 1);
    CHECK(info.uniform_values == 0);
    /* Only the first layers. */
    snig_load_options o;
    snig_load_options_init(&o);
    o.layers = 2;
    snig_network *two = NULL;
    CHECK_OK(ctx, snig__snb_load_network(ctx, p, &o, &two));
    CHECK(two != NULL && two->layers == 2);
    snig_network_free(&two);
    o.layers = 4;
    CHECK(snig__snb_load_network(ctx, p, &o, &two) == SNIG_MISSING);
    CHECK(two == NULL && strstr(snig_errmsg(ctx), p) != NULL);
    snig_clear_error(ctx);
    o.layers = 0;
    o.neurons = 1024;
    CHECK(snig__snb_load_network(ctx, p, &o, &two) == SNIG_SIZE);
    snig_clear_error(ctx);
    /* A network file is not inputs. */
    snig_inputs *in = NULL;
    CHECK(snig__snb_load_inputs(ctx, p, NULL, &in) == SNIG_FORMAT);
    CHECK(in == NULL && strstr(snig_errmsg(ctx), p) != NULL);
    snig_clear_error(ctx);
    unlink(p);
    snig_network_free(&net);
}

static void inputs_case(snig_ctx *ctx, float vmax, uint64_t chunk)
{
    snig_inputs *in = NULL, *back = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 200, 300, 0.05, vmax, 9, 0, 5, &in));
    const char *p = tpath(2, "inputs.snb");
    CHECK_OK(ctx, snig__snb_save_inputs(ctx, in, p, chunk));
    /* Every row, then ranges across and inside chunks, then the end. */
    const uint64_t ranges[][2] = {{0, 0}, {0, 300}, {37, 100}, {64, 64},
                                  {250, 0}, {299, 1}, {300, 0}, {5, 3}};
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
        snig_load_options o;
        snig_load_options_init(&o);
        o.row_first = ranges[k][0];
        o.row_count = ranges[k][1];
        CHECK_OK(ctx, snig__snb_load_inputs(ctx, p, &o, &back));
        if (back == NULL)
            continue;
        uint64_t want = ranges[k][1] ? ranges[k][1] : 300 - ranges[k][0];
        CHECK(back->rows == want && back->first_row == ranges[k][0]);
        CHECK(same_rows(in, ranges[k][0], back));
        snig_inputs_free(&back);
    }
    snig_load_options o;
    snig_load_options_init(&o);
    o.row_first = 200;
    o.row_count = 101;
    CHECK(snig__snb_load_inputs(ctx, p, &o, &back) == SNIG_RANGE);
    CHECK(back == NULL && strstr(snig_errmsg(ctx), p) != NULL);
    snig_clear_error(ctx);
    snig_file_info info;
    CHECK_OK(ctx, snig_file_info_get(ctx, p, &info));
    CHECK(strcmp(info.kind, "inputs") == 0 && info.rows == 300);
    CHECK(info.neurons == 200 && info.index_bits == 16);
    CHECK(info.nonzeros == snig_inputs_nonzeros(in) && info.checksums_ok == 1);
    CHECK(info.uniform_values == (vmax == 1.0f));
    /* A network loader refuses inputs. */
    snig_network *net = NULL;
    CHECK(snig__snb_load_network(ctx, p, NULL, &net) == SNIG_FORMAT);
    snig_clear_error(ctx);
    unlink(p);
    /* The public save (default chunks). */
    CHECK_OK(ctx, snig_inputs_save(ctx, in, p));
    CHECK_OK(ctx, snig__snb_load_inputs(ctx, p, NULL, &back));
    CHECK(back != NULL && back->rows == 300 && same_rows(in, 0, back));
    snig_inputs_free(&back);
    unlink(p);
    snig_inputs_free(&in);
}

/* Saves that fail leave no file, final or temporary, behind. */
static void test_failed_saves(snig_ctx *ctx)
{
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 2, 4, 0.0f, 1.0f, 0, 0, 0, 3,
                                      &net));
    char missing[700];
    snprintf(missing, sizeof missing, "%s/no-such-dir/x.snb", tpath(3, "d"));
    CHECK(snig_network_save(ctx, net, missing) == SNIG_IO);
    CHECK(strstr(snig_errmsg(ctx), missing) != NULL && !test_file_exists(missing));
    snig_clear_error(ctx);
    /* Onto a directory. */
    const char *dir = tpath(3, "a-dir.snb");
    mkdir(dir, 0755);
    CHECK(snig_network_save(ctx, net, dir) == SNIG_IO);
    CHECK(strstr(snig_errmsg(ctx), dir) != NULL);
    snig_clear_error(ctx);
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", dir, (int)getpid());
    CHECK(!test_file_exists(tmp));
    rmdir(dir);
    /* The streaming writer: too few layers at commit, and abort. */
    const char *p = tpath(4, "short.snb");
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", p, (int)getpid());
    snig_snb_writer *w = NULL;
    CHECK_OK(ctx, snig__snb_writer_open(ctx, p, 64, 2, 64, &w));
    CHECK_OK(ctx, snig__snb_writer_layer(w, &net->layer[0]));
    CHECK(test_file_exists(tmp) && !test_file_exists(p));
    CHECK(snig__snb_writer_commit(&w) == SNIG_USAGE);
    CHECK(w == NULL && !test_file_exists(tmp) && !test_file_exists(p));
    snig_clear_error(ctx);
    CHECK_OK(ctx, snig__snb_writer_open(ctx, p, 64, 2, 64, &w));
    snig__snb_writer_abort(&w);
    CHECK(w == NULL && !test_file_exists(tmp) && !test_file_exists(p));
    /* A layer that is not consistent fails and removes the temporary file. */
    CHECK_OK(ctx, snig__snb_writer_open(ctx, p, 64, 1, 64, &w));
    snig_layer bad = net->layer[0];
    bad.nnz += 1;
    CHECK(snig__snb_writer_layer(w, &bad) == SNIG_CORRUPT);
    CHECK(!test_file_exists(tmp));
    CHECK(snig__snb_writer_commit(&w) == SNIG_CORRUPT && !test_file_exists(p));
    snig_clear_error(ctx);
    snig_network_free(&net);
}

/* ------------------------------------------------------------ mangling */



static void reseal(unsigned char *b, uint32_t entries)
{
    size_t len = SNB_HEADER_SIZE + (size_t)entries * SNB_ENTRY_SIZE;
    memset(b + 124, 0, 4);
    uint32_t crc = snig__checksum(b, len);
    memcpy(b + 124, &crc, 4);
}

enum { TRUNC, MAGIC, VERSION, BOM, HEADER_CRC, OFFSET, LENGTH, LAYER_BYTE };

typedef struct mangle {
    const char *name;
    int how;
    long arg;                /* TRUNC: bytes kept (< 0: from the end) */
    const char *says;        /* in the message */
} mangle;

static const mangle mangles[] = {
    {"empty", TRUNC, 0, "empty"},
    {"trunc-4", TRUNC, 4, "truncated"},
    {"trunc-4-bad", MAGIC, 4, "magic"},
    {"trunc-100", TRUNC, 100, "truncated"},
    {"trunc-table", TRUNC, 140, "truncated"},
    {"trunc-layer1", TRUNC, 300, "truncated"},
    {"trunc-last", TRUNC, -1, "truncated"},
    {"magic", MAGIC, 0, "magic"},
    {"version", VERSION, 0, "version"},
    {"byte-order", BOM, 0, "byte order"},
    {"header-crc", HEADER_CRC, 0, "header checksum"},
    {"offset", OFFSET, 0, "beyond the end"},
    {"length", LENGTH, 0, "bytes of data"},
    {"layer-byte", LAYER_BYTE, 0, "layer 2: checksum"},
};

static void test_mangled(snig_ctx *ctx)
{
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 3, 6, 1.0f, 0.0f, 1, -0.3f,
                                      0.0f, 4, &net));
    const char *good = tpath(5, "good.snb");
    CHECK_OK(ctx, snig_network_save(ctx, net, good));
    size_t n = 0;
    unsigned char *orig = test_slurp(good, &n);
    CHECK(orig != NULL && n > 1000);
    if (orig == NULL)
        return;
    unsigned char *b = malloc(n);
    snb_entry e1;
    snig__snb_entry_decode(orig + SNB_HEADER_SIZE + SNB_ENTRY_SIZE,
                           SNB_VERSION, 64, &e1);
    for (size_t k = 0; k < sizeof mangles / sizeof mangles[0]; k++) {
        const mangle *m = &mangles[k];
        char name[64];
        snprintf(name, sizeof name, "bad-%s.snb", m->name);
        const char *p = tpath(6, name);
        memcpy(b, orig, n);
        size_t len = n;
        uint64_t v64;
        switch (m->how) {
        case TRUNC: len = m->arg >= 0 ? (size_t)m->arg : n + (size_t)m->arg; break;
        case MAGIC: b[3] ^= 0x20; len = m->arg ? (size_t)m->arg : n; break;
        case VERSION: b[8] = 3; reseal(b, 3); break;
        case BOM: for (int i = 0; i < 4; i++) b[12 + i] = orig[15 - i]; break;
        case HEADER_CRC: b[SNB_HEADER_SIZE + 28] ^= 1; break;
        case OFFSET:
            v64 = e1.offset + 1024 * 1024;
            memcpy(b + SNB_HEADER_SIZE + SNB_ENTRY_SIZE + 8, &v64, 8);
            reseal(b, 3);
            break;
        case LENGTH:
            v64 = e1.length + 64;
            memcpy(b + SNB_HEADER_SIZE + SNB_ENTRY_SIZE + 16, &v64, 8);
            reseal(b, 3);
            break;
        case LAYER_BYTE: b[e1.offset + e1.length / 2] ^= 0x10; break;
        }
        test_spit(p, b, len);
        snig_network *back = NULL;
        snig_status st = snig__snb_load_network(ctx, p, NULL, &back);
        const char *msg = snig_errmsg(ctx);
        if (st != SNIG_CORRUPT || strstr(msg, p) == NULL ||
            strstr(msg, m->says) == NULL) {
            fprintf(stderr, "mangled '%s': status %d, message '%s'\n", m->name,
                    (int)st, msg);
            test_failures++;
        } else {
            printf("mangled '%s': %s\n", m->name, msg);
        }
        CHECK(back == NULL);
        snig_clear_error(ctx);
        /* snig info: the same error, and it never crashes. */
        snig_file_info info;
        CHECK(snig_file_info_get(ctx, p, &info) ==
              (m->how == LAYER_BYTE ? SNIG_OK : SNIG_CORRUPT));
        if (m->how == LAYER_BYTE)
            CHECK(info.checksums_ok == 0);
        snig_clear_error(ctx);
        if (m->how == LAYER_BYTE) {
            /* verify = 0: loads, then the engine finds the bad layer. */
            snig_load_options o;
            snig_load_options_init(&o);
            o.verify = 0;
            CHECK_OK(ctx, snig__snb_load_network(ctx, p, &o, &back));
            snig_inputs *in = NULL;
            CHECK_OK(ctx, test_random_inputs(ctx, 64, 10, 0.3, 1.0f, 0, 0, 1,
                                             &in));
            snig_options opt;
            snig_options_init(&opt);
            opt.engine = "reference";
            snig_result *res = NULL;
            CHECK(snig_infer(ctx, back, in, &opt, &res) == SNIG_CORRUPT);
            CHECK(res == NULL && strstr(snig_errmsg(ctx), p) != NULL);
            snig_clear_error(ctx);
            /* Saving it again refuses to copy the bad layer. */
            const char *again = tpath(4, "again.snb");
            CHECK(snig_network_save(ctx, back, again) == SNIG_CORRUPT);
            CHECK(!test_file_exists(again));
            snig_clear_error(ctx);
            snig_inputs_free(&in);
            snig_network_free(&back);
        }
        unlink(p);
    }
    /* Inputs: one flipped byte in a chunk. */
    snig_inputs *in = NULL, *back = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 50, 0.2, 2.0f, 0, 0, 2, &in));
    const char *p = tpath(6, "bad-inputs.snb");
    CHECK_OK(ctx, snig__snb_save_inputs(ctx, in, p, 16));
    free(orig);
    orig = test_slurp(p, &n);
    {
        snb_entry e;
        snig__snb_entry_decode(orig + SNB_HEADER_SIZE + SNB_ENTRY_SIZE,
                               SNB_VERSION, 64, &e);
        orig[e.offset + e.length - 3] ^= 0x40;
        test_spit(p, orig, n);
        /* Rows in chunk 1 only: chunks 0 and 2 are fine. */
        snig_load_options o;
        snig_load_options_init(&o);
        o.row_first = 0;
        o.row_count = 16;
        CHECK_OK(ctx, snig__snb_load_inputs(ctx, p, &o, &back));
        snig_inputs_free(&back);
        o.row_count = 17;
        CHECK(snig__snb_load_inputs(ctx, p, &o, &back) == SNIG_CORRUPT);
        CHECK(back == NULL && strstr(snig_errmsg(ctx), p) != NULL);
        CHECK(strstr(snig_errmsg(ctx), "chunk 2") != NULL);
        snig_clear_error(ctx);
    }
    unlink(p);
    unlink(good);
    snig_inputs_free(&in);
    free(orig);
    free(b);
    snig_network_free(&net);
}

/* ------------------------------------------------------------ out of memory */

static test_failing oom; /* the shared failing allocator's state */

/* Every call is rerun with its k-th allocation failing, k = 0, 1, ... until
 * it succeeds: each failure is SNIG_NOMEM, leaks nothing (ASan) and leaves
 * no file behind. */
static void test_out_of_memory(void)
{
    snig_allocator a = test_failing_allocator(&oom);
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, &a));
    snig_network *net = NULL, *back = NULL;
    snig_inputs *in = NULL, *inb = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 2, 3, 1.0f, 0.0f, 1, -0.1f,
                                      0.0f, 9, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 20, 0.2, 2.0f, 0, 0, 9, &in));
    const char *pn = tpath(0, "oom.snb"), *pi = tpath(1, "oom-inputs.snb");
    snig_status st = SNIG_NOMEM;
    int calls = 0;
    for (long k = 0; st != SNIG_OK && k < 1000; k++, calls++) {
        oom.left = k;
        st = snig_network_save(ctx, net, pn);
        oom.left = -1;
        CHECK(st == SNIG_OK || (st == SNIG_NOMEM && !test_file_exists(pn)));
        snig_clear_error(ctx);
    }
    st = SNIG_NOMEM;
    for (long k = 0; st != SNIG_OK && k < 1000; k++, calls++) {
        oom.left = k;
        st = snig__snb_save_inputs(ctx, in, pi, 8);
        oom.left = -1;
        CHECK(st == SNIG_OK || (st == SNIG_NOMEM && !test_file_exists(pi)));
        snig_clear_error(ctx);
    }
    st = SNIG_NOMEM;
    for (long k = 0; st != SNIG_OK && k < 1000; k++, calls++) {
        oom.left = k;
        st = snig__snb_load_network(ctx, pn, NULL, &back);
        oom.left = -1;
        CHECK(st == SNIG_OK || (st == SNIG_NOMEM && back == NULL));
        snig_clear_error(ctx);
    }
    st = SNIG_NOMEM;
    for (long k = 0; st != SNIG_OK && k < 1000; k++, calls++) {
        oom.left = k;
        st = snig__snb_load_inputs(ctx, pi, NULL, &inb);
        oom.left = -1;
        CHECK(st == SNIG_OK || (st == SNIG_NOMEM && inb == NULL));
        snig_clear_error(ctx);
    }
    CHECK(calls > 8 && back != NULL && inb != NULL);
    if (back != NULL)
        CHECK(same_layers(net, back));
    if (inb != NULL)
        CHECK(same_rows(in, 0, inb));
    unlink(pn);
    unlink(pi);
    snig_network_free(&back);
    snig_inputs_free(&inb);
    snig_network_free(&net);
    snig_inputs_free(&in);
    snig_ctx_free(&ctx);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    test_networks(ctx);
    inputs_case(ctx, 1.0f, 64);
    inputs_case(ctx, 2.0f, 7);
    inputs_case(ctx, 2.0f, 1000);
    /* No rows at all: a file of a header alone. */
    snig_inputs *none = NULL, *back = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 32, 0, 0.5, 1.0f, 0, 0, 1, &none));
    const char *p = tpath(2, "no-rows.snb");
    CHECK_OK(ctx, snig_inputs_save(ctx, none, p));
    CHECK_OK(ctx, snig__snb_load_inputs(ctx, p, NULL, &back));
    CHECK(back != NULL && back->rows == 0 && back->neurons == 32);
    snig_inputs_free(&back);
    snig_inputs_free(&none);
    unlink(p);
    test_failed_saves(ctx);
    test_mangled(ctx);
    snig_ctx_free(&ctx);
    test_out_of_memory();
    return test_result("test_binary");
}
