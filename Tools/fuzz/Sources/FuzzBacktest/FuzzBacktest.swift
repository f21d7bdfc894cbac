// FuzzBacktest: `sightline v2x backtest`'s own line parser (V2XBacktestLines: V2X log entries,
// vector lines with a "hex" key, bare hex; comments; CRLF; bytes that are not UTF-8) and the
// whole backtest on what it gives (V2XBacktest: secMark by receive time or unwrapped in file
// order, runs, duplicates, GNSS stalls, pairs, the runtime's extrapolation, quantiles), then
// the table and the JSON.
//
// Input: byte 0 picks the horizons: below 0x80 the defaults (100, 200, 300, 500, 1000 ms),
// otherwise (b & 0x7f) + 1 and 37 times that, in ms. The rest is the file's text, decoded as
// the command decodes it (invalid UTF-8 becomes U+FFFD and spoils only its line).
// The counts must add up (every line a message or a counted skip, every pooled pair some
// sender's, coverage a fraction); a violation traps like a crash. Nothing here throws.

import CFuzzer
import Foundation
import SightlineBacktest

/// SwiftPM links `main` to `FuzzBacktest_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzBacktest_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzBacktest)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBacktest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data, size >= 1 else { return 0 }
  let control = Int(data[0])
  let horizons =
    control < 0x80
    ? V2XBacktest.defaultHorizons : [(control & 0x7f) + 1, ((control & 0x7f) + 1) * 37]
  let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)

  let lines = V2XBacktestLines.read(text)
  precondition(lines.messages.count + lines.skippedCount == lines.lines, "a line went missing")
  precondition(lines.messages.allSatisfy { $0.secMark < 60000 }, "a message without a time")
  let report = V2XBacktest.run(lines, horizons: horizons, file: "fuzz")
  precondition(report.lines == lines.lines && report.messages == lines.messages.count)
  let placed = report.senders.reduce(0) { $0 + $1.messages + $1.duplicates }
  precondition(placed == report.messages, "messages placed \(placed) of \(report.messages)")
  precondition(report.gnssStalls == report.senders.reduce(0) { $0 + $1.gnssStalls })
  for (k, pooled) in report.horizons.enumerated() {
    precondition(pooled.n == report.senders.reduce(0) { $0 + $1.horizons[k].n })
    for h in [pooled] + report.senders.map({ $0.horizons[k] }) {
      precondition((h.n == 0) == (h.medianError == nil), "statistics without pairs")
      for coverage in [h.coverage95, h.coverage95MotionOnly] {
        if let coverage { precondition(coverage >= 0 && coverage <= 1) }
      }
      if let median = h.medianError, let p95 = h.p95Error {
        precondition(median.isFinite && p95 >= median, "median \(median), p95 \(p95)")
      }
    }
  }
  _ = report.table()
  precondition(!report.json().isEmpty, "the report did not encode")
  return 0
}
