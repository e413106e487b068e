/* Limits of the readers and writers (issue 12): tiny files that announce
 * huge sizes must not make huge allocations (an allocator records the
 * largest request), gzip bombs are refused, damaged gzip data is reported
 * under the file's name, loads stop when cancelled, and no temporary
 * outlives a writer that hit a full disk or died. */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include "core/internal.h"
#include "io/checksum.h"
#include "io/snb_layout.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>



/* ---- an allocator that remembers the largest request */

static size_t largest;

static void *big_malloc(size_t n, void *user)
{
    (void)user;
    if (n > largest)
        largest = n;
    return malloc(n);
}

static void *big_realloc(void *p, size_t n, void *user)
{
    (void)user;
    if (n > largest)
        largest = n;
    return realloc(p, n);
}

static void big_free(void *p, void *user)
{
    (void)user;
    free(p);
}



/* Recomputes the header checksum after a change to the header. */
static void reseal_header(unsigned char *b, uint32_t entries)
{
    size_t len = SNB_HEADER_SIZE + (size_t)entries * SNB_ENTRY_SIZE;
    memset(b + 124, 0, 4);
    uint32_t crc = snig__checksum(b, len);
    memcpy(b + 124, &crc, 4);
}

/* ---- D: sizes announced by tiny files */

static void put_tar_gz(const char *path, const char *member, const char *text)
{
    unsigned char h[512] = {0}, zero[1024] = {0};
    size_t size = strlen(text);
    snprintf((char *)h, 100, "%s", member);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    gzFile gz = gzopen(path, "wb9");
    if (gz == NULL)
        return;
    gzwrite(gz, h, 512);
    gzwrite(gz, text, (unsigned)size);
    gzwrite(gz, zero, (unsigned)((512 - size % 512) % 512));
    gzwrite(gz, zero, sizeof zero);
    gzclose(gz);
}

static void test_sizes(void)
{
    snig_allocator a = {big_malloc, big_realloc, big_free, NULL};
    snig_ctx *ctx = NULL;
    snig_ctx_new(&ctx, &a);
    snig_load_options o;
    snig_load_options_init(&o);
    snig_inputs *in = NULL;
    snig_network *net = NULL;
    const size_t cap = 64u << 20;
    /* A 14-byte inputs file naming row 10^8. */
    const char *p = test_path(3, "sparse-images-1024.tsv");
    test_spit(p, "100000000\t1\t1\n", 14);
    largest = 0;
    CHECK(snig_inputs_load(ctx, p, &o, &in) == SNIG_RANGE && in == NULL);
    CHECK(largest < cap && strstr(snig_errmsg(ctx), "rows for 1 entries"));
    snig_clear_error(ctx);
    /* The same through Matrix Market's size line. */
    p = test_path(3, "inputs.mtx");
    const char *mm = "%%MatrixMarket matrix coordinate pattern general\n"
                     "4000000000 16 1\n1 1\n";
    test_spit(p, mm, strlen(mm));
    largest = 0;
    CHECK(snig_inputs_load(ctx, p, &o, &in) == SNIG_RANGE && largest < cap);
    snig_clear_error(ctx);
    /* A 200-byte archive whose one member claims layer 16777216. */
    p = test_path(3, "neuron64.tar.gz");
    put_tar_gz(p, "neuron64/n64-l16777216.tsv", "1\t1\t1\n");
    largest = 0;
    CHECK(snig_network_load(ctx, p, &o, &net) == SNIG_MISSING && net == NULL);
    CHECK(largest < cap && strstr(snig_errmsg(ctx), "n64-l1.tsv") != NULL);
    snig_clear_error(ctx);
    /* N = 2^31 in a .snb header (checksum resealed). */
    snig_network *small = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 1, 2, 0.0f, 1.0f, 0, 0, 0, 1,
                                      &small));
    p = test_path(3, "huge-n.snb");
    CHECK_OK(ctx, snig_network_save(ctx, small, p));
    size_t n = 0;
    unsigned char *b = test_slurp(p, &n);
    if (b != NULL) {
        uint32_t v = 1u << 31, bits = 32;
        memcpy(b + 20, &v, 4);
        memcpy(b + 32, &bits, 4);
        reseal_header(b, 1);
        test_spit(p, b, n);
        largest = 0;
        CHECK(snig_network_load(ctx, p, &o, &net) == SNIG_RANGE);
        CHECK(largest < cap && strstr(snig_errmsg(ctx), "2147483648") != NULL);
        snig_clear_error(ctx);
    }
    free(b);
    snig_network_free(&small);
    /* A Matrix Market layer of 2^31 columns, and an inputs file of 2^31
     * columns by name. */
    p = test_path(3, "wide.mtx");
    mm = "%%MatrixMarket matrix coordinate real general\n"
         "2147483648 2147483648 1\n1 1 1\n";
    test_spit(p, mm, strlen(mm));
    CHECK(snig_network_load(ctx, p, &o, &net) == SNIG_RANGE);
    snig_clear_error(ctx);
    p = test_path(3, "sparse-images-2147483648.tsv");
    test_spit(p, "1\t1\t1\n", 6);
    CHECK(snig_inputs_load(ctx, p, &o, &in) == SNIG_RANGE);
    snig_clear_error(ctx);
    snig_ctx_free(&ctx);
}

/* ---- gzip: bombs, damaged data, cancelled loads */

