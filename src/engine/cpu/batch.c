/* A batch of input rows on its way through the layers, held in panels of
 * 16 rows (see cpu_internal.h).  Rows that die (once no later layer revives
 * a zero row), and with the shortcuts rows that are at the cap in every
 * neuron in front of a layer that keeps them there, are compacted out of
 * the panels, so later layers never touch them; a saturated row comes back
 * (at the cap everywhere) in front of a layer that would change it. */
#include "cpu_internal.h"

#include "../activation.h"

#include <string.h>

#define L16 CPU_LANES

static inline uint32_t panels_of(uint32_t lanes)
{
    return (lanes + L16 - 1) / L16;
}

snig_status snig__cpu_slot_alloc(snig_ctx *ctx, uint32_t widest,
                                 uint32_t rows, cpu_slot *s)
{
    size_t panels = panels_of(rows);
    *s = (cpu_slot){0};
    s->rows = rows;
    s->y = snig__malloc_aligned(ctx, panels * widest * L16 * sizeof *s->y);
    s->mask = snig__malloc(ctx, panels * widest * sizeof *s->mask);
    s->lane = snig__malloc(ctx, panels * L16 * sizeof *s->lane);
    s->alive = snig__malloc(ctx, panels * sizeof *s->alive);
    s->sat = snig__malloc(ctx, panels * sizeof *s->sat);
    s->move_row = snig__malloc(ctx, panels * L16 * sizeof *s->move_row);
    s->move_from = snig__malloc(ctx, panels * L16 * sizeof *s->move_from);
    s->state = snig__malloc(ctx, rows + 1u);
    s->z = snig__malloc_aligned(ctx, CPU_SCRATCH_BYTES(widest));
    if (!s->y || !s->mask || !s->lane || !s->alive || !s->sat ||
        !s->move_row || !s->move_from || !s->state || !s->z) {
        snig__cpu_slot_free(ctx, s);
        return SNIG_NOMEM;
    }
    return SNIG_OK;
}

void snig__cpu_slot_free(snig_ctx *ctx, cpu_slot *s)
{
    snig__free_aligned(ctx, s->y);
    snig__free(ctx, s->mask);
    snig__free(ctx, s->lane);
    snig__free(ctx, s->alive);
    snig__free(ctx, s->sat);
    snig__free(ctx, s->move_row);
    snig__free(ctx, s->move_from);
    snig__free(ctx, s->state);
    snig__free_aligned(ctx, s->z);
    *s = (cpu_slot){0};
}

/* Recomputes the nonzero masks of panel pi (rows of `width` neurons) and
 * its alive lanes, and its lanes at `cap` in every neuron when sat_valid. */
static void panel_masks(uint32_t width, cpu_slot *s, uint32_t pi,
                        bool sat_valid, float cap)
{
    const float *y = s->y + (size_t)pi * width * L16;
    uint16_t *mask = s->mask + (size_t)pi * width;
    uint32_t alive = 0, sat = 0xffffu;
    for (uint32_t i = 0; i < width; i++) {
        uint32_t nz = 0, at = 0;
        for (int q = 0; q < L16; q++) {
            nz |= (uint32_t)(y[(size_t)i * L16 + q] != 0.0f) << q;
            at |= (uint32_t)(y[(size_t)i * L16 + q] == cap) << q;
        }
        mask[i] = (uint16_t)nz;
        alive |= nz;
        sat &= at;
    }
    s->alive[pi] = (uint16_t)alive;
    s->sat[pi] = sat_valid ? (uint16_t)(sat & alive) : 0;
}

static inline float *lane_at(uint32_t width, cpu_slot *s, uint32_t lane)
{
    return s->y + (size_t)(lane / L16) * width * L16 + lane % L16;
}

