/* STUB: replaced by the cpu engine work. */
#include "../engine.h"
extern const struct snig_engine_i snig_engine_reference;
const struct snig_engine_i snig_engine_cpu = {
    .name = "cpu", .summary = "stub", .infer = NULL,
};
