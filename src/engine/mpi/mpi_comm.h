/* Communication helpers of the mpi engine (src/engine/mpi): the ranks of a
 * communicator, agreeing on a status, quiet waits, transfers of any length,
 * splitting and slicing input rows, and the threads each rank may use.
 * Every other file of the engine uses these; this one uses none of them.
 * The only headers of snig that include mpi.h are this one and those of
 * the engine that include it.
 *
 * MPI errors keep MPI's default handler (MPI_ERRORS_ARE_FATAL): a failing
 * collective leaves the peers waiting in it, so the launcher ending the job
 * is the only clean outcome.  Input errors, out of memory and engine
 * failures are snig statuses, agreed on by every rank (snig__mpi_agree). */
#ifndef SNIG_MPI_COMM_H
#define SNIG_MPI_COMM_H

#include "../engine.h"

#include <mpi.h>

/* Message tags of the dynamic mode and of agree's message. */
enum { SNIG_MPI_TAG_REQUEST = 71, SNIG_MPI_TAG_WORK = 72, SNIG_MPI_TAG_GATHER = 73 };

/* The communicator the options name (snig_options.comm: the address of an
 * MPI_Comm), MPI_COMM_WORLD when they name none. */
MPI_Comm snig__mpi_comm(const snig_options *opt);

/* 1 when MPI is initialized (and not finalized) and comm has more than one
 * rank; sets *rank and *size (0 and 1 otherwise). */
int snig__mpi_world(MPI_Comm comm, int *rank, int *size);

/* Collective on comm: the status of the lowest failing rank on every rank;
 * rank 0's ctx gets its message. */
snig_status snig__mpi_agree(snig_ctx *ctx, MPI_Comm comm, snig_status st);

/* A barrier and a probe that sleep while they wait (MPI's own spin). */
void snig__mpi_quiet_barrier(MPI_Comm comm);
void snig__mpi_quiet_probe(MPI_Comm comm, int from, int tag,
                           MPI_Status *status);

/* Byte transfers of any length (MPI counts are int). */
void snig__mpi_bcast(MPI_Comm comm, void *buf, size_t bytes, int root);
void snig__mpi_send(MPI_Comm comm, const void *buf, size_t bytes, int to,
                    int tag);
void snig__mpi_recv(MPI_Comm comm, void *buf, size_t bytes, int from, int tag);

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

/* Collective on comm: the threads this rank may use when it is not told
 * (snig_options.threads 0): the cores of its machine shared by the ranks of
 * comm on that machine, at most the cores it is bound to, at least 1. */
int snig__mpi_node_threads(MPI_Comm comm);

#endif
