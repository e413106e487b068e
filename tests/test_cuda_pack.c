/* The cuda engine's host parts, on CPUs (CI has no GPU): the packed layout,
 * the kernel's per-section arithmetic emulated on the host against the
 * reference engine (bit for bit, every section size), the saturation
 * property, duplicate rows, and the memory plan. */
#include "testutil.h"

#include "core/internal.h"
#include "engine/cuda/host/dedup.h"
#include "engine/cuda/host/pack.h"
#include "engine/cuda/host/plan.h"

#include <stdlib.h>
#include <string.h>

typedef struct packed {
    snig__pack_layer *d;
    unsigned char *arena;
    uint64_t bytes;
} packed;

static void pack_network(const snig_network *net, float bias, int fused,
                         packed *p)
{
    const uint32_t n = net->neurons, layers = net->layers;
    uint32_t *cursor = malloc(n * sizeof *cursor);
    p->d = calloc(layers, sizeof *p->d);
    p->bytes = 0;
    for (uint32_t l = 0; l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        int values = L->val != NULL && !snig__pack_uniform(L->val, L->nnz);
        uint64_t slots = snig__pack_slots(n, L->nnz, L->col16, L->col32,
                                         cursor);
        CHECK(slots >= L->nnz);
        CHECK(snig__pack_plan(&p->d[l], n, L->nnz, slots, values,
                             L->has_bias && L->bias != NULL));
        p->d[l].offset = p->bytes;
        p->bytes += p->d[l].bytes;
        CHECK(p->d[l].offset % 256 == 0 && p->d[l].bytes % 256 == 0);
    }
    p->arena = malloc(p->bytes);
    for (uint32_t l = 0; l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        snig__pack_fill(&p->d[l], n, L->rowptr, L->col16, L->col32, L->val,
                       L->uniform, L->has_bias ? L->bias : NULL,
                       L->has_bias ? L->bias_value : bias, fused,
                       p->arena + p->d[l].offset, cursor);
    }
    free(cursor);
}

/* Every column sorted by input neuron, holding exactly W's entries, in the
 * interleaved groups of 32 columns. */
static void check_layout(const snig_network *net, const packed *p)
{
    const uint32_t n = net->neurons;
    for (uint32_t l = 0; l < net->layers; l++) {
        const snig_layer *L = &net->layer[l];
        const snig__pack_layer *d = &p->d[l];
        const unsigned char *b = p->arena + d->offset;
        const uint32_t *grp = (const uint32_t *)b;
        const uint32_t *len = (const uint32_t *)(b + d->len_off);
        const uint16_t *idx = (const uint16_t *)(b + d->idx_off);
        const float *val = d->val_off ? (const float *)(b + d->val_off) : NULL;
        uint64_t total = 0;
        const uint32_t groups = (n + 31) / 32;
        CHECK(grp[0] == 0 && grp[groups] == d->slots && d->nnz == L->nnz);
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t most = 0;
            for (uint32_t j = g * 32; j < n && j < g * 32 + 32; j++)
                most = len[j] > most ? len[j] : most;
            CHECK(grp[g + 1] - grp[g] == 32 * most);
        }
        for (uint32_t j = 0; j < n; j++) {
            total += len[j];
            for (uint32_t k = 0; k < len[j]; k++) {
                uint32_t at = grp[j / 32] + j % 32 + 32 * k;
                uint32_t i = idx[at];
                CHECK(k == 0 || idx[at - 32] < i);
                int found = 0;
                for (uint32_t q = L->rowptr[i]; q < L->rowptr[i + 1]; q++) {
                    uint32_t c = L->col16 ? L->col16[q] : L->col32[q];
                    float w = L->val ? L->val[q] : L->uniform;
                    if (c == j && w == (val ? val[at] : d->uniform))
                        found = 1;
                }
                CHECK(found);
            }
        }
        CHECK(total == L->nnz);
    }
}

/* Both orders over several section sizes. */
static void check_orders(snig_ctx *ctx, const snig_network *net,
                         const snig_inputs *in, uint32_t layers,
                         const uint32_t *sections, size_t count);

/* Runs the packed layers with the host emulation of the kernel: in the
 * reference order compares with the reference engine's final values, bit
 * for bit; in the fused order with the first fused run's values (the same
 * for every section size: the tiling does not change the values) and the
 * reference engine's categories. */
static float *fused_values;

