/* What a prepared network saves: the official 1024 x 120 network and the
 * 1200 official inputs, run R times as separate snig_infer calls (each
 * prepares again) and R times on one plan, alternating; prints one JSON line
 * with the medians (bench/results/plan_reuse.jsonl).
 *
 *   plan_reuse [NETWORK INPUTS [THREADS [RUNS [ENGINE]]]] */
#include "bench_median.h"
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *netpath = argc > 2 ? argv[1] : SNIG_SHARED_DATA "/neuron1024.tar.gz";
    const char *inpath = argc > 2 ? argv[2]
                                  : SNIG_SHARED_DATA "/sparse-images-1024-first1200.tsv.gz";
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    int runs = argc > 4 ? atoi(argv[4]) : 11;
    const char *engine = argc > 5 ? argv[5] : "cpu";
    if (runs < 1 || runs > 1000)
        runs = 11;
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_plan *plan = NULL;
    double *call = calloc((size_t)runs, sizeof *call);
    double *call_prep = calloc((size_t)runs, sizeof *call_prep);
    double *reuse = calloc((size_t)runs, sizeof *reuse);
    int code = 1;
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 120;
    snig_options opt;
    snig_options_init(&opt);
    opt.threads = threads;
    opt.engine = engine;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK || !call || !call_prep || !reuse)
        return 1;
    if (snig_network_load(ctx, netpath, &lo, &net) != SNIG_OK)
        goto fail;
    lo.layers = 0;
    lo.neurons = snig_network_neurons(net);
    if (snig_inputs_load(ctx, inpath, &lo, &in) != SNIG_OK)
        goto fail;
    double t0 = snig_now();
    if (snig_plan_new(ctx, net, &opt, &plan) != SNIG_OK)
        goto fail;
    double prepare = snig_now() - t0;
    uint64_t ncat = 0;
    for (int r = 0; r < runs; r++) {
        snig_result *res = NULL;
        t0 = snig_now();
        if (snig_infer(ctx, net, in, &opt, &res) != SNIG_OK)
            goto fail;
        call[r] = snig_now() - t0;
        call_prep[r] = snig_result_prepare_seconds(res);
        snig_result_free(&res);
        t0 = snig_now();
        if (snig_plan_infer(ctx, plan, in, &res) != SNIG_OK)
            goto fail;
        reuse[r] = snig_now() - t0;
        snig_result_categories(res, &ncat);
        snig_result_free(&res);
    }
    double m_call = bench_median(call, runs), m_prep = bench_median(call_prep, runs);
    double m_reuse = bench_median(reuse, runs);
    printf("{\"engine\": \"%s\", \"network\": \"%s\", \"inputs\": %llu, "
           "\"threads\": %d, \"runs\": %d, \"plan_prepare_seconds\": %.6f, "
           "\"call_seconds\": %.6f, \"call_prepare_seconds\": %.6f, "
           "\"plan_infer_seconds\": %.6f, \"categories\": %llu}\n",
           snig_plan_engine(plan), netpath,
           (unsigned long long)snig_inputs_rows(in), threads, runs, prepare,
           m_call, m_prep, m_reuse, (unsigned long long)ncat);
    code = 0;
    goto cleanup;
fail:
    fprintf(stderr, "plan_reuse: %s\n", snig_errmsg(ctx));
cleanup:
    snig_plan_free(&plan);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    free(call);
    free(call_prep);
    free(reuse);
    return code;
}
