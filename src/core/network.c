/* The network handle: construction (from readers or from the caller's
 * arrays), accessors, bias, structure checks, lazy layer checks. */
#define _DEFAULT_SOURCE
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>

void snig__layer_init(snig_layer *L, uint32_t n_in, uint32_t n_out)
{
    L->n_in = n_in;
    L->n_out = n_out;
    L->bias_rule = SNIG_BIAS_NONZERO;
    L->activation = SNIG_ACT_RELU_CAP;
    L->cap = 32.0f;
}

snig_status snig__network_new(snig_ctx *ctx, uint32_t neurons, uint32_t layers,
                              const char *path, snig_network **out)
{
    *out = NULL;
    snig_network *net = snig__calloc(ctx, 1, sizeof *net);
    if (net == NULL)
        return SNIG_NOMEM;
    net->magic = SNIG_MAGIC_NETWORK;
    atomic_init(&net->refs, 1);
    net->ctx = snig__ctx_clone(ctx);
    net->neurons = neurons;
    net->layers = layers;
    net->layer = snig__calloc(ctx, layers ? layers : 1, sizeof *net->layer);
    size_t plen = strlen(path ? path : "") + 1;
    net->path = snig__malloc(ctx, plen);
    if (net->ctx == NULL || net->layer == NULL || net->path == NULL) {
        if (net->ctx == NULL) {  /* snig_network_free needs one */
            snig__free(ctx, net->layer);
            snig__free(ctx, net->path);
            snig__free(ctx, net);
            return SNIG_NOMEM;
        }
        snig_network_free(&net);
        return SNIG_NOMEM;
    }
    memcpy(net->path, path ? path : "", plen);
    for (uint32_t l = 0; l < layers; l++) {
        snig__layer_init(&net->layer[l], neurons, neurons);
        atomic_init(&net->layer[l].verified, 1);
    }
    *out = net;
    return SNIG_OK;
}

static void network_destroy(snig_network *net)
{
    snig_ctx *ctx = net->ctx;
    for (uint32_t l = 0; net->layer != NULL && l < net->layers; l++) {
        snig_layer *L = &net->layer[l];
        snig__free(ctx, L->own_rowptr);
        snig__free(ctx, L->own_col);
        snig__free(ctx, L->own_val);
        snig__free(ctx, L->own_bias);
    }
    if (net->source_free != NULL)
        net->source_free(ctx, net->source);
    snig__free(ctx, net->layer);
    snig__free(ctx, net->path);
    net->magic = 0;
    snig__free(ctx, net);
    snig_ctx_free(&ctx);
}

/* Plans hold a reference (snig__network_ref in plan.c), so the user may free
 * the network before them. */
void snig_network_free(snig_network **pnet)
{
    if (pnet == NULL || !SNIG_VALID(*pnet, SNIG_MAGIC_NETWORK))
        return;
    snig_network *net = *pnet;
    *pnet = NULL;
    if (atomic_fetch_sub(&net->refs, 1) == 1)
        network_destroy(net);
}

uint32_t snig_network_neurons(const snig_network *net)
{
    return SNIG_VALID(net, SNIG_MAGIC_NETWORK) ? net->neurons : 0;
}

uint32_t snig_network_layers(const snig_network *net)
{
    return SNIG_VALID(net, SNIG_MAGIC_NETWORK) ? net->layers : 0;
}

uint64_t snig_network_edges(const snig_network *net)
{
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK))
        return 0;
    uint64_t e = 0;
    for (uint32_t l = 0; l < net->layers; l++)
        e += net->layer[l].nnz;
    return e;
}

uint32_t snig__network_outputs(const snig_network *net, uint32_t layers)
{
    return layers == 0 ? net->neurons : net->layer[layers - 1].n_out;
}

bool snig__network_is_square(const snig_network *net, uint32_t layers)
{
    for (uint32_t l = 0; l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        if (L->n_in != net->neurons || L->n_out != net->neurons ||
            L->bias_rule != SNIG_BIAS_NONZERO ||
            L->activation != SNIG_ACT_RELU_CAP || L->cap != 32.0f)
            return false;
    }
    return true;
}

int snig_network_layer_info(const snig_network *net, uint32_t l,
                            snig_layer_info *info)
{
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK) || l >= net->layers ||
        info == NULL)
        return 0;
    const snig_layer *L = &net->layer[l];
    /* A layer not read yet (verify = 0) is described from the file's table:
     * bias_value holds neuron 1's bias then. */
    *info = (snig_layer_info){
        .n_in = L->n_in, .n_out = L->n_out, .nnz = L->nnz,
        .bias_rule = (snig_bias_rule)L->bias_rule,
        .activation = (snig_activation)L->activation, .cap = L->cap,
        .has_bias = L->has_bias,
        .per_neuron_bias = L->bias != NULL || L->bias_stored,
        .bias = L->bias != NULL ? L->bias[0] : L->bias_value,
        .uniform_values = L->val == NULL && !L->values_stored,
        .uniform = L->uniform};
    return 1;
}

