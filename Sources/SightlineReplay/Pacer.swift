import SightlinePipeline

/// Sleeps so that records are processed at capture speed, when asked to.
struct Pacer {
  let pacing: Pacing
  var firstCapture: Int64? = nil
  var firstWall: Int64 = 0

  init(pacing: Pacing) { self.pacing = pacing }

  mutating func wait(untilCaptureTime captureTime: Int64) {
    guard pacing == .realtime else { return }
    guard let firstCapture else {
      self.firstCapture = captureTime
      firstWall = MonotonicClock.nanoseconds()
      return
    }
    let due = firstWall + (captureTime - firstCapture)
    let now = MonotonicClock.nanoseconds()
    if due > now { MonotonicClock.sleep(nanoseconds: due - now) }
  }
}