void snig__cpu_batch_start(const cpu_run *run, cpu_batch *b)
{
    const snig_inputs *in = run->job->in;
    const cpu_prepared *prep = run->prep;
    const uint32_t n = prep->n_in;
    cpu_slot *s = b->slot;
    uint32_t panels = panels_of(b->rows);
    memset(s->y, 0, (size_t)panels * n * L16 * sizeof *s->y);
    for (uint32_t r = 0; r < b->rows; r++) {
        uint32_t row = run->uniq[b->first + r];
        float *y = lane_at(n, s, r);
        for (uint64_t k = in->rowptr[row]; k < in->rowptr[row + 1]; k++)
            y[(size_t)in->col[k] * L16] = in->val[k];
        s->lane[r] = (int32_t)r;
        s->state[r] = CPU_ROW_ACTIVE;
    }
    for (uint32_t q = b->rows; q < panels * L16; q++)
        s->lane[q] = -1;
    bool sat_valid = prep->layers > 0 && prep->layer[0].sat_valid;
    float cap = sat_valid ? prep->layer[0].sat_in : 0.0f;
    for (uint32_t pi = 0; pi < panels; pi++)
        panel_masks(n, s, pi, sat_valid, cap);
    b->used = b->rows;
    b->width = n;
    b->sat_weight = 0;
    b->sat_rows = 0;
}

static inline uint32_t lane_weight(const cpu_run *run, const cpu_batch *b,
                                   uint32_t r)
{
    return run->weight[run->uniq[b->first + r]];
}

/* Drops dead lanes when `drop_dead`, and saturated ones when `drop_sat`,
 * keeping the order of the others.  The moves are listed first, then done
 * neuron by neuron, so each 64-byte line (one neuron of one panel) is
 * visited once, not once per lane moved. */