static void check_emulation(snig_ctx *ctx, const snig_network *net,
                            const snig_inputs *in, uint32_t layers,
                            uint32_t section, int fused)
{
    const uint32_t n = net->neurons;
    const uint64_t rows = in->rows;
    packed p;
    float bias = 0.0f;
    snig_official_bias(n, &bias);
    pack_network(net, bias, fused, &p);
    float *y = calloc(rows * n, sizeof *y), *z = calloc(rows * n, sizeof *z);
    float *acc = malloc((size_t)n * 4 * sizeof *acc);
    uint32_t *cursor = malloc(n * sizeof *cursor);
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++)
            y[r * n + in->col[k]] = in->val[k];
    for (uint32_t l = 0; l < layers; l++) {
        snig__pack_emulate(&p.d[l], p.arena + p.d[l].offset, n, section,
                          fused, y, z, (uint32_t)rows, acc, cursor);
        float *t = y;
        y = z;
        z = t;
    }
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = 1;
    opt.layers = layers;
    snig_result *res = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &res));
    uint64_t bad = 0;
    if (fused && fused_values == NULL) {
        fused_values = malloc(rows * n * sizeof *fused_values);
        memcpy(fused_values, y, rows * n * sizeof *fused_values);
    }
    for (uint64_t r = 0; res != NULL && r < rows; r++) {
        const float *want = snig_result_row(res, r);
        int alive = 0;
        for (uint32_t j = 0; j < n; j++) {
            float w = want ? want[j] : 0.0f;
            alive |= y[r * n + j] != 0.0f;
            if (fused)
                bad += memcmp(&fused_values[r * n + j], &y[r * n + j],
                              sizeof w) != 0;
            else
                bad += memcmp(&w, &y[r * n + j], sizeof w) != 0;
        }
        bad += alive != (want != NULL);   /* the categories */
    }
    if (bad)
        fprintf(stderr, "n=%u layers=%u section=%u fused=%d: %llu values "
                "differ\n", n, layers, section, fused,
                (unsigned long long)bad);
    CHECK(bad == 0);
    snig_result_free(&res);
    free(cursor);
    free(acc);
    free(z);
    free(y);
    free(p.arena);
    free(p.d);
}

static void check_orders(snig_ctx *ctx, const snig_network *net,
                         const snig_inputs *in, uint32_t layers,
                         const uint32_t *sections, size_t count)
{
    for (int fused = 0; fused < 2; fused++)
        for (size_t s = 0; s < count; s++)
            check_emulation(ctx, net, in, layers, sections[s], fused);
    free(fused_values);
    fused_values = NULL;
}

static void test_random(snig_ctx *ctx)
{
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    /* Signed weights, per-neuron biases, duplicate and saturated rows. */
    CHECK_OK(ctx, test_random_network(ctx, 128, 5, 8, 0.5f, 0.0f, 1, -0.3f,
                                      0.1f, 11, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 128, 37, 0.1, 4.0f, 5, 7, 12, &in));
    if (net != NULL && in != NULL) {
        packed p;
        pack_network(net, 0.0f, 0, &p);
        check_layout(net, &p);
        for (uint32_t l = 0; l < net->layers; l++)
            CHECK(p.d[l].val_off != 0 && p.d[l].bias_off != 0);
        free(p.arena);
        free(p.d);
        const uint32_t sections[] = {16, 40, 128, 256};
        check_orders(ctx, net, in, net->layers, sections, 4);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);

    /* N not a multiple of the 32 columns of a group. */
    CHECK_OK(ctx, test_random_network(ctx, 100, 3, 5, 1.0f, 0.0f, 1, -0.2f,
                                      0.2f, 16, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 100, 11, 0.2, 2.0f, 0, 0, 17, &in));
    if (net != NULL && in != NULL) {
        packed p;
        pack_network(net, 0.0f, 0, &p);
        check_layout(net, &p);
        free(p.arena);
        free(p.d);
        const uint32_t sections[] = {32, 7};
        check_orders(ctx, net, in, net->layers, sections, 2);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);

    /* Uniform weights 2: no value array, and the all-32 row stays all-32. */
    CHECK_OK(ctx, test_random_network(ctx, 64, 4, 32, 0.0f, 2.0f, 0, 0, 0, 13,
                                      &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 9, 0.2, 1.0f, 0, 3, 14, &in));
    if (net != NULL && in != NULL) {
        CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.3f));
        packed p;
        for (int fused = 0; fused < 2; fused++) {
            pack_network(net, 0.0f, fused, &p);
            check_layout(net, &p);
            for (uint32_t l = 0; l < net->layers; l++)
                CHECK(p.d[l].val_off == 0 && p.d[l].bias_off == 0 &&
                      p.d[l].uniform == 2.0f && p.d[l].bias_scalar == -0.3f &&
                      p.d[l].maps_saturated == 1);
            free(p.arena);
            free(p.d);
        }
        const uint32_t sections[] = {16};
        check_orders(ctx, net, in, net->layers, sections, 1);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);

    /* Negative uniform weights: the all-32 row dies, no saturation. */
    CHECK_OK(ctx, test_random_network(ctx, 64, 2, 4, 0.0f, -1.0f, 0, 0, 0, 15,
                                      &net));
    if (net != NULL) {
        CHECK_OK(ctx, snig_network_set_bias(ctx, net, 0.5f));
        packed p;
        pack_network(net, 0.0f, 0, &p);
        CHECK(p.d[0].maps_saturated == 0 && p.d[1].maps_saturated == 0);
        free(p.arena);
        free(p.d);
    }
    snig_network_free(&net);
}

