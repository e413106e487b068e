/* snig generate network|inputs: RadiX-Net networks and input rows from real
 * images (the library's snig_generate_network and snig_generate_inputs). */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char generate_help[] =
    "usage: snig generate network --neurons N --layers L [--seed S] [--bias B]\n"
    "                             --out PATH [--format snb|tsv]\n"
    "       snig generate inputs --neurons N --images FILE [--count C]\n"
    "                            [--threshold T] --out PATH [--format snb|tsv]\n"
    "\n"
    "Run 'snig generate network --help' or 'snig generate inputs --help'.\n";

static const char network_help[] =
    "usage: snig generate network --neurons N --layers L [--seed S] [--bias B]\n"
    "                             --out PATH [--format snb|tsv]\n"
    "\n"
    "Writes a RadiX-Net network with the structure of the official challenge\n"
    "networks: 32 weights of 1/16 per neuron, N = 16 * 2^k (N >= 64), any L.\n"
    "Layers 1..log2(N/16) equal the official ones; later blocks use random\n"
    "permutations drawn from the seed (default 1): the same arguments give\n"
    "the same bytes on every machine.  The bias is the official one for\n"
    "N = 1024, 4096, 16384, 65536 (-0.3, -0.35, -0.4, -0.45); other N need\n"
    "--bias.  --format snb (default): snig's binary file; tsv: a directory of\n"
    "official nN-lK.tsv files.  Written layer by layer (memory: one layer),\n"
    "under a temporary name renamed onto PATH at the end.\n";

static const char inputs_help[] =
    "usage: snig generate inputs --neurons N --images FILE [--count C]\n"
    "                            [--threshold T] --out PATH [--format snb|tsv]\n"
    "\n"
    "Makes 0/1 input rows from an MNIST-format IDX image file (plain or .gz;\n"
    "scripts/fetch-mnist.sh fetches 10,000 digits; Debian's\n"
    "dataset-fashion-mnist has 60,000 clothing images): each image is resized\n"
    "to sqrt(N) x sqrt(N) (bilinear) and its pixels brighter than T (a\n"
    "fraction of full brightness; default 0.71, about 102 nonzeros per\n"
    "1024-pixel digit, like the official inputs) become ones.  N must be a\n"
    "square (1024, 4096, 16384, 65536).  --count C (default: one row per\n"
    "image) beyond the number of images adds the images shifted by small\n"
    "offsets; empty and repeated rows are skipped, so all rows differ.\n"
    "--format snb (default): snig's binary file; tsv: the official\n"
    "sparse-images layout (row, col, 1).\n";

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

typedef struct gen_args {
    uint64_t neurons, layers, seed, count;
    int has_neurons, has_layers, has_bias, has_threshold;
    float bias, threshold;
    const char *out, *format, *images;
} gen_args;

/* Parses the options after "generate network|inputs"; `network` selects
 * which are allowed.  0 ok, else the exit code. */
static int parse(const char *cmd, int network, int argc, char **argv,
                 gen_args *a)
{
    *a = (gen_args){.seed = 1, .format = "snb"};
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        if (i + 1 >= argc)
            return cli_usage_error(cmd, "%s: unknown option or missing value",
                                   opt);
        const char *v = argv[++i];
        int bad = 0;
        if (strcmp(opt, "--neurons") == 0) {
            bad = cli_parse_u64(cmd, opt, v, 1, UINT32_MAX, &a->neurons);
            a->has_neurons = 1;
        } else if (strcmp(opt, "--out") == 0) {
            a->out = v;
        } else if (strcmp(opt, "--format") == 0) {
            if (strcmp(v, "snb") != 0 && strcmp(v, "tsv") != 0)
                return cli_usage_error(cmd, "--format expects snb or tsv, "
                                       "not '%s'", v);
            a->format = v;
        } else if (network && strcmp(opt, "--layers") == 0) {
            bad = cli_parse_u64(cmd, opt, v, 1, UINT32_MAX, &a->layers);
            a->has_layers = 1;
        } else if (network && strcmp(opt, "--seed") == 0) {
            bad = cli_parse_u64(cmd, opt, v, 0, UINT64_MAX, &a->seed);
        } else if (network && strcmp(opt, "--bias") == 0) {
            bad = cli_parse_float(cmd, opt, v, &a->bias);
            a->has_bias = 1;
        } else if (!network && strcmp(opt, "--images") == 0) {
            a->images = v;
        } else if (!network && strcmp(opt, "--count") == 0) {
            bad = cli_parse_u64(cmd, opt, v, 1, UINT64_MAX / 4, &a->count);
        } else if (!network && strcmp(opt, "--threshold") == 0) {
            bad = cli_parse_float(cmd, opt, v, &a->threshold);
            if (!bad && !(a->threshold >= 0.0f && a->threshold < 1.0f))
                return cli_usage_error(cmd, "--threshold expects a fraction "
                                       "in [0, 1), not '%s'", v);
            a->has_threshold = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", opt);
        }
        if (bad)
            return SNIG_EXIT_ERROR;
    }
    if (!a->has_neurons)
        return cli_usage_error(cmd, "--neurons is required");
    if (network && !a->has_layers)
        return cli_usage_error(cmd, "--layers is required");
    if (!network && a->images == NULL)
        return cli_usage_error(cmd, "--images is required");
    if (a->out == NULL)
        return cli_usage_error(cmd, "--out is required");
    return 0;
}

int snig_cmd_generate(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        fputs(generate_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? SNIG_EXIT_ERROR : SNIG_EXIT_OK;
    }
    int network = strcmp(argv[1], "network") == 0;
    if (!network && strcmp(argv[1], "inputs") != 0)
        return cli_usage_error("generate", "what to generate: 'network' or "
                               "'inputs', not '%s'", argv[1]);
    const char *cmd = network ? "generate network" : "generate inputs";
    for (int i = 2; i < argc; i++)
        if (is_help(argv[i])) {
            fputs(network ? network_help : inputs_help, stdout);
            return SNIG_EXIT_OK;
        }
    gen_args a;
    int code = parse(cmd, network, argc - 2, argv + 2, &a);
    if (code != 0)
        return code;
    snig_ctx *ctx = NULL;
    if (cli_ctx_new(cmd, &ctx) != 0)
        return SNIG_EXIT_ERROR;
    cli_progress(ctx, -1);
    snig_status st;
    if (network) {
        snig_generate_options o;
        snig_generate_options_init(&o);
        o.neurons = (uint32_t)a.neurons;
        o.layers = (uint32_t)a.layers;
        o.seed = a.seed;
        o.has_bias = a.has_bias;
        o.bias = a.bias;
        o.format = a.format;
        st = snig_generate_network(ctx, &o, a.out);
    } else {
        snig_image_options o;
        snig_image_options_init(&o);
        o.neurons = (uint32_t)a.neurons;
        o.count = a.count;
        if (a.has_threshold)
            o.threshold = a.threshold;
        o.format = a.format;
        st = snig_generate_inputs(ctx, a.images, &o, a.out);
    }
    code = st == SNIG_OK ? SNIG_EXIT_OK : cli_fail(cmd, ctx);
    if (st == SNIG_OK)
        fprintf(stderr, "snig %s: wrote %s\n", cmd, a.out);
    cli_ctx_free(&ctx);
    return code;
}
