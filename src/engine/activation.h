/* The challenge's per-neuron step, written once for every engine: host C and
 * CUDA device code include this file. */
#ifndef SNIG_ACTIVATION_H
#define SNIG_ACTIVATION_H

#ifdef __CUDACC__
#define SNIG_HD __host__ __device__ __forceinline__
#else
#define SNIG_HD static inline
#endif

/* Values are capped at this after every layer. */
#define SNIG_YMAX 32.0f

/* z = (Y W)[r, j].  The bias goes to the nonzero entries of Z only; then the
 * value is clamped to [0, YMAX]. */
SNIG_HD float snig_activate(float z, float bias)
{
    if (z == 0.0f)
        return 0.0f;
    z += bias;
    return z < 0.0f ? 0.0f : (z > SNIG_YMAX ? SNIG_YMAX : z);
}

#endif /* SNIG_ACTIVATION_H */
