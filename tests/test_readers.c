/* The text readers: tables of good files (expected sizes and values) and of
 * broken ones (expected status, and a message naming the file and line),
 * in the manner of LAGraph's test_MMRead.c. */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DATA SNIG_TEST_DATA "/readers"

static char base[512];

/* Writes `len` bytes (strlen when len < 0) to base/rel, making folders. */
static const char *put(const char *rel, const char *text, long len)
{
    static char paths[8][768];
    static int slot;
    char *p = paths[slot++ & 7];
    snprintf(p, sizeof paths[0], "%s/%s", base, rel);
    char cmd[900];
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", p);
    if (system(cmd) != 0)
        return NULL;
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        return NULL;
    fwrite(text, 1, len < 0 ? strlen(text) : (size_t)len, f);
    fclose(f);
    return p;
}

/* W[i][j] of layer l (0-based indices), 0 when absent. */
static float weight(const snig_network *net, uint32_t l, uint32_t i, uint32_t j)
{
    const snig_layer *L = &net->layer[l];
    for (uint32_t p = L->rowptr[i]; p < L->rowptr[i + 1]; p++) {
        uint32_t c = L->col16 ? L->col16[p] : L->col32[p];
        if (c == j)
            return L->val ? L->val[p] : L->uniform;
    }
    return 0.0f;
}

/* ------------------------------------------------------------ tar writer */

typedef struct member {
    const char *name;
    const char *text;
    char type;
} member;

static void tar_header(unsigned char *h, const char *name, size_t size,
                       char type)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Writes a .tar.gz of the members; returns its path. */
static const char *put_tar(const char *rel, const member *m, int count,
                           int bad_checksum)
{
    static char path[768];
    snprintf(path, sizeof path, "%s/%s", base, rel);
    gzFile gz = gzopen(path, "wb");
    if (gz == NULL)
        return NULL;
    unsigned char h[512], zero[1024] = {0};
    for (int i = 0; i < count; i++) {
        size_t size = m[i].text ? strlen(m[i].text) : 0;
        tar_header(h, m[i].name, size, m[i].type);
        if (bad_checksum)
            h[0] ^= 1;
        gzwrite(gz, h, 512);
        if (size) {
            gzwrite(gz, m[i].text, (unsigned)size);
            gzwrite(gz, zero, (unsigned)((512 - size % 512) % 512));
        }
    }
    gzwrite(gz, zero, sizeof zero);
    gzclose(gz);
    return path;
}

/* ------------------------------------------------------------ bad files */

typedef enum kind { NETWORK, INPUTS, TRUTH } kind;

typedef struct bad_case {
    kind k;
    const char *file;        /* relative to base */
    const char *text;
    snig_status status;
    const char *where;       /* expected in the message after the path */
} bad_case;

