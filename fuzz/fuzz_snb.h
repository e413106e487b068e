/* The .snb targets' mutator: after libFuzzer's mutation, the checksums of
 * every span the table points at and of the header are recomputed, so that
 * mutations reach the structure checks behind them (a checksum is not a
 * validation).  The inputs it keeps, and the crashes it reports, are files
 * whose checksums hold: each loads as it is. */
#ifndef SNIG_FUZZ_SNB_H
#define SNIG_FUZZ_SNB_H

#include <stddef.h>
#include <stdint.h>

void fuzz_snb_fix(uint8_t *data, size_t size);

#endif
