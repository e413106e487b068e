/* snig_infer: checks the request, resolves the bias and the engine, times
 * the run and builds the categories. */
#include "internal.h"
#include "../engine/engine.h"

#include <stdio.h>
#include <string.h>

void snig_options_init(snig_options *o)
{
    *o = (snig_options){.engine = "auto", .local_engine = "auto",
                        .shortcuts = 1, .progress = -1};
}

snig_status snig_infer(snig_ctx *ctx, const snig_network *net,
                       const snig_inputs *in, const snig_options *opt,
                       snig_result **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (out == NULL || !SNIG_VALID(net, SNIG_MAGIC_NETWORK) ||
        !SNIG_VALID(in, SNIG_MAGIC_INPUTS))
        return snig__error(ctx, SNIG_USAGE, "snig_infer: invalid handle");
    *out = NULL;
    snig_options defaults;
    if (opt == NULL) {
        snig_options_init(&defaults);
        opt = &defaults;
    }
    if (in->neurons != net->neurons)
        return snig__error(ctx, SNIG_SIZE,
                           "inputs have %u columns but the network has %u "
                           "neurons", in->neurons, net->neurons);
    uint32_t layers = opt->layers ? opt->layers : net->layers;
    if (layers > net->layers)
        return snig__error(ctx, SNIG_MISSING,
                           "%u layers asked for, but %s has only %u",
                           layers, net->path, net->layers);
    snig_job job = {.ctx = ctx, .net = net, .layers = layers, .in = in,
                    .opt = opt, .bias = 0.0f};
    bool all_biased = true;
    for (uint32_t l = 0; l < layers; l++)
        all_biased = all_biased && net->layer[l].has_bias;
    if (opt->has_bias) {
        job.bias = opt->bias;
        job.bias_override = true;
    } else if (!all_biased && !snig_official_bias(net->neurons, &job.bias))
        return snig__error(ctx, SNIG_USAGE,
                           "no bias is known for %u neurons (the official "
                           "sizes are 1024, 4096, 16384, 65536): give one",
                           net->neurons);

    const char *name = opt->engine && *opt->engine ? opt->engine : "auto";
    if (strcmp(name, "auto") == 0)
        name = snig_engine_auto();
    const struct snig_engine_i *e = snig__engine_find(name);
    if (e == NULL)
        return snig__error(ctx, SNIG_USAGE,
                           "unknown engine '%s' (snig run --engine list)", name);
    if (e->available != NULL && !e->available())
        return snig__error(ctx, SNIG_UNSUPPORTED,
                           "engine '%s' cannot run on this machine", name);
    if (e->supports != NULL && !e->supports(&job)) {
        if (ctx->status == SNIG_OK)
            snig__error(ctx, SNIG_UNSUPPORTED,
                        "engine '%s' does not support this job", name);
        return ctx->status;
    }

    snig_result *res = NULL;
    snig_status st = snig__result_new(ctx, in->rows, in->first_row,
                                      net->neurons, layers,
                                      opt->keep_values != 0, &res);
    if (st != SNIG_OK)
        return st;
    snprintf(res->engine, sizeof res->engine, "%s", e->name);
    for (uint32_t l = 0; l < layers; l++)
        res->edges += net->layer[l].nnz;
    double t0 = snig__now();
    st = e->infer(&job, res);
    res->seconds = snig__now() - t0;
    if (res->ranks == 1)
        res->rank_seconds[0] = res->seconds;
    if (st == SNIG_OK)
        st = snig__result_finish(ctx, res);
    if (st != SNIG_OK) {
        if (ctx->status == SNIG_OK)
            snig__error(ctx, st, "engine '%s' failed: %s", e->name,
                        snig_status_str(st));
        snig_result_free(&res);
        return st;
    }
    *out = res;
    return SNIG_OK;
}
