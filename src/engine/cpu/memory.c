/* Large blocks of the cpu engine (the packed layers, the panels of a
 * batch): aligned to a 2 MiB huge page and advised to be backed by huge
 * pages where the kernel allows.  Page faults are expensive (3 to 15 us
 * each measured on this project's VM, for every 4 KiB touched the first
 * time); a huge page takes one fault for 2 MiB. */
#define _DEFAULT_SOURCE /* madvise */
#include "cpu_internal.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *snig__cpu_alloc_huge(snig_ctx *ctx, size_t bytes)
{
    bool huge = bytes >= HUGE_PAGE;
    size_t extra = huge ? HUGE_PAGE : 64;
    if (bytes > SIZE_MAX - extra - 64) {
        snig__error(ctx, SNIG_NOMEM, "out of memory (%zu bytes)", bytes);
        return NULL;
    }
    uint8_t *raw = snig__malloc_aligned(ctx, bytes + extra + 64);
    if (raw == NULL)
        return NULL;
    /* room for the raw pointer in front of the block */
    uintptr_t a = (uintptr_t)raw + 64;
    if (huge)
        a = (a + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    void *p = (void *)a;
    ((void **)p)[-1] = raw;
#ifdef MADV_HUGEPAGE
    if (huge)
        madvise(p, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void snig__cpu_free_huge(snig_ctx *ctx, void *p)
{
    if (p != NULL)
        snig__free_aligned(ctx, ((void **)p)[-1]);
}
