/* Loading across ranks: each rank's share of the input rows, and the network
 * read by every rank or broadcast from rank 0.
 *
 * The split follows input nonzeros, which need the per-row counts before any
 * rank reads its rows: rank 0 reads the whole input file once, computes
 * the split, broadcasts it, keeps a copy of its own rows
 * and drops the rest.  The other ranks then read only their rows through
 * snig_load_options.row_first/row_count (a TSV reader still scans the file,
 * keeping only those rows: convert big inputs to .snb). */
#include "mpi_load.h"

#include "mpi_comm.h"

#include <string.h>

snig_status snig__mpi_load_inputs(snig_ctx *ctx, const char *path,
                                  const snig_load_options *lo,
                                  const snig_options *opt, snig_inputs **out,
                                  uint64_t *all_rows, uint64_t *all_nonzeros)
{
    const MPI_Comm comm = snig__mpi_comm(opt);
    int rank, size;
    snig__mpi_world(comm, &rank, &size);
    snig_inputs *all = NULL, *in = NULL;
    uint64_t *bounds = NULL;
    snig_load_options defaults;
    if (lo == NULL) {
        snig_load_options_init(&defaults);
        lo = &defaults;
    }
    const int dynamic = opt != NULL && opt->dynamic;
    /* head: status, neurons, global first row, rows, nonzeros */
    uint64_t head[5] = {SNIG_OK, 0, 0, 0, 0};
    snig_status st = SNIG_OK;
    if (out == NULL)
        st = snig__error(ctx, SNIG_USAGE, "snig_dist_inputs_load: NULL out");
    else
        *out = NULL;
    bounds = snig__calloc(ctx, (size_t)size + 1, sizeof *bounds);
    if (bounds == NULL)
        st = SNIG_NOMEM;
    st = snig__mpi_agree(ctx, comm, st);
    if (st != SNIG_OK)
        goto cleanup;

    if (rank == 0) {
        st = snig_inputs_load(ctx, path, lo, &all);
        head[0] = (uint64_t)st;
        if (st == SNIG_OK) {
            head[1] = all->neurons;
            head[2] = all->first_row;
            head[3] = all->rows;
            head[4] = all->rowptr != NULL ? all->rowptr[all->rows] -
                                                all->rowptr[0]
                                          : 0;
            if (dynamic)
                for (int k = 1; k <= size; k++)
                    bounds[k] = all->rows;
            else if (all->rows > 0)
                snig__mpi_split(all->rowptr, all->rows, size, bounds);
        }
    }
    snig__mpi_quiet_barrier(comm);   /* the others sleep while rank 0 reads */
    MPI_Bcast(head, 5, MPI_UINT64_T, 0, comm);
    if (head[0] != SNIG_OK) {
        /* Rank 0's message is the one printed (it is the lowest rank). */
        if (rank != 0)
            st = snig__error(ctx, (snig_status)head[0],
                             "%s: rank 0 could not read the inputs", path);
        goto cleanup;
    }
    MPI_Bcast(bounds, size + 1, MPI_UINT64_T, 0, comm);

    const uint64_t first = bounds[rank], count = bounds[rank + 1] - first;
    if (rank == 0) {
        if (count == all->rows) {
            in = all;
            all = NULL;
        } else {
            st = snig__mpi_inputs_slice(ctx, all, first, count, &in);
        }
    } else if (count == 0) {
        /* More ranks than rows: an empty share, still N columns wide. */
        st = snig__inputs_new(ctx, (uint32_t)head[1], &in);
        if (st == SNIG_OK) {
            in->first_row = head[2] + first;
            in->rowptr = snig__calloc(ctx, 1, sizeof *in->rowptr);
            in->col = snig__malloc(ctx, sizeof *in->col);
            in->val = snig__malloc(ctx, sizeof *in->val);
            if (in->rowptr == NULL || in->col == NULL || in->val == NULL)
                st = SNIG_NOMEM;
        }
    } else {
        /* row_first counts rows of the file; first_row is global (a
         * binary file may record an offset). */
        snig_load_options mine = *lo;
        mine.row_first = lo->row_first + first;
        mine.row_count = count;
        st = snig_inputs_load(ctx, path, &mine, &in);
        if (st == SNIG_OK && (in->rows != count ||
                              in->first_row != head[2] + first))
            st = snig__error(ctx, SNIG_SIZE,
                             "%s: rank %d asked for rows %llu..%llu but got "
                             "%llu rows from %llu", path, rank,
                             (unsigned long long)(head[2] + first + 1),
                             (unsigned long long)(head[2] + first + count),
                             (unsigned long long)in->rows,
                             (unsigned long long)in->first_row + 1);
    }
    if (st == SNIG_OK) {
        if (all_rows != NULL)
            *all_rows = head[3];
        if (all_nonzeros != NULL)
            *all_nonzeros = head[4];
        *out = in;
        in = NULL;
    }
cleanup:
    snig_inputs_free(&in);
    snig_inputs_free(&all);
    snig__free(ctx, bounds);
    return st;
}

/* ------------------------------------------------------------ network */

/* What rank 0 sends ahead of a layer's arrays. */
typedef struct layer_head {
    uint64_t nnz;
    uint32_t n_in, n_out;
    uint32_t has_val, has_bias_array, has_bias, bias_rule, activation;
    float uniform, bias_value, cap;
} layer_head;

