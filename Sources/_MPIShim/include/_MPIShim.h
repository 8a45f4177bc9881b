// _MPIShim: the only place that touches MPI, BLACS and ScaLAPACK directly. MPI's handles
// (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, ...) are C macros Swift cannot import, and ScaLAPACK/BLACS
// have no C header and take Fortran arguments (pointers, hidden string lengths); Swift sees plain
// C functions on ints and doubles instead. Every call works on MPI_COMM_WORLD; counts are 64-bit
// and split into int-sized pieces. Functions returning int return 0 on success (MPI's
// MPI_SUCCESS, ScaLAPACK's INFO = 0).
// Internal target (underscored): not public API of the project.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: MPI (MPI_COMM_WORLD)

/// MPI_Init_thread(MPI_THREAD_FUNNELED): only the main thread calls MPI.
int ntk_mpi_init(void);
int ntk_mpi_initialized(void);
int ntk_mpi_rank(void);
int ntk_mpi_size(void);
/// Number of ranks that share this rank's node (MPI_Comm_split_type, MPI_COMM_TYPE_SHARED).
int ntk_mpi_node_size(void);
void ntk_mpi_finalize(void);
/// MPI_Abort: ends every rank of the job with this exit code.
void ntk_mpi_abort(int code);
void ntk_mpi_barrier(void);

/// MPI_Bcast of `count` bytes / doubles / int64s from `root`.
int ntk_mpi_bcast_bytes(void *buffer, int64_t count, int root);
int ntk_mpi_bcast_doubles(double *buffer, int64_t count, int root);
int ntk_mpi_bcast_int64(int64_t *buffer, int64_t count, int root);

/// Element-wise sum over all ranks, in place on every rank (MPI_Allreduce, MPI_IN_PLACE).
int ntk_mpi_allreduce_sum(double *buffer, int64_t count);
/// Element-wise sum over all ranks into `root`'s buffer (MPI_Reduce; MPI_IN_PLACE at the root,
/// the other ranks' buffers are only read).
int ntk_mpi_reduce_sum(double *buffer, int64_t count, int root);

/// Reductions of one value over all ranks: op 0 = min, 1 = max, 2 = sum.
int64_t ntk_mpi_allreduce_int64(int64_t value, int op);
double ntk_mpi_allreduce_double(double value, int op);

// MARK: BLACS

/// A row-major nprow × npcol BLACS grid over MPI_COMM_WORLD (Cblacs_get / Cblacs_gridinit /
/// Cblacs_gridinfo). Ranks outside the grid get *myrow = -1.
void ntk_blacs_gridinit(int nprow, int npcol, int *context, int *myrow, int *mycol);
void ntk_blacs_gridexit(int context);

// MARK: ScaLAPACK (global indices start at ia = ja = 1: whole matrices)

/// numroc_: rows or columns of an n-long dimension (block nb) owned by process iproc of nprocs.
int ntk_numroc(int n, int nb, int iproc, int nprocs);
/// descinit_ for an m × n matrix in mb × nb blocks, first block on process (0, 0). Returns INFO.
int ntk_descinit(int desc[9], int m, int n, int mb, int nb, int context, int lld);
/// pdpotrf_ (Cholesky, uplo 'L' or 'U'). Returns INFO (> 0: leading minor not positive definite).
int ntk_pdpotrf(char uplo, int n, double *a, const int *desca);
/// pdpotrs_: solves A X = B with the factor from ntk_pdpotrf; B is overwritten. Returns INFO.
int ntk_pdpotrs(char uplo, int n, int nrhs, const double *a, const int *desca, double *b, const int *descb);
/// pdsyevd_ workspace query (LWORK = LIWORK = -1): the sizes it asks for.
int ntk_pdsyevd_query(int n, double *a, const int *desca, double *w, double *z, const int *descz,
                      int64_t *lwork, int64_t *liwork);
/// pdsyevd_ with jobz 'V', uplo 'L': eigenvalues (ascending) in w on every rank, eigenvectors in z.
int ntk_pdsyevd(int n, double *a, const int *desca, double *w, double *z, const int *descz,
                double *work, int lwork, int *iwork, int liwork);
/// pdgemm_: C = alpha op(A) op(B) + beta C (op 'N' or 'T').
void ntk_pdgemm(char transa, char transb, int m, int n, int k, double alpha, const double *a, const int *desca,
                const double *b, const int *descb, double beta, double *c, const int *descc);
/// pdsymm_: C = alpha A B + beta C with A symmetric (side 'L', its uplo triangle referenced).
void ntk_pdsymm(char uplo, int m, int n, double alpha, const double *a, const int *desca,
                const double *b, const int *descb, double beta, double *c, const int *descc);

#ifdef __cplusplus
}
#endif
