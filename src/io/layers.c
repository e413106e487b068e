/* Networks made of official layer files nN-lK.tsv: the set of layers read so
 * far (shared with the tar reader) and the directory reader. */
#define _DEFAULT_SOURCE
#include "readers.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_u32(const char **pp, uint32_t *v)
{
    uint64_t x = 0;
    const char *p = *pp;
    if (snig__parse_u64(&p, &x) != SNIG_NUM_OK || x == 0 || x > UINT32_MAX)
        return 0;
    *v = (uint32_t)x;
    *pp = p;
    return 1;
}

int snig__layer_name(const char *name, uint32_t *n, uint32_t *k)
{
    const char *base = strrchr(name, '/');
    const char *p = base ? base + 1 : name;
    if (*p++ != 'n' || !parse_u32(&p, n) || *p++ != '-' || *p++ != 'l' ||
        !parse_u32(&p, k))
        return 0;
    return strcmp(p, ".tsv") == 0 || strcmp(p, ".tsv.gz") == 0;
}

snig_status snig__check_sizes(snig_ctx *ctx, const char *path, uint64_t n,
                              uint64_t k)
{
    if (n == 0 || n > SNIG_MAX_NEURONS)
        return snig__error(ctx, SNIG_RANGE, "%s: %llu neurons: not supported "
                           "(1..%u)", path, (unsigned long long)n,
                           SNIG_MAX_NEURONS);
    if (k > SNIG_MAX_LAYERS)
        return snig__error(ctx, SNIG_RANGE, "%s: layer %llu: not supported "
                           "(1..%u)", path, (unsigned long long)k,
                           SNIG_MAX_LAYERS);
    return SNIG_OK;
}

/* Makes room for layer k (1-based) in the set's network. */
static snig_status grow(snig_ctx *ctx, snig_layer_set *set, uint32_t k)
{
    snig_network *net = set->net;
    uint32_t old = net->layers;
    if (k <= old)
        return SNIG_OK;
    uint32_t cap = old * 2 > k ? old * 2 : k;
    snig_layer *layer = snig__realloc(ctx, net->layer, cap * sizeof *layer);
    if (layer == NULL)
        return SNIG_NOMEM;
    net->layer = layer;
    memset(layer + old, 0, (size_t)(cap - old) * sizeof *layer);
    for (uint32_t l = old; l < cap; l++) {
        snig__layer_init(&layer[l], net->neurons, net->neurons);
        atomic_init(&layer[l].verified, 1);
    }
    net->layers = cap;
    uint8_t *have = snig__realloc(ctx, set->have, cap);
    if (have == NULL)
        return SNIG_NOMEM;
    memset(have + old, 0, cap - old);
    set->have = have;
    return SNIG_OK;
}

snig_status snig__layer_set_add(snig_ctx *ctx, snig_layer_set *set,
                                const char *path, uint32_t n, uint32_t k,
                                snig_scan *s, snig_coo *c)
{
    snig_status st = SNIG_OK;
    if (set->want && k > set->want)
        return SNIG_OK;
    st = snig__check_sizes(ctx, path, n, k);
    if (st != SNIG_OK)
        return st;
    if (set->net == NULL) {
        st = snig__network_new(ctx, n, 0, path, &set->net);
        if (st != SNIG_OK)
            return st;
    }
    if (set->net->neurons != n)
        return snig__error(ctx, SNIG_SIZE,
                           "%s: layer of %u neurons, but the other layers "
                           "have %u", path, n, set->net->neurons);
    st = grow(ctx, set, set->want ? set->want : k);
    if (st != SNIG_OK)
        return st;
    if (set->have[k - 1])
        return snig__error(ctx, SNIG_FORMAT, "%s: layer %u given twice", path,
                           k);
    st = snig__tsv_read_layer(ctx, s, n, c);
    if (st == SNIG_OK)
        st = snig__layer_from_coo(ctx, set->net, k - 1, c, path);
    if (st != SNIG_OK)
        return st;
    set->have[k - 1] = 1;
    set->found++;
    if (k > set->max)
        set->max = k;
    return SNIG_OK;
}

snig_status snig__layer_set_finish(snig_ctx *ctx, snig_layer_set *set,
                                   const char *where, snig_network **out)
{
    if (set->net == NULL)
        return snig__error(ctx, SNIG_MISSING,
                           "%s: no layer files nN-lK.tsv found", where);
    uint32_t layers = set->want ? set->want : set->max;
    for (uint32_t k = 1; k <= layers; k++)
        if (k > set->net->layers || !set->have[k - 1])
            return snig__error(ctx, SNIG_MISSING,
                               "%s: missing layer file n%u-l%u.tsv", where,
                               set->net->neurons, k);
    /* Slots past `layers` were never filled: nothing to free there. */
    set->net->layers = layers;
    size_t plen = strlen(where) + 1;
    char *path = snig__realloc(ctx, set->net->path, plen);
    if (path == NULL)
        return SNIG_NOMEM;
    memcpy(path, where, plen);
    set->net->path = path;
    *out = set->net;
    set->net = NULL;
    return SNIG_OK;
}

