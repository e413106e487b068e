/* The public side of the binary format: saving networks and inputs, and
 * describing any file snig reads (`snig info`). */
#define _POSIX_C_SOURCE 200809L
#include "binary.h"
#include "readers.h"
#include "snb_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

snig_status snig_network_save(snig_ctx *ctx, const snig_network *net,
                              const char *path)
{
    snig__enter(ctx);
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK) || path == NULL)
        return snig__error(ctx, SNIG_USAGE,
                           "snig_network_save: invalid network or path");
    uint32_t widest = 1;
    for (uint32_t l = 0; l < net->layers; l++)
        if (net->layer[l].n_out > widest)
            widest = net->layer[l].n_out;
    snig_snb_writer *w = NULL;
    snig_status st = snig__snb_writer_open(ctx, path, net->neurons,
                                           net->layers, widest, &w);
    double start = snig__now();
    for (uint32_t l = 0; st == SNIG_OK && l < net->layers; l++) {
        /* A layer not read yet is read and checked first: a corrupt layer
         * must not be copied under a fresh, valid checksum. */
        st = snig__check_cancel(ctx);
        if (st == SNIG_OK)
            st = snig__layer_ready(ctx, net, l);
        if (st == SNIG_OK)
            st = snig__snb_writer_layer(w, &net->layer[l]);
        snig__progress(ctx, "save", l + 1, net->layers, 0, start);
    }
    if (st == SNIG_OK)
        return snig__snb_writer_commit(&w);
    snig__snb_writer_abort(&w);
    return st;
}

snig_status snig_inputs_save(snig_ctx *ctx, const snig_inputs *in,
                             const char *path)
{
    snig__enter(ctx);
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    return snig__snb_save_inputs(ctx, in, path, 0);
}

/* ------------------------------------------------------------ info */

static bool challenge_entry(const snb_file *f, const snb_entry *e)
{
    return e->n_in == f->h.neurons && e->n_out == f->h.neurons &&
           e->bias_rule == SNIG_BIAS_NONZERO &&
           e->activation == SNIG_ACT_RELU_CAP && e->cap == 32.0f;
}

