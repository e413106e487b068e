/* The machine's peak rates for the cpu engine's two vector operations on
 * 16-row panels (AVX-512), on one thread with hot caches: the gather entry
 * (a sum in a register plus one 64-byte panel row: the four-chain loop of
 * kernel_avx512.c on a CSC layer of 1024 outputs x 32 random inputs among
 * 512, the 32 KiB section of the official network) and the scatter update
 * (a 64-byte output row read, added to and written back: 434 active inputs
 * of 1024 x 32 weights, as in a panel of the official first layer, into a
 * 256-output section).  The floor of docs/CPU.md divides the counts of
 * these operations by these rates.  Prints one JSON object.
 *
 * usage: peak_panel */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f"), noinline))

enum { OUT = 1024, IN = 512, K = 32, SECTION = 256, ACTIVE = 434 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

AVX512 static void gather(const float *src, const uint16_t *rows, float *z)
{
    for (uint32_t j = 0; j < OUT; j += 4) {
        const uint16_t *r = rows + (size_t)j * K;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (uint32_t t = 0; t < K; t++) {
            a0 = _mm512_add_ps(a0, _mm512_load_ps(src + r[t] * 16));
            a1 = _mm512_add_ps(a1, _mm512_load_ps(src + r[K + t] * 16));
            a2 = _mm512_add_ps(a2, _mm512_load_ps(src + r[2 * K + t] * 16));
            a3 = _mm512_add_ps(a3, _mm512_load_ps(src + r[3 * K + t] * 16));
        }
        _mm512_store_ps(z + j * 16, a0);
        _mm512_store_ps(z + j * 16 + 16, a1);
        _mm512_store_ps(z + j * 16 + 32, a2);
        _mm512_store_ps(z + j * 16 + 48, a3);
    }
}

AVX512 static void scatter(const float *y, const uint16_t *cols, float *z)
{
    for (uint32_t a = 0; a < ACTIVE; a++) {
        uint32_t i = a * 1024 / ACTIVE;
        __m512 p = _mm512_load_ps(y + i * 16);
        const uint16_t *c = cols + (size_t)i * K;
        for (uint32_t k = 0; k < K; k++) {
            float *zj = z + c[k] * 16;
            _mm512_store_ps(zj, _mm512_add_ps(_mm512_load_ps(zj), p));
        }
    }
}

typedef void (*panel_op)(const float *, const uint16_t *, float *);

/* Best of 5 trials of 1000 calls: ns per operation. */
static double best_ns(panel_op op, const float *src, const uint16_t *idx,
                      float *z, double ops)
{
    double best = 1e30;
    for (int trial = 0; trial < 5; trial++) {
        double t0 = now();
        for (int r = 0; r < 1000; r++)
            op(src, idx, z);
        double ns = (now() - t0) * 1e9 / 1000 / ops;
        best = ns < best ? ns : best;
    }
    return best;
}

int main(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) {
        printf("{\"benchmark\": \"peak_panel\", \"skipped\": \"no AVX-512\"}\n");
        return 0;
    }
    float *src = aligned_alloc(64, 1024 * 16 * sizeof(float));
    float *z = aligned_alloc(64, OUT * 16 * sizeof(float));
    uint16_t *rows = malloc((size_t)OUT * K * sizeof *rows);
    uint16_t *cols = malloc((size_t)1024 * K * sizeof *cols);
    if (!src || !z || !rows || !cols)
        return 1;
    for (int i = 0; i < 1024 * 16; i++)
        src[i] = 1.0f / (float)(i % 7 + 1);
    uint32_t s = 12345u;
    for (int e = 0; e < OUT * K; e++) {
        s = s * 1664525u + 1013904223u;
        rows[e] = (uint16_t)((s >> 8) % IN);
    }
    for (int e = 0; e < 1024 * K; e++) {
        s = s * 1664525u + 1013904223u;
        cols[e] = (uint16_t)((s >> 8) % SECTION);
    }
    for (int i = 0; i < OUT * 16; i++)
        z[i] = 0.0f;
    double g = best_ns(gather, src, rows, z, OUT * K);
    double sum = z[17];
    double u = best_ns(scatter, src, cols, z, ACTIVE * K);
    sum += z[33];
    printf("{\"benchmark\": \"peak_panel\", \"gather_ns_per_entry\": %.3f, "
           "\"scatter_ns_per_update\": %.3f, \"check\": %g}\n", g, u, sum);
    free(src);
    free(z);
    free(rows);
    free(cols);
    return 0;
}
#else
int main(void)
{
    printf("{\"benchmark\": \"peak_panel\", \"skipped\": \"not x86-64\"}\n");
    return 0;
}
#endif