static const bad_case bad_cases[] = {
    {NETWORK, "b1/n4-l1.tsv", "1\t2\t1\n3\t4\n", SNIG_FORMAT, ":2: missing"},
    {NETWORK, "b2/n4-l1.tsv", "1\t2\t1\n0\t4\t1\n", SNIG_RANGE, ":2: index 0"},
    {NETWORK, "b3/n4-l1.tsv", "1\t5\t1\n", SNIG_RANGE, ":1: index 5 out of range 1..4"},
    {NETWORK, "b4/n4-l1.tsv", "1\t2\tabc\n", SNIG_FORMAT, ":1: missing or non-numeric"},
    {NETWORK, "b5/n4-l1.tsv", "1\t2\t1\n\n2\t2\tnan\n", SNIG_FORMAT, ":3: value is NaN"},
    {NETWORK, "b6/n4-l1.tsv", "1\t2\tinf\n", SNIG_FORMAT, ":1: value is NaN or inf"},
    {NETWORK, "b7/n4-l1.tsv", "1\t2\t1e39\n", SNIG_FORMAT, ":1: value is NaN or inf"},
    {NETWORK, "b8/n4-l1.tsv", "1\t2\t0.5 x\n", SNIG_FORMAT, ":1: unexpected text"},
    {NETWORK, "b9/n4-l1.tsv", "1\t2\t1\n2\t1\t1\n1\t2\t3\n", SNIG_FORMAT, ":3: duplicate"},
    {NETWORK, "b10/n4-l1.tsv", "", SNIG_FORMAT, ": empty file"},
    {NETWORK, "b11/n4-l1.tsv", "\n \n", SNIG_FORMAT, ": no entries"},
    {NETWORK, "b12/n4-l1.tsv", "99999999999999999999 1 1\n", SNIG_RANGE, ":1: index too large"},
    {NETWORK, "b13/n4-l1.tsv", "1 2.5 1\n", SNIG_FORMAT, ":1: malformed"},
    {NETWORK, "b14/n4-l1.tsv", "x\n", SNIG_FORMAT, ":1: malformed"},
    {NETWORK, "b15/layer.txt", "1 2 1\n", SNIG_FORMAT, ": not a network"},
    {NETWORK, "b16/a.mtx", "%%MatrixMarket matrix coordinate real general\n4 4 3\n1 1 1\n2 2 1\n",
     SNIG_FORMAT, ": 2 entries, the size line says 3"},
    {NETWORK, "b17/a.mtx", "%%MatrixMarket matrix coordinate real general\n4 2147483648 1\n1 1 1\n",
     SNIG_RANGE, ":2: unsupported matrix size"},
    {NETWORK, "b18/a.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n",
     SNIG_UNSUPPORTED, ":1: only"},
    {NETWORK, "b19/a.mtx", "%%MatrixMarket matrix coordinate real general\n4 4 1\n1 7 1\n",
     SNIG_RANGE, ":3: index 7 out of range 1..4"},
    {NETWORK, "b20/a.mtx", "%%MatrixMarket matrix coordinate real general\n4 4 1\n1 1 1\n2 2 2\n",
     SNIG_FORMAT, ":4: more entries"},
    {NETWORK, "b21/a.mtx", "%%MatrixMarket matrix coordinate complex general\n4 4 1\n1 1 1 0\n",
     SNIG_UNSUPPORTED, ":1: Matrix Market field"},
    {NETWORK, "b22/a.mtx", "%%MatrixMarket matrix coordinate real general\n4 x 1\n",
     SNIG_FORMAT, ":2: malformed size line"},
    {NETWORK, "b23/n100000000-l1.tsv", "1 1 1\n", SNIG_RANGE, ": 100000000 neurons: not supported"},
    {INPUTS, "i1/sparse-images-4.tsv", "1\t1\t1\n1\t1\t1\n", SNIG_FORMAT, ":2: duplicate"},
    {INPUTS, "i2/sparse-images-4.tsv", "1\t5\t1\n", SNIG_RANGE, ":1: index 5 out of range"},
    {INPUTS, "i3/sparse-images-4.tsv", "0\t1\t1\n", SNIG_RANGE, ":1: index 0"},
    {INPUTS, "i4/sparse-images-4.tsv", "1\t1\tnan\n", SNIG_FORMAT, ":1: value is NaN"},
    {INPUTS, "i5/sparse-images-4.tsv", "", SNIG_FORMAT, ": empty file"},
    {INPUTS, "i6/images.tsv", "1\t1\t1\n", SNIG_USAGE, ": cannot tell the number of neurons"},
    {INPUTS, "i7/sparse-images-4.tsv", "2\t1\t1\n1\t2\t1\n2\t1\t1\n", SNIG_FORMAT, ": duplicate entry (row 2, column 1)"},
    {INPUTS, "i8/sparse-images-4.tsv", "1\t1\n", SNIG_FORMAT, ":1: missing"},
    {INPUTS, "i9/sparse-images-4.tsv", "1\t1\t-inf\n", SNIG_FORMAT, ":1: value is NaN"},
    {TRUTH, "t1/truth.tsv", "3\n4x\n", SNIG_FORMAT, ":2: malformed"},
    {TRUTH, "t2/truth.tsv", "3\n\n0\n", SNIG_RANGE, ":3: index 0"},
    {TRUTH, "t3/truth.tsv", "3\n3\n", SNIG_FORMAT, ": row 3 listed twice"},
};

/* Loads path as `k` and checks the status and that the message starts with
 * the path followed by `where`. */