static snig_status info_snb(snig_ctx *ctx, const char *path,
                            snig_file_info *info)
{
    snb_file f;
    snig_status st = snig__snb_open(ctx, path, 0, &f);
    if (st != SNIG_OK)
        return st;
    bool network = f.h.kind == SNB_KIND_NETWORK;
    snprintf(info->kind, sizeof info->kind, "%s", network ? "network" : "inputs");
    snprintf(info->format, sizeof info->format, "snb");
    info->version = (int)f.h.version;
    info->neurons = f.h.neurons;
    info->layers = network ? f.h.entries : 0;
    info->rows = network ? 0 : f.h.count;
    info->nonzeros = f.h.nonzeros;
    info->index_bits = (int)f.h.index_bits;
    info->checksums_ok = 1;
    info->uniform_values = 1;
    info->challenge_layers = network;
    info->outputs = network && f.h.entries ? f.e[f.h.entries - 1].n_out : 0;
    double start = snig__now();
    for (uint32_t k = 0; k < f.h.entries && st == SNIG_OK; k++) {
        const snb_entry *e = &f.e[k];
        if (e->flags & SNB_FLAG_VALUES)
            info->uniform_values = 0;
        if (snb_bias_kind(e->flags) == SNB_BIAS_PER_NEURON)
            info->per_neuron_bias = 1;
        if (network && !challenge_entry(&f, e))
            info->challenge_layers = 0;
        st = snig__check_cancel(ctx);
        unsigned char *span = NULL;
        if (st == SNIG_OK)
            st = snig__snb_load_span(ctx, &f, k, 1, &span);
        if (st == SNIG_CANCELLED || st == SNIG_NOMEM)
            break;
        if (st != SNIG_OK) {
            /* A damaged layer is described, not a failure of the call. */
            if (info->checksums_ok)
                snig__error_take(ctx, info->damage, sizeof info->damage);
            else
                snig__error_take(ctx, NULL, 0);
            if (info->checksums_ok)
                info->bad_entry = k + 1;
            info->checksums_ok = 0;
            st = SNIG_OK;
            continue;
        }
        if (network && k == 0) {
            snig_layer L;
            memset(&L, 0, sizeof L);
            snig__snb_layer_view(&f, 0, span, &L);
            info->has_bias = L.has_bias;
            info->bias = L.bias != NULL ? L.bias[0] : L.bias_value;
        }
        snig__free(ctx, span);
        snig__progress(ctx, "check", k + 1, f.h.entries, 0, start);
    }
    if (network && f.h.entries > 0 && info->bad_entry == 1) {
        uint32_t bias = snb_bias_kind(f.e[0].flags);
        info->has_bias = bias != SNB_BIAS_NONE;
        info->bias = bias == SNB_BIAS_ONE ? f.e[0].bias : 0.0f;
    }
    snig__snb_close(ctx, &f);
    return st;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static snig_status info_network(snig_ctx *ctx, const char *path,
                                snig_file_info *info)
{
    snig_network *net = NULL;
    snig_load_options opt;
    snig_load_options_init(&opt);
    snig_status st = snig_network_load(ctx, path, &opt, &net);
    if (st != SNIG_OK)
        return st;
    snprintf(info->kind, sizeof info->kind, "network");
    info->neurons = net->neurons;
    info->layers = net->layers;
    info->nonzeros = snig_network_edges(net);
    info->index_bits = net->index16 ? 16 : 32;
    info->has_bias = snig_network_recorded_bias(net, &info->bias);
    info->uniform_values = 1;
    info->outputs = net->layers ? net->layer[net->layers - 1].n_out : 0;
    info->challenge_layers = snig__network_is_square(net, net->layers);
    for (uint32_t l = 0; l < net->layers; l++) {
        info->challenge_layers = info->challenge_layers &&
                                 net->layer[l].cap == 32.0f;
        info->uniform_values = info->uniform_values && net->layer[l].val == NULL;
        info->per_neuron_bias = info->per_neuron_bias ||
                                net->layer[l].bias != NULL;
    }
    snig_network_free(&net);
    return SNIG_OK;
}

static snig_status info_inputs(snig_ctx *ctx, const char *path,
                               snig_file_info *info)
{
    snig_inputs *in = NULL;
    snig_load_options opt;
    snig_load_options_init(&opt);
    /* The official names say N: sparse-images-1024.tsv. */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *tag = strstr(base, "images-");
    if (tag != NULL)
        opt.neurons = (uint32_t)strtoul(tag + 7, NULL, 10);
    snig_status st = snig_inputs_load(ctx, path, &opt, &in);
    if (st != SNIG_OK)
        return st;
    snprintf(info->kind, sizeof info->kind, "inputs");
    info->neurons = in->neurons;
    info->rows = in->rows;
    info->nonzeros = snig_inputs_nonzeros(in);
    info->index_bits = in->neurons <= 65536 ? 16 : 32;
    info->uniform_values = 1;
    uint64_t q0 = in->rowptr ? in->rowptr[0] : 0;
    for (uint64_t q = q0; q < q0 + info->nonzeros; q++)
        info->uniform_values = info->uniform_values && in->val[q] == in->val[q0];
    snig_inputs_free(&in);
    return SNIG_OK;
}

/* A file that is not .snb: a network (folder of layer files, archive, a
 * Matrix Market layer, a layer file nN-lK.tsv) or inputs (the rest), told
 * apart by name as the official data names them. */
static snig_status info_other(snig_ctx *ctx, const char *path, bool dir,
                              snig_file_info *info)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    uint32_t n_in = 0, n_out = 0, k = 0;
    int kind = 0;
    bool network = dir || ends_with(path, ".tar.gz") || ends_with(path, ".tgz") ||
                   ends_with(path, ".tar") ||
                   snig__layer_name(base, &n_in, &n_out, &k, &kind);
    const char *format = dir ? "dir"
                         : strstr(base, ".tar") || ends_with(base, ".tgz") ? "tar.gz"
                         : strstr(base, ".mtx") ? "mtx"
                         : "tsv";
    if (strstr(base, ".mtx") && strstr(base, "images") == NULL &&
        strstr(base, "input") == NULL)
        network = true;
    info->checksums_ok = -1;
    snig_status st = network ? info_network(ctx, path, info)
                             : info_inputs(ctx, path, info);
    snprintf(info->format, sizeof info->format, "%s", format);
    return st;
}

snig_status snig_file_info_get(snig_ctx *ctx, const char *path,
                               snig_file_info *info)
{
    snig__enter(ctx);
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (path == NULL || info == NULL)
        return snig__error(ctx, SNIG_USAGE, "snig_file_info_get: no path");
    memset(info, 0, sizeof *info);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return snig__error(ctx, SNIG_MISSING, "%s: no such file or folder",
                           path);
    unsigned char head[8] = {0};
    size_t got = 0;
    if (!S_ISDIR(sb.st_mode)) {
        FILE *fp = fopen(path, "rb");
        if (fp == NULL)
            return snig__error(ctx, SNIG_IO, "%s: cannot open", path);
        got = fread(head, 1, sizeof head, fp);
        fclose(fp);
    }
    /* An .snb name with a bad head is described as a broken .snb file. */
    if (snig__snb_detect(head, got) || ends_with(path, ".snb"))
        return info_snb(ctx, path, info);
    return info_other(ctx, path, S_ISDIR(sb.st_mode), info);
}
