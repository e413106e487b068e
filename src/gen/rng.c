/* xoshiro256** seeded by splitmix64; see rng.h. */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void snig__rng_seed(snig_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream number in through one splitmix64 step of its own, so
     * that (seed, stream) and (seed + 1, stream - 1) do not collide. */
    uint64_t t = stream;
    uint64_t x = seed ^ splitmix64(&t);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    /* xoshiro must not start from the all-zero state; splitmix64 outputs are
     * a bijection of distinct counters, so four zeros cannot happen, but a
     * cheap guard keeps the invariant obvious. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
}

uint64_t snig__rng_next(snig_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t snig__rng_below(snig_rng *r, uint64_t n)
{
    /* Values below (2^64 mod n) would make the low residues more likely;
     * drawing again when one comes keeps every residue equally likely. */
    uint64_t reject_below = (0 - n) % n;
    uint64_t v;
    do {
        v = snig__rng_next(r);
    } while (v < reject_below);
    return v % n;
}