static void expect_fail(snig_ctx *ctx, kind k, const char *path,
                        const snig_load_options *o, snig_status want,
                        const char *where)
{
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    uint64_t *rows = NULL, count = 0;
    snig_clear_error(ctx);
    snig_status st = k == NETWORK ? snig_network_load(ctx, path, o, &net)
                   : k == INPUTS  ? snig_inputs_load(ctx, path, o, &in)
                                  : snig_truth_load(ctx, path, &rows, &count);
    const char *msg = snig_errmsg(ctx);
    char expect[1024];
    snprintf(expect, sizeof expect, "%s%s", path, where);
    if (st != want || strstr(msg, expect) == NULL) {
        fprintf(stderr, "  %s: got %s \"%s\", want %s \"%s\"\n", path,
                snig_status_str(st), msg, snig_status_str(want), expect);
        test_failures++;
    }
    CHECK(net == NULL && in == NULL && rows == NULL);
    snig_network_free(&net);
    snig_inputs_free(&in);
    snig_free(ctx, rows);
}

static void test_bad_files(snig_ctx *ctx)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        const char *path = put(b->file, b->text, -1);
        CHECK(path != NULL);
        if (path != NULL)
            expect_fail(ctx, b->k, path, NULL, b->status, b->where);
    }
    expect_fail(ctx, NETWORK, base, NULL, SNIG_MISSING, ": no layer files");
    expect_fail(ctx, NETWORK, "/nonexistent/snig", NULL, SNIG_IO, ": cannot open");
    expect_fail(ctx, INPUTS, "/nonexistent/snig.tsv", NULL, SNIG_IO, ": cannot open");
    expect_fail(ctx, TRUTH, "/nonexistent/truth.tsv", NULL, SNIG_IO, ": cannot open");
}

/* ------------------------------------------------------------ networks */

static void check_net4(snig_network *net, uint32_t layers)
{
    CHECK(snig_network_neurons(net) == 4);
    CHECK(snig_network_layers(net) == layers);
    if (net == NULL || snig_network_layers(net) != layers)
        return;
    CHECK(net->layer[0].nnz == 4);
    CHECK(weight(net, 0, 0, 1) == 0.5f);
    CHECK(weight(net, 0, 1, 2) == -1.25f);
    CHECK(weight(net, 0, 3, 0) == 2.0f);
    CHECK(weight(net, 0, 2, 2) == 0.0625f);
    CHECK(weight(net, 0, 0, 0) == 0.0f);
    if (layers >= 2) {
        CHECK(net->layer[1].nnz == 4 && net->layer[1].val == NULL);
        CHECK(weight(net, 1, 3, 3) == 1.0f);
    }
    if (layers >= 3) {
        CHECK(net->layer[2].nnz == 2);
        CHECK(weight(net, 2, 0, 3) == 0.75f);
        CHECK(weight(net, 2, 3, 3) == 0.1f);
    }
}

