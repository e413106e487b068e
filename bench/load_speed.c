/* Load time of a network converted to snig's binary format against parsing
 * its text: the official 1024 x 120 network from neuron1024.tar.gz is read
 * (median of RUNS), saved as .snb in a temporary folder, and loaded back
 * with verify = 1 (every checksum at load) and verify = 0 (checked when
 * first used).  Prints one JSON line (kept in bench/results/load_speed.jsonl).
 * usage: load_speed [NETWORK [RUNS [TMPDIR]]] */
#define _DEFAULT_SOURCE
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 100

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of `runs` loads of path; 0 on failure (message printed). */
static double median_load(snig_ctx *ctx, const char *path, int verify,
                          int runs, snig_network **keep)
{
    double t[MAX_RUNS];
    snig_load_options o;
    snig_load_options_init(&o);
    o.verify = verify;
    for (int r = 0; r < runs; r++) {
        snig_network *net = NULL;
        double t0 = now();
        snig_status st = snig_network_load(ctx, path, &o, &net);
        t[r] = now() - t0;
        if (st != SNIG_OK) {
            fprintf(stderr, "load_speed: %s\n", snig_errmsg(ctx));
            return 0.0;
        }
        if (keep != NULL && *keep == NULL)
            *keep = net;
        else
            snig_network_free(&net);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    return t[runs / 2];
}

static void cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown cpu");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            snprintf(out, n, "%s", colon + 2);
            out[strcspn(out, "\n\"")] = '\0';
            break;
        }
    }
    if (f != NULL)
        fclose(f);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1]
                                : SNIG_SHARED_DATA "/neuron1024.tar.gz";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    const char *tmpdir = argc > 3 ? argv[3] : "/tmp";
    if (runs < 1 || runs > MAX_RUNS)
        runs = 5;
    snig_ctx *ctx = NULL;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 2;
    int rc = 2;
    char snb[512];
    snprintf(snb, sizeof snb, "%s/load_speed-%d.snb", tmpdir, (int)getpid());
    snig_network *net = NULL;
    double text = median_load(ctx, path, 1, runs, &net);
    double t0 = now();
    snig_status st = text > 0.0 ? snig_network_save(ctx, net, snb) : SNIG_IO;
    double save = now() - t0;
    if (text > 0.0 && st != SNIG_OK)
        fprintf(stderr, "load_speed: %s\n", snig_errmsg(ctx));
    double bin1 = st == SNIG_OK ? median_load(ctx, snb, 1, runs, NULL) : 0.0;
    double bin0 = bin1 > 0.0 ? median_load(ctx, snb, 0, runs, NULL) : 0.0;
    if (bin0 > 0.0) {
        char host[256] = "unknown", cpu[256];
        gethostname(host, sizeof host - 1);
        cpu_model(cpu, sizeof cpu);
        const char *base = strrchr(path, '/');
        printf("{\"bench\": \"load_speed\", \"file\": \"%s\", \"machine\": "
               "\"%s, %s, %ld cores\", \"neurons\": %u, \"layers\": %u, "
               "\"edges\": %llu, \"runs\": %d, \"text_seconds\": %.5f, "
               "\"save_seconds\": %.5f, \"snb_verify1_seconds\": %.5f, "
               "\"snb_verify0_seconds\": %.5f, \"speedup_verify1\": %.1f, "
               "\"speedup_verify0\": %.1f}\n",
               base ? base + 1 : path, host, cpu, sysconf(_SC_NPROCESSORS_ONLN),
               snig_network_neurons(net), snig_network_layers(net),
               (unsigned long long)snig_network_edges(net), runs, text, save,
               bin1, bin0, text / bin1, text / bin0);
        rc = 0;
    }
    unlink(snb);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return rc;
}
