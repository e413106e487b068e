/* Time to read the official 1024-neuron network (120 layers) straight from
 * neuron1024.tar.gz: the median of 5 runs, as one JSON line on stdout.
 * usage: read_speed [ARCHIVE [RUNS]] */
#define _DEFAULT_SOURCE
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The CPU model, for the record. */
static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown cpu");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            snprintf(buf, n, "%s", colon + 2);
            buf[strcspn(buf, "\n\"")] = '\0';
            break;
        }
    }
    if (f != NULL)
        fclose(f);
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
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
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
    getrusage(RUSAGE_SELF, &ru1);
    /* CPU time of both threads, per run: what other load cannot inflate. */
    double cpu_s = ((double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                  (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                  1e-6 * (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
                                  ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec)) /
                 runs;
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    char host[256] = "unknown", cpu[256];
    gethostname(host, sizeof host - 1);
    cpu_model(cpu, sizeof cpu);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* Other work on the machine shows in the times: record it. */
    double load = -1.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1.0;
        fclose(f);
    }
    const char *base = strrchr(path, '/');
    printf("{\"bench\": \"read_speed\", \"file\": \"%s\", \"machine\": \"%s, %s, "
           "%ld cores\", \"neurons\": %u, \"layers\": %u, \"edges\": %llu, "
           "\"runs\": %d, \"seconds\": %.4f, \"min_seconds\": %.4f, "
           "\"max_seconds\": %.4f, \"cpu_seconds_per_run\": %.4f, "
           "\"load_avg_1min\": %.2f}\n",
           base ? base + 1 : path, host, cpu, cores, n, layers,
           (unsigned long long)edges, runs, t[runs / 2], t[0], t[runs - 1], cpu_s, load);
    snig_ctx_free(&ctx);
    return 0;
}
