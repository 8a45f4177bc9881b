// claims-report: collects the run records (figures/*.json) written by the figure executables
// into figures/CLAIMS.md, prints the table, and exits 1 if any claim failed (`make figures`).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures

struct ClaimsReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims-report",
        abstract: "Write CLAIMS.md from the figures' run records and fail if any claim failed.")

    @Option(help: "Directory holding the fig*.json run records; CLAIMS.md is written there.")
    var dir: String = "figures"

    func run() throws {
        let records: [RunRecord]
        do { records = try ClaimsReport.records(in: dir, warnings: { printErr("claims-report: warning: \($0)") }) } catch {
            printErr("claims-report: \(error)")
            throw ExitCode(2)
        }
        guard !records.isEmpty else {
            printErr("claims-report: no fig*.json run records in \(dir); run the figure executables first")
            throw ExitCode(2)
        }
        let md = ClaimsReport.markdown(records)
        do { try AtomicFile.write(md, to: dir + "/CLAIMS.md") } catch {
            printErr("claims-report: \(error)")
            throw ExitCode(2)
        }
        let claims = records.flatMap(\.claims)
        for r in records {
            for c in r.claims {
                print(String(format: "%-4@ %-30@ %-6@ %-11@ %@ = %@ (%@)", c.id as NSString, r.figure as NSString,
                             (c.passed ? "pass" : "FAIL") as NSString, c.kind.name as NSString, c.quantity as NSString,
                             fmt(c.measured) as NSString, c.expected as NSString))
            }
        }
        let failed = claims.filter { !$0.passed }.count
        print("claims: \(claims.count - failed) passed, \(failed) failed; \(ClaimsReport.summary(claims)) (wrote \(dir)/CLAIMS.md)")
        if failed > 0 { throw ExitCode(1) }
    }
}

CommandMain.run(ClaimsReportCommand.self)
