// Device discovery and host memory for the cuda engine.  Every call is
// checked; a missing driver or device is an answer (0 GPUs), not a crash.
#include "cuda_internal.cuh"

#include <stdio.h>
#include <string.h>

int snig__cuda_check(cudaError_t e, const char *what, const char *file,
                    int line, char *err)
{
    if (e == cudaSuccess)
        return 0;
    if (err != NULL)
        snprintf(err, SNIG_CUDA_ERRLEN, "%s:%d: %s failed: %s (%s)", file,
                 line, what, cudaGetErrorString(e), cudaGetErrorName(e));
    return -1;
}

int snig__cuda_count(void)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();   // no driver or no device: not sticky
        return 0;
    }
    return count > 0 ? count : 0;
}

int snig__cuda_describe(int dev, snig__cuda_props *p, char *err)
{
    cudaDeviceProp prop;
    size_t f = 0, t = 0;
    if (snig__cuda_check(cudaSetDevice(dev), "cudaSetDevice", __FILE__,
                        __LINE__, err) ||
        snig__cuda_check(cudaGetDeviceProperties(&prop, dev),
                        "cudaGetDeviceProperties", __FILE__, __LINE__, err) ||
        snig__cuda_check(cudaMemGetInfo(&f, &t), "cudaMemGetInfo", __FILE__,
                        __LINE__, err))
        return -1;
    snprintf(p->name, sizeof p->name, "%s", prop.name);
    p->free_b = f;
    p->total_b = t;
    p->sms = prop.multiProcessorCount;
    p->smem_block = prop.sharedMemPerBlockOptin;
    p->smem_sm = prop.sharedMemPerMultiprocessor;
    p->major = prop.major;
    p->minor = prop.minor;
    return 0;
}

int snig__cuda_pinned_alloc(void **p, size_t bytes, char *err)
{
    *p = NULL;
    cudaError_t e = cudaHostAlloc(p, bytes ? bytes : 1, cudaHostAllocPortable);
    if (e != cudaSuccess)
        *p = NULL;
    return snig__cuda_check(e, "cudaHostAlloc", __FILE__, __LINE__, err);
}

void snig__cuda_pinned_free(void *p)
{
    if (p != NULL)
        (void)cudaFreeHost(p);
}

int snig__cuda_device_alloc(int dev, uint64_t bytes, void **p, char *err)
{
    *p = NULL;
    if (snig__cuda_check(cudaSetDevice(dev), "cudaSetDevice", __FILE__,
                        __LINE__, err))
        return -1;
    cudaError_t e = cudaMalloc(p, bytes ? bytes : 1);
    if (e != cudaSuccess)
        *p = NULL;
    return snig__cuda_check(e, "cudaMalloc", __FILE__, __LINE__, err);
}

void snig__cuda_device_free(int dev, void *p)
{
    if (p == NULL)
        return;
    (void)cudaSetDevice(dev);
    (void)cudaFree(p);
    (void)cudaGetLastError();
}

int snig__cuda_upload(int dev, void *dst, const void *src, uint64_t bytes,
                     char *err)
{
    return snig__cuda_check(cudaSetDevice(dev), "cudaSetDevice", __FILE__,
                           __LINE__, err) ||
           snig__cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice),
                           "cudaMemcpy (weights)", __FILE__, __LINE__, err);
}
