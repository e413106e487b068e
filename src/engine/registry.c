/* The registry: the one place that knows which engines exist.  Optional
 * engines are compiled in by CMake (SNIG_HAS_CUDA, SNIG_HAS_MPI). */
#include "engine.h"

#include <string.h>

extern const struct snig_engine_i snig_engine_reference;
extern const struct snig_engine_i snig_engine_cpu;
#ifdef SNIG_HAS_CUDA
extern const struct snig_engine_i snig_engine_cuda;
#endif
#ifdef SNIG_HAS_MPI
extern const struct snig_engine_i snig_engine_mpi;
#endif

static const struct snig_engine_i *const engines[] = {
    &snig_engine_reference,
    &snig_engine_cpu,
#ifdef SNIG_HAS_CUDA
    &snig_engine_cuda,
#endif
#ifdef SNIG_HAS_MPI
    &snig_engine_mpi,
#endif
};

#define ENGINE_COUNT (sizeof engines / sizeof engines[0])

const struct snig_engine_i *snig__engine_find(const char *name)
{
    for (size_t i = 0; i < ENGINE_COUNT; i++)
        if (strcmp(engines[i]->name, name) == 0)
            return engines[i];
    return NULL;
}

const char *snig_engine_name(size_t i)
{
    return i < ENGINE_COUNT ? engines[i]->name : NULL;
}

const char *snig_engine_summary(const char *name)
{
    const struct snig_engine_i *e = snig__engine_find(name);
    return e ? e->summary : NULL;
}

int snig_engine_available(const char *name)
{
    const struct snig_engine_i *e = snig__engine_find(name);
    return e != NULL && (e->available == NULL || e->available());
}

const char *snig_engine_auto(void)
{
#ifdef SNIG_HAS_CUDA
    if (snig_engine_available("cuda"))
        return "cuda";
#endif
    return "cpu";
}
