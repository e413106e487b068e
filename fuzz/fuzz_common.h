/* What the libFuzzer targets share: a scratch folder per process where the
 * fuzz input is written under the name a reader expects (the readers take
 * paths, and tell the kind of file from its name and first bytes), one
 * context, the check that a failure is clean, and a tiny inference on what
 * loaded so that the engines meet whatever a reader let through. */
#ifndef SNIG_FUZZ_COMMON_H
#define SNIG_FUZZ_COMMON_H

#include "snig.h"

#include <stddef.h>
#include <stdint.h>

/* The process's context (made once, with the C library's allocator). */
snig_ctx *fuzz_ctx(void);

/* Writes size bytes to `name` inside the scratch folder (the same file is
 * rewritten by every run) and returns its path; `name` may hold one
 * sub-folder ("dir/n1024-l1.tsv"), made on first use.  Static buffer, one
 * per slot 0..3. */
const char *fuzz_write(int slot, const char *name, const uint8_t *data,
                       size_t size);
/* The path of `name` in the scratch folder, nothing written (slot 0..3). */
const char *fuzz_path(int slot, const char *name);

/* Set by the replay driver, which limits the address space: a small saved
 * input that runs out of memory there asked for far too much (libFuzzer's
 * malloc limit catches the same while fuzzing). */
extern int fuzz_nomem_is_finding;

/* A failure must be clean: a known status other than SNIG_INTERNAL, with a
 * message, and no handle given out; success gives one.  Anything else
 * aborts, which libFuzzer reports as a finding. */
void fuzz_check(snig_ctx *ctx, snig_status st, const void *handle);

/* Runs a few input rows through `net` on the reference and cpu engines and
 * aborts when they disagree (the cpu engine is bit-exact with the
 * reference); skipped for networks too large to run quickly.  A failure of
 * both engines (e.g. a layer found bad when first used) must be clean. */
void fuzz_infer_network(snig_ctx *ctx, const snig_network *net);
/* The same for inputs, through a one-layer network made for their width. */
void fuzz_infer_inputs(snig_ctx *ctx, const snig_inputs *in);

/* Loads path as a network or as inputs (lo may be NULL), checks the
 * outcome (fuzz_check) and, when `infer`, runs what loaded through the
 * engines; then frees it. */
void fuzz_load_network(snig_ctx *ctx, const char *path,
                       const snig_load_options *lo, int infer);
void fuzz_load_inputs(snig_ctx *ctx, const char *path,
                      const snig_load_options *lo, int infer);
/* snig_file_info_get on path, checked the same way. */
void fuzz_file_info(snig_ctx *ctx, const char *path);

#endif
