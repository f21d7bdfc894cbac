// The progress bar of the commands that take a while: replay, play, eval, render, decode, bench.

import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal (so pipes, tests
/// and CI see the same output as without it). Redrawn only when its text changes; `finish`
/// ends the line once something was drawn.
final class ProgressBar {
  let enabled: Bool
  private let label: String
  private var drawn: String?

  /// `label` goes before the bar ("eval highway"); `enabled` false keeps it off whatever
  /// standard error is (decode writing its CSV to the same terminal).
  init(label: String = "", enabled: Bool = true) {
    self.enabled = enabled && isatty(STDERR_FILENO) != 0
    self.label = label.isEmpty ? "" : label + " "
  }

  func show(_ fraction: Double) {
    guard enabled else { return }
    let width = 40
    let clamped = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
    let done = Int((clamped * Double(width)).rounded())
    let bar = String(repeating: "#", count: done) + String(repeating: " ", count: width - done)
    let text = "\(label)[\(bar)] \(Int(clamped * 100))%"
    guard text != drawn else { return }
    drawn = text
    FileHandle.standardError.write(Data("\r\(text)".utf8))
  }

  func finish() {
    guard drawn != nil else { return }
    drawn = nil
    FileHandle.standardError.write(Data("\n".utf8))
  }

  /// Runs `body` with a progress callback (nil when the bar is off) and finishes the bar after
  /// it, whether it returns or throws, so the lines printed next start on their own line.
  func run<T>(_ body: (((Double) -> Void)?) throws -> T) rethrows -> T {
    defer { finish() }
    return try body(enabled ? { [self] in show($0) } : nil)
  }
}