/* Collective: rank 0 sends layer l of net; the others allocate and fill it. */
static snig_status bcast_layer(snig_ctx *ctx, MPI_Comm comm,
                               snig_network *net, uint32_t l, int rank)
{
    snig_layer *L = &net->layer[l];
    const size_t colsize = net->index16 ? sizeof(uint16_t) : sizeof(uint32_t);
    snig_status st = SNIG_OK;
    layer_head h = {0};
    if (rank == 0) {
        st = snig__layer_ready(ctx, net, l);
        h = (layer_head){.nnz = L->nnz, .n_in = L->n_in, .n_out = L->n_out,
                         .has_val = L->val != NULL,
                         .has_bias_array = L->bias != NULL,
                         .has_bias = L->has_bias, .bias_rule = L->bias_rule,
                         .activation = L->activation, .uniform = L->uniform,
                         .bias_value = L->bias_value, .cap = L->cap};
    }
    st = snig__mpi_agree(ctx, comm, st);
    if (st != SNIG_OK)
        return st;
    snig__mpi_bcast(comm, &h, sizeof h, 0);
    if (rank != 0) {
        L->nnz = h.nnz;
        L->n_in = h.n_in;
        L->n_out = h.n_out;
        L->bias_rule = (uint8_t)h.bias_rule;
        L->activation = (uint8_t)h.activation;
        L->cap = h.cap;
        L->uniform = h.uniform;
        L->bias_value = h.bias_value;
        L->has_bias = h.has_bias != 0;
        L->own_rowptr = snig__malloc(ctx, ((size_t)h.n_in + 1) *
                                                sizeof(uint32_t));
        L->own_col = snig__malloc(ctx, (h.nnz ? h.nnz : 1) * colsize);
        if (h.has_val)
            L->own_val = snig__malloc(ctx, (h.nnz ? h.nnz : 1) * sizeof(float));
        if (h.has_bias_array)
            L->own_bias = snig__malloc(ctx, (size_t)h.n_out * sizeof(float));
        if (L->own_rowptr == NULL || L->own_col == NULL ||
            (h.has_val && L->own_val == NULL) ||
            (h.has_bias_array && L->own_bias == NULL))
            st = SNIG_NOMEM;
        L->rowptr = L->own_rowptr;
        L->col16 = net->index16 ? L->own_col : NULL;
        L->col32 = net->index16 ? NULL : L->own_col;
        L->val = L->own_val;
        L->bias = L->own_bias;
    }
    st = snig__mpi_agree(ctx, comm, st);
    if (st != SNIG_OK)
        return st;
    const void *col = net->index16 ? (const void *)L->col16
                                   : (const void *)L->col32;
    /* Broadcast reads on rank 0 and writes elsewhere: the const pointers of
     * the layer are the owned arrays on the receiving ranks. */
    snig__mpi_bcast(comm, (void *)L->rowptr,
                    ((size_t)h.n_in + 1) * sizeof(uint32_t), 0);
    snig__mpi_bcast(comm, (void *)col, h.nnz * colsize, 0);
    if (h.has_val)
        snig__mpi_bcast(comm, (void *)L->val, h.nnz * sizeof(float), 0);
    if (h.has_bias_array)
        snig__mpi_bcast(comm, (void *)L->bias, (size_t)h.n_out * sizeof(float),
                        0);
    return SNIG_OK;
}

snig_status snig__mpi_load_network(snig_ctx *ctx, const char *path,
                                   const snig_load_options *lo,
                                   const snig_options *opt,
                                   snig_network **out)
{
    const MPI_Comm comm = snig__mpi_comm(opt);
    int rank, size;
    snig__mpi_world(comm, &rank, &size);
    if (opt == NULL || !opt->broadcast_weights)
        return snig_network_load(ctx, path, lo, out);
    snig_network *net = NULL;
    /* head: status, neurons, layers, index16 */
    uint64_t head[4] = {SNIG_OK, 0, 0, 0};
    snig_status st = SNIG_OK;
    if (out == NULL)
        st = snig__error(ctx, SNIG_USAGE, "snig_dist_network_load: NULL out");
    else
        *out = NULL;
    st = snig__mpi_agree(ctx, comm, st);
    if (st != SNIG_OK)
        return st;
    if (rank == 0) {
        st = snig_network_load(ctx, path, lo, &net);
        head[0] = (uint64_t)st;
        if (st == SNIG_OK) {
            head[1] = net->neurons;
            head[2] = net->layers;
            head[3] = net->index16;
        }
    }
    snig__mpi_quiet_barrier(comm);
    MPI_Bcast(head, 4, MPI_UINT64_T, 0, comm);
    if (head[0] != SNIG_OK) {
        if (rank != 0)
            st = snig__error(ctx, (snig_status)head[0],
                             "%s: rank 0 could not read the network", path);
        goto cleanup;
    }
    if (rank != 0) {
        st = snig__network_new(ctx, (uint32_t)head[1], (uint32_t)head[2], path,
                               &net);
        if (st == SNIG_OK)
            net->index16 = head[3] != 0;
    }
    st = snig__mpi_agree(ctx, comm, st);
    for (uint32_t l = 0; st == SNIG_OK && l < (uint32_t)head[2]; l++)
        st = bcast_layer(ctx, comm, net, l, rank);
    if (st == SNIG_OK) {
        *out = net;
        net = NULL;
    }
cleanup:
    snig_network_free(&net);
    return st;
}
