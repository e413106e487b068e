/* The official archive neuronN.tar.gz, read as a stream: each 512-byte
 * header is followed by the member's data, which the layer parser reads
 * straight from the (inflating) source; nothing is written to disk.  Members
 * may come in any order; reading stops once every layer asked for is in. */
#define _POSIX_C_SOURCE 200809L
#include "readers.h"

#include <stdio.h>
#include <string.h>

#define TAR_BLOCK 512
#define TAR_NAME_MAX 4096

int snig__tar_detect(const unsigned char *h, size_t n)
{
    return n >= TAR_BLOCK && memcmp(h + 257, "ustar", 5) == 0;
}

/* An octal field, or GNU base-256 when the high bit of the first byte is
 * set; returns 0 when malformed. */
static int tar_number(const unsigned char *f, size_t len, uint64_t *v)
{
    uint64_t x = 0;
    if (f[0] & 0x80) {
        for (size_t i = 1; i < len; i++) {
            if (x >> 56)
                return 0;
            x = (x << 8) | f[i];
        }
        *v = x;
        return 1;
    }
    size_t i = 0;
    while (i < len && f[i] == ' ')
        i++;
    int digits = 0;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++, digits++)
        x = (x << 3) | (uint64_t)(f[i] - '0');
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return 0;
    *v = x;
    return digits > 0;
}

static int header_ok(const unsigned char *h)
{
    uint64_t want = 0, sum = 0;
    if (!tar_number(h + 148, 8, &want))
        return 0;
    for (int i = 0; i < TAR_BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

static snig_status read_block(snig_ctx *ctx, snig_src *src, const char *path,
                              unsigned char *b, size_t *got)
{
    *got = 0;
    while (*got < TAR_BLOCK) {
        size_t n = 0;
        snig_status st = snig__src_read(src, b + *got, TAR_BLOCK - *got, &n);
        if (st != SNIG_OK)
            return st;
        if (n == 0)
            break;
        *got += n;
    }
    if (*got != 0 && *got != TAR_BLOCK)
        return snig__error(ctx, SNIG_FORMAT, "%s: truncated tar archive", path);
    return SNIG_OK;
}

snig_status snig__tar_read_network(snig_ctx *ctx, snig_src *src,
                                   const char *path,
                                   const snig_load_options *opt,
                                   snig_network **net)
{
    snig_status st = SNIG_OK;
    unsigned char h[TAR_BLOCK];
    char name[TAR_NAME_MAX];
    char *where = NULL;
    bool long_name = false;
    snig_scan scan = {0};
    snig_coo c = {0};
    snig_layer_set set = {.want = opt->layers};
    size_t wcap = strlen(path) + TAR_NAME_MAX + 2;
    where = snig__malloc(ctx, wcap);
    if (where == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (uint64_t member = 1;; member++) {
        size_t got = 0;
        st = read_block(ctx, src, path, h, &got);
        if (st != SNIG_OK)
            goto cleanup;
        if (got == 0)
            break;
        bool zero = true;
        for (int i = 0; i < TAR_BLOCK && zero; i++)
            zero = h[i] == 0;
        if (zero)
            break;              /* end-of-archive marker */
        uint64_t size = 0;
        if (!header_ok(h) || !tar_number(h + 124, 12, &size)) {
            st = snig__error(ctx, SNIG_FORMAT, "%s: corrupt tar header "
                             "(member %llu)", path, (unsigned long long)member);
            goto cleanup;
        }
        uint64_t pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
        char type = (char)h[156];
        if (type == 'L') {
            /* GNU long name: the data is the name of the next member. */
            if (size >= TAR_NAME_MAX) {
                st = snig__error(ctx, SNIG_FORMAT, "%s: member name too long",
                                 path);
                goto cleanup;
            }
            size_t n = 0;
            st = snig__src_read(src, name, (size_t)size, &n);
            while (st == SNIG_OK && n < size) {
                size_t more = 0;
                st = snig__src_read(src, name + n, (size_t)size - n, &more);
                if (more == 0 && st == SNIG_OK)
                    st = snig__error(ctx, SNIG_FORMAT,
                                     "%s: truncated tar archive", path);
                n += more;
            }
            if (st == SNIG_OK)
                st = snig__src_skip(src, pad);
            if (st != SNIG_OK)
                goto cleanup;
            name[size] = '\0';
            long_name = true;
            continue;
        }
        if (!long_name) {
            /* POSIX ustar: prefix "/" name, each field NUL-padded, maybe
             * full.  Old GNU archives ("ustar  ") keep other data there. */
            bool posix = memcmp(h + 257, "ustar\0", 6) == 0;
            int plen = posix && h[345]
                           ? (int)strnlen((const char *)h + 345, 155) : 0;
            snprintf(name, sizeof name, "%.*s%s%.*s", plen,
                     (const char *)h + 345, plen ? "/" : "",
                     (int)strnlen((const char *)h, 100), (const char *)h);
        }
        long_name = false;
        uint32_t n = 0, n_out = 0, k = 0;
        int kind = 0;
        bool regular = type == '0' || type == '\0';
        if (!regular || !snig__layer_name(name, &n, &n_out, &k, &kind) ||
            kind != SNIG_LAYER_TSV || (set.want && k > set.want)) {
            st = snig__src_skip(src, size + pad);
            if (st != SNIG_OK)
                goto cleanup;
            continue;
        }
        st = snig__check_cancel(ctx);
        if (st != SNIG_OK)
            goto cleanup;
        if (opt->neurons && opt->neurons != n && k == 1) {
            st = snig__error(ctx, SNIG_SIZE, "%s:%s: layer of %u neurons, %u "
                             "expected", path, name, n, opt->neurons);
            goto cleanup;
        }
        snprintf(where, wcap, "%s:%s", path, name);
        st = snig__scan_init(ctx, &scan, src, where, size);
        if (st == SNIG_OK)
            st = snig__layer_set_add(ctx, &set, where, n, n_out, k, false,
                                     &scan, &c);
        if (st == SNIG_OK && scan.left != 0)
            st = snig__error(ctx, SNIG_FORMAT, "%s: truncated tar archive",
                             where);
        snig__scan_free(&scan);
        if (st == SNIG_OK)
            st = snig__src_skip(src, pad);
        if (st != SNIG_OK)
            goto cleanup;
        if (set.want && set.found == set.want)
            break;
    }
    st = snig__layer_set_finish(ctx, &set, path, net);
cleanup:
    snig__layer_set_clear(ctx, &set);
    snig__coo_clear(ctx, &c);
    snig__free(ctx, where);
    return st;
}
