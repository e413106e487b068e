/* How close a generated workload is to the official one: the first 1200
 * official inputs through the official 1024 x 120 network and through a
 * generated 1024 x 120 network (seed 1), rows still alive after each layer
 * and the categories at the end; optionally also inputs generated from IDX
 * image files through the generated network.  docs/FIDELITY.md holds the
 * output.  usage: fidelity [SHARED_DIR [IMAGES.idx ...]] */
#define _DEFAULT_SOURCE
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CURVES 6
#define LAYERS 120

typedef struct curve {
    char name[96];
    uint64_t rows, nonzeros;
    uint64_t live[LAYERS];
    uint64_t categories;
    uint64_t *cat;           /* the categories (1-based rows) */
} curve;

/* Runs net on in with the reference engine and fills c. */
static int run(snig_ctx *ctx, const snig_network *net, const snig_inputs *in,
               curve *c)
{
    snig_options o;
    snig_options_init(&o);
    o.engine = "reference";
    snig_result *res = NULL;
    if (snig_infer(ctx, net, in, &o, &res) != SNIG_OK)
        return -1;
    const uint64_t *live = snig_result_live_rows(res);
    uint32_t layers = snig_result_layers(res);
    for (uint32_t l = 0; l < LAYERS; l++)
        c->live[l] = live != NULL && l < layers ? live[l] : 0;
    const uint64_t *cat = snig_result_categories(res, &c->categories);
    c->cat = malloc((c->categories + 1) * sizeof *c->cat);
    if (c->cat == NULL) {
        snig_result_free(&res);
        return -1;
    }
    memcpy(c->cat, cat, c->categories * sizeof *cat);
    c->rows = snig_inputs_rows(in);
    c->nonzeros = snig_inputs_nonzeros(in);
    snig_result_free(&res);
    return 0;
}

static snig_inputs *load_inputs(snig_ctx *ctx, const char *path,
                                uint64_t rows)
{
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.neurons = 1024;
    lo.row_count = rows;
    snig_inputs *in = NULL;
    if (snig_inputs_load(ctx, path, &lo, &in) != SNIG_OK)
        return NULL;
    return in;
}

int main(int argc, char **argv)
{
    const char *shared = argc > 1 ? argv[1] : SNIG_SHARED_DATA;
    char path[4096], netfile[4096], infile[4096];
    snig_ctx *ctx = NULL;
    snig_network *official = NULL, *generated = NULL;
    snig_inputs *in = NULL;
    curve c[MAX_CURVES] = {0};
    int ncurves = 0, rc = 2;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 2;
    snprintf(netfile, sizeof netfile, "/tmp/snig-fidelity-%d.snb",
             (int)getpid());
    snprintf(infile, sizeof infile, "/tmp/snig-fidelity-%d-in.snb",
             (int)getpid());

    snig_load_options lo;
    snig_load_options_init(&lo);
    snprintf(path, sizeof path, "%s/neuron1024.tar.gz", shared);
    if (snig_network_load(ctx, path, &lo, &official) != SNIG_OK)
        goto fail;
    snig_generate_options go;
    snig_generate_options_init(&go);
    go.neurons = 1024;
    go.layers = LAYERS;
    go.seed = 1;
    if (snig_generate_network(ctx, &go, netfile) != SNIG_OK ||
        snig_network_load(ctx, netfile, &lo, &generated) != SNIG_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/sparse-images-1024-first1200.tsv.gz",
             shared);
    if ((in = load_inputs(ctx, path, 0)) == NULL)
        goto fail;
    snprintf(c[0].name, sizeof c[0].name, "official inputs, official net");
    snprintf(c[1].name, sizeof c[1].name, "official inputs, generated net");
    if (run(ctx, official, in, &c[0]) != 0 || run(ctx, generated, in, &c[1]))
        goto fail;
    ncurves = 2;
    snig_inputs_free(&in);
    for (int a = 2; a < argc && ncurves + 1 < MAX_CURVES; a++) {
        snig_image_options io;
        snig_image_options_init(&io);
        io.neurons = 1024;
        io.count = 1200;
        if (snig_generate_inputs(ctx, argv[a], &io, infile) != SNIG_OK ||
            (in = load_inputs(ctx, infile, 0)) == NULL)
            goto fail;
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        snprintf(c[ncurves].name, sizeof c[0].name, "%.40s, official net",
                 base);
        snprintf(c[ncurves + 1].name, sizeof c[0].name,
                 "%.40s, generated net", base);
        if (run(ctx, official, in, &c[ncurves]) != 0 ||
            run(ctx, generated, in, &c[ncurves + 1]) != 0)
            goto fail;
        ncurves += 2;
        snig_inputs_free(&in);
    }

    printf("rows still nonzero after each layer (1200 input rows, 1024 x 120,"
           " reference engine)\n\n| layer |");
    for (int k = 0; k < ncurves; k++)
        printf(" %s |", c[k].name);
    printf("\n| --- |");
    for (int k = 0; k < ncurves; k++)
        printf(" --- |");
    printf("\n| nonzeros per input row |");
    for (int k = 0; k < ncurves; k++)
        printf(" %.1f |", (double)c[k].nonzeros / (double)c[k].rows);
    printf("\n");
    static const int shown[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20,
                                30, 60, 90, 120};
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
        printf("| %d |", shown[i]);
        for (int k = 0; k < ncurves; k++)
            printf(" %llu |", (unsigned long long)c[k].live[shown[i] - 1]);
        printf("\n");
    }
    printf("| categories |");
    for (int k = 0; k < ncurves; k++)
        printf(" %llu |", (unsigned long long)c[k].categories);
    printf("\n| categories also found through the official net |");
    for (int k = 0; k < ncurves; k++) {
        /* Curves come in pairs: official net, generated net. */
        const curve *a = &c[k - k % 2], *b = &c[k];
        uint64_t same = 0;
        for (uint64_t i = 0, j = 0; i < a->categories && j < b->categories;) {
            if (a->cat[i] == b->cat[j]) {
                same++;
                i++;
                j++;
            } else if (a->cat[i] < b->cat[j]) {
                i++;
            } else {
                j++;
            }
        }
        printf(" %llu |", (unsigned long long)same);
    }
    printf("\n");
    rc = 0;
    goto cleanup;
fail:
    fprintf(stderr, "fidelity: %s\n", snig_errmsg(ctx));
cleanup:
    unlink(netfile);
    unlink(infile);
    snig_inputs_free(&in);
    snig_network_free(&generated);
    snig_network_free(&official);
    for (int k = 0; k < MAX_CURVES; k++)
        free(c[k].cat);
    snig_ctx_free(&ctx);
    return rc;
}
