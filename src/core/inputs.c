/* The inputs handle. */
#define _DEFAULT_SOURCE
#include "internal.h"

#include <sys/mman.h>

snig_status snig__inputs_new(snig_ctx *ctx, uint32_t neurons, snig_inputs **out)
{
    *out = NULL;
    snig_inputs *in = snig__calloc(ctx, 1, sizeof *in);
    if (in == NULL)
        return SNIG_NOMEM;
    in->magic = SNIG_MAGIC_INPUTS;
    in->ctx = ctx;
    in->neurons = neurons;
    *out = in;
    return SNIG_OK;
}

void snig_inputs_free(snig_inputs **pin)
{
    if (pin == NULL || !SNIG_VALID(*pin, SNIG_MAGIC_INPUTS))
        return;
    snig_inputs *in = *pin;
    if (in->map != NULL) {
        munmap(in->map, in->map_len);
    } else {
        snig__free(in->ctx, in->rowptr);
        snig__free(in->ctx, in->col);
        snig__free(in->ctx, in->val);
    }
    in->magic = 0;
    snig__free(in->ctx, in);
    *pin = NULL;
}

uint64_t snig_inputs_rows(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) ? in->rows : 0;
}

uint32_t snig_inputs_neurons(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) ? in->neurons : 0;
}

uint64_t snig_inputs_nonzeros(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) && in->rowptr ? in->rowptr[in->rows]
                                                           : 0;
}

uint64_t snig_inputs_first_row(const snig_inputs *in)
{
    return SNIG_VALID(in, SNIG_MAGIC_INPUTS) ? in->first_row : 0;
}

void snig_load_options_init(snig_load_options *o)
{
    *o = (snig_load_options){.verify = 1};
}