void snig__layer_set_clear(snig_ctx *ctx, snig_layer_set *set)
{
    snig__free(ctx, set->have);
    set->have = NULL;
    snig_network_free(&set->net);
}

typedef struct dir_entry {
    uint32_t k;
    bool gz;
    char *name;
} dir_entry;

static int cmp_entry(const void *a, const void *b)
{
    const dir_entry *x = a, *y = b;
    if (x->k != y->k)
        return (x->k > y->k) - (x->k < y->k);
    return (int)x->gz - (int)y->gz;   /* plain .tsv first */
}

snig_status snig__dir_read_network(snig_ctx *ctx, const char *dir,
                                   const snig_load_options *opt,
                                   snig_network **net)
{
    snig_status st = SNIG_OK;
    dir_entry *ent = NULL;
    size_t count = 0, cap = 0;
    uint32_t n = 0, max = 0;
    char *path = NULL;
    snig_src *src = NULL;
    snig_scan scan = {0};
    snig_coo c = {0};
    snig_layer_set set = {.want = opt->layers};
    DIR *d = opendir(dir);
    if (d == NULL) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot open directory: %s", dir,
                         strerror(errno));
        goto cleanup;
    }
    /* List the layer files first, so a missing one fails before any is
     * parsed. */
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint32_t fn, fk;
        if (!snig__layer_name(de->d_name, &fn, &fk))
            continue;
        if (n != 0 && fn != n) {
            st = snig__error(ctx, SNIG_SIZE, "%s: layer files of %u and of "
                             "%u neurons in the same directory", dir, n, fn);
            goto cleanup;
        }
        n = fn;
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            dir_entry *e = snig__realloc(ctx, ent, cap * sizeof *e);
            if (e == NULL) {
                st = SNIG_NOMEM;
                goto cleanup;
            }
            ent = e;
        }
        size_t len = strlen(de->d_name) + 1;
        ent[count] = (dir_entry){fk, len > 4 && de->d_name[len - 2] == 'z',
                                 snig__malloc(ctx, len)};
        if (ent[count].name == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
        memcpy(ent[count++].name, de->d_name, len);
        if (fk > max)
            max = fk;
    }
    if (count == 0) {
        st = snig__error(ctx, SNIG_MISSING,
                         "%s: no layer files nN-lK.tsv found", dir);
        goto cleanup;
    }
    if (opt->neurons && opt->neurons != n) {
        st = snig__error(ctx, SNIG_SIZE, "%s: network of %u neurons, %u "
                         "expected", dir, n, opt->neurons);
        goto cleanup;
    }
    qsort(ent, count, sizeof *ent, cmp_entry);
    uint32_t layers = opt->layers ? opt->layers : max;
    size_t at = 0;
    for (uint32_t k = 1; k <= layers; k++) {
        while (at < count && ent[at].k < k)
            at++;
        if (at == count || ent[at].k != k) {
            st = snig__error(ctx, SNIG_MISSING,
                             "%s: missing layer file n%u-l%u.tsv", dir, n, k);
            goto cleanup;
        }
        size_t plen = strlen(dir) + strlen(ent[at].name) + 2;
        snig__free(ctx, path);
        path = snig__malloc(ctx, plen);
        if (path == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
        snprintf(path, plen, "%s/%s", dir, ent[at].name);
        st = snig__src_open(ctx, path, &src);
        if (st == SNIG_OK)
            st = snig__scan_init(ctx, &scan, src, path, UINT64_MAX);
        if (st == SNIG_OK)
            st = snig__layer_set_add(ctx, &set, path, n, k, &scan, &c);
        snig__scan_free(&scan);
        snig__src_close(&src);
        if (st != SNIG_OK)
            goto cleanup;
    }
    set.want = layers;
    st = snig__layer_set_finish(ctx, &set, dir, net);
cleanup:
    snig__layer_set_clear(ctx, &set);
    snig__coo_clear(ctx, &c);
    snig__free(ctx, path);
    for (size_t i = 0; i < count; i++)
        snig__free(ctx, ent[i].name);
    snig__free(ctx, ent);
    if (d != NULL)
        closedir(d);
    return st;
}
