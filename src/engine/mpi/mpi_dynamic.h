/* Dynamic mode of the mpi engine (--dynamic): rank 0 hands out batches of
 * the rows it holds to whichever rank asks. */
#ifndef SNIG_MPI_DYNAMIC_H
#define SNIG_MPI_DYNAMIC_H

#include "../engine.h"

#include <mpi.h>

/* Collective on comm.  Each rank also runs the rows it holds itself (none
 * after snig_dist_inputs_load with dynamic).  Fills res as a local run
 * would, rank 0's alive[] covering its rows whoever ran them.  *busy:
 * seconds this rank spent in the local engine.  A failure during the
 * exchange is not agreed on here: the caller agrees afterwards. */
snig_status snig__mpi_dynamic(const snig_job *job,
                              const struct snig_engine_i *local,
                              MPI_Comm comm, snig_result *res, double *busy);

#endif