static void test_gzip(snig_ctx *ctx)
{
    /* 100 MiB of blank lines in about 100 KB. */
    const char *p = test_path(4, "sparse-images-64.tsv.gz");
    gzFile gz = gzopen(p, "wb9");
    static char block[1 << 16];
    memset(block, '\n', sizeof block);
    for (int i = 0; gz != NULL && i < 1600; i++)
        gzwrite(gz, block, sizeof block);
    if (gz != NULL)
        gzclose(gz);
    snig_inputs *in = NULL;
    CHECK(snig_inputs_load(ctx, p, NULL, &in) == SNIG_FORMAT && in == NULL);
    CHECK(strstr(snig_errmsg(ctx), "gzip bomb") != NULL &&
          strstr(snig_errmsg(ctx), p) != NULL);
    snig_clear_error(ctx);
    /* Damaged deflate data: the message names the file, not "<fd:3>". */
    p = test_path(4, "damaged.tsv.gz");
    gz = gzopen(p, "wb1");
    for (int i = 0; gz != NULL && i < 20000; i++)
        gzprintf(gz, "%d\t%d\t1\n", i + 1, i % 64 + 1);
    if (gz != NULL)
        gzclose(gz);
    size_t n = 0;
    unsigned char *b = test_slurp(p, &n);
    if (b != NULL && n > 200) {
        for (size_t i = n / 3; i < n / 3 + 40; i++)
            b[i] ^= 0x5a;
        test_spit(p, b, n);
    }
    free(b);
    snig_load_options o;
    snig_load_options_init(&o);
    o.neurons = 64;
    snig_status st = snig_inputs_load(ctx, p, &o, &in);
    CHECK(st != SNIG_OK && in == NULL);
    CHECK(strstr(snig_errmsg(ctx), p) != NULL &&
          strstr(snig_errmsg(ctx), "<fd:") == NULL);
    printf("damaged gzip: %s\n", snig_errmsg(ctx));
    snig_clear_error(ctx);
    /* Cancelled loads: text, gzip, tar.gz, .snb with verify. */
    p = test_path(4, "neuron64.tar.gz");
    put_tar_gz(p, "neuron64/n64-l1.tsv", "1\t1\t1\n");
    const char *snb = test_path(5, "cancel.snb");
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 2, 2, 0.0f, 1.0f, 0, 0, 0, 1,
                                      &net));
    CHECK_OK(ctx, snig_network_save(ctx, net, snb));
    snig_network_free(&net);
    const char *nets[] = {p, snb};
    for (int k = 0; k < 2; k++) {
        snig_cancel(ctx);
        CHECK(snig_network_load(ctx, nets[k], NULL, &net) == SNIG_CANCELLED);
        CHECK(net == NULL);
        snig_clear_error(ctx);
    }
    snig_cancel(ctx);
    st = snig_inputs_load(ctx, test_path(6, "damaged.tsv.gz"), &o, &in);
    if (st != SNIG_CANCELLED)
        fprintf(stderr, "cancelled inputs: %s\n", snig_errmsg(ctx));
    CHECK(st == SNIG_CANCELLED && in == NULL);
    snig_clear_error(ctx);
}

/* ---- temporaries */

static int count_tmp(const char *dir)
{
    int k = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        k += strstr(e->d_name, ".tmp.") != NULL;
    if (d != NULL)
        closedir(d);
    return k;
}

static void test_temporaries(snig_ctx *ctx)
{
    char sub[1000];
    snprintf(sub, sizeof sub, "%.900s", test_path(7, "tmpdir"));
    mkdir(sub, 0755);
    /* A full disk (a file size limit) in the middle of a TSV layer. */
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit r = {100000, 100000};
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &r);
        snig_ctx *c = NULL;
        snig_ctx_new(&c, NULL);
        snig_generate_options g;
        snig_generate_options_init(&g);
        g.neurons = 1024;
        g.layers = 3;
        g.format = "tsv";
        char out[1100];
        snprintf(out, sizeof out, "%s/net", sub);
        snig_status st = snig_generate_network(c, &g, out);
        _exit(st == SNIG_IO && strstr(snig_errmsg(c), "n1024-l1.tsv") ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(count_tmp(sub) == 0);
    /* A dead writer's leftovers go at the next write of the target; a live
     * process's stay. */
    pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, &status, 0);
    char target[1100], dead_file[1200], dead_dir[1200], junk[1300], live[1200];
    snprintf(target, sizeof target, "%s/x.snb", sub);
    snprintf(dead_file, sizeof dead_file, "%s.tmp.%d", target, (int)pid);
    snprintf(dead_dir, sizeof dead_dir, "%s.tmp.%d.0", target, (int)pid);
    snprintf(junk, sizeof junk, "%s/n64-l1.tsv", dead_dir);
    snprintf(live, sizeof live, "%s.tmp.%d", target, (int)getppid());
    test_spit(dead_file, "half", 4);
    mkdir(dead_dir, 0755);
    test_spit(junk, "1\t1\t1\n", 6);
    test_spit(live, "busy", 4);
    snig_network *net = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 1, 2, 0.0f, 1.0f, 0, 0, 0, 1,
                                      &net));
    CHECK_OK(ctx, snig_network_save(ctx, net, target));
    CHECK(!test_file_exists(dead_file) && !test_file_exists(dead_dir));
    CHECK(test_file_exists(live) && test_file_exists(target));
    unlink(live);
    snig_network_free(&net);
}

int main(void)
{
    if (test_scratch("hardening-limits") == NULL)
        return 1;
    snig_ctx *ctx = NULL;
    snig_ctx_new(&ctx, NULL);
    test_sizes();
    test_gzip(ctx);
    test_temporaries(ctx);
    snig_ctx_free(&ctx);
    test_scratch_end();
    return test_result("test_hardening_limits");
}
