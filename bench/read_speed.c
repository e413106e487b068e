/* Time to read the official 1024-neuron network (120 layers) straight from
 * neuron1024.tar.gz: the median of 5 runs, as one JSON line on stdout.
 * usage: read_speed [ARCHIVE [RUNS]] */
#define _DEFAULT_SOURCE
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1]
                                : SNIG_SHARED_DATA "/neuron1024.tar.gz";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1 || runs > 100)
        runs = 5;
    double t[100];
    snig_ctx *ctx = NULL;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 2;
    uint32_t n = 0, layers = 0;
    uint64_t edges = 0;
    for (int r = 0; r < runs; r++) {
        snig_network *net = NULL;
        double t0 = now();
        snig_status st = snig_network_load(ctx, path, NULL, &net);
        t[r] = now() - t0;
        if (st != SNIG_OK) {
            fprintf(stderr, "read_speed: %s\n", snig_errmsg(ctx));
            snig_ctx_free(&ctx);
            return 2;
        }
        n = snig_network_neurons(net);
        layers = snig_network_layers(net);
        edges = snig_network_edges(net);
        snig_network_free(&net);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *base = strrchr(path, '/');
    printf("{\"bench\": \"read_speed\", \"file\": \"%s\", \"machine\": \"%s, "
           "%ld cores\", \"neurons\": %u, \"layers\": %u, \"edges\": %llu, "
           "\"runs\": %d, \"seconds\": %.4f, \"min_seconds\": %.4f, "
           "\"max_seconds\": %.4f}\n",
           base ? base + 1 : path, host, cores, n, layers,
           (unsigned long long)edges, runs, t[runs / 2], t[0], t[runs - 1]);
    snig_ctx_free(&ctx);
    return 0;
}
