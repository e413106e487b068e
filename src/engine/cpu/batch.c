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
    s->y = snig__cpu_alloc_huge(ctx, panels * widest * L16 * sizeof *s->y);
    s->mask = snig__malloc(ctx, panels * widest * sizeof *s->mask);
    s->lane = snig__malloc(ctx, panels * L16 * sizeof *s->lane);
    s->alive = snig__malloc(ctx, panels * sizeof *s->alive);
    s->sat = snig__malloc(ctx, panels * sizeof *s->sat);
    s->move_row = snig__malloc(ctx, panels * L16 * sizeof *s->move_row);
    s->move_from = snig__malloc(ctx, panels * L16 * sizeof *s->move_from);
    s->state = snig__malloc(ctx, rows + 1u);
    if (!s->y || !s->mask || !s->lane || !s->alive || !s->sat ||
        !s->move_row || !s->move_from || !s->state) {
        snig__cpu_slot_free(ctx, s);
        return SNIG_NOMEM;
    }
    return SNIG_OK;
}

void snig__cpu_slot_free(snig_ctx *ctx, cpu_slot *s)
{
    snig__cpu_free_huge(ctx, s->y);
    snig__free(ctx, s->mask);
    snig__free(ctx, s->lane);
    snig__free(ctx, s->alive);
    snig__free(ctx, s->sat);
    snig__free(ctx, s->move_row);
    snig__free(ctx, s->move_from);
    snig__free(ctx, s->state);
    *s = (cpu_slot){0};
}

static inline float *lane_at(uint32_t stride, cpu_slot *s, uint32_t lane)
{
    return s->y + (size_t)(lane / L16) * stride * L16 + lane % L16;
}

void snig__cpu_batch_start(const cpu_run *run, cpu_batch *b)
{
    const cpu_prepared *prep = run->prep;
    cpu_slot *s = b->slot;
    uint32_t panels = panels_of(b->rows);
    for (uint32_t r = 0; r < b->rows; r++) {
        s->lane[r] = (int32_t)r;
        s->state[r] = CPU_ROW_ACTIVE;
    }
    for (uint32_t q = b->rows; q < panels * L16; q++)
        s->lane[q] = -1;
    memset(s->alive, 0, panels * sizeof *s->alive);
    memset(s->sat, 0, panels * sizeof *s->sat);
    b->used = b->rows;
    b->width = prep->n_in;
    b->stride = prep->widest;
    b->sat_weight = 0;
    b->sat_rows = 0;
    b->fresh = true;
}

void snig__cpu_batch_fill(const cpu_run *run, cpu_batch *b, uint32_t pi)
{
    const snig_inputs *in = run->job->in;
    const cpu_prepared *prep = run->prep;
    const uint32_t n = prep->n_in, stride = b->stride;
    cpu_slot *s = b->slot;
    bool sat_valid = prep->layers > 0 && prep->layer[0].sat_valid;
    float cap = sat_valid ? prep->layer[0].sat_in : 0.0f;
    uint16_t *mask = s->mask + (size_t)pi * stride;
    float *panel = s->y + (size_t)pi * stride * L16;
    /* the first layer reads the panel's first n neurons alone */
    memset(panel, 0, (size_t)n * L16 * sizeof *s->y);
    uint32_t sat = 0;
    uint32_t r1 = (pi + 1) * L16 < b->rows ? (pi + 1) * L16 : b->rows;
    for (uint32_t r = pi * L16; r < r1; r++) {
        uint32_t row = run->uniq[b->first + r];
        float *y = lane_at(stride, s, r);
        uint64_t k0 = in->rowptr[row], k1 = in->rowptr[row + 1];
        /* a column given twice keeps its last value */
        for (uint64_t k = k0; k < k1; k++)
            y[(size_t)in->col[k] * L16] = in->val[k];
        if (sat_valid && k1 - k0 >= n) {
            bool at = true;
            for (uint32_t i = 0; i < n && at; i++)
                at = y[(size_t)i * L16] == cap;
            if (at)
                sat |= 1u << (r % L16);
        }
    }
    /* the masks in one pass over the panel, after the rows are written:
     * cheaper than a read-modify-write of a mask per input entry */
    uint32_t alive = run->masks(panel, mask, n);
    s->alive[pi] = (uint16_t)alive;
    s->sat[pi] = (uint16_t)(sat & alive);
}

