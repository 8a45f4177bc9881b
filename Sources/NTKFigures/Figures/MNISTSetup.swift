import Foundation
import NTKCore

/// Seeded MNIST subsets for the MNIST figures (docs/SPEC.md §2d–§2f).
public enum MNISTSetup {
    /// `count` distinct examples of `split`, drawn with a seeded partial shuffle; the indices
    /// are returned so the run record can name them.
    public static func subset(_ split: MNISTSplit, count: Int, seed: UInt64, label: UInt64) -> (data: MNISTSplit, indices: [Int]) {
        var rng = SeededGenerator.stream(seed: seed, label: label)
        let idx = seededSample(count, from: split.count, using: &rng)
        return (split.subset(idx), idx)
    }

    /// Seeded subsets of the training and the test split, drawn with the streams `labels`
    /// (loading the training split verifies the checksums of all four files).
    public static func trainAndTest(trainCount: Int, testCount: Int, seed: UInt64, labels: (train: UInt64, test: UInt64),
                                    directory: String) throws
        -> (train: MNISTSplit, trainIndices: [Int], test: MNISTSplit, testIndices: [Int]) {
        let trainAll = try MNIST.load(train: true, directory: directory)
        let testAll = try MNIST.load(train: false, directory: directory, verifyChecksums: false)
        let (train, trainIdx) = subset(trainAll, count: trainCount, seed: seed, label: labels.train)
        let (test, testIdx) = subset(testAll, count: testCount, seed: seed, label: labels.test)
        return (train, trainIdx, test, testIdx)
    }

    /// One-hot targets (N×10).
    public static func oneHot(_ labels: [Int], classes: Int = 10) -> Matrix {
        var y = Matrix(rows: labels.count, columns: classes)
        for (i, l) in labels.enumerated() { y[i, l] = 1 }
        return y
    }

    /// Row-wise argmax.
    public static func argmax(_ m: Matrix) -> [Int] {
        (0..<m.rows).map { i in
            var best = 0
            for j in 1..<m.columns where m[i, j] > m[i, best] { best = j }
            return best
        }
    }
}

/// Agreement statistics of two classifiers' error sets (docs/SPEC.md §2d metrics).
public struct ErrorPrediction: Sendable, Codable {
    public var accuracyANN: Double
    public var accuracyNTK: Double
    /// Share of test digits where both predict the same label.
    public var agreement: Double
    /// Digits both get wrong (true positives of "NTK error ⇒ ANN error").
    public var truePositives: Int
    /// NTK wrong, ANN right.
    public var falsePositives: Int
    /// ANN wrong, NTK right.
    public var falseNegatives: Int
    /// Share of TP where both give the same wrong label.
    public var sameWrongLabel: Double
    /// Cohen's κ on the binary error indicators, (p_o − p_e)/(1 − p_e).
    public var kappa: Double
    public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
    public var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }

    public init(ann: [Int], ntk: [Int], truth: [Int]) {
        let n = Double(truth.count)
        var accA = 0, accN = 0, agree = 0, tp = 0, fp = 0, fn = 0, same = 0
        for i in 0..<truth.count {
            let ea = ann[i] != truth[i], en = ntk[i] != truth[i]
            if !ea { accA += 1 }
            if !en { accN += 1 }
            if ann[i] == ntk[i] { agree += 1 }
            if ea && en { tp += 1; if ann[i] == ntk[i] { same += 1 } }
            if en && !ea { fp += 1 }
            if ea && !en { fn += 1 }
        }
        accuracyANN = Double(accA) / n
        accuracyNTK = Double(accN) / n
        agreement = Double(agree) / n
        truePositives = tp
        falsePositives = fp
        falseNegatives = fn
        sameWrongLabel = tp == 0 ? 1 : Double(same) / Double(tp)
        let po = Double(truth.count - fp - fn) / n
        let pa = 1 - accuracyANN, pn = 1 - accuracyNTK
        let pe = pa * pn + (1 - pa) * (1 - pn)
        kappa = pe >= 1 ? 1 : (po - pe) / (1 - pe)
    }
}
