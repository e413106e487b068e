/* snig generate network|inputs: RadiX-Net networks and input rows from real
 * images (the library's snig_generate_network and snig_generate_inputs). */
#define _GNU_SOURCE   /* getopt_long */
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char generate_help[] =
    "usage: snig generate network --neurons N --layers L [--seed S] [--bias B]\n"
    "                             --out PATH [--format snb|tsv] [--quiet]\n"
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
    "sparse-images layout (row, col, 1).  --progress or --quiet: progress\n"
    "on stderr on or off (default: on a terminal).\n";

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

typedef struct gen_args {
    uint64_t neurons, layers, seed, count;
    int has_neurons, has_layers, has_bias, has_threshold, progress;
    float bias, threshold;
    const char *out, *format, *images;
} gen_args;

enum {
    OPT_NEURONS = 256, OPT_LAYERS, OPT_SEED, OPT_BIAS, OPT_OUT, OPT_FORMAT,
    OPT_IMAGES, OPT_COUNT, OPT_THRESHOLD, OPT_PROGRESS, OPT_QUIET, OPT_HELP
};

/* Both kinds share one table; `parse` refuses what the other kind takes. */
static const struct option gen_options[] = {
    {"neurons", required_argument, NULL, OPT_NEURONS},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"bias", required_argument, NULL, OPT_BIAS},
    {"out", required_argument, NULL, OPT_OUT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"count", required_argument, NULL, OPT_COUNT},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses the options after "generate network|inputs" (argv[0] is the kind);
 * `network` selects which are allowed.  0 ok, else the exit code. */
static int parse(const char *cmd, int network, int argc, char **argv,
                 gen_args *a)
{
    *a = (gen_args){.seed = 1, .format = "snb", .progress = -1};
    int c, which = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", gen_options, &which)) != -1) {
        const char *opt = argv[optind - 1];
        int bad = 0;
        if ((!network && (c == OPT_LAYERS || c == OPT_SEED || c == OPT_BIAS)) ||
            (network && (c == OPT_IMAGES || c == OPT_COUNT ||
                         c == OPT_THRESHOLD)))
            return cli_usage_error(cmd, "--%s is not an option of %s",
                                   gen_options[which].name, cmd);
        switch (c) {
        case OPT_NEURONS:
            bad = cli_parse_u64(cmd, "--neurons", optarg, 1, UINT32_MAX,
                                &a->neurons);
            a->has_neurons = 1;
            break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "snb") != 0 && strcmp(optarg, "tsv") != 0)
                return cli_usage_error(cmd, "--format expects snb or tsv, "
                                       "not '%s'", optarg);
            a->format = optarg;
            break;
        case OPT_LAYERS:
            bad = cli_parse_u64(cmd, "--layers", optarg, 1, UINT32_MAX,
                                &a->layers);
            a->has_layers = 1;
            break;
        case OPT_SEED:
            bad = cli_parse_u64(cmd, "--seed", optarg, 0, UINT64_MAX, &a->seed);
            break;
        case OPT_BIAS:
            bad = cli_parse_float(cmd, "--bias", optarg, &a->bias);
            a->has_bias = 1;
            break;
        case OPT_IMAGES: a->images = optarg; break;
        case OPT_COUNT:
            bad = cli_parse_u64(cmd, "--count", optarg, 1, UINT64_MAX / 4,
                                &a->count);
            break;
        case OPT_THRESHOLD:
            bad = cli_parse_float(cmd, "--threshold", optarg, &a->threshold);
            if (!bad && !(a->threshold >= 0.0f && a->threshold < 1.0f))
                return cli_usage_error(cmd, "--threshold expects a fraction "
                                       "in [0, 1), not '%s'", optarg);
            a->has_threshold = 1;
            break;
        case OPT_PROGRESS: a->progress = 1; break;
        case OPT_QUIET: a->progress = 0; break;
        case OPT_HELP:
        case 'h':
            fputs(network ? network_help : inputs_help, stdout);
            return -1;
        default:
            return cli_usage_error(cmd, "unknown option or missing value "
                                   "'%s'", opt);
        }
        if (bad)
            return SNIG_EXIT_ERROR;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!a->has_neurons)
        return cli_usage_error(cmd, "--neurons is required");
    if (network && !a->has_layers)
        return cli_usage_error(cmd, "--layers is required");
    if (!network && a->images == NULL)
        return cli_usage_error(cmd, "--images is required");
    if (a->out == NULL)
        return cli_usage_error(cmd, "--out is required");
    if (strcmp(a->out, "-") == 0 && strcmp(a->format, "tsv") == 0)
        return cli_usage_error(cmd, "--format tsv writes files: --out needs "
                               "a path, not '-'");
    if (!network && cli_check_input(cmd, "--images", a->images) != 0)
        return SNIG_EXIT_ERROR;
    if (cli_check_output(cmd, "--out", a->out) != 0)
        return SNIG_EXIT_ERROR;
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
    gen_args a;
    int code = parse(cmd, network, argc - 1, argv + 1, &a);
    if (code != 0)
        return code < 0 ? SNIG_EXIT_OK : code;
    snig_ctx *ctx = NULL;
    if (cli_ctx_new(cmd, &ctx) != 0)
        return SNIG_EXIT_ERROR;
    cli_progress(ctx, a.progress);
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
    if (st == SNIG_OK && a.progress != 0)
        fprintf(stderr, "snig %s: wrote %s\n", cmd, a.out);
    cli_ctx_free(&ctx);
    return code;
}
