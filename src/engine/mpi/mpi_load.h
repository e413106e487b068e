/* Loading across the ranks of snig_options.comm (the dist slots that load):
 * each rank's share of the input rows, the network read by every rank or
 * sent by rank 0. */
#ifndef SNIG_MPI_LOAD_H
#define SNIG_MPI_LOAD_H

#include "../engine.h"

snig_status snig__mpi_load_network(snig_ctx *ctx, const char *path,
                                   const snig_load_options *lo,
                                   const snig_options *opt,
                                   snig_network **net);
snig_status snig__mpi_load_inputs(snig_ctx *ctx, const char *path,
                                  const snig_load_options *lo,
                                  const snig_options *opt, snig_inputs **in,
                                  uint64_t *all_rows, uint64_t *all_nonzeros);

#endif
