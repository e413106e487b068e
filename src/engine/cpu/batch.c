/* A batch of input rows on its way through the layers, held in panels of
 * 16 rows (see cpu_internal.h).  Rows that die, and with the shortcuts rows
 * that are at the cap in every neuron in front of a layer that keeps them
 * there, are compacted out of the panels, so later layers never touch them;
 * a saturated row comes back (at 32 everywhere) in front of a layer that
 * would change it. */
#include "cpu_internal.h"

#include "../activation.h"

#include <omp.h>
#include <string.h>

#define L16 CPU_LANES

static inline uint32_t panels_of(uint32_t lanes)
{
    return (lanes + L16 - 1) / L16;
}

snig_status cpu_slot_alloc(snig_ctx *ctx, uint32_t n, uint32_t rows,
                           cpu_slot *s)
{
    size_t panels = panels_of(rows);
    *s = (cpu_slot){0};
    s->y = snig__malloc_aligned(ctx, panels * n * L16 * sizeof *s->y);
    s->mask = snig__malloc(ctx, panels * n * sizeof *s->mask);
    s->lane = snig__malloc(ctx, panels * L16 * sizeof *s->lane);
    s->alive = snig__malloc(ctx, panels * sizeof *s->alive);
    s->sat = snig__malloc(ctx, panels * sizeof *s->sat);
    s->move_row = snig__malloc(ctx, panels * L16 * sizeof *s->move_row);
    s->move_from = snig__malloc(ctx, panels * L16 * sizeof *s->move_from);
    if (!s->y || !s->mask || !s->lane || !s->alive || !s->sat ||
        !s->move_row || !s->move_from) {
        cpu_slot_free(ctx, s);
        return SNIG_NOMEM;
    }
    return SNIG_OK;
}

void cpu_slot_free(snig_ctx *ctx, cpu_slot *s)
{
    snig__free_aligned(ctx, s->y);
    snig__free(ctx, s->mask);
    snig__free(ctx, s->lane);
    snig__free(ctx, s->alive);
    snig__free(ctx, s->sat);
    snig__free(ctx, s->move_row);
    snig__free(ctx, s->move_from);
    *s = (cpu_slot){0};
}

/* Recomputes the nonzero masks of panel pi and its alive / saturated lanes
 * from its values. */
static void panel_masks(uint32_t n, cpu_slot *s, uint32_t pi)
{
    const float *y = s->y + (size_t)pi * n * L16;
    uint16_t *mask = s->mask + (size_t)pi * n;
    uint32_t alive = 0, sat = 0xffffu;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nz = 0, cap = 0;
        for (int q = 0; q < L16; q++) {
            nz |= (uint32_t)(y[(size_t)i * L16 + q] != 0.0f) << q;
            cap |= (uint32_t)(y[(size_t)i * L16 + q] == SNIG_YMAX) << q;
        }
        mask[i] = (uint16_t)nz;
        alive |= nz;
        sat &= cap;
    }
    s->alive[pi] = (uint16_t)alive;
    s->sat[pi] = (uint16_t)(sat & alive);
}

static inline float *lane_at(uint32_t n, cpu_slot *s, uint32_t lane)
{
    return s->y + (size_t)(lane / L16) * n * L16 + lane % L16;
}

void cpu_batch_start(cpu_plan *p, cpu_batch *b)
{
    const snig_inputs *in = p->job->in;
    const uint32_t n = p->n;
    cpu_slot *s = b->slot;
    uint32_t panels = panels_of(b->rows);
    memset(s->y, 0, (size_t)panels * n * L16 * sizeof *s->y);
    for (uint32_t r = 0; r < b->rows; r++) {
        uint32_t row = p->uniq[b->first + r];
        float *y = lane_at(n, s, r);
        for (uint64_t k = in->rowptr[row]; k < in->rowptr[row + 1]; k++)
            y[(size_t)in->col[k] * L16] = in->val[k];
        s->lane[r] = (int32_t)r;
        p->state[b->first + r] = CPU_ROW_ACTIVE;
    }
    for (uint32_t q = b->rows; q < panels * L16; q++)
        s->lane[q] = -1;
    for (uint32_t pi = 0; pi < panels; pi++)
        panel_masks(n, s, pi);
    b->used = b->rows;
    atomic_fetch_add(&p->progress.rows, b->rows);
    b->sat_weight = 0;
    b->sat_rows = 0;
}

static inline uint32_t lane_weight(const cpu_plan *p, const cpu_batch *b,
                                   uint32_t r)
{
    return p->weight[p->uniq[b->first + r]];
}

/* Drops dead lanes, and saturated ones when `drop_sat`, keeping the order
 * of the others.  The moves are listed first, then done neuron by neuron,
 * so each 64-byte line (one neuron of one panel) is visited once, not once
 * per lane moved. */
