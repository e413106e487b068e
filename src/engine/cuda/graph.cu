// One GPU's part of the cuda engine: its memory (one allocation cut as
// plan.h says), its page-locked staging, and the CUDA Graph of a batch.
//
// The graph, built and instantiated once, relaunched for every batch:
//
//   copy rowptr, copy mult, copy entries  ->  input kernel
//   input -> K0 -> C0 -> K1 -> C1 -> ... -> K(L-1) -> C(L-1)
//   streaming only: copy W_l -> K_l, and K_(l-B) -> copy W_l
//
// K_l is the layer kernel, C_l the compaction of live rows.  With B weight
// buffers, layer l uses buffer l mod B, so the copy of layer l waits for the
// kernel of layer l - B, the last reader of that buffer; the copies of the
// first B layers start with the graph and overlap the input step.  Per batch
// only the sizes of the three input copies and the row count of the input
// kernel change (cudaGraphExecMemcpyNodeSetParams1D and
// cudaGraphExecKernelNodeSetParams): nothing is rebuilt.  Resident weights
// were copied once per plan (cuda.c) and are only read here.  Two CUDA
// events around each launch time the graph (graph_seconds).  With several
// batches, two host slots let the worker stage batch b + 1 while batch b
// runs (launch returns at once, wait collects).
#include "cuda_internal.cuh"
#include "host/pack_math.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct snig__cuda_dev {
    snig__cuda_setup s;
    snig__cuda_plan plan;
    unsigned char *mem;               // the one device allocation
    cudaStream_t stream;
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    cudaGraphNode_t copy_rowptr, copy_mult, copy_entries, input_node;
    snig__input_args input;
    dim3 input_grid;
    snig__cuda_io io[SNIG_CUDA_SLOTS];
    int io_pinned[SNIG_CUDA_SLOTS][6];  // which io buffers are page-locked
    uint32_t pending_m[SNIG_CUDA_SLOTS];
    // Per slot: before the graph, after it, after the result copies.
    cudaEvent_t ev[SNIG_CUDA_SLOTS][3];
    int events_made;                  // of slots x 3
    int slots;
    bool stream_made;
};

