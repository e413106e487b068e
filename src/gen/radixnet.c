/* RadiX-Net layers: layer l (1-based) is in block b = (l-1)/S with stride
 * s = 2^((l-1) mod S); row i links to (x + M k) and (x - s + M k) mod N,
 * k = 0..15, x = p_b(i) mod M.  p_0 is the identity (so block 0 equals the
 * official layers exactly); p_b for b >= 1 is a Fisher-Yates shuffle drawn
 * from stream b of the seeded generator. */
#include "radixnet.h"
#include "rng.h"

int snig__radixnet_valid_neurons(uint32_t n)
{
    return n >= 64 && n <= SNIG_RADIX_MAX_NEURONS && n % 16 == 0 &&
           ((n / 16) & (n / 16 - 1)) == 0;
}

snig_status snig__radixnet_init(snig_ctx *ctx, snig_radixnet *rx, uint32_t n,
                                uint64_t seed)
{
    *rx = (snig_radixnet){.ctx = ctx, .neurons = n, .seed = seed};
    if (!snig__radixnet_valid_neurons(n))
        return snig__error(ctx, SNIG_USAGE,
                           "generate: %u neurons: need N = 16 * 2^k with "
                           "64 <= N <= %u", n, SNIG_RADIX_MAX_NEURONS);
    rx->m = n / 16;
    while ((1u << rx->log_m) < rx->m)
        rx->log_m++;
    rx->perm = snig__malloc(ctx, (size_t)n * sizeof *rx->perm);
    if (rx->perm == NULL)
        return SNIG_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        rx->perm[i] = i;
    rx->block = 0;
    return SNIG_OK;
}

void snig__radixnet_free(snig_radixnet *rx)
{
    if (rx->perm != NULL)
        snig__free(rx->ctx, rx->perm);
    rx->perm = NULL;
}

/* p_b: the identity for block 0, else a shuffle of stream b.  Drawn from the
 * identity each time, so p_b depends on (seed, b) only. */
static void draw_permutation(snig_radixnet *rx, uint32_t b)
{
    uint32_t n = rx->neurons;
    for (uint32_t i = 0; i < n; i++)
        rx->perm[i] = i;
    if (b > 0) {
        snig_rng r;
        snig__rng_seed(&r, rx->seed, b);
        for (uint32_t i = n - 1; i > 0; i--) {
            uint32_t j = (uint32_t)snig__rng_below(&r, (uint64_t)i + 1);
            uint32_t t = rx->perm[i];
            rx->perm[i] = rx->perm[j];
            rx->perm[j] = t;
        }
    }
    rx->block = b;
}

snig_status snig__radixnet_layer(snig_radixnet *rx, uint32_t l,
                                 uint32_t *rowptr, uint16_t *col16,
                                 uint32_t *col32)
{
    uint32_t n = rx->neurons, m = rx->m;
    uint32_t b = l / rx->log_m;
    uint32_t s = 1u << (l % rx->log_m);
    if ((col16 == NULL) == (col32 == NULL) || (col16 != NULL && n > 65536))
        return snig__error(rx->ctx, SNIG_INTERNAL,
                           "generate: layer %u: wrong column array", l + 1);
    if (b != rx->block)
        draw_permutation(rx, b);
    uint64_t p = 0;
    for (uint32_t i = 0; i < n; i++) {
        rowptr[i] = (uint32_t)p;
        uint32_t x = rx->perm[i] % m;
        /* s < M, so x and (x - s) mod M differ: 32 distinct columns.  Taken
         * mod M first (never negative), the 16 copies cover the same columns
         * as (x - s + M k) mod N for k = 0..15. */
        uint32_t a = (x + m - s) % m;
        uint32_t lo = x < a ? x : a, hi = x < a ? a : x;
        for (uint32_t k = 0; k < 16; k++) {
            uint32_t c0 = lo + m * k, c1 = hi + m * k;
            if (col16 != NULL) {
                col16[p] = (uint16_t)c0;
                col16[p + 1] = (uint16_t)c1;
            } else {
                col32[p] = c0;
                col32[p + 1] = c1;
            }
            p += 2;
        }
    }
    rowptr[n] = (uint32_t)p;
    return SNIG_OK;
}
