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

int snig__layer_name(const char *name, uint32_t *n_in, uint32_t *n_out,
                     uint32_t *k, int *kind)
{
    const char *base = strrchr(name, '/');
    const char *p = base ? base + 1 : name;
    if (*p++ != 'n' || !parse_u32(&p, n_in))
        return 0;
    *n_out = *n_in;
    if (*p == 'x' && (p++, !parse_u32(&p, n_out)))
        return 0;
    if (*p++ != '-' || *p++ != 'l' || !parse_u32(&p, k))
        return 0;
    if (strcmp(p, ".tsv") == 0)
        *kind = SNIG_LAYER_TSV;
    else if (strcmp(p, ".tsv.gz") == 0)
        *kind = SNIG_LAYER_TSV_GZ;
    else if (strcmp(p, ".mtx") == 0)
        *kind = SNIG_LAYER_MTX;
    else
        return 0;
    return 1;
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

/* Makes room for one more slot. */
static snig_status grow(snig_ctx *ctx, snig_layer_set *set)
{
    snig_network *net = set->net;
    uint32_t old = net->layers;
    if (set->found < old)
        return SNIG_OK;
    uint32_t cap = old ? old * 2 : 16;
    snig_layer *layer = snig__realloc(ctx, net->layer, cap * sizeof *layer);
    if (layer == NULL)
        return SNIG_NOMEM;
    net->layer = layer;
    memset(layer + old, 0, (size_t)(cap - old) * sizeof *layer);
    for (uint32_t l = old; l < cap; l++)
        atomic_init(&layer[l].verified, SNIG_LAYER_GOOD);
    net->layers = cap;
    uint32_t *number = snig__realloc(ctx, set->number, cap * sizeof *number);
    if (number == NULL)
        return SNIG_NOMEM;
    set->number = number;
    return SNIG_OK;
}

snig_status snig__layer_set_add(snig_ctx *ctx, snig_layer_set *set,
                                const char *path, uint32_t n_in,
                                uint32_t n_out, uint32_t k, bool mm,
                                snig_scan *s, snig_coo *c)
{
    snig_status st = SNIG_OK;
    if (set->want && k > set->want)
        return SNIG_OK;
    st = snig__check_sizes(ctx, path, n_in > n_out ? n_in : n_out, k);
    if (st != SNIG_OK)
        return st;
    if (set->net == NULL) {
        st = snig__network_new(ctx, n_in, 0, path, &set->net);
        if (st != SNIG_OK)
            return st;
    }
    for (uint32_t i = 0; i < set->found; i++)
        if (set->number[i] == k)
            return snig__error(ctx, SNIG_FORMAT, "%s: layer %u given twice",
                               path, k);
    st = grow(ctx, set);
    if (st != SNIG_OK)
        return st;
    snig_layer *L = &set->net->layer[set->found];
    snig__layer_init(L, n_in, n_out);
    if (mm) {
        snig_mm_header h;
        st = snig__mm_read_header(ctx, s, &h);
        if (st == SNIG_OK && (h.rows != n_in || h.cols != n_out))
            st = snig__error(ctx, SNIG_SIZE, "%s: a %llu x %llu matrix, but "
                             "the name says %u x %u", path,
                             (unsigned long long)h.rows,
                             (unsigned long long)h.cols, n_in, n_out);
        if (st == SNIG_OK)
            st = snig__mm_read_layer(ctx, s, &h, c);
    } else {
        st = snig__tsv_read_layer(ctx, s, n_in, n_out, c);
    }
    if (st == SNIG_OK)
        st = snig__layer_from_coo(ctx, set->net, set->found, c, path);
    if (st != SNIG_OK)
        return st;
    set->number[set->found++] = k;
    if (k > set->max)
        set->max = k;
    return SNIG_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The smallest layer number in 1..layers that is not among the found. */
static snig_status first_missing(snig_ctx *ctx, const snig_layer_set *set,
                                 uint32_t layers, uint32_t *missing)
{
    uint32_t *sorted = snig__malloc(ctx, (set->found ? set->found : 1) *
                                             sizeof *sorted);
    if (sorted == NULL)
        return SNIG_NOMEM;
    if (set->found)
        memcpy(sorted, set->number, set->found * sizeof *sorted);
    qsort(sorted, set->found, sizeof *sorted, cmp_u32);
    uint32_t want = 1;
    for (uint32_t i = 0; i < set->found && sorted[i] == want; i++)
        want++;
    *missing = want <= layers ? want : 0;
    snig__free(ctx, sorted);
    return SNIG_OK;
}

snig_status snig__layer_set_finish(snig_ctx *ctx, snig_layer_set *set,
                                   const char *where, snig_network **out)
{
    snig_status st = SNIG_OK;
    snig_layer *ordered = NULL;
    if (set->net == NULL)
        return snig__error(ctx, SNIG_MISSING,
                           "%s: no layer files nN-lK.tsv found", where);
    snig_network *net = set->net;
    uint32_t layers = set->want ? set->want : set->max;
    uint32_t missing = 0;
    st = first_missing(ctx, set, layers, &missing);
    if (st != SNIG_OK)
        return st;
    if (missing != 0)
        return snig__error(ctx, SNIG_MISSING, "%s: missing layer file "
                           "n%u-l%u.tsv", where, net->neurons, missing);
    /* Every number of 1..layers is there once, and nothing else. */
    ordered = snig__calloc(ctx, layers, sizeof *ordered);
    if (ordered == NULL)
        return SNIG_NOMEM;
    for (uint32_t i = 0; i < set->found; i++)
        ordered[set->number[i] - 1] = net->layer[i];
    net->index16 = true;
    for (uint32_t l = 0; l < layers; l++) {
        const snig_layer *L = &ordered[l];
        uint32_t want_in = l == 0 ? L->n_in : ordered[l - 1].n_out;
        if (L->n_in != want_in) {
            st = snig__error(ctx, SNIG_SIZE, "%s: layer %u takes %u inputs, "
                             "but layer %u gives %u outputs", where, l + 1,
                             L->n_in, l, want_in);
            snig__free(ctx, ordered);
            return st;
        }
        net->index16 = net->index16 && L->col16 != NULL;
    }
    size_t plen = strlen(where) + 1;
    char *path = snig__realloc(ctx, net->path, plen);
    if (path == NULL) {
        snig__free(ctx, ordered);
        return SNIG_NOMEM;
    }
    memcpy(path, where, plen);
    net->path = path;
    /* The arrays moved to `ordered`: the old slots own nothing now. */
    snig__free(ctx, net->layer);
    net->layer = ordered;
    net->layers = layers;
    net->neurons = ordered[0].n_in;
    *out = net;
    set->net = NULL;
    return SNIG_OK;
}

void snig__layer_set_clear(snig_ctx *ctx, snig_layer_set *set)
{
    snig__free(ctx, set->number);
    set->number = NULL;
    if (set->net != NULL)
        set->net->layers = set->found; /* slots past it own nothing */
    snig_network_free(&set->net);
}

typedef struct dir_entry {
    uint32_t k, n_in, n_out;
    int kind;                /* SNIG_LAYER_TSV, _TSV_GZ, _MTX */
    char *name;
} dir_entry;

static int cmp_entry(const void *a, const void *b)
{
    const dir_entry *x = a, *y = b;
    if (x->k != y->k)
        return (x->k > y->k) - (x->k < y->k);
    return x->kind - y->kind;   /* plain .tsv first, then .tsv.gz, .mtx */
}

/* Lists dir's layer files, sorted by layer number. */
static snig_status list_layers(snig_ctx *ctx, const char *dir, dir_entry **out,
                               size_t *count_out)
{
    snig_status st = SNIG_OK;
    dir_entry *ent = NULL;
    size_t count = 0, cap = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return snig__error(ctx, SNIG_IO, "%s: cannot open directory: %s", dir,
                           strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        dir_entry e = {0};
        if (!snig__layer_name(de->d_name, &e.n_in, &e.n_out, &e.k, &e.kind))
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            dir_entry *more = snig__realloc(ctx, ent, cap * sizeof *more);
            if (more == NULL) {
                st = SNIG_NOMEM;
                break;
            }
            ent = more;
        }
        size_t len = strlen(de->d_name) + 1;
        e.name = snig__malloc(ctx, len);
        if (e.name == NULL) {
            st = SNIG_NOMEM;
            break;
        }
        memcpy(e.name, de->d_name, len);
        ent[count++] = e;
    }
    closedir(d);
    if (count > 0)
        qsort(ent, count, sizeof *ent, cmp_entry);
    for (size_t i = 1; st == SNIG_OK && i < count; i++)
        if (ent[i].k == ent[i - 1].k && (ent[i].n_in != ent[i - 1].n_in ||
                                         ent[i].n_out != ent[i - 1].n_out))
            st = snig__error(ctx, SNIG_SIZE, "%s: layer files %s and %s of "
                             "different sizes in the same directory", dir,
                             ent[i - 1].name, ent[i].name);
    *out = ent;
    *count_out = count;
    return st;
}

snig_status snig__dir_read_network(snig_ctx *ctx, const char *dir,
                                   const snig_load_options *opt,
                                   snig_network **net)
{
    snig_status st = SNIG_OK;
    dir_entry *ent = NULL;
    size_t count = 0;
    char *path = NULL;
    snig_src *src = NULL;
    snig_scan scan = {0};
    snig_coo c = {0};
    snig_layer_set set = {.want = opt->layers};
    /* List the layer files first, so a missing one fails before any is
     * parsed. */
    st = list_layers(ctx, dir, &ent, &count);
    if (st != SNIG_OK)
        goto cleanup;
    if (count == 0) {
        st = snig__error(ctx, SNIG_MISSING,
                         "%s: no layer files nN-lK.tsv found", dir);
        goto cleanup;
    }
    if (opt->neurons && opt->neurons != ent[0].n_in) {
        st = snig__error(ctx, SNIG_SIZE, "%s: the network takes %u inputs, "
                         "%u expected", dir, ent[0].n_in, opt->neurons);
        goto cleanup;
    }
    uint32_t layers = opt->layers ? opt->layers : ent[count - 1].k;
    size_t at = 0;
    double start = snig__now();
    for (uint32_t k = 1; k <= layers; k++) {
        while (at < count && ent[at].k < k)
            at++;
        if (at == count || ent[at].k != k) {
            st = snig__error(ctx, SNIG_MISSING,
                             "%s: missing layer file n%u-l%u.tsv", dir,
                             ent[0].n_in, k);
            goto cleanup;
        }
    }
    at = 0;
    for (uint32_t k = 1; k <= layers; k++) {
        while (ent[at].k < k)
            at++;
        st = snig__check_cancel(ctx);
        if (st != SNIG_OK)
            goto cleanup;
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
            st = snig__layer_set_add(ctx, &set, path, ent[at].n_in,
                                     ent[at].n_out, k,
                                     ent[at].kind == SNIG_LAYER_MTX, &scan,
                                     &c);
        snig__scan_free(&scan);
        snig__src_close(&src);
        if (st != SNIG_OK)
            goto cleanup;
        snig__progress(ctx, "load", k, layers, 0, start);
    }
    set.want = layers;
    st = snig__layer_set_finish(ctx, &set, dir, net);
    if (st == SNIG_OK) {
        st = snig__manifest_read(ctx, dir, *net);
        if (st != SNIG_OK)
            snig_network_free(net);
    }
cleanup:
    snig__layer_set_clear(ctx, &set);
    snig__coo_clear(ctx, &c);
    snig__free(ctx, path);
    for (size_t i = 0; i < count; i++)
        snig__free(ctx, ent[i].name);
    snig__free(ctx, ent);
    return st;
}