#define CHECK_CUDA(call, err) \
    snig__cuda_check((call), #call, __FILE__, __LINE__, (err))

static uint32_t min_u32(uint64_t a, uint64_t b)
{
    uint64_t m = a < b ? a : b;
    return m > 0xffffffffu ? 0xffffffffu : (uint32_t)m;
}

static int add_copy(cudaGraphNode_t *node, cudaGraph_t g,
                    const cudaGraphNode_t *deps, size_t ndeps, void *dst,
                    const void *src, size_t bytes, char *err)
{
    return CHECK_CUDA(cudaGraphAddMemcpyNode1D(node, g, deps, ndeps, dst, src,
                                               bytes, cudaMemcpyHostToDevice),
                      err);
}

static int add_kernel(cudaGraphNode_t *node, cudaGraph_t g,
                      const cudaGraphNode_t *deps, size_t ndeps,
                      const void *fn, dim3 grid, size_t shared, void *args,
                      char *err)
{
    void *params[1] = {args};
    cudaKernelNodeParams p = {};
    p.func = const_cast<void *>(fn);
    p.gridDim = grid;
    p.blockDim = dim3(SNIG_CUDA_THREADS, 1, 1);
    p.sharedMemBytes = (unsigned)shared;
    p.kernelParams = params;   // copied by the call
    p.extra = NULL;
    return CHECK_CUDA(cudaGraphAddKernelNode(node, g, deps, ndeps, &p), err);
}

// The weights of layer l on the device.
static const unsigned char *layer_weights(const snig__cuda_dev *d, uint32_t l)
{
    if (d->s.weights != NULL)
        return (const unsigned char *)d->s.weights + d->s.pack[l].offset;
    return d->mem + d->plan.layout.weights +
           (uint64_t)(l % (uint32_t)d->s.buffers) * d->s.max_layer_bytes;
}

static int build_graph(snig__cuda_dev *d, char *err)
{
    const snig__cuda_layout *lay = &d->plan.layout;
    const uint32_t n = d->s.neurons, layers = d->s.layers;
    const uint32_t batch = d->plan.batch;
    unsigned char *m = d->mem;
    float *y[2] = {(float *)(m + lay->y[0]), (float *)(m + lay->y[1])};
    uint32_t *list[2] = {(uint32_t *)(m + lay->list[0]),
                         (uint32_t *)(m + lay->list[1])};
    uint32_t *rownz = (uint32_t *)(m + lay->rownz);
    uint32_t *rowsat = (uint32_t *)(m + lay->rowsat);
    uint8_t *status = m + lay->status;
    uint32_t *count = (uint32_t *)(m + lay->count);
    unsigned long long *stats = (unsigned long long *)(m + lay->stats);
    const uint32_t colblocks =
        (n + SNIG_CUDA_BLOCK_COLS - 1) / SNIG_CUDA_BLOCK_COLS;
    const uint32_t tiles = (batch + SNIG_CUDA_ROWS - 1) / SNIG_CUDA_ROWS;
    const dim3 layer_grid(colblocks,
                          min_u32(tiles, SNIG_CUDA_BLOCKS / colblocks > 0
                                             ? SNIG_CUDA_BLOCKS / colblocks
                                             : 1));
    const dim3 compact_grid(
        min_u32((batch + SNIG_CUDA_THREADS - 1) / SNIG_CUDA_THREADS, 1024));
    const int streaming = d->s.weights == NULL;
    const uint32_t B = (uint32_t)d->s.buffers;
    const void *layer_fn = snig__cuda_layer_kernel(d->s.fused);
    // More than 48 KiB of shared memory needs the kernel's opt-in; refused,
    // the section shrinks to what needs none (3072 input neurons).
    if (cudaFuncSetAttribute(layer_fn,
                             cudaFuncAttributeMaxDynamicSharedMemorySize,
                             (int)((size_t)d->s.section * 16)) != cudaSuccess) {
        (void)cudaGetLastError();
        if (d->s.section > 3072)
            d->s.section = 3072;
    }
    const size_t shared = (size_t)d->s.section * 4 * sizeof(float);
    cudaGraphNode_t *kernels = NULL;
    int rc = -1;

    kernels = (cudaGraphNode_t *)calloc(layers, sizeof *kernels);
    if (kernels == NULL) {
        snprintf(err, SNIG_CUDA_ERRLEN, "%s:%d: out of host memory", __FILE__,
                 __LINE__);
        goto cleanup;
    }
    if (CHECK_CUDA(cudaGraphCreate(&d->graph, 0), err))
        goto cleanup;

    // Input: sizes are those of a full batch here, set per batch later.
    if (add_copy(&d->copy_rowptr, d->graph, NULL, 0, m + lay->rowptr,
                 d->io[0].rowptr, ((size_t)batch + 1) * sizeof(uint64_t),
                 err) ||
        add_copy(&d->copy_mult, d->graph, NULL, 0, m + lay->mult,
                 d->io[0].mult,
                 (size_t)batch * sizeof(uint32_t), err) ||
        add_copy(&d->copy_entries, d->graph, NULL, 0, m + lay->entries,
                 d->io[0].entries,
                 (size_t)(d->plan.max_entries ? d->plan.max_entries : 1) *
                     sizeof(snig__cuda_entry),
                 err))
        goto cleanup;
    {
        snig__input_args *a = &d->input;
        a->m = batch;
        a->n = n;
        a->layers = layers;
        a->rowptr = (const uint64_t *)(m + lay->rowptr);
        a->entries = (const snig__cuda_entry *)(m + lay->entries);
        a->y = y[0];
        a->list = list[0];
        a->rownz = rownz;
        a->rowsat = rowsat;
        a->status = status;
        a->count = count;
        a->stats = stats;
        d->input_grid = dim3(min_u32(batch, 4096));
        cudaGraphNode_t deps[3] = {d->copy_rowptr, d->copy_mult,
                                   d->copy_entries};
        if (add_kernel(&d->input_node, d->graph, deps, 3,
                       snig__cuda_input_kernel(), d->input_grid, 0, a, err))
            goto cleanup;
    }

    {
        cudaGraphNode_t prev = d->input_node;
        for (uint32_t l = 0; l < layers; l++) {
            const snig__pack_layer *p = &d->s.pack[l];
            const unsigned char *w = layer_weights(d, l);
            cudaGraphNode_t deps[2] = {prev, NULL};
            size_t ndeps = 1;
            if (streaming) {
                cudaGraphNode_t copy;
                // Buffer l mod B was last read by the kernel of layer l - B.
                if (add_copy(&copy, d->graph, l >= B ? &kernels[l - B] : NULL,
                             l >= B ? 1 : 0, (void *)w,
                             (const unsigned char *)d->s.arena + p->offset,
                             p->bytes, err))
                    goto cleanup;
                deps[ndeps++] = copy;
            }
            snig_layer_args la;
            la.grp = (const uint32_t *)w;
            la.len = (const uint32_t *)(w + p->len_off);
            la.idx = (const uint16_t *)(w + p->idx_off);
            la.val = p->val_off ? (const float *)(w + p->val_off) : NULL;
            la.bias = p->bias_off ? (const float *)(w + p->bias_off) : NULL;
            la.uniform = p->uniform;
            la.bias_scalar = p->bias_scalar;
            la.n = n;
            la.section = d->s.section;
            la.vec = n % 4 == 0 && d->s.section % 4 == 0;
            la.yin = y[l % 2];
            la.yout = y[(l + 1) % 2];
            la.list = list[l % 2];
            la.count = count + l;
            la.rownz = rownz;
            la.rowsat = rowsat;
            if (add_kernel(&kernels[l], d->graph, deps, ndeps, layer_fn,
                           layer_grid, shared, &la, err))
                goto cleanup;

            snig__compact_args ca;
            ca.list_in = list[l % 2];
            ca.count_in = count + l;
            ca.list_out = list[(l + 1) % 2];
            ca.count_out = count + l + 1;
            ca.rownz = rownz;
            ca.rowsat = rowsat;
            ca.colblocks = colblocks;
            ca.retire = d->s.retire[l];
            ca.last = l + 1 == layers;
            ca.status = status;
            ca.mult = (const uint32_t *)(m + lay->mult);
            ca.live = stats + l;
            ca.retired = stats + layers + l;
            cudaGraphNode_t compact;
            if (add_kernel(&compact, d->graph, &kernels[l], 1,
                           snig__cuda_compact_kernel(), compact_grid, 0, &ca,
                           err))
                goto cleanup;
            prev = compact;
        }
    }
    if (CHECK_CUDA(cudaGraphInstantiate(&d->exec, d->graph, 0), err))
        goto cleanup;
    rc = 0;
cleanup:
    free(kernels);
    return rc;
}

// The host side of a batch in slot `slot`: page-locked where the system
// gives it.
static int alloc_io(snig__cuda_dev *d, int slot, char *err)
{
    const uint64_t batch = d->plan.batch;
    const uint64_t entries = d->plan.max_entries ? d->plan.max_entries : 1;
    snig__cuda_io *io = &d->io[slot];
    int *pin = d->io_pinned[slot];
    io->rowptr = (uint64_t *)snig__cuda_host_alloc(
        (batch + 1) * sizeof *io->rowptr, &pin[0]);
    io->mult = (uint32_t *)snig__cuda_host_alloc(batch * sizeof *io->mult,
                                                &pin[1]);
    io->entries = (snig__cuda_entry *)snig__cuda_host_alloc(
        entries * sizeof *io->entries, &pin[2]);
    io->status = (uint8_t *)snig__cuda_host_alloc(batch, &pin[3]);
    io->stats = (uint64_t *)snig__cuda_host_alloc(
        2 * (uint64_t)d->s.layers * sizeof *io->stats, &pin[4]);
    pin[5] = 1;
    if (d->s.keep_values)
        io->values = (float *)snig__cuda_host_alloc(
            batch * d->s.neurons * sizeof *io->values, &pin[5]);
    io->pinned = pin[0] && pin[1] && pin[2] && pin[3] && pin[4] && pin[5];
    if (io->rowptr == NULL || io->mult == NULL || io->entries == NULL ||
        io->status == NULL || io->stats == NULL ||
        (d->s.keep_values && io->values == NULL)) {
        snprintf(err, SNIG_CUDA_ERRLEN, "%s:%d: out of host memory for a "
                 "batch of %llu rows", __FILE__, __LINE__,
                 (unsigned long long)batch);
        return -1;
    }
    return 0;
}

int snig__cuda_dev_new(const snig__cuda_setup *s, const snig__cuda_plan *plan,
                      snig__cuda_dev **out, char *err)
{
    snig__cuda_dev *d = NULL;
    int rc = -1;
    *out = NULL;
    if (s->layers == 0 || plan->batch == 0 || s->neurons == 0) {
        snprintf(err, SNIG_CUDA_ERRLEN, "%s:%d: empty network or batch",
                 __FILE__, __LINE__);
        return -1;
    }
    d = (snig__cuda_dev *)calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(err, SNIG_CUDA_ERRLEN, "%s:%d: out of host memory", __FILE__,
                 __LINE__);
        return -1;
    }
    d->s = *s;
    d->plan = *plan;
    if (CHECK_CUDA(cudaSetDevice(s->device), err) ||
        CHECK_CUDA(cudaStreamCreateWithFlags(&d->stream,
                                             cudaStreamNonBlocking),
                   err))
        goto cleanup;
    d->stream_made = true;
    if (CHECK_CUDA(cudaMalloc((void **)&d->mem, plan->layout.total), err)) {
        d->mem = NULL;
        goto cleanup;
    }
    d->slots = s->slots > 1 ? SNIG_CUDA_SLOTS : 1;
    for (int i = 0; i < d->slots; i++)
        if (alloc_io(d, i, err))
            goto cleanup;
    for (; d->events_made < 3 * d->slots; d->events_made++)
        if (CHECK_CUDA(cudaEventCreate(&d->ev[d->events_made / 3]
                                             [d->events_made % 3]),
                       err))
            goto cleanup;
    if (build_graph(d, err))
        goto cleanup;
    *out = d;
    d = NULL;
    rc = 0;
cleanup:
    snig__cuda_dev_free(&d);
    return rc;
}

