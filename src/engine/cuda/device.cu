// Device discovery and host memory for the cuda engine.  Every call is
// checked; a missing driver or device is an answer (0 GPUs), not a crash.
#include "cuda_internal.cuh"

#include <stdio.h>
#include <string.h>

int snig_cuda_check(cudaError_t e, const char *what, const char *file,
                    int line, char *err)
{
    if (e == cudaSuccess)
        return 0;
    if (err != NULL)
        snprintf(err, SNIG_CUDA_ERRLEN, "%s:%d: %s failed: %s (%s)", file,
                 line, what, cudaGetErrorString(e), cudaGetErrorName(e));
    return -1;
}

int snig_cuda_count(void)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();   // no driver or no device: not sticky
        return 0;
    }
    return count > 0 ? count : 0;
}

int snig_cuda_describe(int dev, char *name, size_t name_len, uint64_t *free_b,
                       uint64_t *total_b, char *err)
{
    cudaDeviceProp prop;
    size_t f = 0, t = 0;
    if (snig_cuda_check(cudaSetDevice(dev), "cudaSetDevice", __FILE__,
                        __LINE__, err) ||
        snig_cuda_check(cudaGetDeviceProperties(&prop, dev),
                        "cudaGetDeviceProperties", __FILE__, __LINE__, err) ||
        snig_cuda_check(cudaMemGetInfo(&f, &t), "cudaMemGetInfo", __FILE__,
                        __LINE__, err))
        return -1;
    if (name != NULL && name_len > 0)
        snprintf(name, name_len, "%s", prop.name);
    *free_b = f;
    *total_b = t;
    return 0;
}

int snig_cuda_pinned_alloc(void **p, size_t bytes, char *err)
{
    *p = NULL;
    cudaError_t e = cudaHostAlloc(p, bytes ? bytes : 1, cudaHostAllocPortable);
    if (e != cudaSuccess)
        *p = NULL;
    return snig_cuda_check(e, "cudaHostAlloc", __FILE__, __LINE__, err);
}

void snig_cuda_pinned_free(void *p)
{
    if (p != NULL)
        (void)cudaFreeHost(p);
}
