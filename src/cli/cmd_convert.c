/* snig convert: write a network in snig's binary format, the official TSV
 * layout or Matrix Market; inputs in snig's binary format. */
#define _GNU_SOURCE
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

static const char convert_help[] =
    "usage: snig convert (--network PATH | --input PATH) --out PATH [options]\n"
    "\n"
    "Writes snig's binary format, or a network as a folder of official TSV\n"
    "layer files or of Matrix Market files (docs/FORMAT.md), atomically: the\n"
    "output appears whole or not at all, also when interrupted.\n"
    "\n"
    "  --network PATH   layer files folder, neuronN.tar.gz, .mtx or .snb\n"
    "  --input PATH     sparse-images-N.tsv[.gz], .mtx or .snb\n"
    "  --out PATH       the file (snb) or folder (tsv, mtx) to write\n"
    "  --to FORMAT      snb (default), tsv (nN-lK.tsv files; nIxO-lK.tsv for\n"
    "                   rectangular layers) or mtx (one .mtx per layer);\n"
    "                   inputs: snb only\n"
    "  --layers L       networks: keep the first L layers (default: all)\n"
    "  --bias B         networks: record this bias (snb default: the official\n"
    "                   bias for N when the input records none)\n"
    "  --neurons N      inputs: the column count when the file does not say\n";

enum { OPT_NETWORK = 256, OPT_INPUT, OPT_OUT, OPT_LAYERS, OPT_BIAS,
       OPT_NEURONS, OPT_TO, OPT_HELP };

static const struct option convert_options[] = {
    {"network", required_argument, NULL, OPT_NETWORK},
    {"input", required_argument, NULL, OPT_INPUT},
    {"out", required_argument, NULL, OPT_OUT},
    {"to", required_argument, NULL, OPT_TO},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"bias", required_argument, NULL, OPT_BIAS},
    {"neurons", required_argument, NULL, OPT_NEURONS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int snig_cmd_convert(int argc, char **argv)
{
    const char *network = NULL, *input = NULL, *out = NULL, *to = "snb";
    snig_load_options lo;
    snig_load_options_init(&lo);
    float bias = 0.0f;
    int has_bias = 0, c;
    uint64_t v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", convert_options, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_NETWORK: network = optarg; break;
        case OPT_INPUT: input = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_TO: to = optarg; break;
        case OPT_LAYERS:
            bad = cli_parse_u64("convert", "--layers", optarg, 1, UINT32_MAX, &v);
            lo.layers = (uint32_t)v;
            break;
        case OPT_NEURONS:
            bad = cli_parse_u64("convert", "--neurons", optarg, 1, UINT32_MAX, &v);
            lo.neurons = (uint32_t)v;
            break;
        case OPT_BIAS:
            bad = cli_parse_float("convert", "--bias", optarg, &bias);
            has_bias = 1;
            break;
        case OPT_HELP: fputs(convert_help, stdout); return SNIG_EXIT_OK;
        default:
            return cli_usage_error("convert", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
        if (bad)
            return SNIG_EXIT_ERROR;
    }
    if (optind < argc)
        return cli_usage_error("convert", "unexpected argument '%s'", argv[optind]);
    if ((network == NULL) == (input == NULL) || out == NULL)
        return cli_usage_error("convert", "give --out and one of --network or --input");
    if (strcmp(to, "snb") != 0 && strcmp(to, "tsv") != 0 && strcmp(to, "mtx") != 0)
        return cli_usage_error("convert", "--to %s: use snb, tsv or mtx", to);
    if (input != NULL && strcmp(to, "snb") != 0)
        return cli_usage_error("convert", "--to %s: inputs are written as snb "
                               "only", to);
    /* What can be known before reading: a large input is not read for
     * nothing.  (A folder of layer files may replace an empty folder: the
     * export says so when it is not empty.) */
    struct stat sb;
    bool folder_out = strcmp(to, "snb") != 0 && stat(out, &sb) == 0 &&
                      S_ISDIR(sb.st_mode);
    if (cli_check_input("convert", network ? "--network" : "--input",
                        network ? network : input) != 0 ||
        (!folder_out && cli_check_output("convert", "--out", out) != 0))
        return SNIG_EXIT_ERROR;

    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    int code = SNIG_EXIT_ERROR;
    if (cli_ctx_new("convert", &ctx) != 0)
        return SNIG_EXIT_ERROR;
    cli_progress(ctx, -1);
    double t0 = snig_now();
    if (network != NULL) {
        float recorded;
        if (snig_network_load(ctx, network, &lo, &net) != SNIG_OK)
            goto fail;
        /* The official layout has no bias: loading it gives the official
         * one again, so only a given bias is recorded there. */
        if (!has_bias && strcmp(to, "snb") == 0 &&
            !snig_network_recorded_bias(net, &recorded))
            has_bias = snig_official_bias(snig_network_neurons(net), &bias);
        if (has_bias && snig_network_set_bias(ctx, net, bias) != SNIG_OK)
            goto fail;
        if (snig_network_export(ctx, net, to, out) != SNIG_OK)
            goto fail;
        printf("wrote %s: network (%s), %u inputs, %u layers, %llu edges "
               "(%.2f s)\n", out, to, snig_network_neurons(net),
               snig_network_layers(net),
               (unsigned long long)snig_network_edges(net), snig_now() - t0);
    } else {
        if (snig_inputs_load(ctx, input, &lo, &in) != SNIG_OK)
            goto fail;
        if (snig_inputs_save(ctx, in, out) != SNIG_OK)
            goto fail;
        printf("wrote %s: inputs, %llu rows, %u columns, %llu nonzeros (%.2f s)\n",
               out, (unsigned long long)snig_inputs_rows(in),
               snig_inputs_neurons(in),
               (unsigned long long)snig_inputs_nonzeros(in), snig_now() - t0);
    }
    code = SNIG_EXIT_OK;
    goto cleanup;
fail:
    code = cli_fail("convert", ctx);
cleanup:
    snig_inputs_free(&in);
    snig_network_free(&net);
    cli_ctx_free(&ctx);
    return code;
}