static void compact(const cpu_run *run, cpu_batch *b, bool drop_dead,
                    bool drop_sat, const cpu_layer *L)
{
    const uint32_t n = b->width;
    cpu_slot *s = b->slot;
    uint32_t old = b->used, dst = 0, moves = 0;
    int32_t *row_of = s->move_row;
    uint32_t *from = s->move_from;
    for (uint32_t q = 0; q < old; q++) {
        uint32_t r = (uint32_t)s->lane[q];
        uint32_t bit = 1u << (q % L16);
        if (drop_dead && !(s->alive[q / L16] & bit)) {
            s->state[r] = CPU_ROW_DEAD;
            continue;
        }
        if (drop_sat && (s->sat[q / L16] & bit)) {
            s->state[r] = CPU_ROW_SAT;
            b->sat_weight += lane_weight(run, b, r);
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
            panel_masks(n, s, pi, L->sat_valid, L->sat_in);
        else
            s->alive[pi] = s->sat[pi] = 0;
    }
}

/* Brings the saturated rows back, at the cap in every neuron, in front of
 * a layer that does not keep them saturated. */
static void reinsert(cpu_batch *b, const cpu_layer *L)
{
    const uint32_t n = b->width;
    cpu_slot *s = b->slot;
    uint32_t from = b->used;
    for (uint32_t r = 0; r < b->rows; r++) {
        if (s->state[r] != CPU_ROW_SAT)
            continue;
        uint32_t q = b->used++;
        float *y = lane_at(n, s, q);
        for (uint32_t i = 0; i < n; i++)
            y[(size_t)i * L16] = L->sat_in;
        s->lane[q] = (int32_t)r;
        s->state[r] = CPU_ROW_ACTIVE;
    }
    for (uint32_t pi = from / L16; pi < panels_of(b->used); pi++)
        panel_masks(n, s, pi, L->sat_valid, L->sat_in);
    b->sat_weight = 0;
    b->sat_rows = 0;
}

/* Moves the panels of rows `from` neurons wide to rows `to` neurons wide
 * (a rectangular layer: the kernel writes n_out neurons in place of
 * n_in).  Panels are stored one after the other, so a change of width
 * moves them: narrower in increasing order, wider in decreasing order. */
static void rewidth(cpu_batch *b, uint32_t to)
{
    cpu_slot *s = b->slot;
    uint32_t from = b->width, panels = panels_of(b->used);
    if (from == to)
        return;
    size_t keep = from < to ? from : to;
    if (to < from) {
        for (uint32_t pi = 1; pi < panels; pi++) {
            memmove(s->y + (size_t)pi * to * L16,
                    s->y + (size_t)pi * from * L16, keep * L16 * sizeof(float));
            memmove(s->mask + (size_t)pi * to, s->mask + (size_t)pi * from,
                    keep * sizeof *s->mask);
        }
    } else {
        for (uint32_t pi = panels; pi-- > 1;) {
            memmove(s->y + (size_t)pi * to * L16,
                    s->y + (size_t)pi * from * L16, keep * L16 * sizeof(float));
            memmove(s->mask + (size_t)pi * to, s->mask + (size_t)pi * from,
                    keep * sizeof *s->mask);
        }
    }
    b->width = to;
}

/* Lanes past the last row of a partial panel stay zero (no work, no
 * count); only a layer with the dense bias rule writes there (act(b)). */
static void clear_padding(cpu_slot *s, uint32_t stride, uint32_t pi,
                          uint32_t lanes, uint32_t n_out, cpu_panel_stats *st)
{
    uint32_t keep = (1u << lanes) - 1;
    float *y = s->y + (size_t)pi * stride * L16;
    uint16_t *mask = s->mask + (size_t)pi * stride;
    for (uint32_t j = 0; j < n_out; j++) {
        for (uint32_t q = lanes; q < L16; q++)
            y[(size_t)j * L16 + q] = 0.0f;
        mask[j] = (uint16_t)(mask[j] & keep);
    }
    st->alive &= keep;
    st->sat &= keep;
}

void snig__cpu_batch_layer(const cpu_run *run, cpu_batch *b, uint32_t l)
{
    const cpu_prepared *prep = run->prep;
    const cpu_layer *L = &prep->layer[l];
    cpu_slot *s = b->slot;
    bool drop_sat = prep->shortcuts && L->saturating;
    bool drop_dead = l >= prep->drop_dead_from;
    uint32_t drop = 0;
    for (uint32_t pi = 0; pi < panels_of(b->used); pi++) {
        uint32_t gone = (drop_dead ? ~(uint32_t)s->alive[pi] : 0u) |
                        (drop_sat ? s->sat[pi] : 0u);
        uint32_t lanes = b->used - pi * L16 < L16 ? b->used - pi * L16 : L16;
        drop += (uint32_t)__builtin_popcount(gone & ((1u << lanes) - 1));
    }
    /* Compacting costs about a quarter of a layer: worth it once a quarter
     * of the lanes are wasted. */
    if (drop > 0 && (drop * 4 >= b->used || drop == b->used))
        compact(run, b, drop_dead, drop_sat, L);
    if (b->sat_rows > 0 && !L->saturating)
        reinsert(b, L);
    /* the kernel reads n_in neurons and writes n_out in the same place:
     * the panels must be max(n_in, n_out) apart while it runs */
    uint32_t stride = L->n_in > L->n_out ? L->n_in : L->n_out;
    rewidth(b, stride);
    uint64_t live = b->sat_weight, madds = 0;
    for (uint32_t pi = 0; pi < panels_of(b->used); pi++) {
        cpu_panel_stats st;
        run->kernel(L, s->y + (size_t)pi * stride * L16,
                    s->mask + (size_t)pi * stride, s->z, &st);
        uint32_t lanes = b->used - pi * L16;
        if (lanes < L16 && L->dense)
            clear_padding(s, stride, pi, lanes, L->n_out, &st);
        s->alive[pi] = (uint16_t)st.alive;
        s->sat[pi] = (uint16_t)(st.sat & st.alive);
        madds += st.madds;
        for (uint32_t a = st.alive; a != 0; a &= a - 1)
            live += lane_weight(run, b,
                                (uint32_t)s->lane[pi * L16 + __builtin_ctz(a)]);
    }
    rewidth(b, L->n_out);
    snig_result *res = run->res;
    atomic_fetch_add_explicit(&res->live[l], live, memory_order_relaxed);
    atomic_fetch_add_explicit(&res->layer_madds[l], madds,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&res->madds, madds, memory_order_relaxed);
}

void snig__cpu_batch_finish(const cpu_run *run, cpu_batch *b)
{
    const uint32_t n = b->width;
    cpu_slot *s = b->slot;
    snig_result *res = run->res;
    float cap = run->prep->layers > 0
                    ? run->prep->layer[run->prep->layers - 1].cap : 0.0f;
    for (uint32_t q = 0; q < b->used; q++) {
        uint32_t r = (uint32_t)s->lane[q];
        uint32_t row = run->uniq[b->first + r];
        if (!(s->alive[q / L16] & (1u << (q % L16)))) {
            s->state[r] = CPU_ROW_DEAD;
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
        if (s->state[r] != CPU_ROW_SAT)
            continue;
        uint32_t row = run->uniq[b->first + r];
        res->alive[row] = 1;
        if (res->values != NULL)
            for (uint32_t i = 0; i < n; i++)
                res->values[(size_t)row * n + i] = cap;
    }
}
