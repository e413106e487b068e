// SNIG's kernels, as graph nodes: the input step, the layer step and the
// compaction of live rows between layers.
//
// Layer step: block (bx, by) owns SNIG_CUDA_BLOCK_COLS output neurons
// (SNIG_CUDA_COLS per thread) and tiles of SNIG_CUDA_ROWS live rows by,
// by + gridDim.y, ...  For
// a tile it stages Y section by section (2048 input neurons of each row) in
// shared memory; a section that is zero in every row of the tile is skipped
// (SNIG's forward feeding: the block votes with __syncthreads_or while it
// loads).  Each thread walks its packed columns once per tile, so every
// weight read serves SNIG_CUDA_ROWS rows, and sums in input-neuron order
// (pack_math.h): the values are the reference engine's, bit for bit.
// Every column block reads whole rows of Y, so the owned neurons per block
// (SNIG_CUDA_BLOCK_COLS) set how often a row is read per layer: N / 1024.
#include "cuda_internal.cuh"
#include "host/pack_math.h"

#include <stdint.h>

static const uint32_t NO_ROW = 0xffffffffu;

__global__ void __launch_bounds__(SNIG_CUDA_THREADS)
snig_input_kernel(snig_input_args a)
{
    if (blockIdx.x == 0) {
        for (uint32_t i = threadIdx.x; i <= a.layers; i += blockDim.x)
            a.count[i] = i == 0 ? a.m : 0;
        for (uint32_t i = threadIdx.x; i < 2 * a.layers; i += blockDim.x)
            a.stats[i] = 0;
    }
    for (uint32_t r = blockIdx.x; r < a.m; r += gridDim.x) {
        float *y = a.y + (size_t)r * a.n;
        for (uint32_t j = threadIdx.x; j < a.n; j += blockDim.x)
            y[j] = 0.0f;
        __syncthreads();   // the row is cleared before it is filled
        for (uint64_t k = a.rowptr[r] + threadIdx.x; k < a.rowptr[r + 1];
             k += blockDim.x) {
            snig_cuda_entry e = a.entries[k];
            if (e.col < a.n)
                y[e.col] = e.val;
        }
        if (threadIdx.x == 0) {
            a.list[r] = r;
            a.rownz[r] = 0;
            a.rowsat[r] = 0;
            a.status[r] = 0;
        }
    }
}

