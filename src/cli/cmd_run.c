/* snig run: load, infer, report, check against a truth. */
#define _GNU_SOURCE
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char run_help[] =
    "usage: snig run --network PATH --input PATH [options]\n"
    "\n"
    "Runs the network on the input rows and prints the load time, the\n"
    "inference time, the challenge rate (inputs x edges / inference seconds)\n"
    "and the number of categories (rows still nonzero at the end).\n"
    "\n"
    "  --network PATH      layer files folder, neuronN.tar.gz, .mtx or .snb\n"
    "  --input PATH        sparse-images-N.tsv[.gz], .mtx or .snb\n"
    "  --layers L          use the first L layers (default: L of a truth file\n"
    "                      named like the official ones, ...-l120-..., else all)\n"
    "  --bias B            bias of every neuron (default: recorded in the\n"
    "                      network, else -0.3/-0.35/-0.4/-0.45 by N)\n"
    "  --truth FILE        check against a truth file: PASSED or FAILED (on\n"
    "                      the rows of the input; a note says when the truth\n"
    "                      lists rows beyond them)\n"
    "  --out FILE          write the categories (official truth format); '-':\n"
    "                      standard output (the report then goes to stderr)\n"
    "  --engine NAME       auto (default), or one of 'snig run --engine list'\n"
    "  --threads N         CPU threads (default: every core; under mpirun the\n"
    "                      cores of a machine are shared by its ranks)\n"
    "  --batch N           rows per batch (default: the engine's)\n"
    "  --no-shortcuts      SNIG-faithful mode: no exact shortcuts\n"
    "  --gpus N            cuda: GPUs to use (default: all)\n"
    "  --weight-buffers B  cuda: device weight buffers\n"
    "  --gpu-memory BYTES  cuda: memory cap that forces weight streaming\n"
    "  --broadcast-weights mpi: rank 0 reads the network and sends it\n"
    "  --dynamic           mpi: rank 0 hands out batches\n"
    "  --no-verify         check binary checksums as layers are used, not at load\n"
    "  --progress | --quiet  force progress on stderr on or off\n"
    "  --json              print one JSON object on stdout\n"
    "\n"
    "Every input is checked to exist and every output location to be\n"
    "writable before anything is loaded.\n"
    "\n"
    "Exit status: 0 ran (and passed), 1 ran and failed against the truth,\n"
    "2 usage, input or other error, 130/143 interrupted (SIGINT/SIGTERM).\n";

enum {
    OPT_NETWORK = 256, OPT_INPUT, OPT_LAYERS, OPT_BIAS, OPT_TRUTH, OPT_OUT,
    OPT_ENGINE, OPT_THREADS, OPT_BATCH, OPT_NO_SHORTCUTS, OPT_GPUS,
    OPT_WEIGHT_BUFFERS, OPT_GPU_MEMORY, OPT_BROADCAST, OPT_DYNAMIC,
    OPT_NO_VERIFY, OPT_PROGRESS, OPT_QUIET, OPT_JSON, OPT_HELP
};

static const struct option run_options[] = {
    {"network", required_argument, NULL, OPT_NETWORK},
    {"input", required_argument, NULL, OPT_INPUT},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"bias", required_argument, NULL, OPT_BIAS},
    {"truth", required_argument, NULL, OPT_TRUTH},
    {"out", required_argument, NULL, OPT_OUT},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"no-shortcuts", no_argument, NULL, OPT_NO_SHORTCUTS},
    {"gpus", required_argument, NULL, OPT_GPUS},
    {"weight-buffers", required_argument, NULL, OPT_WEIGHT_BUFFERS},
    {"gpu-memory", required_argument, NULL, OPT_GPU_MEMORY},
    {"broadcast-weights", no_argument, NULL, OPT_BROADCAST},
    {"dynamic", no_argument, NULL, OPT_DYNAMIC},
    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct run_args {
    const char *network, *input, *truth, *out;
    uint32_t layers;
    int layers_from_truth;   /* L read from the truth file's name */
    int json, verify, progress;
    snig_options opt;
} run_args;

