// The progress bar of replay and play.

import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar {
  let enabled = isatty(STDERR_FILENO) != 0

  func show(_ fraction: Double) {
    guard enabled else { return }
    let width = 40
    let done = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
    let bar = String(repeating: "#", count: done) + String(repeating: " ", count: width - done)
    FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))%".utf8))
  }

  func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }
}
