/* The manifest of a layer folder (snig-network.tsv): what the official
 * layer files cannot say, one line per layer,
 *     layer  n_in  n_out  bias_rule  activation  cap  bias
 * with bias_rule "nonzero" or "dense", activation "relu-cap", "relu" or
 * "identity", bias a number, "none" or "per-neuron" (then bias-lK.tsv holds
 * one value per line, output neuron 1 first).  docs/FORMAT.md, "Export". */
#define _POSIX_C_SOURCE 200809L
#include "readers.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const rule_names[] = {"nonzero", "dense"};
static const char *const act_names[] = {"relu-cap", "relu", "identity"};

static int name_index(const char *const *names, int count, const char *s)
{
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static char *join(snig_ctx *ctx, const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = snig__malloc(ctx, n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Reads n_out finite values, one a line, into a fresh array. */
static snig_status read_bias(snig_ctx *ctx, const char *dir, uint32_t l,
                             snig_layer *L)
{
    char name[64];
    snprintf(name, sizeof name, "bias-l%u.tsv", l + 1);
    snig_status st = SNIG_OK;
    FILE *f = NULL;
    float *b = NULL;
    char *path = join(ctx, dir, name);
    if (path == NULL)
        return SNIG_NOMEM;
    f = fopen(path, "r");
    if (f == NULL) {
        st = snig__error(ctx, SNIG_MISSING, "%s: cannot open: %s", path,
                         strerror(errno));
        goto cleanup;
    }
    b = snig__malloc(ctx, (size_t)L->n_out * sizeof *b);
    if (b == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    char line[128];
    uint32_t j = 0;
    for (uint64_t ln = 1; fgets(line, sizeof line, f) != NULL; ln++) {
        char *end = NULL;
        float v = strtof(line, &end);
        if (end == line || (*end != '\n' && *end != '\0') || !isfinite(v) ||
            j == L->n_out) {
            st = snig__error(ctx, SNIG_FORMAT, "%s:%llu: expected one finite "
                             "bias value a line, %u lines", path,
                             (unsigned long long)ln, L->n_out);
            goto cleanup;
        }
        b[j++] = v;
    }
    if (j != L->n_out) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: %u values, %u expected", path,
                         j, L->n_out);
        goto cleanup;
    }
    L->bias = L->own_bias = b;
    b = NULL;
cleanup:
    snig__free(ctx, b);
    if (f != NULL)
        fclose(f);
    snig__free(ctx, path);
    return st;
}

/* Applies one manifest line to its layer. */
static snig_status apply_line(snig_ctx *ctx, const char *dir, const char *path,
                              uint64_t ln, const char *line, snig_network *net,
                              uint32_t *seen)
{
    unsigned layer = 0, n_in = 0, n_out = 0;
    char rule[16], act[16], bias[32];
    float cap = 0.0f;
    int r = -1, a = -1;
    if (sscanf(line, "%u %u %u %15s %15s %f %31s", &layer, &n_in, &n_out, rule,
               act, &cap, bias) != 7 ||
        (r = name_index(rule_names, 2, rule)) < 0 ||
        (a = name_index(act_names, 3, act)) < 0 || layer == 0)
        return snig__error(ctx, SNIG_FORMAT, "%s:%llu: expected `layer n_in "
                           "n_out nonzero|dense relu-cap|relu|identity cap "
                           "bias|none|per-neuron`", path,
                           (unsigned long long)ln);
    if (layer > net->layers)
        return SNIG_OK;     /* beyond the layers loaded */
    snig_layer *L = &net->layer[layer - 1];
    if (layer != *seen + 1)
        return snig__error(ctx, SNIG_FORMAT, "%s:%llu: layer %u, expected %u",
                           path, (unsigned long long)ln, layer, *seen + 1);
    if (n_in != L->n_in || n_out != L->n_out)
        return snig__error(ctx, SNIG_SIZE, "%s:%llu: layer %u is %u x %u, its "
                           "file holds %u x %u", path, (unsigned long long)ln,
                           layer, n_in, n_out, L->n_in, L->n_out);
    L->bias_rule = (uint8_t)r;
    L->activation = (uint8_t)a;
    L->cap = a == SNIG_ACT_RELU_CAP ? cap : 32.0f;
    if (a == SNIG_ACT_RELU_CAP && !(isfinite(cap) && cap > 0.0f))
        return snig__error(ctx, SNIG_FORMAT, "%s:%llu: the cap must be a "
                           "finite positive number", path,
                           (unsigned long long)ln);
    snig_status st = SNIG_OK;
    if (strcmp(bias, "per-neuron") == 0) {
        st = read_bias(ctx, dir, layer - 1, L);
        L->has_bias = true;
    } else if (strcmp(bias, "none") != 0) {
        char *end = NULL;
        float v = strtof(bias, &end);
        if (*end != '\0' || !isfinite(v))
            return snig__error(ctx, SNIG_FORMAT, "%s:%llu: bad bias `%s`", path,
                               (unsigned long long)ln, bias);
        L->bias_value = v;
        L->has_bias = true;
    }
    (*seen)++;
    return st;
}

snig_status snig__manifest_read(snig_ctx *ctx, const char *dir,
                                snig_network *net)
{
    snig_status st = SNIG_OK;
    char *path = join(ctx, dir, SNIG_MANIFEST_NAME);
    if (path == NULL)
        return SNIG_NOMEM;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno != ENOENT)
            st = snig__error(ctx, SNIG_IO, "%s: cannot open: %s", path,
                             strerror(errno));
        snig__free(ctx, path);
        return st;          /* no manifest: the official layout */
    }
    char line[256];
    uint32_t seen = 0;
    for (uint64_t ln = 1; st == SNIG_OK && fgets(line, sizeof line, f); ln++) {
        const char *p = line + strspn(line, " \t\r\n");
        if (*p == '#' || *p == '\0')
            continue;
        st = apply_line(ctx, dir, path, ln, line, net, &seen);
    }
    if (st == SNIG_OK && seen < net->layers)
        st = snig__error(ctx, SNIG_MISSING, "%s: describes %u layers, the "
                         "folder has %u", path, seen, net->layers);
    fclose(f);
    snig__free(ctx, path);
    return st;
}

