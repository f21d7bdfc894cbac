import SightlineLidar
import SightlinePipeline
import SightlineVelodyne

/// A synthetic drive's true ego poses (its truth file), fed as GNSS fixes on the replay's
/// virtual clock instead of the capture's GPRMC.
struct EgoTruthFeed {
  private let fixes: [GNSSFix]
  private var next = 0

  init(path: String?) throws {
    fixes = try path.map { try TruthFile.read(path: $0).egoFixes() } ?? []
  }

  /// Every pose up to `time`.
  mutating func feed(through time: Int64, into frames: FrameLoop) {
    while next < fixes.count, fixes[next].utcNanoseconds <= time {
      frames.observe(fixes[next])
      next += 1
    }
  }
}
