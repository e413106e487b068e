/* The machine's peak scalar scatter-add rate, the yardstick of the cpu
 * engine's useful multiply-add rate: acc[idx[k]] += y * w[k] over random
 * indices into a 1024-float accumulator (it stays in the L1 cache), one
 * accumulator per thread, every thread at once.  Prints one JSON object.
 *
 * usage: peak_scatter [threads] */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    const uint32_t n = 1024, nnz = 1 << 15;
    const int reps = 2000;
    double best = 0.0;
    float sink = 0.0f;
    for (int trial = 0; trial < 5; trial++) {
        double t0 = 0, t1 = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            uint16_t *idx = malloc(nnz * sizeof *idx);
            float *w = malloc(nnz * sizeof *w);
            float *acc = calloc(n, sizeof *acc);
            uint32_t s = 12345u + (uint32_t)omp_get_thread_num();
            for (uint32_t k = 0; k < nnz; k++) {
                s = s * 1664525u + 1013904223u;
                idx[k] = (uint16_t)((s >> 8) % n);
                w[k] = 1.0f / 16.0f;
            }
#pragma omp barrier
#pragma omp master
            t0 = omp_get_wtime();
            for (int r = 0; r < reps; r++) {
                float y = 1.0f + (float)(r & 7) * 0.125f;
                for (uint32_t k = 0; k < nnz; k++)
                    acc[idx[k]] += y * w[k];
            }
#pragma omp barrier
#pragma omp master
            t1 = omp_get_wtime();
            for (uint32_t j = 0; j < n; j++)
                sink += acc[j];
            free(idx);
            free(w);
            free(acc);
        }
        double rate = (double)threads * reps * nnz / (t1 - t0);
        if (rate > best)
            best = rate;
    }
    printf("{\"benchmark\": \"peak_scatter\", \"threads\": %d, "
           "\"madds_per_second\": %.4e, \"check\": %g}\n",
           threads, best, (double)sink);
    return 0;
}
