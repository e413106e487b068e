// SNIG's kernels, as graph nodes: the input step, the layer step and the
// compaction of live rows between layers.
//
// Layer step: block (bx, by) owns SNIG_CUDA_BLOCK_COLS output neurons
// (SNIG_CUDA_COLS per thread) and tiles of SNIG_CUDA_ROWS live rows by,
// by + gridDim.y, ...  For a tile it stages Y section by section (`section`
// input neurons of each row, 16-byte loads, 4 rows in flight) in dynamic
// shared memory, the 4 rows interleaved so one 16-byte shared read serves
// them all; a section that is zero in every row of the tile is skipped
// (SNIG's forward feeding: the block votes with __syncthreads_or while it
// loads).  Each thread walks its packed columns once per tile, so every
// weight read serves SNIG_CUDA_ROWS rows, and sums in input-neuron order
// (pack_math.h): in the reference order the values are the reference
// engine's, bit for bit.  Every column block reads whole rows of Y, so the
// owned neurons per block (SNIG_CUDA_BLOCK_COLS) set how often a row is
// read per layer: N / 2048.  Once every row has died or retired, the layer
// and compaction kernels return at once (the empty rest of a batch).
#include "cuda_internal.cuh"
#include "host/pack_math.h"

#include <stdint.h>

static const uint32_t NO_ROW = 0xffffffffu;

__global__ void __launch_bounds__(SNIG_CUDA_THREADS)
snig__input_kernel(snig__input_args a)
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
            snig__cuda_entry e = a.entries[k];
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

__device__ __forceinline__ float lane_of(const float4 &v, uint32_t j)
{
    return j == 0 ? v.x : j == 1 ? v.y : j == 2 ? v.z : v.w;
}

__device__ __forceinline__ int any_nonzero(const float4 &v)
{
    return v.x != 0.0f || v.y != 0.0f || v.z != 0.0f || v.w != 0.0f;
}

// Stages input neurons s0 .. s0 + len of the tile's rows into ys, rows
// interleaved; 1 when this thread saw a nonzero.
__device__ __forceinline__ int stage_section(const snig_layer_args &a,
                                             const uint32_t *pos, uint32_t s0,
                                             uint32_t len, float4 *ys)
{
    const uint32_t n = a.n;
    int nz = 0;
    if (a.vec) {
        // n and the section are multiples of 4: 16-byte loads of 4 rows in
        // flight, transposed in registers.  Thread q writes ys[4q + j] in
        // the order j = jj + its place in the quarter warp: the 8 lanes of a
        // 16-byte store phase hit 8 different groups of banks.
        const uint32_t quads = len / 4;
        const uint32_t rot = ((threadIdx.x & 31) & 7) >> 1;
        for (uint32_t q = threadIdx.x; q < quads; q += blockDim.x) {
            float4 v[SNIG_CUDA_ROWS];
#pragma unroll
            for (int r = 0; r < SNIG_CUDA_ROWS; r++)
                v[r] = pos[r] != NO_ROW
                           ? __ldg((const float4 *)(a.yin + (size_t)pos[r] * n +
                                                    s0) +
                                   q)
                           : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
            for (uint32_t jj = 0; jj < 4; jj++) {
                const uint32_t j = (jj + rot) & 3u;
                const float4 o = make_float4(lane_of(v[0], j), lane_of(v[1], j),
                                             lane_of(v[2], j), lane_of(v[3], j));
                ys[4 * q + j] = o;
                nz |= any_nonzero(o);
            }
        }
    } else {
        for (uint32_t i = threadIdx.x; i < len; i += blockDim.x) {
            float y[SNIG_CUDA_ROWS];
#pragma unroll
            for (int r = 0; r < SNIG_CUDA_ROWS; r++)
                y[r] = pos[r] != NO_ROW ? a.yin[(size_t)pos[r] * n + s0 + i]
                                        : 0.0f;
            const float4 o = make_float4(y[0], y[1], y[2], y[3]);
            ys[i] = o;
            nz |= any_nonzero(o);
        }
    }
    return nz;
}