static void test_networks(snig_ctx *ctx)
{
    snig_network *net = NULL;
    snig_load_options o;
    snig_load_options_init(&o);
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/net4", &o, &net));
    check_net4(net, 3);
    snig_network_free(&net);
    o.layers = 2;
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/net4", &o, &net));
    check_net4(net, 2);
    snig_network_free(&net);
    o.layers = 5;
    expect_fail(ctx, NETWORK, DATA "/net4", &o, SNIG_MISSING,
                ": missing layer file n4-l4.tsv");
    o.layers = 0;
    o.neurons = 8;
    expect_fail(ctx, NETWORK, DATA "/net4", &o, SNIG_SIZE, ": the network takes 4 inputs");
    o.neurons = 0;

    /* A gap, and mixed sizes, in a directory. */
    put("gap/n4-l1.tsv", "1 1 1\n", -1);
    put("gap/n4-l3.tsv", "1 1 1\n", -1);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/gap", base);
    expect_fail(ctx, NETWORK, dir, NULL, SNIG_MISSING,
                ": missing layer file n4-l2.tsv");
    put("mixed/n4-l1.tsv", "1 1 1\n", -1);
    put("mixed/n8-l2.tsv", "1 1 1\n", -1);
    snprintf(dir, sizeof dir, "%s/mixed", base);
    expect_fail(ctx, NETWORK, dir, NULL, SNIG_SIZE,
                ": layer 2 takes 8 inputs, but layer 1 gives 4 outputs");
    /* A bad line inside a directory names the layer file. */
    put("dirbad/n4-l1.tsv", "1 1 1\n", -1);
    put("dirbad/n4-l2.tsv", "1 1 1\n2 9 1\n", -1);
    snprintf(dir, sizeof dir, "%s/dirbad", base);
    expect_fail(ctx, NETWORK, dir, NULL, SNIG_RANGE,
                "/n4-l2.tsv:2: index 9 out of range");

    /* Compressed layer files in a directory. */
    put("gzdir/n4-l2.tsv", "1 1 1\n2 2 1\n3 3 1\n4 4 1\n", -1);
    snprintf(dir, sizeof dir, "%s/gzdir/n4-l1.tsv.gz", base);
    gzFile gz = gzopen(dir, "wb");
    gzputs(gz, "1\t2\t0.5\n2\t3\t-1.25\n4\t1\t2\n3\t3\t6.250000e-02\n");
    gzclose(gz);
    snprintf(dir, sizeof dir, "%s/gzdir", base);
    CHECK_OK(ctx, snig_network_load(ctx, dir, NULL, &net));
    check_net4(net, 2);
    snig_network_free(&net);

    /* Matrix Market layers. */
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/layer4.mtx", NULL, &net));
    check_net4(net, 1);
    snig_network_free(&net);
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/sym4.mtx", NULL, &net));
    if (net != NULL) {
        CHECK(net->layer[0].nnz == 5);
        CHECK(weight(net, 0, 1, 0) == 1.0f && weight(net, 0, 0, 1) == 1.0f);
        CHECK(weight(net, 0, 2, 2) == 1.0f && weight(net, 0, 1, 3) == 1.0f);
    }
    snig_network_free(&net);
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/int4.mtx", NULL, &net));
    if (net != NULL)
        CHECK(weight(net, 0, 0, 0) == 3.0f && weight(net, 0, 3, 3) == -2.0f);
    snig_network_free(&net);
    o.layers = 2;
    expect_fail(ctx, NETWORK, DATA "/layer4.mtx", &o, SNIG_MISSING,
                ": holds one layer");
    /* One official layer file alone. */
    CHECK_OK(ctx, snig_network_load(ctx, DATA "/net4/n4-l1.tsv", NULL, &net));
    check_net4(net, 1);
    snig_network_free(&net);
}

static void test_tar(snig_ctx *ctx)
{
    const char *l1 = "1\t2\t0.5\n2\t3\t-1.25\n4\t1\t2\n3\t3\t6.250000e-02\n";
    const char *l2 = "1 1 1\n2 2 1\n3 3 1\n4 4 1";
    const char *l3 = "1\t4\t0.75\n4\t4\t1e-1\n";
    /* Members out of order, with a folder and a stray file. */
    const member m[] = {
        {"neuron4/", NULL, '5'},
        {"neuron4/n4-l3.tsv", l3, '0'},
        {"neuron4/notes.txt", "hello\n", '0'},
        {"neuron4/n4-l1.tsv", l1, '0'},
        {"neuron4/n4-l2.tsv", l2, '0'},
    };
    snig_network *net = NULL;
    snig_load_options o;
    snig_load_options_init(&o);
    const char *path = put_tar("neuron4.tar.gz", m, 5, 0);
    CHECK_OK(ctx, snig_network_load(ctx, path, &o, &net));
    check_net4(net, 3);
    snig_network_free(&net);
    o.layers = 2;
    CHECK_OK(ctx, snig_network_load(ctx, path, &o, &net));
    check_net4(net, 2);
    snig_network_free(&net);
    o.layers = 4;
    expect_fail(ctx, NETWORK, path, &o, SNIG_MISSING,
                ": missing layer file n4-l4.tsv");
    o.layers = 0;

    /* A missing layer. */
    const member gap[] = {{"neuron4/n4-l1.tsv", l1, '0'},
                          {"neuron4/n4-l3.tsv", l3, '0'}};
    path = put_tar("gap.tar.gz", gap, 2, 0);
    expect_fail(ctx, NETWORK, path, &o, SNIG_MISSING,
                ": missing layer file n4-l2.tsv");
    /* A bad line in a member names archive, member and line. */
    const member bad[] = {{"neuron4/n4-l1.tsv", "1 1 1\n1 0 1\n", '0'}};
    path = put_tar("bad.tar.gz", bad, 1, 0);
    expect_fail(ctx, NETWORK, path, &o, SNIG_RANGE,
                ":neuron4/n4-l1.tsv:2: index 0");
    /* A damaged header. */
    path = put_tar("badsum.tar.gz", m, 5, 1);
    expect_fail(ctx, NETWORK, path, &o, SNIG_FORMAT, ": corrupt tar header");

    /* A truncated and a corrupted .gz: a big enough archive that the cut
     * falls inside the compressed data. */
    static char big[200000];
    size_t at = 0;
    for (int i = 0; at + 40 < sizeof big; i++)
        at += (size_t)snprintf(big + at, sizeof big - at, "%d\t%d\t%d.%d\n",
                               i % 4 + 1, i / 4 % 4 + 1, i, i % 7);
    const member one[] = {{"neuron4/n4-l1.tsv", big, '0'}};
    path = put_tar("cut.tar.gz", one, 1, 0);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK(truncate(path, sb.st_size / 2) == 0);
    expect_fail(ctx, NETWORK, path, &o, SNIG_FORMAT, ": truncated gzip data");
    path = put_tar("corrupt.tar.gz", one, 1, 0);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
        fseek(f, sb.st_size / 3, SEEK_SET);
        fwrite("\xff\x00\xff\x00\xff\x00\xff\x00", 1, 8, f);
        fclose(f);
    }
    expect_fail(ctx, NETWORK, path, &o, SNIG_FORMAT, ": corrupt gzip data");
}

