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

/// Least-squares slope of the per-group mean of log y against log x, with its standard error
/// from the spread inside the groups: group i holds the replicate values y at x[i]; the slope is
/// Σ w_i·m_i with m_i the mean of log y and w_i = (u_i − ū)/Σ(u − ū)², u = log x, so its variance
/// is Σ w_i²·s_i²/R_i (s_i the sample sd of log y in group i, R_i its size). Values ≤ 0 give NaN.
public func logLogSlopeWithSE(_ x: [Double], _ groups: [[Double]]) -> (slope: Double, standardError: Double) {
    precondition(x.count == groups.count && x.count >= 2, "need one group per x and at least two x")
    let u = x.map { Foundation.log($0) }
    let ub = u.reduce(0, +) / Double(u.count)
    let sxx = u.reduce(0) { $0 + ($1 - ub) * ($1 - ub) }
    var slope = 0.0, variance = 0.0
    for (ui, g) in zip(u, groups) {
        let (m, sd) = meanAndSD(g.map { $0 > 0 ? Foundation.log($0) : .nan })
        let w = (ui - ub) / sxx
        slope += w * m
        variance += w * w * sd * sd / Double(g.count)
    }
    return (slope, variance.squareRoot())
}