static void test_official(snig_ctx *ctx)
{
    if (!test_have_official("official case"))
        return;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    if (test_load_official(ctx, 160, &net, &in)) {
        /* Every official layer keeps the all-32 row all-32 (32 x 2 - 0.3). */
        float bias = 0.0f;
        CHECK(snig_official_bias(1024, &bias));
        packed p;
        pack_network(net, bias, 0, &p);
        for (uint32_t l = 0; l < net->layers; l++)
            CHECK(p.d[l].maps_saturated == 1 && p.d[l].val_off == 0);
        free(p.arena);
        free(p.d);
        const uint32_t sections[] = {256, 100};
        check_orders(ctx, net, in, 10, sections, 2);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);
}

static void test_dedup(snig_ctx *ctx)
{
    snig_inputs *in = NULL;
    CHECK_OK(ctx, test_random_inputs(ctx, 96, 50, 0.1, 4.0f, 4, 9, 21, &in));
    if (in == NULL)
        return;
    const uint32_t first = 3, count = 40;
    uint32_t rep_of[40], reps[40], mult[40];
    uint32_t *table = malloc(snig__dedup_table_size(count) * sizeof *table);
    uint64_t hash[40];
    uint32_t m = snig__dedup_rows(in->rowptr, in->col, in->val, first, count,
                                 1, rep_of, reps, mult, table, hash, 3);
    CHECK(m < count);   /* every 4th row repeats its predecessor */
    uint32_t total = 0;
    for (uint32_t q = 0; q < m; q++)
        total += mult[q];
    CHECK(total == count);
    for (uint32_t t = 0; t < count; t++) {
        uint64_t a = first + t, b = first + reps[rep_of[t]];
        uint64_t len = in->rowptr[a + 1] - in->rowptr[a];
        CHECK(rep_of[t] < m && reps[rep_of[t]] <= t);
        CHECK(len == in->rowptr[b + 1] - in->rowptr[b]);
        CHECK(memcmp(in->col + in->rowptr[a], in->col + in->rowptr[b],
                     len * sizeof *in->col) == 0);
        CHECK(memcmp(in->val + in->rowptr[a], in->val + in->rowptr[b],
                     len * sizeof *in->val) == 0);
    }
    /* Distinct representatives really differ. */
    for (uint32_t q = 1; q < m; q++)
        for (uint32_t p2 = 0; p2 < q; p2++) {
            uint64_t a = first + reps[q], b = first + reps[p2];
            uint64_t len = in->rowptr[a + 1] - in->rowptr[a];
            CHECK(len != in->rowptr[b + 1] - in->rowptr[b] ||
                  memcmp(in->col + in->rowptr[a], in->col + in->rowptr[b],
                         len * sizeof *in->col) != 0 ||
                  memcmp(in->val + in->rowptr[a], in->val + in->rowptr[b],
                         len * sizeof *in->val) != 0);
        }
    /* Off: every row is its own. */
    CHECK(snig__dedup_rows(in->rowptr, in->col, in->val, first, count, 0,
                          rep_of, reps, mult, table, hash, 1) == count);
    CHECK(rep_of[7] == 7 && mult[7] == 1);
    free(table);
    snig_inputs_free(&in);
}