/* ------------------------------------------------------------ inputs */

static void test_inputs(snig_ctx *ctx)
{
    snig_inputs *in = NULL;
    snig_load_options o;
    snig_load_options_init(&o);
    o.neurons = 4; /* the name does not say it (sparse-images-N names do) */
    /* Rows out of order, an empty row 3, columns out of order in row 4. */
    CHECK_OK(ctx, snig_inputs_load(ctx, DATA "/hand-inputs-4.tsv", &o, &in));
    if (in != NULL) {
        CHECK(snig_inputs_rows(in) == 4 && snig_inputs_neurons(in) == 4);
        CHECK(snig_inputs_nonzeros(in) == 5 && snig_inputs_first_row(in) == 0);
        const uint64_t rp[5] = {0, 2, 3, 3, 5};
        CHECK(memcmp(in->rowptr, rp, sizeof rp) == 0);
        const uint32_t col[5] = {0, 2, 3, 0, 1};
        const float val[5] = {1, 1, 1, 2, 0.5f};
        CHECK(memcmp(in->col, col, sizeof col) == 0);
        CHECK(memcmp(in->val, val, sizeof val) == 0);
    }
    snig_inputs_free(&in);
    /* Rows [1, 3): global rows 2 and 3. */
    o.row_first = 1;
    o.row_count = 2;
    CHECK_OK(ctx, snig_inputs_load(ctx, DATA "/hand-inputs-4.tsv", &o, &in));
    if (in != NULL) {
        CHECK(snig_inputs_rows(in) == 2 && snig_inputs_first_row(in) == 1);
        CHECK(snig_inputs_nonzeros(in) == 1 && in->col[0] == 3);
    }
    snig_inputs_free(&in);
    o.row_first = 3;
    o.row_count = 0;
    CHECK_OK(ctx, snig_inputs_load(ctx, DATA "/hand-inputs-4.tsv", &o, &in));
    if (in != NULL)
        CHECK(snig_inputs_rows(in) == 1 && snig_inputs_nonzeros(in) == 2);
    snig_inputs_free(&in);
    /* Another name, with the neuron count given. */
    o.row_first = 0;
    o.neurons = 4;
    const char *path = put("inputs/images.tsv", "1 4 3.5\n", -1);
    CHECK_OK(ctx, snig_inputs_load(ctx, path, &o, &in));
    if (in != NULL)
        CHECK(snig_inputs_rows(in) == 1 && in->val[0] == 3.5f);
    snig_inputs_free(&in);
    /* .gz inputs. */
    char gzpath[700];
    snprintf(gzpath, sizeof gzpath, "%s/inputs/sparse-images-4.tsv.gz", base);
    gzFile gz = gzopen(gzpath, "wb");
    gzputs(gz, "2\t2\t1\n3\t1\t1\n");
    gzclose(gz);
    o.neurons = 0;
    CHECK_OK(ctx, snig_inputs_load(ctx, gzpath, &o, &in));
    if (in != NULL)
        CHECK(snig_inputs_rows(in) == 3 && snig_inputs_nonzeros(in) == 2);
    snig_inputs_free(&in);
    /* A truncated .gz. */
    static char big[100000];
    size_t at = 0;
    for (int i = 0; at + 40 < sizeof big; i++)
        at += (size_t)snprintf(big + at, sizeof big - at, "%d\t%d\t%d\n",
                               i + 1, i % 4 + 1, i);
    snprintf(gzpath, sizeof gzpath, "%s/inputs/cut/sparse-images-4.tsv.gz",
             base);
    put("inputs/cut/x", "", -1);
    gz = gzopen(gzpath, "wb");
    gzputs(gz, big);
    gzclose(gz);
    struct stat sb;
    CHECK(stat(gzpath, &sb) == 0 && truncate(gzpath, sb.st_size - 9) == 0);
    expect_fail(ctx, INPUTS, gzpath, &o, SNIG_FORMAT, ": truncated gzip data");
    /* Matrix Market: the size line gives the rows. */
    CHECK_OK(ctx, snig_inputs_load(ctx, DATA "/inputs4.mtx", &o, &in));
    if (in != NULL) {
        CHECK(snig_inputs_rows(in) == 6 && snig_inputs_neurons(in) == 4);
        CHECK(snig_inputs_nonzeros(in) == 3 && in->col[1] == 3);
    }
    snig_inputs_free(&in);
    o.neurons = 8;
    expect_fail(ctx, INPUTS, DATA "/inputs4.mtx", &o, SNIG_SIZE,
                ": inputs of 4 columns");
}

