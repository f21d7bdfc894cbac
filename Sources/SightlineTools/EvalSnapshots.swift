import SightlineSchema

/// A few grid frames of the fused replay, spread evenly over the drive (for `sightline eval
/// --html`): for `count` of them, the first frame at or after 1/(count+1), 2/(count+1), … of
/// the drive's duration. Only those frames are kept.
public struct EvalSnapshots: Sendable {
  public struct Snapshot: Sendable {
    /// Seconds from the drive's start to the frame's reference time.
    public let seconds: Double
    public let frame: GridFrame
  }

  public private(set) var taken: [Snapshot] = []
  let startNanoseconds: Int64
  let targets: [Double]

  public init(count: Int, startNanoseconds: Int64, duration: Double) {
    self.startNanoseconds = startNanoseconds
    let parts = Double(max(0, count) + 1)
    targets = (0..<max(0, count)).map { Double($0 + 1) / parts * duration }
  }

  /// Keeps `frame` when it is the first at or after the next target time.
  public mutating func take(_ frame: GridFrame) {
    guard taken.count < targets.count else { return }
    let seconds = Double(frame.referenceTimeNanoseconds - startNanoseconds) / 1e9
    if seconds >= targets[taken.count] { taken.append(Snapshot(seconds: seconds, frame: frame)) }
  }
}
