/* General networks in every format snig writes: rectangular layers of both
 * bias rules and all three activations, with per-neuron biases and weights
 * of any sign, saved as .snb (format version 2) and exported to the official
 * TSV layout and to Matrix Market; each loads back to the same network,
 * compared entry by entry.  Version 1 files (tests/data/snb) are still read.
 * Export is atomic: a refused or cancelled export leaves nothing. */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include "core/internal.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>



/* The weight of (i, j) in layer L, or NAN when there is no entry. */
static float entry(const snig_layer *L, uint32_t i, uint32_t j)
{
    for (uint32_t p = L->rowptr[i]; p < L->rowptr[i + 1]; p++)
        if ((L->col16 ? L->col16[p] : L->col32[p]) == j)
            return L->val ? L->val[p] : L->uniform;
    return NAN;
}

static float bias_of(const snig_layer *L, uint32_t j)
{
    return L->bias ? L->bias[j] : L->bias_value;
}

/* Every entry, shape, rule, activation, cap and bias equal. */
static int same_network(snig_ctx *ctx, const snig_network *a,
                        const snig_network *b)
{
    if (a->layers != b->layers || a->neurons != b->neurons)
        return 0;
    for (uint32_t l = 0; l < a->layers; l++) {
        if (snig__layer_ready(ctx, a, l) != SNIG_OK ||
            snig__layer_ready(ctx, b, l) != SNIG_OK)
            return 0;
        const snig_layer *x = &a->layer[l], *y = &b->layer[l];
        if (x->n_in != y->n_in || x->n_out != y->n_out || x->nnz != y->nnz ||
            x->bias_rule != y->bias_rule || x->activation != y->activation ||
            (x->activation == SNIG_ACT_RELU_CAP && x->cap != y->cap) ||
            x->has_bias != y->has_bias) {
            fprintf(stderr, "layer %u: shape or rule differs\n", l + 1);
            return 0;
        }
        for (uint32_t i = 0; i < x->n_in; i++) {
            if (x->rowptr[i + 1] - x->rowptr[i] != y->rowptr[i + 1] - y->rowptr[i])
                return 0;
            for (uint32_t p = x->rowptr[i]; p < x->rowptr[i + 1]; p++) {
                uint32_t j = x->col16 ? x->col16[p] : x->col32[p];
                float u = x->val ? x->val[p] : x->uniform, v = entry(y, i, j);
                if (memcmp(&u, &v, sizeof u) != 0) {
                    fprintf(stderr, "layer %u (%u, %u): %.9g vs %.9g\n", l + 1,
                            i + 1, j + 1, (double)u, (double)v);
                    return 0;
                }
            }
        }
        for (uint32_t j = 0; x->has_bias && j < x->n_out; j++)
            if (bias_of(x, j) != bias_of(y, j))
                return 0;
    }
    return 1;
}

/* 40 -> 70 (dense, ReLU, per-neuron bias) -> 70 (nonzero, ReLU capped at 5,
 * one bias) -> 9 (dense, identity, per-neuron bias): a small classifier. */
static snig_network *general_network(snig_ctx *ctx)
{
    const uint32_t shape[4] = {40, 70, 70, 9};
    uint32_t *rowptr[3], *col[3];
    float *val[3], *bias[3];
    snig_layer_desc d[3];
    uint64_t seed = 12345;
    for (int l = 0; l < 3; l++) {
        uint32_t n_in = shape[l], n_out = shape[l + 1];
        rowptr[l] = malloc((n_in + 1) * sizeof(uint32_t));
        col[l] = malloc(n_in * 6 * sizeof(uint32_t));
        val[l] = malloc(n_in * 6 * sizeof(float));
        bias[l] = malloc(n_out * sizeof(float));
        uint32_t q = 0;
        rowptr[l][0] = 0;
        for (uint32_t i = 0; i < n_in; i++) {
            uint32_t k = (uint32_t)(i % 7 == 3 ? 0 : 1 + i % 6);
            for (uint32_t t = 0; t < k; t++) {
                uint32_t j = (i * 7 + t * 13 + (uint32_t)l) % n_out;
                int dup = 0;
                for (uint32_t r = rowptr[l][i]; r < q; r++)
                    dup |= col[l][r] == j;
                if (dup)
                    continue;
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                col[l][q] = j;
                val[l][q++] = (float)((int64_t)(seed >> 40) % 2001 - 1000) / 997.0f;
            }
            rowptr[l][i + 1] = q;
        }
        for (uint32_t j = 0; j < n_out; j++)
            bias[l][j] = 0.01f * (float)((int)(j % 11) - 5);
        snig_layer_desc_init(&d[l]);
        d[l].n_in = n_in;
        d[l].n_out = n_out;
        d[l].rowptr = rowptr[l];
        d[l].col = col[l];
        d[l].val = val[l];
        d[l].bias = bias[l];
    }
    d[0].bias_rule = SNIG_BIAS_DENSE;
    d[0].activation = SNIG_ACT_RELU;
    d[1].val = NULL;
    d[1].uniform = 0.375f;
    d[1].bias = NULL;
    d[1].bias_value = -0.0625f;
    d[1].cap = 5.0f;
    d[2].bias_rule = SNIG_BIAS_DENSE;
    d[2].activation = SNIG_ACT_IDENTITY;
    snig_network *net = NULL;
    CHECK_OK(ctx, snig_network_from_layers(ctx, d, 3, SNIG_COPY, &net));
    for (int l = 0; l < 3; l++) {
        free(rowptr[l]);
        free(col[l]);
        free(val[l]);
        free(bias[l]);
    }
    return net;
}

