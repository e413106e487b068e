/* The GraphBLAS peer of the cpu engine's benchmark (bench/cpu.sh): the
 * challenge's computation written with SuiteSparse:GraphBLAS the way
 * LAGraph's dnn does it, on the same files read through snig's library.
 *
 *   Z = Y * W            GrB_mxm, PLUS_TIMES semiring (FP32)
 *   Z = Z + b            on the entries of Z only (apply, PLUS, bias)
 *   Y = Z where Z > 0    GrB_select VALUEGT 0
 *   Y = min(Y, 32)       apply, MIN, 32
 *
 * Only the inference is timed.  Prints one JSON object; --out writes the
 * categories (1-based rows, one per line, as snig run --out does).
 *
 * usage: peer_graphblas --network PATH --input PATH [--threads T]
 *                       [--layers L] [--out FILE] */
#include "core/internal.h"

#include <GraphBLAS.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, GrB_Info info)
{
    fprintf(stderr, "peer_graphblas: %s failed (GrB_Info %d)\n", what,
            (int)info);
    return 2;
}

/* W of one layer as a GrB matrix (rows: input neurons). */
static GrB_Info layer_matrix(const snig_layer *L, uint32_t n, GrB_Matrix *W)
{
    GrB_Index *I = malloc((L->nnz + 1) * sizeof *I);
    GrB_Index *J = malloc((L->nnz + 1) * sizeof *J);
    float *X = malloc((L->nnz + 1) * sizeof *X);
    GrB_Info info = GrB_OUT_OF_MEMORY;
    if (I == NULL || J == NULL || X == NULL)
        goto cleanup;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = L->rowptr[i]; k < L->rowptr[i + 1]; k++) {
            I[k] = i;
            J[k] = L->col16 ? L->col16[k] : L->col32[k];
            X[k] = L->val ? L->val[k] : L->uniform;
        }
    info = GrB_Matrix_new(W, GrB_FP32, n, n);
    if (info == GrB_SUCCESS)
        info = GrB_Matrix_build_FP32(*W, I, J, X, L->nnz, GrB_PLUS_FP32);
cleanup:
    free(I);
    free(J);
    free(X);
    return info;
}

static GrB_Info input_matrix(const snig_inputs *in, GrB_Matrix *Y)
{
    uint64_t nnz = in->rowptr[in->rows];
    GrB_Index *I = malloc((nnz + 1) * sizeof *I);
    GrB_Index *J = malloc((nnz + 1) * sizeof *J);
    GrB_Info info = GrB_OUT_OF_MEMORY;
    if (I == NULL || J == NULL)
        goto cleanup;
    for (uint64_t r = 0; r < in->rows; r++)
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++) {
            I[k] = r;
            J[k] = in->col[k];
        }
    info = GrB_Matrix_new(Y, GrB_FP32, in->rows, in->neurons);
    if (info == GrB_SUCCESS)
        info = GrB_Matrix_build_FP32(*Y, I, J, in->val, nnz, GrB_PLUS_FP32);
cleanup:
    free(I);
    free(J);
    return info;
}

