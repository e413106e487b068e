/* The network handle: construction, accessors, bias, lazy layer checks. */
#define _DEFAULT_SOURCE
#include "internal.h"
#include "../io/checksum.h"

#include <string.h>
#include <sys/mman.h>

snig_status snig__network_new(snig_ctx *ctx, uint32_t neurons, uint32_t layers,
                              const char *path, snig_network **out)
{
    *out = NULL;
    snig_network *net = snig__calloc(ctx, 1, sizeof *net);
    if (net == NULL)
        return SNIG_NOMEM;
    net->magic = SNIG_MAGIC_NETWORK;
    net->ctx = ctx;
    net->neurons = neurons;
    net->layers = layers;
    net->layer = snig__calloc(ctx, layers ? layers : 1, sizeof *net->layer);
    size_t plen = strlen(path ? path : "") + 1;
    net->path = snig__malloc(ctx, plen);
    if (net->layer == NULL || net->path == NULL) {
        snig_network_free(&net);
        return SNIG_NOMEM;
    }
    memcpy(net->path, path ? path : "", plen);
    for (uint32_t l = 0; l < layers; l++)
        atomic_init(&net->layer[l].verified, 1);
    *out = net;
    return SNIG_OK;
}

void snig_network_free(snig_network **pnet)
{
    if (pnet == NULL || !SNIG_VALID(*pnet, SNIG_MAGIC_NETWORK))
        return;
    snig_network *net = *pnet;
    snig_ctx *ctx = net->ctx;
    for (uint32_t l = 0; net->layer != NULL && l < net->layers; l++) {
        snig_layer *L = &net->layer[l];
        snig__free(ctx, L->own_rowptr);
        snig__free(ctx, L->own_col);
        snig__free(ctx, L->own_val);
        snig__free(ctx, L->own_bias);
    }
    if (net->map != NULL)
        munmap(net->map, net->map_len);
    snig__free(ctx, net->layer);
    snig__free(ctx, net->path);
    net->magic = 0;
    snig__free(ctx, net);
    *pnet = NULL;
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

int snig_network_recorded_bias(const snig_network *net, float *bias)
{
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK) || net->layers == 0 ||
        !net->layer[0].has_bias)
        return 0;
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

snig_status snig_network_set_bias(snig_network *net, float bias)
{
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK))
        return SNIG_USAGE;
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

snig_status snig__layer_ready(snig_ctx *ctx, const snig_network *net,
                              uint32_t l)
{
    snig_layer *L = &net->layer[l];
    int v = atomic_load(&L->verified);
    if (v == 0) {
        const void *start = L->span;
        size_t len = L->span_len;
        if (net->map != NULL) {
            uintptr_t page = (uintptr_t)start & ~(uintptr_t)4095;
            madvise((void *)page, len + ((uintptr_t)start - page), MADV_WILLNEED);
        }
        v = snig__checksum(start, len) == L->checksum ? 1 : -1;
        atomic_store(&L->verified, v);
    }
    if (v < 0)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: layer %u: checksum mismatch (corrupt file)",
                           net->path, l + 1);
    return SNIG_OK;
}

void snig__layer_release(const snig_network *net, uint32_t l)
{
    if (net->map == NULL || net->layer[l].span == NULL)
        return;
    const void *start = net->layer[l].span;
    size_t len = net->layer[l].span_len;
    uintptr_t page = ((uintptr_t)start + 4095) & ~(uintptr_t)4095;
    uintptr_t end = ((uintptr_t)start + len) & ~(uintptr_t)4095;
    if (end > page)
        madvise((void *)page, end - page, MADV_DONTNEED);
}