snig__cuda_io *snig__cuda_dev_io(snig__cuda_dev *d, int slot)
{
    return slot < d->slots ? &d->io[slot] : NULL;
}

void snig__cuda_dev_shape(const snig__cuda_dev *d, snig__cuda_setup *s,
                         snig__cuda_plan *plan)
{
    *s = d->s;
    s->slots = d->slots;
    *plan = d->plan;
}

int snig__cuda_dev_slots(const snig__cuda_dev *d)
{
    return d->slots;
}

uint64_t snig__cuda_dev_bytes(const snig__cuda_dev *d)
{
    return d != NULL && d->mem != NULL ? d->plan.layout.total : 0;
}

int snig__cuda_dev_launch(snig__cuda_dev *d, int slot, uint32_t m, uint64_t nnz,
                         char *err)
{
    const snig__cuda_layout *lay = &d->plan.layout;
    const uint32_t layers = d->s.layers;
    snig__cuda_io *io = slot >= 0 && slot < d->slots ? &d->io[slot] : NULL;
    if (io == NULL || m == 0 || m > d->plan.batch ||
        nnz > d->plan.max_entries || io->rowptr[m] != nnz) {
        snprintf(err, SNIG_CUDA_ERRLEN,
                 "%s:%d: batch of %u rows and %llu entries does not fit the "
                 "plan (%u rows, %llu entries)",
                 __FILE__, __LINE__, m, (unsigned long long)nnz,
                 d->plan.batch, (unsigned long long)d->plan.max_entries);
        return -1;
    }
    snig__input_args a = d->input;
    a.m = m;
    void *params[1] = {&a};
    cudaKernelNodeParams p = {};
    p.func = const_cast<void *>(snig__cuda_input_kernel());
    p.gridDim = d->input_grid;
    p.blockDim = dim3(SNIG_CUDA_THREADS, 1, 1);
    p.kernelParams = params;
    const float *yfinal = (const float *)(d->mem + lay->y[layers % 2]);
    cudaEvent_t *ev = d->ev[slot];
    // New sources and sizes affect this launch only, not one in flight.
    if (CHECK_CUDA(cudaSetDevice(d->s.device), err) ||
        CHECK_CUDA(cudaGraphExecMemcpyNodeSetParams1D(
                       d->exec, d->copy_rowptr, d->mem + lay->rowptr,
                       io->rowptr, ((size_t)m + 1) * sizeof(uint64_t),
                       cudaMemcpyHostToDevice),
                   err) ||
        CHECK_CUDA(cudaGraphExecMemcpyNodeSetParams1D(
                       d->exec, d->copy_mult, d->mem + lay->mult, io->mult,
                       (size_t)m * sizeof(uint32_t), cudaMemcpyHostToDevice),
                   err) ||
        CHECK_CUDA(cudaGraphExecMemcpyNodeSetParams1D(
                       d->exec, d->copy_entries, d->mem + lay->entries,
                       io->entries,
                       (size_t)(nnz ? nnz : 1) * sizeof(snig__cuda_entry),
                       cudaMemcpyHostToDevice),
                   err) ||
        CHECK_CUDA(cudaGraphExecKernelNodeSetParams(d->exec, d->input_node, &p),
                   err) ||
        CHECK_CUDA(cudaEventRecord(ev[0], d->stream), err) ||
        CHECK_CUDA(cudaGraphLaunch(d->exec, d->stream), err) ||
        CHECK_CUDA(cudaEventRecord(ev[1], d->stream), err) ||
        CHECK_CUDA(cudaMemcpyAsync(io->status, d->mem + lay->status, m,
                                   cudaMemcpyDeviceToHost, d->stream),
                   err) ||
        CHECK_CUDA(cudaMemcpyAsync(io->stats, d->mem + lay->stats,
                                   2 * (size_t)layers * sizeof(uint64_t),
                                   cudaMemcpyDeviceToHost, d->stream),
                   err))
        return -1;
    if (d->s.keep_values &&
        CHECK_CUDA(cudaMemcpyAsync(io->values, yfinal,
                                   (size_t)m * d->s.neurons * sizeof(float),
                                   cudaMemcpyDeviceToHost, d->stream),
                   err))
        return -1;
    d->pending_m[slot] = m;
    return CHECK_CUDA(cudaEventRecord(ev[2], d->stream), err);
}

