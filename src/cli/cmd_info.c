/* snig info: what a file holds, and whether its checksums hold. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char info_help[] =
    "usage: snig info FILE\n"
    "\n"
    "Prints the kind (network or inputs), N, L or rows, nonzeros, the index\n"
    "width, the layers' shapes, rules and biases (runs of alike layers in one\n"
    "line) and, for binary files, whether every checksum and layer holds,\n"
    "naming the first damaged layer (exit 2 when one does not).\n";

static const char *activation_name(const snig_layer_info *li, char *buf,
                                   size_t len)
{
    switch (li->activation) {
    case SNIG_ACT_RELU_CAP:
        snprintf(buf, len, "ReLU capped at %g", (double)li->cap);
        return buf;
    case SNIG_ACT_RELU: return "ReLU";
    case SNIG_ACT_IDENTITY: return "identity";
    }
    return "?";
}

/* Alike: same shape, rule, activation and kind of bias. */
static int alike(const snig_layer_info *a, const snig_layer_info *b)
{
    return a->n_in == b->n_in && a->n_out == b->n_out &&
           a->bias_rule == b->bias_rule && a->activation == b->activation &&
           a->cap == b->cap && a->has_bias == b->has_bias &&
           a->per_neuron_bias == b->per_neuron_bias &&
           (a->per_neuron_bias || a->bias == b->bias);
}

static void print_run(uint32_t first, uint32_t last, const snig_layer_info *li,
                      uint64_t nnz)
{
    char range[32], act[48], bias[48];
    if (first == last)
        snprintf(range, sizeof range, "%u", first + 1);
    else
        snprintf(range, sizeof range, "%u-%u", first + 1, last + 1);
    if (!li->has_bias)
        snprintf(bias, sizeof bias, "no bias recorded");
    else if (li->per_neuron_bias)
        snprintf(bias, sizeof bias, "bias per neuron");
    else
        snprintf(bias, sizeof bias, "bias %g", (double)li->bias);
    printf("  %-9s %u x %u, %llu nonzeros, bias rule %s, %s, %s\n", range,
           li->n_in, li->n_out, (unsigned long long)nnz,
           li->bias_rule == SNIG_BIAS_DENSE ? "dense" : "nonzero",
           activation_name(li, act, sizeof act), bias);
}

/* The layers, runs of alike layers on one line.  Binary files are loaded
 * with verify = 0: the table describes the layers, no data is read. */
static void print_layers(snig_ctx *ctx, const char *path, int verify)
{
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.verify = verify;
    snig_network *net = NULL;
    if (snig_network_load(ctx, path, &lo, &net) != SNIG_OK) {
        printf("  (layers not listed: %s)\n", snig_errmsg(ctx));
        snig_clear_error(ctx);
        return;
    }
    uint32_t n = snig_network_layers(net), first = 0;
    snig_layer_info run = {0}, li = {0};
    uint64_t nnz = 0;
    for (uint32_t l = 0; l <= n; l++) {
        int more = l < n && snig_network_layer_info(net, l, &li);
        if (l > 0 && (!more || !alike(&run, &li))) {
            print_run(first, l - 1, &run, nnz);
            first = l;
            nnz = 0;
        }
        if (!more)
            break;
        if (l == first)
            run = li;
        nnz += li.nnz;
    }
    snig_network_free(&net);
}

int snig_cmd_info(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(info_help, stdout);
        return SNIG_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error("info", "expects exactly one FILE");
    snig_ctx *ctx = NULL;
    if (cli_ctx_new("info", &ctx) != 0)
        return SNIG_EXIT_ERROR;
    cli_progress(ctx, -1);
    snig_file_info fi;
    int code = SNIG_EXIT_OK;
    if (snig_file_info_get(ctx, argv[1], &fi) != SNIG_OK) {
        code = cli_fail("info", ctx);
        goto cleanup;
    }
    int network = strcmp(fi.kind, "network") == 0;
    int snb = strcmp(fi.format, "snb") == 0;
    printf("file        %s\n", argv[1]);
    if (snb)
        printf("kind        %s (%s, format version %d)\n", fi.kind, fi.format,
               fi.version);
    else
        printf("kind        %s (%s)\n", fi.kind, fi.format);
    printf("neurons     %u%s\n", fi.neurons,
           network && !fi.challenge_layers ? " (inputs of layer 1)" : "");
    if (network) {
        printf("layers      %u\n", fi.layers);
        if (!fi.challenge_layers)
            printf("outputs     %u\n", fi.outputs);
    } else {
        printf("rows        %llu\n", (unsigned long long)fi.rows);
    }
    printf("nonzeros    %llu\n", (unsigned long long)fi.nonzeros);
    printf("index bits  %d\n", fi.index_bits);
    if (network) {
        float official = 0.0f;
        if (fi.has_bias)
            printf("bias        %g%s\n", (double)fi.bias,
                   fi.per_neuron_bias ? " (layer 1, neuron 1; per neuron)" : "");
        else if (snig_official_bias(fi.neurons, &official))
            printf("bias        none recorded: run uses the official %g for "
                   "N = %u\n", (double)official, fi.neurons);
        else
            printf("bias        none recorded: run needs --bias\n");
        printf("values      %s\n", fi.uniform_values ? "uniform (no value arrays)"
                                                      : "stored");
        /* Binary files list their layers cheaply; text networks only when
         * they are not the challenge's (they were read once already). */
        if (snb || !fi.challenge_layers) {
            printf("layer list\n");
            print_layers(ctx, argv[1], !snb);
        }
    }
    if (fi.checksums_ok > 0)
        printf("checksums   all hold\n");
    else if (fi.checksums_ok < 0)
        printf("checksums   none (text file)\n");
    else
        /* A checksum that holds over content that lies (a NaN weight, a
         * column out of range) is a damaged file too, but not the sums'. */
        printf("%s FAILED: %s %u is damaged: %s\n",
               strstr(fi.damage, "checksum") ? "checksums  " : "content    ",
               network ? "layer" : "chunk", fi.bad_entry, fi.damage);
    if (fi.checksums_ok == 0)
        code = SNIG_EXIT_ERROR;
cleanup:
    cli_ctx_free(&ctx);
    return code;
}