int snig_network_recorded_bias(const snig_network *net, float *bias)
{
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK) || net->layers == 0 ||
        !net->layer[0].has_bias)
        return 0;
    if (net->layer[0].bias_stored && net->layer[0].bias == NULL)
        (void)snig__layer_ready(NULL, net, 0); /* read it (a failure shows
                                                  when an engine uses it) */
    const snig_layer *L = &net->layer[0];
    *bias = L->bias != NULL ? L->bias[0] : L->bias_value;
    return 1;
}

int snig_official_bias(uint32_t neurons, float *bias)
{
    switch (neurons) {
    case 1024: *bias = -0.3f; return 1;
    case 4096: *bias = -0.35f; return 1;
    case 16384: *bias = -0.4f; return 1;
    case 65536: *bias = -0.45f; return 1;
    default: return 0;
    }
}

snig_status snig_network_set_bias(snig_ctx *ctx, snig_network *net, float bias)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK))
        return snig__error(ctx, SNIG_USAGE, "snig_network_set_bias: invalid "
                           "network");
    if (!isfinite(bias))
        return snig__error(ctx, SNIG_USAGE, "snig_network_set_bias: the bias "
                           "must be finite (%g)", (double)bias);
    if (atomic_load(&net->refs) > 1)
        return snig__error(ctx, SNIG_USAGE, "%s: the bias cannot change while "
                           "a plan uses the network", net->path);
    for (uint32_t l = 0; l < net->layers; l++) {
        snig_layer *L = &net->layer[l];
        snig__free(net->ctx, L->own_bias);
        L->own_bias = NULL;
        L->bias = NULL;
        L->bias_value = bias;
        L->has_bias = true;
    }
    return SNIG_OK;
}

snig_status snig__layer_check(snig_ctx *ctx, const snig_layer *L,
                              const char *what)
{
    const uint32_t *rp = L->rowptr;
    if (rp == NULL)
        return snig__error(ctx, SNIG_FORMAT, "%s: no row offsets", what);
    if (rp[0] != 0 || rp[L->n_in] != L->nnz)
        return snig__error(ctx, SNIG_CORRUPT, "%s: row offsets run from %u to "
                           "%u, not from 0 to %llu", what, rp[0], rp[L->n_in],
                           (unsigned long long)L->nnz);
    for (uint32_t i = 0; i < L->n_in; i++)
        if (rp[i + 1] < rp[i])
            return snig__error(ctx, SNIG_CORRUPT, "%s: row offsets go back at "
                               "input neuron %u", what, i + 1);
    for (uint64_t k = 0; k < L->nnz; k++) {
        uint32_t j = L->col16 != NULL ? L->col16[k] : L->col32[k];
        if (j >= L->n_out)
            return snig__error(ctx, SNIG_RANGE, "%s: entry %llu: output "
                               "neuron %u out of range 1..%u", what,
                               (unsigned long long)k + 1, j + 1, L->n_out);
    }
    if (L->val != NULL) {
        for (uint64_t k = 0; k < L->nnz; k++)
            if (!isfinite(L->val[k]))
                return snig__error(ctx, SNIG_FORMAT, "%s: entry %llu: weight "
                                   "is not finite", what,
                                   (unsigned long long)k + 1);
    } else if (!isfinite(L->uniform)) {
        return snig__error(ctx, SNIG_FORMAT, "%s: weight is not finite", what);
    }
    if (L->bias != NULL) {
        for (uint32_t j = 0; j < L->n_out; j++)
            if (!isfinite(L->bias[j]))
                return snig__error(ctx, SNIG_FORMAT, "%s: bias of neuron %u is "
                                   "not finite", what, j + 1);
    } else if (!isfinite(L->bias_value)) {
        return snig__error(ctx, SNIG_FORMAT, "%s: bias is not finite", what);
    }
    if (L->activation > SNIG_ACT_IDENTITY || L->bias_rule > SNIG_BIAS_DENSE)
        return snig__error(ctx, SNIG_FORMAT, "%s: unknown activation or bias "
                           "rule", what);
    if (L->activation == SNIG_ACT_RELU_CAP && !(L->cap > 0.0f && isfinite(L->cap)))
        return snig__error(ctx, SNIG_FORMAT, "%s: the cap must be a finite "
                           "positive number", what);
    return SNIG_OK;
}

void snig_layer_desc_init(snig_layer_desc *d)
{
    if (d != NULL)
        *d = (snig_layer_desc){.uniform = 1.0f / 16.0f,
                               .bias_rule = SNIG_BIAS_NONZERO,
                               .activation = SNIG_ACT_RELU_CAP, .cap = 32.0f};
}

static void *copy_array(snig_ctx *ctx, const void *src, size_t bytes,
                        snig_status *st)
{
    void *p = snig__malloc(ctx, bytes);
    if (p == NULL)
        *st = SNIG_NOMEM;
    else if (bytes)
        memcpy(p, src, bytes);
    return p;
}

