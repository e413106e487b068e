/* Private to the mpi engine (src/engine/mpi): the only header of snig that
 * includes mpi.h.
 *
 * MPI errors keep MPI's default handler (MPI_ERRORS_ARE_FATAL): a failing
 * collective leaves the peers waiting in it, so the launcher ending the job
 * is the only clean outcome.  Input errors, out of memory and engine
 * failures are snig statuses, agreed on by every rank (snig__mpi_agree). */
#ifndef SNIG_MPI_PRIVATE_H
#define SNIG_MPI_PRIVATE_H

#include "../engine.h"

#include <mpi.h>

/* Message tags of the dynamic mode. */
enum { SNIG_MPI_TAG_REQUEST = 71, SNIG_MPI_TAG_WORK = 72, SNIG_MPI_TAG_GATHER = 73 };

/* 1 when MPI is initialized (and not finalized) with more than one rank;
 * sets *rank and *size (0 and 1 otherwise). */
int snig__mpi_world(int *rank, int *size);

/* Collective: the status of the lowest failing rank on every rank; rank 0's
 * ctx gets its message. */
snig_status snig__mpi_agree(snig_ctx *ctx, snig_status st);

/* A barrier and a probe that sleep while they wait (MPI's own spin). */
void snig__mpi_quiet_barrier(void);
void snig__mpi_quiet_probe(int from, int tag, MPI_Status *status);

/* Byte transfers of any length (MPI counts are int). */
void snig__mpi_bcast(void *buf, size_t bytes, int root);
void snig__mpi_send(const void *buf, size_t bytes, int to, int tag);
void snig__mpi_recv(void *buf, size_t bytes, int from, int tag);

/* Splits rows [0, rows) of a CSR (rowptr) into `parts` consecutive ranges of
 * about equal weight, a row weighing its nonzeros + 1 (so rows with no
 * nonzero still spread).  out: bounds[0..parts], bounds[0] = 0,
 * bounds[parts] = rows; part k is [bounds[k], bounds[k+1]). */
void snig__mpi_split(const uint64_t *rowptr, uint64_t rows, int parts,
                     uint64_t *bounds);

/* Rows [first, first + count) of `in` as a new inputs handle (copied),
 * global first row kept. */
snig_status snig__mpi_inputs_slice(snig_ctx *ctx, const snig_inputs *in,
                                   uint64_t first, uint64_t count,
                                   snig_inputs **out);

/* The dist slots that load (mpi_load.c). */
snig_status snig__mpi_load_network(snig_ctx *ctx, const char *path,
                                   const snig_load_options *lo,
                                   const snig_options *opt,
                                   snig_network **net);
snig_status snig__mpi_load_inputs(snig_ctx *ctx, const char *path,
                                  const snig_load_options *lo,
                                  const snig_options *opt, snig_inputs **in,
                                  uint64_t *all_rows, uint64_t *all_nonzeros);

/* Dynamic mode (mpi_dynamic.c): rank 0 hands out batches of the rows it
 * holds; each rank also runs the rows it holds itself (none after
 * snig_dist_inputs_load with dynamic).  Fills res as a local run would,
 * rank 0's alive[] covering its rows whoever ran them.  *busy: seconds this
 * rank spent in the local engine.  Not collective on failure: the caller
 * agrees afterwards. */
snig_status snig__mpi_dynamic(const snig_job *job,
                              const struct snig_engine_i *local,
                              snig_result *res, double *busy);

/* Runs the local engine on `in` into a fresh result for those rows; adds
 * its live counts and madds into acc (when not NULL). */
snig_status snig__mpi_run_local(const snig_job *job,
                                const struct snig_engine_i *local,
                                const snig_inputs *in, snig_result *acc,
                                snig_result **out);

#endif
