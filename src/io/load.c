/* The public loaders: each tells the kind of file from the path (a
 * directory) and its first bytes (snig's binary magic, a tar header, a
 * Matrix Market banner), never from the extension, then hands it to its
 * reader.  Compressed files are recognised after inflating. */
#define _POSIX_C_SOURCE 200809L
#include "binary.h"
#include "readers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define HEAD_BYTES 512

/* Checks the arguments shared by the loaders; *is_dir tells a directory. */
static snig_status check_path(snig_ctx *ctx, const char *path, void *out,
                              bool *is_dir)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (path == NULL || out == NULL)
        return snig__error(ctx, SNIG_USAGE, "a path and an output are needed");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return snig__error(ctx, SNIG_IO, "%s: cannot open: %s", path,
                           strerror(errno));
    *is_dir = S_ISDIR(sb.st_mode);
    return snig__check_cancel(ctx);
}

/* 1 when the raw (not inflated) file starts with the .snb magic. */
static int is_snb(const char *path)
{
    unsigned char head[16];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return snig__snb_detect(head, n);
}

/* Reads a Matrix Market file or a single layer file nN-lK.tsv (nIxO-lK.tsv)
 * as a one-layer network. */
static snig_status one_layer(snig_ctx *ctx, snig_src *src, const char *path,
                             bool mm, uint32_t n_in, uint32_t n_out,
                             const snig_load_options *opt, snig_network **out)
{
    snig_status st = SNIG_OK;
    snig_scan scan = {0};
    snig_coo c = {0};
    snig_network *net = NULL;
    snig_mm_header h = {0};
    st = snig__scan_init(ctx, &scan, src, path, UINT64_MAX);
    if (st == SNIG_OK && mm)
        st = snig__mm_read_header(ctx, &scan, &h);
    if (st != SNIG_OK)
        goto cleanup;
    if (mm) {
        n_in = (uint32_t)h.rows;
        n_out = (uint32_t)h.cols;
    }
    st = snig__check_sizes(ctx, path, n_in > n_out ? n_in : n_out, 1);
    if (st != SNIG_OK)
        goto cleanup;
    if (opt->neurons && opt->neurons != n_in) {
        st = snig__error(ctx, SNIG_SIZE, "%s: layer of %u inputs, %u "
                         "expected", path, n_in, opt->neurons);
        goto cleanup;
    }
    if (opt->layers > 1) {
        st = snig__error(ctx, SNIG_MISSING, "%s: holds one layer, %u asked",
                         path, opt->layers);
        goto cleanup;
    }
    st = snig__network_new(ctx, n_in, 1, path, &net);
    if (st == SNIG_OK) {
        snig__layer_init(&net->layer[0], n_in, n_out);
        st = mm ? snig__mm_read_layer(ctx, &scan, &h, &c)
                : snig__tsv_read_layer(ctx, &scan, n_in, n_out, &c);
    }
    if (st == SNIG_OK)
        st = snig__layer_from_coo(ctx, net, 0, &c, path);
    if (st == SNIG_OK) {
        *out = net;
        net = NULL;
    }
cleanup:
    snig_network_free(&net);
    snig__coo_clear(ctx, &c);
    snig__scan_free(&scan);
    return st;
}

snig_status snig_network_load(snig_ctx *ctx, const char *path,
                              const snig_load_options *opt, snig_network **net)
{
    snig__enter(ctx);
    snig_load_options def;
    snig_src *src = NULL;
    bool is_dir = false;
    unsigned char head[HEAD_BYTES];
    size_t got = 0;
    uint32_t n = 0, n_out = 0, k = 0;
    int kind = 0;
    snig_status st = check_path(ctx, path, net, &is_dir);
    if (st != SNIG_OK)
        return st;
    *net = NULL;
    if (opt == NULL) {
        snig_load_options_init(&def);
        opt = &def;
    }
    if (is_dir)
        return snig__dir_read_network(ctx, path, opt, net);
    if (is_snb(path))
        return snig__snb_load_network(ctx, path, opt, net);
    st = snig__src_open(ctx, path, &src);
    if (st == SNIG_OK)
        st = snig__src_peek(src, head, sizeof head, &got);
    if (st != SNIG_OK)
        goto cleanup;
    if (got == 0)
        st = snig__error(ctx, SNIG_FORMAT, "%s: empty file", path);
    else if (snig__tar_detect(head, got))
        st = snig__tar_read_network(ctx, src, path, opt, net);
    else if (snig__mm_detect(head, got))
        st = one_layer(ctx, src, path, true, 0, 0, opt, net);
    else if (snig__layer_name(path, &n, &n_out, &k, &kind))
        st = one_layer(ctx, src, path, false, n, n_out, opt, net);
    else
        st = snig__error(ctx, SNIG_FORMAT, "%s: not a network: expected a "
                         "directory of nN-lK.tsv files, neuronN.tar.gz, a "
                         "Matrix Market file or a .snb file", path);
cleanup:
    snig__src_close(&src);
    return st;
}