/* The reference engine gives the same final values on a and b. */
static int same_scores(snig_ctx *ctx, const snig_network *a,
                       const snig_network *b)
{
    snig_inputs *in = NULL;
    snig_result *ra = NULL, *rb = NULL;
    int same = 0;
    CHECK_OK(ctx, test_random_inputs(ctx, a->neurons, 30, 0.3, 3.0f, 0, 0, 9,
                                     &in));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = 1;
    if (in != NULL && snig_infer(ctx, a, in, &opt, &ra) == SNIG_OK &&
        snig_infer(ctx, b, in, &opt, &rb) == SNIG_OK) {
        same = 1;
        uint32_t w = snig_result_outputs(ra);
        for (uint64_t r = 0; r < 30; r++) {
            const float *x = snig_result_row(ra, r), *y = snig_result_row(rb, r);
            if ((x == NULL) != (y == NULL) ||
                (x != NULL && memcmp(x, y, w * sizeof *x) != 0))
                same = 0;
        }
    }
    snig_result_free(&ra);
    snig_result_free(&rb);
    snig_inputs_free(&in);
    return same;
}

static void round_trip(snig_ctx *ctx, const snig_network *net, const char *tag)
{
    char name[64];
    snprintf(name, sizeof name, "%s.snb", tag);
    const char *snb = test_path(0, name);
    CHECK_OK(ctx, snig_network_save(ctx, net, snb));
    for (int verify = 1; verify >= 0; verify--) {
        snig_load_options o;
        snig_load_options_init(&o);
        o.verify = verify;
        snig_network *back = NULL;
        CHECK_OK(ctx, snig_network_load(ctx, snb, &o, &back));
        /* The description of a layer not read yet is complete too. */
        snig_layer_info li;
        CHECK(snig_network_layer_info(back, 0, &li) && li.per_neuron_bias &&
              li.has_bias && li.bias == bias_of(&net->layer[0], 0) &&
              li.uniform_values == (net->layer[0].val == NULL));
        CHECK(back != NULL && same_network(ctx, net, back));
        CHECK(back != NULL && same_scores(ctx, net, back));
        snig_network_free(&back);
    }
    /* snb -> tsv -> load, snb -> mtx -> load. */
    snig_network *from_snb = NULL;
    CHECK_OK(ctx, snig_network_load(ctx, snb, NULL, &from_snb));
    const char *formats[] = {"tsv", "mtx"};
    for (int f = 0; f < 2 && from_snb != NULL; f++) {
        snprintf(name, sizeof name, "%s-%s", tag, formats[f]);
        const char *dir = test_path(1, name);
        CHECK_OK(ctx, snig_network_export(ctx, from_snb, formats[f], dir));
        snig_network *back = NULL;
        CHECK_OK(ctx, snig_network_load(ctx, dir, NULL, &back));
        CHECK(back != NULL && same_network(ctx, net, back));
        snig_network_free(&back);
        /* A folder that is not empty is not replaced. */
        CHECK(snig_network_export(ctx, from_snb, formats[f], dir) == SNIG_IO);
        CHECK(strstr(snig_errmsg(ctx), "not an empty directory") != NULL);
    }
    snig_network_free(&from_snb);
}

/* The official layout: nN-lK.tsv files only, loadable as before. */
static void official_layout(snig_ctx *ctx)
{
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 3, 4, 0.0f, 0.0625f, 0, 0, 0,
                                      5, &net));
    const char *dir = test_path(2, "official");
    CHECK_OK(ctx, snig_network_export(ctx, net, "tsv", dir));
    const char *want[] = {"n64-l1.tsv", "n64-l2.tsv", "n64-l3.tsv"};
    int found = 0, other = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        int known = 0;
        for (int k = 0; k < 3; k++)
            known |= strcmp(e->d_name, want[k]) == 0;
        found += known;
        other += !known;
    }
    if (d != NULL)
        closedir(d);
    CHECK(found == 3 && other == 0);
    /* The values are the official "6.250000e-02". */
    char file[1200];
    snprintf(file, sizeof file, "%.1000s/n64-l1.tsv", dir);
    FILE *f = fopen(file, "r");
    char line[64] = "";
    CHECK(f != NULL && fgets(line, sizeof line, f) != NULL);
    CHECK(strstr(line, "\t6.250000e-02\n") != NULL);
    if (f != NULL)
        fclose(f);
    snig_network *back = NULL;
    CHECK_OK(ctx, snig_network_load(ctx, dir, NULL, &back));
    CHECK(back != NULL && same_network(ctx, net, back));
    snig_network_free(&back);
    /* The folder's permissions follow the umask, not 0700. */
    struct stat sb;
    mode_t mask = umask(022);
    umask(mask);
    CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == (0777 & ~mask));
    snig_network_free(&net);
}