static int list_engines(void)
{
    printf("engines built in (auto = %s here):\n", snig_engine_auto());
    for (size_t i = 0; snig_engine_name(i) != NULL; i++) {
        const char *name = snig_engine_name(i);
        printf("  %-10s %s%s\n", name, snig_engine_summary(name),
               snig_engine_available(name) ? "" : " [not available here]");
    }
    return SNIG_EXIT_OK;
}

/* L from an official truth file's name (neuron1024-l120-categories.tsv):
 * the number after "-l" and before the next "-" of the base name; 0 when
 * the name says none. */
static uint32_t truth_layers(const char *truth)
{
    const char *base = strrchr(truth, '/');
    base = base != NULL ? base + 1 : truth;
    for (const char *p = strstr(base, "-l"); p != NULL; p = strstr(p + 1, "-l")) {
        const char *d = p + 2;
        uint64_t v = 0;
        while (*d >= '0' && *d <= '9' && v <= UINT32_MAX)
            v = v * 10 + (uint64_t)(*d++ - '0');
        if (d > p + 2 && *d == '-' && v >= 1 && v <= UINT32_MAX)
            return (uint32_t)v;
    }
    return 0;
}

/* Every input exists and is readable, every output writable, before any
 * work: on every rank its own files (the network on rank 0 alone when
 * rank 0 sends it), the truth and --out on rank 0.  0 or -1 (printed). */
static int check_files(const run_args *a, int rank, int ranks)
{
    char cmd[32] = "run";
    if (ranks > 1)
        snprintf(cmd, sizeof cmd, "run (rank %d)", rank);
    int bad = 0;
    if (rank == 0 || !a->opt.broadcast_weights)
        bad |= cli_check_input(cmd, "--network", a->network);
    bad |= cli_check_input(cmd, "--input", a->input);
    if (rank == 0 && a->truth != NULL)
        bad |= cli_check_input(cmd, "--truth", a->truth);
    if (rank == 0 && a->out != NULL)
        bad |= cli_check_output(cmd, "--out", a->out);
    return bad ? -1 : 0;
}

/* Options that the engine that ran has no use for: said, not ignored
 * silently. */
static void warn_unused(const run_args *a, const snig_result *res, int ranks)
{
    const char *engine = snig_result_engine(res);
    if (strstr(engine, "cuda") == NULL &&
        (a->opt.gpus != 0 || a->opt.weight_buffers != 0 ||
         a->opt.gpu_memory != 0))
        fprintf(stderr, "snig run: warning: --gpus, --weight-buffers and "
                "--gpu-memory have no effect on engine '%s' (cuda only)\n",
                engine);
    if (ranks == 1 && (a->opt.dynamic || a->opt.broadcast_weights))
        fprintf(stderr, "snig run: warning: --dynamic and --broadcast-weights "
                "have no effect in one process (start it with mpirun)\n");
}