int snig__cuda_dev_wait(snig__cuda_dev *d, int slot, double *graph_seconds,
                       char *err)
{
    float ms = 0.0f;
    if (CHECK_CUDA(cudaEventSynchronize(d->ev[slot][2]), err) ||
        CHECK_CUDA(cudaGetLastError(), err) ||
        CHECK_CUDA(cudaEventElapsedTime(&ms, d->ev[slot][0], d->ev[slot][1]),
                   err))
        return -1;
    *graph_seconds = ms / 1e3;
    return 0;
}

void snig__cuda_dev_free(snig__cuda_dev **dp)
{
    snig__cuda_dev *d = dp != NULL ? *dp : NULL;
    if (d == NULL)
        return;
    // Errors are ignored here: this runs on failure paths too, and there is
    // nothing better to do than to give everything back.
    (void)cudaSetDevice(d->s.device);
    if (d->stream_made)
        (void)cudaStreamSynchronize(d->stream);
    if (d->exec != NULL)
        (void)cudaGraphExecDestroy(d->exec);
    if (d->graph != NULL)
        (void)cudaGraphDestroy(d->graph);
    if (d->mem != NULL)
        (void)cudaFree(d->mem);
    for (int i = 0; i < d->events_made; i++)
        (void)cudaEventDestroy(d->ev[i / 3][i % 3]);
    if (d->stream_made)
        (void)cudaStreamDestroy(d->stream);
    for (int i = 0; i < SNIG_CUDA_SLOTS; i++) {
        snig__cuda_io *io = &d->io[i];
        const int *pin = d->io_pinned[i];
        snig__cuda_host_free(io->rowptr, pin[0]);
        snig__cuda_host_free(io->mult, pin[1]);
        snig__cuda_host_free(io->entries, pin[2]);
        snig__cuda_host_free(io->status, pin[3]);
        snig__cuda_host_free(io->stats, pin[4]);
        snig__cuda_host_free(io->values, pin[5]);
    }
    (void)cudaGetLastError();   // leave no error behind for the next call
    free(d);
    *dp = NULL;
}
