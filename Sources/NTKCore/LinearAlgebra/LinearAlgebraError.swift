/// Errors from the dense linear-algebra layer. LAPACK `info` codes are translated into these,
/// so a failed factorisation is a thrown error with a readable message, never a crash or NaN.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible, Sendable {
    /// dpotrf: the leading minor of the given (1-based) order is not positive.
    case notPositiveDefinite(leadingMinor: Int)
    /// dgesv: U(i,i) is exactly zero (1-based), the matrix is singular.
    case singular(pivot: Int)
    /// dsyevd/dsyevr: the algorithm failed to converge (LAPACK info).
    case eigenNoConvergence(info: Int)
    /// An argument was rejected by LAPACK (info < 0: the index of the bad argument).
    case illegalArgument(routine: String, index: Int)
    /// Shapes that do not fit the operation.
    case dimensionMismatch(String)
    /// The input contains NaN or infinity.
    case nonFinite(String)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let k):
            return "kernel matrix is not positive definite (leading minor \(k))"
        case .singular(let p):
            return "matrix is singular (zero pivot at position \(p))"
        case .eigenNoConvergence(let info):
            return "symmetric eigensolver did not converge (LAPACK info \(info))"
        case .illegalArgument(let routine, let index):
            return "\(routine): illegal value in argument \(index) (a bug in the caller)"
        case .dimensionMismatch(let what):
            return "dimension mismatch: \(what)"
        case .nonFinite(let what):
            return "non-finite values (NaN or infinity) in \(what)"
        }
    }
}