static void compact(cpu_plan *p, cpu_batch *b, bool drop_sat)
{
    const uint32_t n = p->n;
    cpu_slot *s = b->slot;
    uint32_t old = b->used, dst = 0, moves = 0;
    int32_t *row_of = s->move_row;
    uint32_t *from = s->move_from;
    for (uint32_t q = 0; q < old; q++) {
        uint32_t r = (uint32_t)s->lane[q];
        uint32_t bit = 1u << (q % L16);
        if (!(s->alive[q / L16] & bit)) {
            p->state[b->first + r] = CPU_ROW_DEAD;
            atomic_fetch_sub(&p->progress.rows, 1);
            continue;
        }
        if (drop_sat && (s->sat[q / L16] & bit)) {
            p->state[b->first + r] = CPU_ROW_SAT;
            b->sat_weight += lane_weight(p, b, r);
            b->sat_rows++;
            continue;
        }
        if (dst != q) {
            from[moves] = q;
            row_of[moves++] = (int32_t)dst;
        }
        s->lane[dst++] = (int32_t)r;
    }
    for (uint32_t i = 0; i < n; i++) {
        float *yi = s->y + (size_t)i * L16;
        for (uint32_t m = 0; m < moves; m++) {
            uint32_t q = from[m], d = (uint32_t)row_of[m];
            yi[(size_t)(d / L16) * n * L16 + d % L16] =
                yi[(size_t)(q / L16) * n * L16 + q % L16];
        }
        for (uint32_t q = dst; q < old; q++)
            yi[(size_t)(q / L16) * n * L16 + q % L16] = 0.0f;
    }
    for (uint32_t q = dst; q < old; q++)
        s->lane[q] = -1;
    b->used = dst;
    for (uint32_t pi = 0; pi < panels_of(old); pi++) {
        if (pi < panels_of(dst))
            panel_masks(n, s, pi);
        else
            s->alive[pi] = s->sat[pi] = 0;
    }
}

/* Brings the saturated rows back, at 32 in every neuron, in front of a
 * layer that does not keep them saturated. */
static void reinsert(cpu_plan *p, cpu_batch *b)
{
    const uint32_t n = p->n;
    cpu_slot *s = b->slot;
    uint32_t from = b->used;
    for (uint32_t r = 0; r < b->rows; r++) {
        if (p->state[b->first + r] != CPU_ROW_SAT)
            continue;
        uint32_t q = b->used++;
        float *y = lane_at(n, s, q);
        for (uint32_t i = 0; i < n; i++)
            y[(size_t)i * L16] = SNIG_YMAX;
        s->lane[q] = (int32_t)r;
        p->state[b->first + r] = CPU_ROW_ACTIVE;
    }
    for (uint32_t pi = from / L16; pi < panels_of(b->used); pi++)
        panel_masks(n, s, pi);
    b->sat_weight = 0;
    b->sat_rows = 0;
}

void cpu_batch_layers(cpu_plan *p, cpu_batch *b, uint32_t l0, uint32_t l1)
{
    const uint32_t n = p->n;
    cpu_slot *s = b->slot;
    float *z = p->scratch[omp_get_thread_num()];
    uint64_t madds = 0;
    for (uint32_t l = l0; l < l1; l++) {
        const cpu_layer *L = &p->layer[l];
        bool drop_sat = p->shortcuts && L->saturating;
        uint32_t drop = 0;
        for (uint32_t pi = 0; pi < panels_of(b->used); pi++) {
            uint32_t keep = s->alive[pi] & ~(drop_sat ? s->sat[pi] : 0u);
            uint32_t lanes = b->used - pi * L16 < L16 ? b->used - pi * L16
                                                      : L16;
            drop += lanes - (uint32_t)__builtin_popcount(keep);
        }
        /* Compacting costs about a quarter of a layer: worth it once a
         * quarter of the lanes are wasted. */
        if (drop > 0 && (drop * 4 >= b->used || drop == b->used))
            compact(p, b, drop_sat);
        if (b->sat_rows > 0 && !L->saturating)
            reinsert(p, b);
        uint64_t live = b->sat_weight;
        for (uint32_t pi = 0; pi < panels_of(b->used); pi++) {
            cpu_panel_stats st;
            p->kernel(L, n, s->y + (size_t)pi * n * L16,
                      s->mask + (size_t)pi * n, z, &st);
            s->alive[pi] = (uint16_t)st.alive;
            s->sat[pi] = (uint16_t)(st.sat & st.alive);
            madds += st.madds;
            for (uint32_t a = st.alive; a != 0; a &= a - 1)
                live += lane_weight(p, b,
                                    (uint32_t)s->lane[pi * L16 +
                                                      __builtin_ctz(a)]);
        }
        atomic_fetch_add_explicit(&p->res->live[l], live,
                                  memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&p->res->madds, madds, memory_order_relaxed);
}

void cpu_batch_finish(cpu_plan *p, cpu_batch *b)
{
    const uint32_t n = p->n;
    cpu_slot *s = b->slot;
    snig_result *res = p->res;
    atomic_fetch_sub(&p->progress.rows, b->used + b->sat_rows);
    for (uint32_t q = 0; q < b->used; q++) {
        uint32_t r = (uint32_t)s->lane[q];
        uint32_t row = p->uniq[b->first + r];
        if (!(s->alive[q / L16] & (1u << (q % L16)))) {
            p->state[b->first + r] = CPU_ROW_DEAD;
            continue;
        }
        res->alive[row] = 1;
        if (res->values != NULL) {
            const float *y = lane_at(n, s, q);
            float *out = res->values + (size_t)row * n;
            for (uint32_t i = 0; i < n; i++)
                out[i] = y[(size_t)i * L16];
        }
    }
    for (uint32_t r = 0; r < b->rows && b->sat_rows > 0; r++) {
        if (p->state[b->first + r] != CPU_ROW_SAT)
            continue;
        uint32_t row = p->uniq[b->first + r];
        res->alive[row] = 1;
        if (res->values != NULL)
            for (uint32_t i = 0; i < n; i++)
                res->values[(size_t)row * n + i] = SNIG_YMAX;
    }
}