static bool plain_layer(const snig_layer *L, uint32_t n)
{
    return L->n_in == n && L->n_out == n && !L->has_bias &&
           L->bias_rule == SNIG_BIAS_NONZERO &&
           L->activation == SNIG_ACT_RELU_CAP && L->cap == 32.0f;
}

static snig_status write_bias(snig_ctx *ctx, const char *dir, uint32_t l,
                              const snig_layer *L)
{
    char name[64];
    snprintf(name, sizeof name, "bias-l%u.tsv", l + 1);
    char *path = join(ctx, dir, name);
    if (path == NULL)
        return SNIG_NOMEM;
    snig_status st = SNIG_OK;
    FILE *f = fopen(path, "w");
    for (uint32_t j = 0; f != NULL && j < L->n_out; j++)
        fprintf(f, "%.9g\n", (double)L->bias[j]);
    if (f == NULL || ferror(f) | (fclose(f) != 0))
        st = snig__error(ctx, SNIG_IO, "%s: cannot write: %s", path,
                         strerror(errno));
    snig__free(ctx, path);
    return st;
}

snig_status snig__manifest_write(snig_ctx *ctx, const char *dir,
                                 const snig_network *net, uint32_t layers)
{
    bool plain = true;
    for (uint32_t l = 0; l < layers; l++)
        plain = plain && plain_layer(&net->layer[l], net->neurons);
    if (plain)
        return SNIG_OK;
    char *path = join(ctx, dir, SNIG_MANIFEST_NAME);
    if (path == NULL)
        return SNIG_NOMEM;
    snig_status st = SNIG_OK;
    FILE *f = fopen(path, "w");
    if (f != NULL)
        fprintf(f, "# snig network: layer n_in n_out bias_rule activation cap "
                   "bias (docs/FORMAT.md)\n");
    for (uint32_t l = 0; f != NULL && st == SNIG_OK && l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        char bias[32];
        if (!L->has_bias)
            snprintf(bias, sizeof bias, "none");
        else if (L->bias != NULL)
            snprintf(bias, sizeof bias, "per-neuron");
        else
            snprintf(bias, sizeof bias, "%.9g", (double)L->bias_value);
        fprintf(f, "%u\t%u\t%u\t%s\t%s\t%.9g\t%s\n", l + 1, L->n_in, L->n_out,
                rule_names[L->bias_rule], act_names[L->activation],
                (double)(L->activation == SNIG_ACT_RELU_CAP ? L->cap : 0.0f),
                bias);
        if (L->has_bias && L->bias != NULL)
            st = write_bias(ctx, dir, l, L);
    }
    if (f == NULL || ferror(f) | (fclose(f) != 0)) {
        if (st == SNIG_OK)
            st = snig__error(ctx, SNIG_IO, "%s: cannot write: %s", path,
                             strerror(errno));
    }
    snig__free(ctx, path);
    return st;
}