static snig_status layer_from_desc(snig_ctx *ctx, snig_network *net,
                                   uint32_t l, const snig_layer_desc *d,
                                   bool borrow)
{
    snig_layer *L = &net->layer[l];
    char what[64];
    snprintf(what, sizeof what, "layer %u", l + 1);
    if (d->rowptr == NULL || (d->rowptr[d->n_in] != 0 && d->col == NULL))
        return snig__error(ctx, SNIG_USAGE, "%s: no row offsets or columns",
                           what);
    snig__layer_init(L, d->n_in, d->n_out);
    L->bias_rule = (uint8_t)d->bias_rule;
    L->activation = (uint8_t)d->activation;
    L->cap = d->cap;
    L->nnz = d->rowptr[d->n_in];
    L->uniform = d->uniform;
    L->bias_value = d->bias_value;
    L->has_bias = true;
    if (d->bias_rule != SNIG_BIAS_NONZERO && d->bias_rule != SNIG_BIAS_DENSE)
        return snig__error(ctx, SNIG_USAGE, "%s: unknown bias rule %d", what,
                           (int)d->bias_rule);
    if (d->activation != SNIG_ACT_RELU_CAP && d->activation != SNIG_ACT_RELU &&
        d->activation != SNIG_ACT_IDENTITY)
        return snig__error(ctx, SNIG_USAGE, "%s: unknown activation %d", what,
                           (int)d->activation);
    snig_status st = SNIG_OK;
    if (borrow) {
        L->rowptr = d->rowptr;
        L->col32 = d->col;
        L->val = d->val;
        L->bias = d->bias;
    } else {
        L->rowptr = L->own_rowptr = copy_array(
            ctx, d->rowptr, ((size_t)d->n_in + 1) * sizeof *d->rowptr, &st);
        L->col32 = L->own_col =
            copy_array(ctx, d->col, (size_t)L->nnz * sizeof *d->col, &st);
        if (d->val != NULL)
            L->val = L->own_val =
                copy_array(ctx, d->val, (size_t)L->nnz * sizeof *d->val, &st);
        if (d->bias != NULL)
            L->bias = L->own_bias = copy_array(
                ctx, d->bias, (size_t)d->n_out * sizeof *d->bias, &st);
        if (st != SNIG_OK)
            return st;
    }
    return snig__layer_check(ctx, L, what);
}

snig_status snig_network_from_layers(snig_ctx *ctx,
                                     const snig_layer_desc *layers,
                                     uint32_t count, unsigned flags,
                                     snig_network **out)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (out == NULL || (layers == NULL && count > 0) ||
        (flags & ~SNIG_BORROW) != 0)
        return snig__error(ctx, SNIG_USAGE, "snig_network_from_layers: "
                           "invalid argument");
    *out = NULL;
    if (count == 0)
        return snig__error(ctx, SNIG_USAGE, "snig_network_from_layers: a "
                           "network needs at least one layer");
    for (uint32_t l = 0; l < count; l++) {
        if (layers[l].n_in == 0 || layers[l].n_out == 0)
            return snig__error(ctx, SNIG_SIZE, "layer %u: %u x %u: a layer "
                               "needs at least one input and one output",
                               l + 1, layers[l].n_in, layers[l].n_out);
        if (l > 0 && layers[l].n_in != layers[l - 1].n_out)
            return snig__error(ctx, SNIG_SIZE, "layer %u takes %u inputs but "
                               "layer %u gives %u outputs", l + 1,
                               layers[l].n_in, l, layers[l - 1].n_out);
    }
    snig_network *net = NULL;
    snig_status st = snig__network_new(ctx, layers[0].n_in, count, "memory",
                                       &net);
    for (uint32_t l = 0; st == SNIG_OK && l < count; l++)
        st = layer_from_desc(ctx, net, l, &layers[l],
                             (flags & SNIG_BORROW) != 0);
    if (st != SNIG_OK) {
        snig_network_free(&net);
        return st;
    }
    *out = net;
    return SNIG_OK;
}

snig_status snig__layer_ready(snig_ctx *ctx, const snig_network *net,
                              uint32_t l)
{
    snig_layer *L = &net->layer[l];
    int v = atomic_load(&L->verified);
    if (v == SNIG_LAYER_UNREAD || v == SNIG_LAYER_READING) {
        int expect = SNIG_LAYER_UNREAD;
        if (atomic_compare_exchange_strong(&L->verified, &expect,
                                           SNIG_LAYER_READING)) {
            /* This thread reads it; fetch reports its own failure. */
            snig_status st = net->fetch != NULL ? net->fetch(ctx, net, l)
                                                : SNIG_INTERNAL;
            /* A bad layer keeps its status (as a negative number). */
            atomic_store(&L->verified, st == SNIG_OK ? SNIG_LAYER_GOOD
                                                     : -(int)st);
            return st == SNIG_OK || net->fetch != NULL
                       ? st
                       : snig__error(ctx, st, "%s: layer %u: no source",
                                     net->path, l + 1);
        }
        while ((v = atomic_load(&L->verified)) == SNIG_LAYER_READING)
            sched_yield();
    }
    if (v < 0)
        return snig__error(ctx, (snig_status)-v, "%s: layer %u: %s (found "
                           "when it was first read)", net->path, l + 1,
                           snig_status_str((snig_status)-v));
    return SNIG_OK;
}