int main(int argc, char **argv)
{
    const char *netpath = NULL, *inpath = NULL, *out = NULL;
    int threads = 2;
    uint32_t layers = 0;
    for (int a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--network") == 0)
            netpath = argv[a + 1];
        else if (strcmp(argv[a], "--input") == 0)
            inpath = argv[a + 1];
        else if (strcmp(argv[a], "--threads") == 0)
            threads = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--layers") == 0)
            layers = (uint32_t)atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--out") == 0)
            out = argv[a + 1];
    }
    if (netpath == NULL || inpath == NULL) {
        fprintf(stderr, "usage: peer_graphblas --network PATH --input PATH "
                        "[--threads T] [--layers L] [--out FILE]\n");
        return 2;
    }
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = layers;
    lo.verify = 1;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK ||
        snig_network_load(ctx, netpath, &lo, &net) != SNIG_OK) {
        fprintf(stderr, "peer_graphblas: %s\n", snig_errmsg(ctx));
        return 2;
    }
    lo.layers = 0;
    lo.neurons = net->neurons;
    if (snig_inputs_load(ctx, inpath, &lo, &in) != SNIG_OK) {
        fprintf(stderr, "peer_graphblas: %s\n", snig_errmsg(ctx));
        return 2;
    }
    uint32_t n = net->neurons, nl = net->layers;
    float official = 0.0f;
    snig_official_bias(n, &official);

    GrB_Info info = GrB_init(GrB_NONBLOCKING);
    if (info != GrB_SUCCESS)
        return fail("GrB_init", info);
    GxB_Global_Option_set(GxB_NTHREADS, threads);
    GrB_Matrix *W = calloc(nl, sizeof *W), *B = calloc(nl, sizeof *B);
    GrB_Matrix Y = NULL, Z = NULL;
    for (uint32_t l = 0; l < nl; l++) {
        const snig_layer *L = &net->layer[l];
        info = layer_matrix(L, n, &W[l]);
        if (info != GrB_SUCCESS)
            return fail("building a layer", info);
        if (L->has_bias && L->bias != NULL) {
            /* per-neuron bias: a diagonal matrix, added with PLUS_PLUS as
             * LAGraph's dnn does */
            GrB_Matrix_new(&B[l], GrB_FP32, n, n);
            for (uint32_t j = 0; j < n; j++)
                GrB_Matrix_setElement_FP32(B[l], L->bias[j], j, j);
        }
    }
    info = input_matrix(in, &Y);
    if (info != GrB_SUCCESS)
        return fail("building the inputs", info);
    GrB_Matrix_wait(Y, GrB_MATERIALIZE);
    GrB_Matrix_new(&Z, GrB_FP32, in->rows, n);

    double t0 = snig__now();
    for (uint32_t l = 0; l < nl && info == GrB_SUCCESS; l++) {
        const snig_layer *L = &net->layer[l];
        info = GrB_mxm(Z, NULL, NULL, GrB_PLUS_TIMES_SEMIRING_FP32, Y, W[l],
                       NULL);
        if (info == GrB_SUCCESS && B[l] != NULL)
            info = GrB_mxm(Z, NULL, NULL, GxB_PLUS_PLUS_FP32, Z, B[l], NULL);
        else if (info == GrB_SUCCESS)
            info = GrB_Matrix_apply_BinaryOp2nd_FP32(
                Z, NULL, NULL, GrB_PLUS_FP32, Z,
                L->has_bias ? L->bias_value : official, NULL);
        if (info == GrB_SUCCESS)
            info = GrB_Matrix_select_FP32(Y, NULL, NULL, GrB_VALUEGT_FP32, Z,
                                          0.0f, NULL);
        if (info == GrB_SUCCESS)
            info = GrB_Matrix_apply_BinaryOp2nd_FP32(
                Y, NULL, NULL, GrB_MIN_FP32, Y, 32.0f, NULL);
    }
    GrB_Vector rowsum = NULL;
    GrB_Index count = 0;
    if (info == GrB_SUCCESS)
        info = GrB_Vector_new(&rowsum, GrB_FP32, in->rows);
    if (info == GrB_SUCCESS)
        info = GrB_Matrix_reduce_Monoid(rowsum, NULL, NULL,
                                        GrB_PLUS_MONOID_FP32, Y, NULL);
    if (info == GrB_SUCCESS)
        info = GrB_Vector_nvals(&count, rowsum);
    double seconds = snig__now() - t0;
    if (info != GrB_SUCCESS)
        return fail("the inference", info);

    if (out != NULL) {
        GrB_Index *I = malloc((count + 1) * sizeof *I);
        float *X = malloc((count + 1) * sizeof *X);
        GrB_Index got = count;
        FILE *f = fopen(out, "w");
        if (I == NULL || X == NULL || f == NULL)
            return fail("writing the categories", GrB_OUT_OF_MEMORY);
        GrB_Vector_extractTuples_FP32(I, X, &got, rowsum);
        for (GrB_Index k = 0; k < got; k++)
            fprintf(f, "%llu\n",
                    (unsigned long long)(I[k] + in->first_row + 1));
        fclose(f);
        free(I);
        free(X);
    }
    printf("{\"engine\": \"graphblas\", \"neurons\": %u, \"layers\": %u, "
           "\"inputs\": %llu, \"threads\": %d, \"seconds\": %.6f, "
           "\"categories\": %llu}\n",
           n, nl, (unsigned long long)in->rows, threads, seconds,
           (unsigned long long)count);
    GrB_Vector_free(&rowsum);
    GrB_Matrix_free(&Y);
    GrB_Matrix_free(&Z);
    for (uint32_t l = 0; l < nl; l++) {
        GrB_Matrix_free(&W[l]);
        if (B[l] != NULL)
            GrB_Matrix_free(&B[l]);
    }
    free(W);
    free(B);
    GrB_finalize();
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return 0;
}
