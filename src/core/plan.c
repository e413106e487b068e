/* Prepared networks (snig_plan) and the one-call snig_infer: the request is
 * checked, the bias resolved and the engine chosen once; the engine's
 * prepare does the work that does not depend on the inputs; each
 * snig_plan_infer times one run and builds its categories. */
#include "internal.h"
#include "../engine/engine.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct snig_plan {
    uint32_t magic;
    snig_ctx *ctx;                 /* private, for allocation */
    snig_network *net;             /* a reference (refs) */
    snig_options opt;              /* a copy; its strings point below */
    char engine_name[32];
    char local_engine[32];
    const struct snig_engine_i *engine;
    snig_job job;                  /* ctx and in are set per call */
    char fallback[256];
    double seconds;
};

void snig_options_init(snig_options *o)
{
    *o = (snig_options){.engine = "auto", .local_engine = "auto",
                        .shortcuts = 1};
}

/* The bias of layers without one of their own (snig.h, snig_plan_new). */
static snig_status resolve_bias(snig_ctx *ctx, const snig_network *net,
                                const snig_options *opt, snig_job *job)
{
    bool all_biased = true;
    for (uint32_t l = 0; l < job->layers; l++)
        all_biased = all_biased && net->layer[l].has_bias;
    if (opt->has_bias) {
        job->bias = opt->bias;
        job->bias_override = true;
    } else if (!all_biased && !snig_official_bias(net->neurons, &job->bias)) {
        return snig__error(ctx, SNIG_USAGE,
                           "no bias is known for %u neurons (the official "
                           "sizes are 1024, 4096, 16384, 65536): give one",
                           net->neurons);
    }
    return SNIG_OK;
}

snig_status snig_plan_new(snig_ctx *ctx, const snig_network *net,
                          const snig_options *opt, snig_plan **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (out == NULL || !SNIG_VALID(net, SNIG_MAGIC_NETWORK))
        return snig__error(ctx, SNIG_USAGE, "snig_plan_new: invalid handle");
    *out = NULL;
    snig_options defaults;
    if (opt == NULL) {
        snig_options_init(&defaults);
        opt = &defaults;
    }
    uint32_t layers = opt->layers ? opt->layers : net->layers;
    if (layers > net->layers)
        return snig__error(ctx, SNIG_MISSING,
                           "%u layers asked for, but %s has only %u",
                           layers, net->path, net->layers);
    if (opt->has_bias && !isfinite(opt->bias))
        return snig__error(ctx, SNIG_USAGE, "the bias must be finite");
    double t0 = snig__now();
    snig_plan *plan = snig__calloc(ctx, 1, sizeof *plan);
    if (plan == NULL)
        return SNIG_NOMEM;
    plan->ctx = snig__ctx_clone(ctx);
    if (plan->ctx == NULL) {
        snig__free(ctx, plan);
        return SNIG_NOMEM;
    }
    plan->magic = SNIG_MAGIC_PLAN;
    plan->net = (snig_network *)net;
    atomic_fetch_add(&plan->net->refs, 1);
    plan->opt = *opt;
    snprintf(plan->local_engine, sizeof plan->local_engine, "%s",
             opt->local_engine ? opt->local_engine : "auto");
    plan->opt.local_engine = plan->local_engine;
    plan->job = (snig_job){.ctx = ctx, .net = net, .layers = layers,
                           .opt = &plan->opt};
    snig_status st = resolve_bias(ctx, net, opt, &plan->job);
    if (st == SNIG_OK)
        st = snig__engine_select(&plan->job, opt->engine, &plan->engine,
                                 plan->fallback, sizeof plan->fallback);
    if (st == SNIG_OK) {
        snprintf(plan->engine_name, sizeof plan->engine_name, "%s",
                 plan->engine->name);
        plan->opt.engine = plan->engine_name;
        if (plan->engine->prepare != NULL)
            st = plan->engine->prepare(&plan->job, &plan->job.prepared);
    }
    if (st != SNIG_OK) {
        plan->engine = NULL;  /* nothing prepared to release */
        snig_plan_free(&plan);
        return st;
    }
    plan->job.ctx = NULL;
    plan->seconds = snig__now() - t0;
    *out = plan;
    return SNIG_OK;
}

void snig_plan_free(snig_plan **pplan)
{
    if (pplan == NULL || !SNIG_VALID(*pplan, SNIG_MAGIC_PLAN))
        return;
    snig_plan *plan = *pplan;
    snig_ctx *ctx = plan->ctx;
    if (plan->engine != NULL && plan->engine->release != NULL)
        plan->engine->release(ctx, plan->job.prepared);
    snig_network_free(&plan->net);
    plan->magic = 0;
    snig__free(ctx, plan);
    snig_ctx_free(&ctx);
    *pplan = NULL;
}

const char *snig_plan_engine(const snig_plan *plan)
{
    return SNIG_VALID(plan, SNIG_MAGIC_PLAN) ? plan->engine_name : "";
}

const char *snig_plan_fallback(const snig_plan *plan)
{
    return SNIG_VALID(plan, SNIG_MAGIC_PLAN) ? plan->fallback : "";
}

double snig_plan_seconds(const snig_plan *plan)
{
    return SNIG_VALID(plan, SNIG_MAGIC_PLAN) ? plan->seconds : 0.0;
}

snig_status snig_plan_infer(snig_ctx *ctx, const snig_plan *plan,
                            const snig_inputs *in, snig_result **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (out == NULL || !SNIG_VALID(plan, SNIG_MAGIC_PLAN) ||
        !SNIG_VALID(in, SNIG_MAGIC_INPUTS))
        return snig__error(ctx, SNIG_USAGE, "snig_plan_infer: invalid handle");
    *out = NULL;
    const snig_network *net = plan->net;
    if (in->neurons != net->neurons)
        return snig__error(ctx, SNIG_SIZE,
                           "inputs have %u columns but the network has %u "
                           "inputs", in->neurons, net->neurons);
    snig_job job = plan->job;
    job.ctx = ctx;
    job.in = in;
    const struct snig_engine_i *e = plan->engine;
    snig_result *res = NULL;
    snig_status st = snig__result_new(ctx, in->rows, in->first_row,
                                      snig__network_outputs(net, job.layers),
                                      job.layers, plan->opt.keep_values != 0,
                                      &res);
    if (e->agree != NULL)
        st = e->agree(&job, st);
    if (st != SNIG_OK) {
        snig_result_free(&res);
        return st;
    }
    snprintf(res->engine, sizeof res->engine, "%s", e->name);
    snprintf(res->fallback, sizeof res->fallback, "%s", plan->fallback);
    res->prepare_seconds = plan->seconds;
    for (uint32_t l = 0; l < job.layers; l++)
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

snig_status snig_infer(snig_ctx *ctx, const snig_network *net,
                       const snig_inputs *in, const snig_options *opt,
                       snig_result **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (out == NULL || !SNIG_VALID(in, SNIG_MAGIC_INPUTS))
        return snig__error(ctx, SNIG_USAGE, "snig_infer: invalid handle");
    *out = NULL;
    snig_plan *plan = NULL;
    snig_status st = snig_plan_new(ctx, net, opt, &plan);
    if (st == SNIG_OK)
        st = snig_plan_infer(ctx, plan, in, out);
    snig_plan_free(&plan);
    return st;
}