/* Cancelled or refused exports leave nothing, final or temporary. */
static void nothing_left(snig_ctx *ctx)
{
    snig_network *net = general_network(ctx);
    const char *formats[] = {"tsv", "mtx", "snb"};
    for (int f = 0; f < 3 && net != NULL; f++) {
        char name[32];
        snprintf(name, sizeof name, "cancelled-%s", formats[f]);
        const char *p = test_path(3, name);
        snig_cancel(ctx);
        CHECK(snig_network_export(ctx, net, formats[f], p) == SNIG_CANCELLED);
        snig_clear_error(ctx);
        CHECK(!test_file_exists(p));
    }
    CHECK(snig_network_export(ctx, net, "csv", test_path(3, "x")) == SNIG_USAGE);
    snig_clear_error(ctx);
    int leftovers = 0;
    DIR *d = opendir(test_path(7, "."));
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        leftovers += strstr(e->d_name, ".tmp.") != NULL;
    if (d != NULL)
        closedir(d);
    CHECK(leftovers == 0);
    snig_network_free(&net);
}

/* tests/data/snb/v1-*.snb were written by the version 1 writer: N = 16, two
 * layers (see tests/data/snb/README.md for how they were made). */
static void version1(snig_ctx *ctx)
{
    snig_network *net = NULL;
    snig_file_info fi;
    const char *p = SNIG_TEST_DATA "/snb/v1-net.snb";
    CHECK_OK(ctx, snig_file_info_get(ctx, p, &fi));
    CHECK(fi.version == 1 && fi.layers == 2 && fi.checksums_ok == 1);
    CHECK(fi.has_bias && fi.per_neuron_bias && fi.challenge_layers);
    for (int verify = 1; verify >= 0; verify--) {
        snig_load_options o;
        snig_load_options_init(&o);
        o.verify = verify;
        CHECK_OK(ctx, snig_network_load(ctx, p, &o, &net));
        if (net == NULL)
            return;
        CHECK(net->neurons == 16 && net->layers == 2);
        CHECK_OK(ctx, snig__layer_ready(ctx, net, 0));
        CHECK_OK(ctx, snig__layer_ready(ctx, net, 1));
        const snig_layer *a = &net->layer[0], *b = &net->layer[1];
        for (uint32_t i = 0; i < 16; i++) {
            float w = (float)(i + 1) / 8.0f - 1.0f;
            CHECK(entry(a, i, (3 * i + 1) % 16) == w);
            CHECK(entry(a, i, (5 * i + 2) % 16) == w);
            CHECK(entry(b, i, (i + 7) % 16) == 0.25f);
            CHECK(bias_of(a, i) == -0.1f * (float)(i + 1));
            CHECK(bias_of(b, i) == -0.5f);
        }
        CHECK(a->n_out == 16 && a->bias_rule == SNIG_BIAS_NONZERO &&
              a->activation == SNIG_ACT_RELU_CAP && a->cap == 32.0f);
        snig_network_free(&net);
    }
    snig_inputs *in = NULL;
    CHECK_OK(ctx, snig_inputs_load(ctx, SNIG_TEST_DATA "/snb/v1-inputs.snb",
                                   NULL, &in));
    if (in == NULL)
        return;
    CHECK(in->rows == 5 && in->neurons == 16 && in->rowptr[5] == 8);
    for (uint64_t r = 0; r < 5; r++) {
        uint64_t q = in->rowptr[r];
        CHECK(in->rowptr[r + 1] - q == (r == 2 ? 0u : 2u));
        if (r != 2)
            CHECK(in->col[q] == r && in->col[q + 1] == r + 3 &&
                  in->val[q] == (float)r + 0.5f);
    }
    snig_inputs_free(&in);
}

int main(void)
{
    if (test_scratch("export") == NULL)
        return 1;
    snig_ctx *ctx = NULL;
    snig_ctx_new(&ctx, NULL);
    snig_network *net = general_network(ctx);
    if (net != NULL)
        round_trip(ctx, net, "general");
    snig_network_free(&net);
    /* Wide layers: 32-bit indices. */
    CHECK_OK(ctx, test_random_network(ctx, 70000, 2, 1, 0.5f, 0.0f, 1, -0.2f,
                                      0.1f, 3, &net));
    if (net != NULL)
        round_trip(ctx, net, "wide");
    snig_network_free(&net);
    official_layout(ctx);
    nothing_left(ctx);
    version1(ctx);
    snig_ctx_free(&ctx);
    test_scratch_end();
    return test_result("test_export");
}
