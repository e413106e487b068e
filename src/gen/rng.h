/* A small seeded generator with the same output on every machine: xoshiro256**
 * seeded through splitmix64 (public-domain algorithms by Blackman and Vigna,
 * written here from their published definitions).  Only integer arithmetic,
 * so the stream depends on the seed alone, never on the platform. */
#ifndef SNIG_GEN_RNG_H
#define SNIG_GEN_RNG_H

#include <stdint.h>

typedef struct snig_rng {
    uint64_t s[4];
} snig_rng;

/* Seeds the generator for (seed, stream): distinct streams of one seed are
 * independent, so block b of a network can be drawn without drawing blocks
 * 1..b-1 first. */
void snig__rng_seed(snig_rng *r, uint64_t seed, uint64_t stream);
uint64_t snig__rng_next(snig_rng *r);
/* Uniform in [0, n), n >= 1, without modulo bias (rejection). */
uint64_t snig__rng_below(snig_rng *r, uint64_t n);

#endif