static inline uint32_t lane_weight(const cpu_run *run, const cpu_batch *b,
                                   uint32_t r)
{
    return run->weight[run->uniq[b->first + r]];
}

static inline bool lane_bit(const uint16_t *bits, uint32_t q)
{
    return (bits[q / L16] >> (q % L16)) & 1u;
}

static inline void set_lane_bit(uint16_t *bits, uint32_t q, bool on)
{
    uint16_t bit = (uint16_t)(1u << (q % L16));
    bits[q / L16] = (uint16_t)(on ? bits[q / L16] | bit : bits[q / L16] & ~bit);
}

/* Drops dead lanes when `drop_dead`, and saturated ones when `drop_sat`:
 * the kept lanes past the new end fill the holes before it (the order of
 * rows in a batch does not matter), so only those move; masks and lane
 * bits move with the values. */
static void compact(const cpu_run *run, cpu_batch *b, bool drop_dead,
                    bool drop_sat)
{
    const uint32_t n = b->width, S = b->stride;
    cpu_slot *s = b->slot;
    uint32_t old = b->used, dst = 0, moves = 0;
    int32_t *hole = s->move_row;
    uint32_t *from = s->move_from;
    for (uint32_t q = 0; q < old; q++) {
        uint32_t r = (uint32_t)s->lane[q];
        if (drop_dead && !lane_bit(s->alive, q)) {
            s->state[r] = CPU_ROW_DEAD;
            s->lane[q] = -1;
        } else if (drop_sat && lane_bit(s->sat, q)) {
            s->state[r] = CPU_ROW_SAT;
            b->sat_weight += lane_weight(run, b, r);
            b->sat_rows++;
            s->lane[q] = -1;
        } else {
            dst++;
        }
    }
    /* pair the holes before dst with the kept lanes from dst on */
    for (uint32_t h = 0, q = dst; h < dst; h++) {
        if (s->lane[h] >= 0)
            continue;
        while (s->lane[q] < 0)
            q++;
        hole[moves] = (int32_t)h;
        from[moves++] = q;
        s->lane[h] = s->lane[q];
        s->lane[q] = -1;
        set_lane_bit(s->alive, h, lane_bit(s->alive, q));
        set_lane_bit(s->sat, h, lane_bit(s->sat, q));
        q++;
    }
    /* The moves come in groups from one source panel to one destination
     * panel (holes and sources are both taken in increasing order): each
     * group goes neuron by neuron, so one neuron's 64-byte line of each
     * panel is read and written once for all the lanes the group moves. */
    for (uint32_t g = 0; g < moves;) {
        uint32_t dp = (uint32_t)hole[g] / L16, sp = from[g] / L16, e = g;
        uint8_t to_from[2 * L16];
        uint32_t lanes = 0, cnt = 0;
        for (; e < moves && (uint32_t)hole[e] / L16 == dp &&
               from[e] / L16 == sp; e++) {
            to_from[2 * cnt] = (uint8_t)((uint32_t)hole[e] % L16);
            to_from[2 * cnt++ + 1] = (uint8_t)(from[e] % L16);
            lanes |= 1u << ((uint32_t)hole[e] % L16);
        }
        run->move(s->y + (size_t)sp * S * L16, s->y + (size_t)dp * S * L16,
                  s->mask + (size_t)dp * S, n, to_from, cnt, lanes);
        g = e;
    }
    /* lanes from dst to the end of its panel become padding: zero */
    uint32_t pend = panels_of(dst) * L16 < old ? panels_of(dst) * L16 : old;
    for (uint32_t q = dst; q < pend; q++) {
        float *y = s->y + (size_t)(q / L16) * S * L16 + q % L16;
        uint16_t *mq = s->mask + (size_t)(q / L16) * S;
        uint16_t keep = (uint16_t)~(1u << (q % L16));
        for (uint32_t i = 0; i < n; i++) {
            y[(size_t)i * L16] = 0.0f;
            mq[i] &= keep;
        }
        set_lane_bit(s->alive, q, false);
        set_lane_bit(s->sat, q, false);
    }
    b->used = dst;
}

/* Brings the saturated rows back, at the cap in every neuron, in front of
 * a layer that does not keep them saturated. */