/* The truth rows the check could not see: those outside the rows read. */
static void note_truth_subset(FILE *out, const snig_inputs *in, uint64_t rows,
                              const uint64_t *truth, uint64_t ntruth)
{
    uint64_t lo = snig_inputs_first_row(in) + 1, hi = lo + rows - 1, seen = 0;
    for (uint64_t i = 0; i < ntruth; i++)
        seen += truth[i] >= lo && truth[i] <= hi;
    if (seen < ntruth)
        fprintf(out, "truth rows  checked rows %llu..%llu: %llu of %llu "
                "truth rows\n", (unsigned long long)lo, (unsigned long long)hi,
                (unsigned long long)seen, (unsigned long long)ntruth);
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->verify = 1;
    a->progress = -1;
    snig_options_init(&a->opt);
    uint64_t v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_NETWORK: a->network = optarg; break;
        case OPT_INPUT: a->input = optarg; break;
        case OPT_TRUTH: a->truth = optarg; break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_ENGINE: a->opt.engine = optarg; break;
        case OPT_LAYERS:
            bad = cli_parse_u64("run", "--layers", optarg, 1, UINT32_MAX, &v);
            a->layers = a->opt.layers = (uint32_t)v;
            break;
        case OPT_BIAS:
            bad = cli_parse_float("run", "--bias", optarg, &a->opt.bias);
            a->opt.has_bias = 1;
            break;
        case OPT_THREADS:
            bad = cli_parse_u64("run", "--threads", optarg, 1, 4096, &v);
            a->opt.threads = (int)v;
            break;
        case OPT_BATCH:
            bad = cli_parse_u64("run", "--batch", optarg, 1, UINT32_MAX, &v);
            a->opt.batch = (uint32_t)v;
            break;
        case OPT_GPUS:
            bad = cli_parse_u64("run", "--gpus", optarg, 1, 1024, &v);
            a->opt.gpus = (int)v;
            break;
        case OPT_WEIGHT_BUFFERS:
            bad = cli_parse_u64("run", "--weight-buffers", optarg, 1, 1024, &v);
            a->opt.weight_buffers = (int)v;
            break;
        case OPT_GPU_MEMORY:
            bad = cli_parse_u64("run", "--gpu-memory", optarg, 1, UINT64_MAX, &v);
            a->opt.gpu_memory = v;
            break;
        case OPT_NO_SHORTCUTS: a->opt.shortcuts = 0; break;
        case OPT_BROADCAST: a->opt.broadcast_weights = 1; break;
        case OPT_DYNAMIC: a->opt.dynamic = 1; break;
        case OPT_NO_VERIFY: a->verify = 0; break;
        case OPT_PROGRESS: a->progress = 1; break;
        case OPT_QUIET: a->progress = 0; break;
        case OPT_JSON: a->json = 1; break;
        case OPT_HELP: fputs(run_help, stdout); return SNIG_EXIT_OK;
        default:
            return cli_usage_error("run", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
        if (bad)
            return SNIG_EXIT_ERROR;
    }
    if (optind < argc)
        return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (strcmp(a->opt.engine, "list") == 0)
        return list_engines();
    if (a->network == NULL || a->input == NULL)
        return cli_usage_error("run", "--network and --input are required");
    /* The official truth files are made with L layers and say so in their
     * name: a network with more layers would be checked against the wrong
     * truth (and may still pass: the outputs stop changing). */
    uint32_t tl = a->truth != NULL ? truth_layers(a->truth) : 0;
    if (tl != 0 && a->layers == 0) {
        a->layers = a->opt.layers = tl;
        a->layers_from_truth = 1;
    }
    else if (tl != 0 && tl != a->layers)
        fprintf(stderr, "snig run: warning: --layers %u, but the truth file "
                "%s is named for %u layers\n", a->layers, a->truth, tl);
    return -1;
}

/* One JSON array of a per-layer counter (null when the engine did not count
 * it). */
static void print_u64_array(const char *key, const uint64_t *v, uint32_t n)
{
    printf(", \"%s\": ", key);
    if (v == NULL) {
        printf("null");
        return;
    }
    for (uint32_t l = 0; l < n; l++)
        printf("%s%llu", l ? ", " : "[", (unsigned long long)v[l]);
    printf(n ? "]" : "[]");
}

