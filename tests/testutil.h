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
/* Loads the official network (120 layers) and its first `rows` inputs (0:
 * all 1200); returns 1 when both loaded (a failure is counted). */
int test_load_official(snig_ctx *ctx, uint64_t rows, snig_network **net,
                       snig_inputs **in);

/* Writes text to a fresh file under the build folder; returns its path
 * (static buffer, one per call slot 0..7). */
const char *test_write_file(int slot, const char *name, const char *text);
/* 1 when the file exists. */
int test_file_exists(const char *path);

/* This program's scratch folder, build/testfiles/NAME-PID, made empty;
 * test_scratch_end removes it when no check failed (kept to look at). */
const char *test_scratch(const char *name);
void test_scratch_end(void);
/* NAME inside the scratch folder (static buffer per slot 0..7). */
const char *test_path(int slot, const char *name);
/* A whole file as bytes (caller frees), or NULL; and bytes to a file. */
unsigned char *test_slurp(const char *path, size_t *n);
void test_spit(const char *path, const void *b, size_t n);

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

/* ---- partial skips: a part of a test that cannot run here says so, and
 *      test_result then exits 77 (CTest's skip) when nothing failed, so a
 *      skip is never counted as a pass. */
extern int test_skips;
/* Says that `what` is skipped and why; counts it. */
void test_skip(const char *what, const char *why);

/* ---- a failing allocator (zlib's infcover, LAGraph's LG_BRUTAL): every
 *      allocation goes through it; after `left` more allocations the next
 *      ones fail. */
typedef struct test_failing {
    long left;      /* allocations that still succeed; < 0: all */
    long live;      /* blocks allocated and not yet freed */
    long fail_at;   /* test_nomem: the allocation that fails in this run */
} test_failing;
/* An allocator for snig_ctx_new whose state is f (f->left starts at -1). */
snig_allocator test_failing_allocator(test_failing *f);
/* Inside a test_nomem case: from here the fail_at-th allocation fails;
 * test_failing_stop lets every allocation succeed again. */
void test_failing_start(test_failing *f);
void test_failing_stop(test_failing *f);

/* A case of test_nomem: makes what it needs (allocations succeed), calls
 * test_failing_start, makes the call under test, test_failing_stop, checks
 * what it can, frees everything, and returns the call's status. */
typedef snig_status (*test_nomem_case)(snig_ctx *ctx, test_failing *f,
                                       void *user);
/* Runs the case with a fresh context on the failing allocator, the n-th
 * allocation after test_failing_start failing, for n = 0, 1, ... until it
 * succeeds: every failure must be SNIG_NOMEM with a message about memory,
 * and once the context is freed no block may be left.  Returns the number
 * of failure points tried (a failure is recorded when it never succeeds
 * within max_points). */
long test_nomem(const char *name, test_nomem_case fn, void *user,
                long max_points);

/* ---- results of two engines (ggml's test-backend-ops) */
typedef struct test_compare {
    int exact;          /* final values bit for bit; else within tolerance */
    float tolerance;    /* relative (|a - b| <= tol * max(|a|, 1e-30)) */
    int live;           /* rows alive after each layer, when both count */
    int madds;          /* the same multiply-add count */
    int no_values;      /* 1: final values not compared (an engine that
                           sums in another order) */
} test_compare;
/* Compares `got` with `want` (the reference): categories exactly, then what
 * `how` asks; with values kept (and not no_values), every final row.  Prints what differs,
 * prefixed with `what`; returns 1 when they agree. */
int test_same_results(const char *what, const snig_result *want,
                      const snig_result *got, const test_compare *how);

#endif