static void reinsert(cpu_batch *b, const cpu_layer *L)
{
    const uint32_t n = b->width, S = b->stride;
    cpu_slot *s = b->slot;
    for (uint32_t r = 0; r < b->rows; r++) {
        if (s->state[r] != CPU_ROW_SAT)
            continue;
        uint32_t q = b->used++;
        uint32_t pi = q / L16;
        if (q % L16 == 0) {
            /* a panel not in use: its old contents go */
            memset(s->y + (size_t)pi * S * L16, 0, (size_t)S * L16 * 4);
            memset(s->mask + (size_t)pi * S, 0, (size_t)S * 2);
            s->alive[pi] = s->sat[pi] = 0;
        }
        float *y = lane_at(S, s, q);
        uint16_t *mask = s->mask + (size_t)pi * S;
        uint16_t bit = (uint16_t)(1u << (q % L16));
        for (uint32_t i = 0; i < n; i++) {
            y[(size_t)i * L16] = L->sat_in;
            mask[i] |= bit;
        }
        s->alive[pi] |= bit;
        s->sat[pi] |= bit;
        s->lane[q] = (int32_t)r;
        s->state[r] = CPU_ROW_ACTIVE;
    }
    b->sat_weight = 0;
    b->sat_rows = 0;
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

uint32_t snig__cpu_batch_before(const cpu_run *run, cpu_batch *b, uint32_t l)
{
    const cpu_prepared *prep = run->prep;
    const cpu_layer *L = &prep->layer[l];
    cpu_slot *s = b->slot;
    b->width = L->n_in;
    if (b->fresh)   /* the panels are filled with the first segment */
        return panels_of(b->used);
    bool drop_sat = prep->shortcuts && L->saturating;
    bool drop_dead = l >= prep->drop_dead_from;
    uint32_t drop = 0;
    for (uint32_t pi = 0; pi < panels_of(b->used); pi++) {
        uint32_t gone = (drop_dead ? ~(uint32_t)s->alive[pi] : 0u) |
                        (drop_sat ? s->sat[pi] : 0u);
        uint32_t lanes = b->used - pi * L16 < L16 ? b->used - pi * L16 : L16;
        drop += (uint32_t)__builtin_popcount(gone & ((1u << lanes) - 1));
    }
    /* Compacting moves at most `drop` lanes (n values each): worth it once
     * it frees a panel, or a quarter of the lanes are wasted. */
    if (drop > 0 && (drop * 4 >= b->used ||
                     panels_of(b->used - drop) < panels_of(b->used)))
        compact(run, b, drop_dead, drop_sat);
    if (b->sat_rows > 0 && !L->saturating)
        reinsert(b, L);
    atomic_fetch_add_explicit(&run->res->live[l], b->sat_weight,
                              memory_order_relaxed);
    return panels_of(b->used);
}

void snig__cpu_batch_panel(const cpu_run *run, cpu_batch *b, uint32_t l,
                           uint32_t pi, float *z)
{
    const cpu_layer *L = &run->prep->layer[l];
    cpu_slot *s = b->slot;
    uint32_t stride = b->stride;
    cpu_panel_stats st;
    run->kernel(L, s->y + (size_t)pi * stride * L16,
                s->mask + (size_t)pi * stride, z, &st);
    uint32_t lanes = b->used - pi * L16;
    if (lanes < L16 && L->dense)
        clear_padding(s, stride, pi, lanes, L->n_out, &st);
    s->alive[pi] = (uint16_t)st.alive;
    s->sat[pi] = (uint16_t)(st.sat & st.alive);
    uint64_t live = 0;
    for (uint32_t a = st.alive; a != 0; a &= a - 1)
        live += lane_weight(run, b,
                            (uint32_t)s->lane[pi * L16 + __builtin_ctz(a)]);
    snig_result *res = run->res;
    atomic_fetch_add_explicit(&res->live[l], live, memory_order_relaxed);
    atomic_fetch_add_explicit(&res->layer_madds[l], st.madds,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&res->madds, st.madds, memory_order_relaxed);
}

void snig__cpu_batch_finish(const cpu_run *run, cpu_batch *b)
{
    /* no layer ran (a network cut to 0 layers): the inputs are the result */
    for (uint32_t pi = 0; b->fresh && pi < panels_of(b->used); pi++)
        snig__cpu_batch_fill(run, b, pi);
    b->fresh = false;
    const uint32_t n = run->prep->n_final, S = b->stride;
    b->width = n;
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
            const float *y = lane_at(S, s, q);
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