static void print_json(const run_args *a, const snig_network *net,
                       uint64_t rows, const snig_result *res,
                       double load_s, double write_s, int passed)
{
    uint64_t ncat = 0, edges = snig_result_edges(res);
    snig_result_categories(res, &ncat);
    double s = snig_result_seconds(res);
    uint32_t layers = snig_result_layers(res);
    printf("{\"engine\": \"%s\", \"neurons\": %u, \"layers\": %u, "
           "\"inputs\": %llu, \"edges\": %llu, \"load_seconds\": %.6f, "
           "\"prepare_seconds\": %.6f, \"infer_seconds\": %.6f, "
           "\"write_seconds\": %.6f, \"rate\": %.6e, \"categories\": %llu, "
           "\"passed\": %s, \"madds\": %llu, \"shortcuts\": %s, "
           "\"threads\": %d, \"rank_seconds\": [",
           snig_result_engine(res), snig_network_neurons(net), layers,
           (unsigned long long)rows, (unsigned long long)edges, load_s,
           snig_result_prepare_seconds(res), s, write_s,
           s > 0 ? (double)rows * (double)edges / s : 0.0,
           (unsigned long long)ncat,
           passed < 0 ? "null" : passed ? "true" : "false",
           (unsigned long long)snig_result_madds(res),
           a->opt.shortcuts ? "true" : "false", a->opt.threads);
    for (int r = 0; r < snig_result_ranks(res); r++)
        printf("%s%.6f", r ? ", " : "", snig_result_rank_seconds(res, r));
    printf("]");
    /* Per layer: where the time goes (seconds summed over threads), the rows
     * still alive and the multiply-adds done. */
    const double *ls = snig_result_layer_seconds(res);
    printf(", \"layer_seconds\": ");
    for (uint32_t l = 0; ls != NULL && l < layers; l++)
        printf("%s%.9f", l ? ", " : "[", ls[l]);
    printf(ls == NULL ? "null" : layers ? "]" : "[]");
    print_u64_array("live_rows", snig_result_live_rows(res), layers);
    print_u64_array("layer_madds", snig_result_layer_madds(res), layers);
    printf("}\n");
}

static void print_text(const snig_network *net, uint64_t rows,
                       uint64_t nonzeros, const snig_result *res,
                       double load_s, double write_s, int passed,
                       uint64_t missing, uint64_t extra)
{
    uint64_t ncat = 0;
    snig_result_categories(res, &ncat);
    uint32_t layers = snig_result_layers(res);
    uint64_t edges = snig_result_edges(res);
    double s = snig_result_seconds(res);
    printf("network     %u neurons, %u layers, %llu edges\n",
           snig_network_neurons(net), layers, (unsigned long long)edges);
    printf("inputs      %llu rows, %llu nonzeros\n",
           (unsigned long long)rows, (unsigned long long)nonzeros);
    printf("engine      %s\n", snig_result_engine(res));
    printf("load        %.3f s\n", load_s);
    printf("prepare     %.3f s\n", snig_result_prepare_seconds(res));
    printf("inference   %.3f s\n", s);
    printf("write       %.3f s\n", write_s);
    printf("rate        %.4e edges/s\n",
           s > 0 ? (double)rows * (double)edges / s : 0.0);
    printf("categories  %llu\n", (unsigned long long)ncat);
    if (passed == 1)
        printf("truth       PASSED\n");
    else if (passed == 0)
        printf("truth       FAILED (%llu missing, %llu extra)\n",
               (unsigned long long)missing, (unsigned long long)extra);
}

