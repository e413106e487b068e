/* Small helpers shared by the test programs.  CHECK records a failure and
 * goes on; a test's main returns test_result(). */
#ifndef SNIG_TESTUTIL_H
#define SNIG_TESTUTIL_H

#include "snig.h"

#include <stdint.h>
#include <stdio.h>

#define TEST_SKIP 77

extern int test_failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            test_failures++;                                                 \
        }                                                                    \
    } while (0)

#define CHECK_OK(ctx, expr)                                                  \
    do {                                                                     \
        snig_status check_st_ = (expr);                                      \
        if (check_st_ != SNIG_OK) {                                          \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__,     \
                    #expr, snig_status_str(check_st_), snig_errmsg(ctx));   \
            test_failures++;                                                 \
        }                                                                    \
    } while (0)

int test_result(const char *name);

/* The official data the tests read (../shared/data/graphchallenge). */
#define TEST_OFFICIAL_NETWORK SNIG_SHARED_DATA "/neuron1024.tar.gz"
#define TEST_OFFICIAL_INPUTS SNIG_SHARED_DATA "/sparse-images-1024-first1200.tsv.gz"
#define TEST_OFFICIAL_TRUTH SNIG_SHARED_DATA "/neuron1024-l120-categories.tsv"
/* The official categories <= 1200: what the first 1200 inputs give through
 * the 120 layers. */
#define TEST_OFFICIAL_COUNT 19
extern const uint64_t test_official_categories[TEST_OFFICIAL_COUNT];
/* 1 when the three official files are readable; else says that `name`
 * skips what needs them, and returns 0. */
int test_have_official(const char *name);

/* Writes text to a fresh file under the build folder; returns its path
 * (static buffer, one per call slot 0..7). */
const char *test_write_file(int slot, const char *name, const char *text);
/* 1 when the file exists. */
int test_file_exists(const char *path);

/* A random network (N neurons, L layers, k nonzeros per row) with weights in
 * [-wmax, wmax] or all equal to `uniform` when wmax == 0, and per-neuron
 * biases in [bmin, bmax] when per_neuron.  Deterministic in seed. */
snig_status test_random_network(snig_ctx *ctx, uint32_t n, uint32_t layers,
                                uint32_t k, float wmax, float uniform,
                                int per_neuron, float bmin, float bmax,
                                uint64_t seed, snig_network **net);
/* Random inputs: rows rows, about density * N nonzeros each, values in
 * (0, vmax] (vmax 1: all ones).  dup_every > 0 repeats every dup_every-th
 * row of its predecessor; sat_every > 0 makes such rows dense at 32. */
snig_status test_random_inputs(snig_ctx *ctx, uint32_t n, uint64_t rows,
                               double density, float vmax, uint32_t dup_every,
                               uint32_t sat_every, uint64_t seed,
                               snig_inputs **in);

#endif
