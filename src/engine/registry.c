/* The registry: the one place that knows which engines exist.  Optional
 * engines are compiled in by CMake (SNIG_HAS_CUDA, SNIG_HAS_MPI). */
#include "engine.h"

#include <stdio.h>
#include <string.h>

extern const struct snig_engine_i snig__engine_reference;
extern const struct snig_engine_i snig__engine_cpu;
#ifdef SNIG_HAS_CUDA
extern const struct snig_engine_i snig__engine_cuda;
#endif
#ifdef SNIG_HAS_MPI
extern const struct snig_engine_i snig__engine_mpi;
#endif

static const struct snig_engine_i *const engines[] = {
    &snig__engine_reference,
    &snig__engine_cpu,
#ifdef SNIG_HAS_CUDA
    &snig__engine_cuda,
#endif
#ifdef SNIG_HAS_MPI
    &snig__engine_mpi,
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
    const struct snig_engine_i *e = name ? snig__engine_find(name) : NULL;
    return e ? e->summary : NULL;
}

int snig_engine_available(const char *name)
{
    const struct snig_engine_i *e = name ? snig__engine_find(name) : NULL;
    return e != NULL && (e->available == NULL || e->available());
}

/* What "auto" tries, in order. */
static const struct snig_engine_i *const auto_order[] = {
#ifdef SNIG_HAS_CUDA
    &snig__engine_cuda,
#endif
    &snig__engine_cpu,
};

const char *snig_engine_auto(void)
{
    for (size_t i = 0; i < sizeof auto_order / sizeof auto_order[0]; i++)
        if (auto_order[i]->available == NULL || auto_order[i]->available())
            return auto_order[i]->name;
    return "cpu";
}

static int engine_accepts(const struct snig_engine_i *e, const snig_job *job)
{
    if (e->available != NULL && !e->available()) {
        snig__error(job->ctx, SNIG_UNSUPPORTED,
                    "engine '%s' cannot run on this machine", e->name);
        return 0;
    }
    if (e->supports != NULL && !e->supports(job)) {
        if (job->ctx->status == SNIG_OK)
            snig__error(job->ctx, SNIG_UNSUPPORTED,
                        "engine '%s' does not support this job", e->name);
        return 0;
    }
    return 1;
}

snig_status snig__engine_select(const snig_job *job, const char *name,
                                const struct snig_engine_i **out,
                                char *fallback, size_t fallback_len)
{
    snig_ctx *ctx = job->ctx;
    *out = NULL;
    if (fallback != NULL && fallback_len > 0)
        fallback[0] = '\0';
    if (name != NULL && *name != '\0' && strcmp(name, "auto") != 0) {
        const struct snig_engine_i *e = snig__engine_find(name);
        if (e == NULL)
            return snig__error(ctx, SNIG_USAGE, "unknown engine '%s' (snig "
                               "run --engine list)", name);
        if (!engine_accepts(e, job))
            return ctx->status;
        *out = e;
        return SNIG_OK;
    }
    size_t used = 0;
    for (size_t i = 0; i < sizeof auto_order / sizeof auto_order[0]; i++) {
        const struct snig_engine_i *e = auto_order[i];
        bool silent = e->available != NULL && !e->available();
        if (!silent && engine_accepts(e, job)) {
            *out = e;
            return SNIG_OK;
        }
        /* An engine absent from this machine is no fallback worth telling. */
        char why[200];
        snig__error_take(ctx, why, sizeof why);
        if (!silent && fallback != NULL && used < fallback_len) {
            int n = snprintf(fallback + used, fallback_len - used, "%s%s",
                             used ? "; " : "", why);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return snig__error(ctx, SNIG_UNSUPPORTED, "no engine runs this job%s%s",
                       fallback && *fallback ? ": " : "",
                       fallback ? fallback : "");
}