template <int FUSED>
__global__ void __launch_bounds__(SNIG_CUDA_THREADS, SNIG_CUDA_MIN_BLOCKS)
snig_layer_kernel(snig_layer_args a)
{
    extern __shared__ float4 ys[];   // a.section entries
    const uint32_t n = a.n;
    const uint32_t count = *a.count;   // the same for the whole block
    // Every row died or retired, or no tile is left for this block.
    if (blockIdx.y * SNIG_CUDA_ROWS >= count)
        return;
    // Thread t owns output neurons base + t, base + t + 256, ... (COLS of
    // them): stores of a row stay coalesced, and the 32 threads of a warp
    // own the 32 columns of a packed group, whose s-th entries are
    // contiguous: weight reads are coalesced too.
    const uint32_t base = blockIdx.x * SNIG_CUDA_BLOCK_COLS + threadIdx.x;
    uint32_t first[SNIG_CUDA_COLS], kend[SNIG_CUDA_COLS];
#pragma unroll
    for (int c = 0; c < SNIG_CUDA_COLS; c++) {
        const uint32_t j = base + (uint32_t)c * SNIG_CUDA_THREADS;
        const bool has = j < n;
        first[c] = has ? a.grp[j / SNIG_PACK_GROUP] + j % SNIG_PACK_GROUP : 0;
        kend[c] = has ? a.len[j] : 0;
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
        for (uint32_t s0 = 0; s0 < n; s0 += a.section) {
            const uint32_t len = n - s0 < a.section ? n - s0 : a.section;
            const int nz = stage_section(a, pos, s0, len, ys);
            // Barrier and vote: the section is in shared memory for all.
            if (__syncthreads_or(nz)) {
#pragma unroll
                for (int c = 0; c < SNIG_CUDA_COLS; c++)
                    k[c] = snig__pack_section(
                        a.idx + first[c],
                        a.val != 0 ? a.val + first[c] : (const float *)0,
                        SNIG_PACK_GROUP, a.uniform, k[c], kend[c], s0,
                        s0 + len, (const float *)ys, FUSED, acc[c]);
            } else {
#pragma unroll
                for (int c = 0; c < SNIG_CUDA_COLS; c++)
                    k[c] = snig__pack_skip(a.idx + first[c], SNIG_PACK_GROUP,
                                          k[c], kend[c], s0 + len);
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
                const float bias = a.bias ? a.bias[j] : a.bias_scalar;
                const float o = snig_activate(acc[c][r], bias);
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
snig__compact_kernel(snig__compact_args a)
{
    const uint32_t count = *a.count_in;
    if (count == 0)
        return;   // every row died or retired: nothing moves
    const uint32_t lane = threadIdx.x & 31u;
    unsigned live = 0, retired = 0;
    // Warp-uniform loop (t0 is the warp's first row), so the list append is
    // one atomic per warp: the lanes that keep a row take consecutive slots.
    for (uint32_t t0 = blockIdx.x * blockDim.x + threadIdx.x - lane;
         t0 < count; t0 += gridDim.x * blockDim.x) {
        const uint32_t t = t0 + lane;
        uint32_t pos = 0;
        int keep = 0;
        if (t < count) {
            pos = a.list_in[t];
            const uint32_t nz = a.rownz[pos];
            const uint32_t sat = a.rowsat[pos];
            a.rownz[pos] = 0;   // ready for the next layer
            a.rowsat[pos] = 0;
            if (nz) {           // a zero row stays zero: it leaves for good
                live += a.mult[pos];
                if (a.last) {
                    a.status[pos] = 1;
                } else if (a.retire && sat == a.colblocks) {
                    // All at 32 and every later layer keeps it so: done.
                    a.status[pos] = 2;
                    retired += a.mult[pos];
                } else {
                    keep = 1;
                }
            }
        }
        const unsigned mask = __ballot_sync(0xffffffffu, keep);
        uint32_t at = 0;
        if (lane == 0 && mask != 0)
            at = atomicAdd(a.count_out, (unsigned)__popc(mask));
        at = __shfl_sync(0xffffffffu, at, 0);
        if (keep)
            a.list_out[at + __popc(mask & ((1u << lane) - 1u))] = pos;
    }
    // One atomic per warp for the counts (every lane has left the loop).
    for (int d = 16; d > 0; d /= 2) {
        live += __shfl_down_sync(0xffffffffu, live, d);
        retired += __shfl_down_sync(0xffffffffu, retired, d);
    }
    if (lane == 0) {
        if (live)
            atomicAdd(a.live, (unsigned long long)live);
        if (retired)
            atomicAdd(a.retired, (unsigned long long)retired);
    }
}

const void *snig__cuda_input_kernel(void)
{
    return (const void *)snig__input_kernel;
}

const void *snig__cuda_layer_kernel(int fused)
{
    return fused ? (const void *)snig_layer_kernel<1>
                 : (const void *)snig_layer_kernel<0>;
}

const void *snig__cuda_compact_kernel(void)
{
    return (const void *)snig__compact_kernel;
}