static void test_truth(snig_ctx *ctx)
{
    uint64_t *rows = NULL, count = 0;
    CHECK_OK(ctx, snig_truth_load(ctx, DATA "/truth.tsv", &rows, &count));
    CHECK(count == 3 && rows != NULL && rows[0] == 3 && rows[1] == 7 &&
          rows[2] == 12);
    snig_free(ctx, rows);
    rows = NULL;
    CHECK_OK(ctx, snig_truth_load(ctx, DATA "/truth-empty.tsv", &rows, &count));
    CHECK(count == 0);
    snig_free(ctx, rows);
}

/* ------------------------------------------------------------ no memory */

/* Fails the n-th allocation for n = 0, 1, ... until the load succeeds: every
 * failure must be a clean SNIG_NOMEM (leaks show under ASan). */
static void test_no_memory(const char *tar)
{
    const char *paths[] = {tar, DATA "/net4", DATA "/sym4.mtx",
                           DATA "/hand-inputs-4.tsv", DATA "/truth.tsv"};
    for (int k = 0; k < 5; k++) {
        int ok = 0;
        for (long n = 0; n < 500 && !ok; n++) {
            test_failing b;
            snig_allocator a = test_failing_allocator(&b);
            snig_ctx *ctx = NULL;
            if (snig_ctx_new(&ctx, &a) != SNIG_OK) {
                test_failures++;
                return;
            }
            b.left = n;
            snig_network *net = NULL;
            snig_inputs *in = NULL;
            uint64_t *rows = NULL, count = 0;
            snig_load_options o;
            snig_load_options_init(&o);
            o.neurons = 4;
            snig_status st =
                k < 3 ? snig_network_load(ctx, paths[k], NULL, &net)
                : k == 3 ? snig_inputs_load(ctx, paths[k], &o, &in)
                         : snig_truth_load(ctx, paths[k], &rows, &count);
            b.left = -1;
            ok = st == SNIG_OK;
            if (!ok && st != SNIG_NOMEM) {
                fprintf(stderr, "  no memory at %ld: %s: %s\n", n, paths[k],
                        snig_errmsg(ctx));
                test_failures++;
                ok = 1;
            }
            snig_network_free(&net);
            snig_inputs_free(&in);
            snig_free(ctx, rows);
            snig_ctx_free(&ctx);
        }
        CHECK(ok);
    }
}

int main(void)
{
    snprintf(base, sizeof base, "%s/testfiles/readers-%d", SNIG_BINARY_DIR,
             (int)getpid());
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    test_bad_files(ctx);
    test_networks(ctx);
    test_tar(ctx);
    test_inputs(ctx);
    test_truth(ctx);
    char tar[700];
    snprintf(tar, sizeof tar, "%s/neuron4.tar.gz", base);
    test_no_memory(tar);
    snig_ctx_free(&ctx);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", base);
    return test_result("test_readers");
}