/* N from a name "sparse-images-N...", 0 when it is not one. */
static uint32_t neurons_from_name(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *p = base ? base + 1 : path;
    const char *tag = "sparse-images-";
    uint64_t n = 0;
    if (strncmp(p, tag, strlen(tag)) != 0)
        return 0;
    p += strlen(tag);
    if (snig__parse_u64(&p, &n) != SNIG_NUM_OK || n > UINT32_MAX)
        return 0;
    return (uint32_t)n;
}

snig_status snig_inputs_load(snig_ctx *ctx, const char *path,
                             const snig_load_options *opt, snig_inputs **in)
{
    snig__enter(ctx);
    snig_load_options def;
    snig_src *src = NULL;
    snig_scan scan = {0};
    bool is_dir = false;
    unsigned char head[64];
    size_t got = 0;
    snig_status st = check_path(ctx, path, in, &is_dir);
    if (st != SNIG_OK)
        return st;
    *in = NULL;
    if (opt == NULL) {
        snig_load_options_init(&def);
        opt = &def;
    }
    if (is_dir)
        return snig__error(ctx, SNIG_FORMAT, "%s: is a directory, not an "
                           "inputs file", path);
    if (is_snb(path))
        return snig__snb_load_inputs(ctx, path, opt, in);
    st = snig__src_open(ctx, path, &src);
    if (st == SNIG_OK)
        st = snig__src_peek(src, head, sizeof head, &got);
    if (st == SNIG_OK)
        st = snig__scan_init(ctx, &scan, src, path, UINT64_MAX);
    if (st != SNIG_OK)
        goto cleanup;
    if (got == 0) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: empty file", path);
    } else if (snig__mm_detect(head, got)) {
        snig_mm_header h;
        st = snig__mm_read_header(ctx, &scan, &h);
        if (st == SNIG_OK && opt->neurons && opt->neurons != h.cols)
            st = snig__error(ctx, SNIG_SIZE, "%s: inputs of %llu columns, %u "
                             "expected", path, (unsigned long long)h.cols,
                             opt->neurons);
        if (st == SNIG_OK)
            st = snig__mm_read_inputs(ctx, &scan, &h, opt->row_first,
                                      opt->row_count, in);
    } else {
        uint32_t n = opt->neurons ? opt->neurons : neurons_from_name(path);
        if (n > SNIG_MAX_NEURONS)
            st = snig__check_sizes(ctx, path, n, 0);
        else if (n == 0)
            st = snig__error(ctx, SNIG_USAGE, "%s: cannot tell the number of "
                             "neurons: name the file sparse-images-N.tsv or "
                             "give the neuron count", path);
        else
            st = snig__tsv_read_inputs(ctx, &scan, n, opt->row_first,
                                       opt->row_count, in);
    }
cleanup:
    snig__scan_free(&scan);
    snig__src_close(&src);
    return st;
}

snig_status snig_truth_load(snig_ctx *ctx, const char *path, uint64_t **rows,
                            uint64_t *count)
{
    snig__enter(ctx);
    snig_src *src = NULL;
    snig_scan scan = {0};
    bool is_dir = false;
    snig_status st = check_path(ctx, path, rows, &is_dir);
    if (st != SNIG_OK)
        return st;
    *rows = NULL;
    if (count == NULL)
        return snig__error(ctx, SNIG_USAGE, "snig_truth_load: count is NULL");
    *count = 0;
    if (is_dir)
        return snig__error(ctx, SNIG_FORMAT, "%s: is a directory, not a truth "
                           "file", path);
    st = snig__src_open(ctx, path, &src);
    if (st == SNIG_OK)
        st = snig__scan_init(ctx, &scan, src, path, UINT64_MAX);
    if (st == SNIG_OK)
        st = snig__truth_read(ctx, &scan, rows, count);
    snig__scan_free(&scan);
    snig__src_close(&src);
    return st;
}
