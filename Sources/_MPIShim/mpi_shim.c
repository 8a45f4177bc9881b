// See include/_MPIShim.h.
#include "_MPIShim.h"
#include <limits.h>
#include <stddef.h>
#include <mpi.h>

// MARK: MPI

int ntk_mpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

int ntk_mpi_initialized(void) {
    int flag = 0, finalized = 0;
    MPI_Initialized(&flag);
    MPI_Finalized(&finalized);
    return flag && !finalized;
}

int ntk_mpi_rank(void) {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int ntk_mpi_size(void) {
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

int ntk_mpi_node_size(void) {
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) != MPI_SUCCESS) return 1;
    int s = 1;
    MPI_Comm_size(node, &s);
    MPI_Comm_free(&node);
    return s;
}

void ntk_mpi_finalize(void) { MPI_Finalize(); }
void ntk_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
void ntk_mpi_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }

// Pieces of at most 2^30 elements, so that every count fits MPI's int.
#define PIECE ((int64_t)1 << 30)

static int bcast(void *buffer, int64_t count, size_t size, MPI_Datatype type, int root) {
    char *p = buffer;
    for (int64_t off = 0; off < count; off += PIECE) {
        int n = (int)(count - off < PIECE ? count - off : PIECE);
        int rc = MPI_Bcast(p + off * (int64_t)size, n, type, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

int ntk_mpi_bcast_bytes(void *buffer, int64_t count, int root) { return bcast(buffer, count, 1, MPI_BYTE, root); }
int ntk_mpi_bcast_doubles(double *buffer, int64_t count, int root) { return bcast(buffer, count, sizeof(double), MPI_DOUBLE, root); }
int ntk_mpi_bcast_int64(int64_t *buffer, int64_t count, int root) { return bcast(buffer, count, sizeof(int64_t), MPI_INT64_T, root); }

int ntk_mpi_allreduce_sum(double *buffer, int64_t count) {
    for (int64_t off = 0; off < count; off += PIECE) {
        int n = (int)(count - off < PIECE ? count - off : PIECE);
        int rc = MPI_Allreduce(MPI_IN_PLACE, buffer + off, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

int ntk_mpi_reduce_sum(double *buffer, int64_t count, int root) {
    int rank = ntk_mpi_rank();
    for (int64_t off = 0; off < count; off += PIECE) {
        int n = (int)(count - off < PIECE ? count - off : PIECE);
        int rc = rank == root
            ? MPI_Reduce(MPI_IN_PLACE, buffer + off, n, MPI_DOUBLE, MPI_SUM, root, MPI_COMM_WORLD)
            : MPI_Reduce(buffer + off, NULL, n, MPI_DOUBLE, MPI_SUM, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

static MPI_Op op_of(int op) { return op == 0 ? MPI_MIN : op == 1 ? MPI_MAX : MPI_SUM; }

int64_t ntk_mpi_allreduce_int64(int64_t value, int op) {
    int64_t out = value;
    MPI_Allreduce(&value, &out, 1, MPI_INT64_T, op_of(op), MPI_COMM_WORLD);
    return out;
}

double ntk_mpi_allreduce_double(double value, int op) {
    double out = value;
    MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, op_of(op), MPI_COMM_WORLD);
    return out;
}

// MARK: BLACS (C interface of the BLACS inside libscalapack)

extern void Cblacs_get(int context, int what, int *value);
extern void Cblacs_gridinit(int *context, char *order, int nprow, int npcol);
extern void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
extern void Cblacs_gridexit(int context);

void ntk_blacs_gridinit(int nprow, int npcol, int *context, int *myrow, int *mycol) {
    int ctxt = 0, pr = 0, pc = 0;
    Cblacs_get(-1, 0, &ctxt);   // the default system context: MPI_COMM_WORLD
    char order[] = "Row";
    Cblacs_gridinit(&ctxt, order, nprow, npcol);
    *myrow = -1;
    *mycol = -1;
    Cblacs_gridinfo(ctxt, &pr, &pc, myrow, mycol);
    *context = ctxt;
}

void ntk_blacs_gridexit(int context) { Cblacs_gridexit(context); }

// MARK: ScaLAPACK (Fortran symbols; character arguments carry gfortran's hidden lengths)

typedef size_t flen;   // gfortran's hidden CHARACTER length argument

extern int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
extern void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
                      const int *icsrc, const int *ictxt, const int *lld, int *info);
extern void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca,
                     int *info, flen);
extern void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia, const int *ja,
                     const int *desca, double *b, const int *ib, const int *jb, const int *descb, int *info, flen);
extern void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
                     const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz,
                     double *work, const int *lwork, int *iwork, const int *liwork, int *info, flen, flen);
extern void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                    const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
                    const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
                    double *c, const int *ic, const int *jc, const int *descc, flen, flen);
extern void pdsymm_(const char *side, const char *uplo, const int *m, const int *n, const double *alpha,
                    const double *a, const int *ia, const int *ja, const int *desca, const double *b,
                    const int *ib, const int *jb, const int *descb, const double *beta, double *c,
                    const int *ic, const int *jc, const int *descc, flen, flen);

static const int one = 1, zero = 0;

int ntk_numroc(int n, int nb, int iproc, int nprocs) { return numroc_(&n, &nb, &iproc, &zero, &nprocs); }

int ntk_descinit(int desc[9], int m, int n, int mb, int nb, int context, int lld) {
    int info = 0;
    descinit_(desc, &m, &n, &mb, &nb, &zero, &zero, &context, &lld, &info);
    return info;
}

int ntk_pdpotrf(char uplo, int n, double *a, const int *desca) {
    int info = 0;
    pdpotrf_(&uplo, &n, a, &one, &one, desca, &info, 1);
    return info;
}

int ntk_pdpotrs(char uplo, int n, int nrhs, const double *a, const int *desca, double *b, const int *descb) {
    int info = 0;
    pdpotrs_(&uplo, &n, &nrhs, a, &one, &one, desca, b, &one, &one, descb, &info, 1);
    return info;
}

int ntk_pdsyevd_query(int n, double *a, const int *desca, double *w, double *z, const int *descz,
                      int64_t *lwork, int64_t *liwork) {
    double work = 0;
    int iwork = 0, minus = -1, info = 0;
    pdsyevd_("V", "L", &n, a, &one, &one, desca, w, z, &one, &one, descz, &work, &minus, &iwork, &minus, &info, 1, 1);
    *lwork = (int64_t)work;
    *liwork = iwork;
    return info;
}

int ntk_pdsyevd(int n, double *a, const int *desca, double *w, double *z, const int *descz,
                double *work, int lwork, int *iwork, int liwork) {
    int info = 0;
    pdsyevd_("V", "L", &n, a, &one, &one, desca, w, z, &one, &one, descz, work, &lwork, iwork, &liwork, &info, 1, 1);
    return info;
}

void ntk_pdgemm(char transa, char transb, int m, int n, int k, double alpha, const double *a, const int *desca,
                const double *b, const int *descb, double beta, double *c, const int *descc) {
    pdgemm_(&transa, &transb, &m, &n, &k, &alpha, a, &one, &one, desca, b, &one, &one, descb, &beta, c, &one, &one,
            descc, 1, 1);
}

void ntk_pdsymm(char uplo, int m, int n, double alpha, const double *a, const int *desca,
                const double *b, const int *descb, double beta, double *c, const int *descc) {
    pdsymm_("L", &uplo, &m, &n, &alpha, a, &one, &one, desca, b, &one, &one, descb, &beta, c, &one, &one, descc, 1, 1);
}
