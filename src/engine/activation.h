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

/* The general layer (snig.h, snig_layer_desc): `dense` is the bias rule
 * (1: every output, 0: the nonzeros of Z), act a snig_activation.  With
 * dense = 0, act = RELU_CAP and cap = 32 it is snig_activate. */
SNIG_HD float snig_activate_general(float z, float bias, int dense, int act,
                                    float cap)
{
    if (!dense && z == 0.0f)
        return 0.0f;
    z += bias;
    if (act == 2)                 /* SNIG_ACT_IDENTITY */
        return z;
    if (z < 0.0f)
        return 0.0f;
    return act == 0 && z > cap ? cap : z;  /* SNIG_ACT_RELU_CAP */
}

#endif /* SNIG_ACTIVATION_H */