int snig_cmd_run(int argc, char **argv)
{
    run_args a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0)
        return code;
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *res = NULL;
    snig_plan *plan = NULL;
    uint64_t *truth = NULL, ntruth = 0, missing = 0, extra = 0;
    uint64_t rows = 0, nonzeros = 0;   /* of every rank together */
    int passed = -1, rank = 0, ranks = 1;
    code = SNIG_EXIT_ERROR;
    if (cli_ctx_new("run", &ctx) != 0)
        return SNIG_EXIT_ERROR;
    /* Under a launcher (mpirun -np P, srun) this process is one of P ranks:
     * the distributed engine splits the rows and --engine names the engine
     * each rank runs.  Each step below that can fail on one rank is agreed
     * on, so every rank exits alike and rank 0 alone prints. */
    if (snig_dist_init(ctx, &rank, &ranks) != SNIG_OK)
        goto fail;
    if (snig_dist_agree(ctx, check_files(&a, rank, ranks) == 0
                                 ? SNIG_OK : SNIG_IO) != SNIG_OK) {
        code = SNIG_EXIT_ERROR;   /* the rank that failed said why */
        goto cleanup;
    }
    if (ranks > 1) {
        if (strcmp(a.opt.engine, snig_dist_engine()) != 0)
            a.opt.local_engine = a.opt.engine;
        a.opt.engine = snig_dist_engine();
        if (rank != 0)
            a.progress = 0;
    }
    cli_progress(ctx, a.progress);
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = a.layers;
    lo.verify = a.verify;
    /* The truth, the check, --out and the report: rank 0 alone, as its
     * result holds every rank's rows.  The truth is small: read first, so a
     * bad one is found before the long loads. */
    if (snig_dist_agree(ctx, a.truth != NULL && rank == 0
                                 ? snig_truth_load(ctx, a.truth, &truth, &ntruth)
                                 : SNIG_OK) != SNIG_OK)
        goto fail;
    double t0 = snig_now();
    if (snig_dist_agree(ctx, snig_dist_network_load(ctx, a.network, &lo,
                                                    &a.opt, &net)) != SNIG_OK) {
        if (rank == 0 && a.layers_from_truth)
            fprintf(stderr, "snig run: note: %u layers, as the truth file's "
                    "name says (--layers overrides)\n", a.layers);
        goto fail;
    }
    float bias;
    if (!a.opt.has_bias && !snig_network_recorded_bias(net, &bias) &&
               !snig_official_bias(snig_network_neurons(net), &bias)) {
        code = rank != 0 ? SNIG_EXIT_ERROR
                         : cli_usage_error("run", "%s has %u neurons, which "
                                           "has no official bias: give --bias",
                                           a.network, snig_network_neurons(net));
        goto cleanup;
    }
    lo.neurons = snig_network_neurons(net);
    lo.layers = 0;
    if (snig_dist_agree(ctx, snig_dist_inputs_load(ctx, a.input, &lo, &a.opt,
                                                   &in, &rows, &nonzeros)) !=
        SNIG_OK)
        goto fail;
    double load_s = snig_now() - t0;
    if (snig_dist_agree(ctx, snig_plan_new(ctx, net, &a.opt, &plan)) != SNIG_OK)
        goto fail;
    if (snig_dist_agree(ctx, snig_plan_infer(ctx, plan, in, &res)) != SNIG_OK)
        goto fail;
    if (rank == 0 && snig_result_fallback(res)[0] != '\0')
        fprintf(stderr, "snig run: ran engine '%s': %s\n",
                snig_result_engine(res), snig_result_fallback(res));
    if (rank == 0)
        warn_unused(&a, res, ranks);
    if (a.truth != NULL && rank == 0)
        passed = snig_check_truth(res, in, truth, ntruth, &missing, &extra);
    double tw = snig_now();
    if (snig_dist_agree(ctx, a.out != NULL && rank == 0
                                 ? snig_result_write_categories(ctx, res, a.out)
                                 : SNIG_OK) != SNIG_OK)
        goto fail;
    double write_s = snig_now() - tw;
    /* With --out - the categories took standard output: the report goes to
     * standard error. */
    int saved_stdout = -1;
    if (rank == 0 && a.out != NULL && strcmp(a.out, "-") == 0) {
        fflush(stdout);
        saved_stdout = dup(STDOUT_FILENO);
        if (saved_stdout >= 0)
            dup2(STDERR_FILENO, STDOUT_FILENO);
    }
    if (a.json && rank == 0)
        print_json(&a, net, rows, res, load_s, write_s, passed);
    else if (rank == 0)
        print_text(net, rows, nonzeros, res, load_s, write_s, passed, missing,
                   extra);
    if (a.truth != NULL && rank == 0)
        note_truth_subset(a.json ? stderr : stdout, in, rows, truth, ntruth);
    if (saved_stdout >= 0) {
        fflush(stdout);
        dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
    }
    code = passed == 0 ? SNIG_EXIT_FAILED : SNIG_EXIT_OK;
    goto cleanup;
fail:
    code = rank != 0 ? SNIG_EXIT_ERROR : cli_fail("run", ctx);
cleanup:
    snig_result_free(&res);
    snig_plan_free(&plan);
    snig_free(ctx, truth);
    snig_inputs_free(&in);
    snig_network_free(&net);
    cli_ctx_free(&ctx);
    snig_dist_finalize();
    return code;
}