__global__ void __launch_bounds__(SNIG_CUDA_THREADS)
snig_layer_kernel(snig_layer_args a)
{
    __shared__ float ys[SNIG_CUDA_ROWS * SNIG_CUDA_SECTION];
    const uint32_t n = a.n;
    const uint32_t count = *a.count;   // the same for the whole block
    // Thread t owns output neurons base + t, base + t + 256, ... (COLS of
    // them): stores of a row stay coalesced, and the 32 threads of a warp
    // own the 32 columns of a packed group, whose s-th entries are
    // contiguous: weight reads are coalesced too.
    const uint32_t base = blockIdx.x * SNIG_CUDA_BLOCK_COLS + threadIdx.x;
    const uint16_t *idx[SNIG_CUDA_COLS];
    const float *val[SNIG_CUDA_COLS];
    uint32_t kend[SNIG_CUDA_COLS];
    float bias[SNIG_CUDA_COLS];
#pragma unroll
    for (int c = 0; c < SNIG_CUDA_COLS; c++) {
        const uint32_t j = base + (uint32_t)c * SNIG_CUDA_THREADS;
        const bool has = j < n;
        const uint32_t first =
            has ? a.grp[j / SNIG_PACK_GROUP] + j % SNIG_PACK_GROUP : 0;
        idx[c] = a.idx + first;
        val[c] = a.val != 0 ? a.val + first : 0;
        kend[c] = has ? a.len[j] : 0;
        bias[c] = !has ? 0.0f : a.bias ? a.bias[j] : a.bias_scalar;
    }

    for (uint32_t t0 = blockIdx.y * SNIG_CUDA_ROWS; t0 < count;
         t0 += gridDim.y * SNIG_CUDA_ROWS) {
        uint32_t pos[SNIG_CUDA_ROWS];
#pragma unroll
        for (int r = 0; r < SNIG_CUDA_ROWS; r++)
            pos[r] = t0 + r < count ? a.list[t0 + r] : NO_ROW;
        float acc[SNIG_CUDA_COLS][SNIG_CUDA_ROWS];
        uint32_t k[SNIG_CUDA_COLS];
#pragma unroll
        for (int c = 0; c < SNIG_CUDA_COLS; c++) {
            k[c] = 0;
#pragma unroll
            for (int r = 0; r < SNIG_CUDA_ROWS; r++)
                acc[c][r] = 0.0f;
        }
        for (uint32_t s0 = 0; s0 < n; s0 += SNIG_CUDA_SECTION) {
            const uint32_t len =
                n - s0 < SNIG_CUDA_SECTION ? n - s0 : SNIG_CUDA_SECTION;
            int nz = 0;
#pragma unroll
            for (int r = 0; r < SNIG_CUDA_ROWS; r++) {
                const float *src =
                    pos[r] != NO_ROW ? a.yin + (size_t)pos[r] * n + s0 : 0;
                float *dst = ys + r * SNIG_CUDA_SECTION;
                for (uint32_t i = threadIdx.x; i < len; i += blockDim.x) {
                    float v = src != 0 ? src[i] : 0.0f;
                    dst[i] = v;
                    nz |= v != 0.0f;
                }
            }
            // Barrier and vote: the section is in shared memory for all.
            if (__syncthreads_or(nz)) {
#pragma unroll
                for (int c = 0; c < SNIG_CUDA_COLS; c++)
                    k[c] = snig_pack_section(idx[c], val[c], SNIG_PACK_GROUP,
                                             a.uniform, k[c], kend[c], s0,
                                             s0 + len, ys, SNIG_CUDA_SECTION,
                                             acc[c]);
            } else {
#pragma unroll
                for (int c = 0; c < SNIG_CUDA_COLS; c++)
                    k[c] = snig_pack_skip(idx[c], SNIG_PACK_GROUP, k[c],
                                          kend[c], s0 + len);
            }
            __syncthreads();   // everyone is done with ys before it reloads
        }
#pragma unroll
        for (int r = 0; r < SNIG_CUDA_ROWS; r++) {
            int nz = 0, sat = 1;
#pragma unroll
            for (int c = 0; c < SNIG_CUDA_COLS; c++) {
                const uint32_t j = base + (uint32_t)c * SNIG_CUDA_THREADS;
                if (j >= n)
                    continue;   // counts as saturated: not a neuron
                const float o = snig_activate(acc[c][r], bias[c]);
                if (pos[r] != NO_ROW)
                    a.yout[(size_t)pos[r] * n + j] = o;
                nz |= o != 0.0f;
                sat &= o == SNIG_YMAX;
            }
            // Whole-block votes: every thread reaches them (uniform loops).
            nz = __syncthreads_or(nz);
            sat = __syncthreads_count(sat);
            if (threadIdx.x == 0 && pos[r] != NO_ROW) {
                if (nz)
                    a.rownz[pos[r]] = 1;
                if (sat == (int)blockDim.x)
                    atomicAdd(&a.rowsat[pos[r]], 1u);
            }
        }
    }
}

__global__ void __launch_bounds__(SNIG_CUDA_THREADS)
snig_compact_kernel(snig_compact_args a)
{
    const uint32_t count = *a.count_in;
    unsigned live = 0, retired = 0;
    for (uint32_t t = blockIdx.x * blockDim.x + threadIdx.x; t < count;
         t += gridDim.x * blockDim.x) {
        const uint32_t pos = a.list_in[t];
        const uint32_t nz = a.rownz[pos];
        const uint32_t sat = a.rowsat[pos];
        a.rownz[pos] = 0;   // ready for the next layer
        a.rowsat[pos] = 0;
        if (!nz)
            continue;       // a zero row stays zero: it leaves for good
        live += a.mult[pos];
        if (a.last) {
            a.status[pos] = 1;
        } else if (a.retire && sat == a.colblocks) {
            // All at 32 and every later layer keeps it so: done.
            a.status[pos] = 2;
            retired += a.mult[pos];
        } else {
            a.list_out[atomicAdd(a.count_out, 1u)] = pos;
        }
    }
    // One atomic per warp (the loop above has ended for every lane).
    for (int d = 16; d > 0; d /= 2) {
        live += __shfl_down_sync(0xffffffffu, live, d);
        retired += __shfl_down_sync(0xffffffffu, retired, d);
    }
    if ((threadIdx.x & 31) == 0) {
        if (live)
            atomicAdd(a.live, (unsigned long long)live);
        if (retired)
            atomicAdd(a.retired, (unsigned long long)retired);
    }
}

const void *snig_cuda_input_kernel(void)
{
    return (const void *)snig_input_kernel;
}

const void *snig_cuda_layer_kernel(void)
{
    return (const void *)snig_layer_kernel;
}

const void *snig_cuda_compact_kernel(void)
{
    return (const void *)snig_compact_kernel;
}
