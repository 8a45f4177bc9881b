import Foundation

/// Least-squares slope of log y against log x (natural logs; the slope is base-free).
public func logLogSlope(_ x: [Double], _ y: [Double]) -> Double {
    let lx = x.map { Foundation.log($0) }, ly = y.map { Foundation.log($0) }
    let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
    var sxy = 0.0, sxx = 0.0
    for (a, b) in zip(lx, ly) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx) }
    return sxy / sxx
}

/// Mean and (n−1) standard deviation.
public func meanAndSD(_ xs: [Double]) -> (mean: Double, sd: Double) {
    let m = xs.reduce(0, +) / Double(xs.count)
    guard xs.count > 1 else { return (m, 0) }
    let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)
    return (m, v.squareRoot())
}

/// Log-log slope through the per-x geometric means of repeated measurements, with its standard
/// error from the seed scatter: for each x_w the mean m_w of log y over its samples has
/// SE_w = sd_w/√S_w, and the least-squares slope of m_w on u_w = log x_w has variance
/// Σ_w (u_w − ū)²·SE_w² / (Σ_w (u_w − ū)²)².
///
/// - Precondition: at least two x values, each with at least two positive samples.
public func logLogSlopeWithSE(_ x: [Double], samples: [[Double]]) -> (slope: Double, standardError: Double,
                                                                      geometricMeans: [Double]) {
    precondition(x.count == samples.count && x.count >= 2 && samples.allSatisfy { $0.count >= 2 })
    let stats = samples.map { s in meanAndSD(s.map { Foundation.log($0) }) }
    let means = stats.map { Foundation.exp($0.mean) }
    let u = x.map { Foundation.log($0) }
    let ub = u.reduce(0, +) / Double(u.count)
    let sxx = u.reduce(0) { $0 + ($1 - ub) * ($1 - ub) }
    var variance = 0.0
    for (w, st) in stats.enumerated() {
        let se2 = st.sd * st.sd / Double(samples[w].count)
        variance += (u[w] - ub) * (u[w] - ub) * se2
    }
    return (logLogSlope(x, means), (variance / (sxx * sxx)).squareRoot(), means)
}