static void test_plan(void)
{
    /* 1000 rows of 100 nonzeros, N = 1024, 120 layers of 70 KB. */
    enum { ROWS = 1000 };
    static uint64_t rowptr[ROWS + 1];
    for (uint64_t r = 0; r <= ROWS; r++)
        rowptr[r] = 100 * r;
    const uint64_t layer = 70 * 1024, arena = 120 * layer;
    snig__cuda_plan p;
    snig__cuda_weights_plan w;
    /* Plenty: resident, then one batch of every row. */
    CHECK(snig__cuda_weights_choose(&w, 1024, 120, arena, layer, 1ull << 32,
                                   0));
    CHECK(w.resident && w.need > arena);
    CHECK(snig__cuda_plan_make(&p, 1024, 120, rowptr, ROWS, 0,
                              (1ull << 32) - arena, 0, 1));
    CHECK(p.batch == ROWS && p.max_entries == 100 * ROWS);
    CHECK(p.layout.total <= (1ull << 32) && p.layout.weights == 0);
    CHECK(p.layout.y[1] >= p.layout.y[0] + (uint64_t)ROWS * 1024 * 4);
    /* Two GPUs: half the rows each. */
    CHECK(snig__cuda_plan_make(&p, 1024, 120, rowptr, ROWS, 0,
                              (1ull << 32) - arena, 0, 2));
    CHECK(p.batch == ROWS / 2);
    /* The weights alone fill the cap: streamed through B buffers. */
    CHECK(snig__cuda_weights_choose(&w, 1024, 120, arena, layer, arena, 4));
    CHECK(!w.resident && w.buffers == 4);
    CHECK(snig__cuda_plan_make(&p, 1024, 120, rowptr, ROWS, 4 * layer, arena,
                              0, 1));
    CHECK(p.batch > 0 && p.batch < ROWS && p.layout.total <= arena);
    uint32_t most = p.batch;
    /* The largest batch: one row more does not fit. */
    snig__cuda_layout lay;
    snig__cuda_layout_make(&lay, 1024, 120, most + 1,
                          snig__cuda_max_entries(rowptr, ROWS, most + 1),
                          4 * layer);
    CHECK(lay.total > arena);
    /* A caller's batch is kept, or refused when it does not fit. */
    CHECK(snig__cuda_plan_make(&p, 1024, 120, rowptr, ROWS, 0, 1ull << 32, 64,
                              1));
    CHECK(p.batch == 64 && p.max_entries == 6400);
    CHECK(!snig__cuda_plan_make(&p, 1024, 120, rowptr, ROWS, 4 * layer, arena,
                               most + 1, 1));
    /* More buffers than layers: as many as layers (issue 10's B = 4 on 3
     * layers), and the rows still fit a cap made for them. */
    CHECK(snig__cuda_weights_choose(&w, 1024, 3, 3 * layer, layer,
                                   3 * layer + (1u << 20), 4));
    CHECK(!w.resident && w.buffers == 3);
    /* Too small for anything: the least it would take. */
    CHECK(!snig__cuda_weights_choose(&w, 1024, 120, arena, layer, layer, 2));
    CHECK(!w.resident && w.need > 2 * layer);
    CHECK(!snig__cuda_plan_make(&p, 1024, 120, rowptr, ROWS, 2 * layer, layer,
                               0, 1));
    CHECK(p.layout.total > layer);
    /* Sections: 2 blocks per multiprocessor, or as asked, within limits. */
    CHECK(snig__cuda_section(65536, 227 * 1024, 228 * 1024, 0) == 7168);
    CHECK(snig__cuda_section(65536, 163 * 1024, 164 * 1024, 0) == 5120);
    CHECK(snig__cuda_section(1024, 227 * 1024, 228 * 1024, 0) == 1024);
    CHECK(snig__cuda_section(100, 227 * 1024, 228 * 1024, 0) == 100);
    CHECK(snig__cuda_section(65536, 227 * 1024, 228 * 1024, 14000) == 14000);
    CHECK(snig__cuda_section(65536, 227 * 1024, 228 * 1024, 99999) ==
          227 * 1024 / 16);
    CHECK(snig__cuda_section(65536, 48 * 1024, 64 * 1024, 2049) == 2048);
    CHECK(snig__cuda_section(65, 48 * 1024, 64 * 1024, 0) == 68);
    /* Layers and sizes the 16-bit layout refuses. */
    snig__pack_layer d;
    CHECK(!snig__pack_plan(&d, 65537, 10, 10, 0, 0));
    CHECK(snig__pack_plan(&d, 65536, 65536ull * 32, 65536ull * 32, 0, 0));
    CHECK(!snig__pack_plan(&d, 65536, 65536ull * 32, 65536ull * 32 - 1, 0, 0));
    CHECK(!snig__pack_plan(&d, 0, 0, 0, 0, 0));
    CHECK(!snig__pack_plan(&d, 1024, 100, 1ull << 30, 1, 0));
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    test_random(ctx);
    test_official(ctx);
    test_dedup(ctx);
    test_plan();
    snig_ctx_free(&ctx);
    return test_result("test_cuda_pack");
}
