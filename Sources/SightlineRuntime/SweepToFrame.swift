import SightlineGrid
import SightlineLidar
import SightlineSchema

/// Turns each finished sweep into a grid frame: integrates the points into the grid and fills
/// the outgoing message. Owns the grid and the reusable message buffers.
public struct SweepToFrame {
  public private(set) var grid: OccupancyGrid
  public let band: HeightBand
  public private(set) var frame = GridFrame()
  /// The encoded message of the last frame, topic prefix included; reused between frames.
  public private(set) var message: [UInt8] = []
  private var nextSequence: UInt64 = 0

  public init(config: SightlineConfig.Grid) {
    let geometry = GridGeometry(
      columns: config.columns, rows: config.rows, resolution: Float(config.resolutionMeters))
    grid = OccupancyGrid(geometry: geometry)
    band = HeightBand(minimum: Float(config.obstacleMinZ), maximum: Float(config.obstacleMaxZ))
    frame.columns = UInt32(geometry.columns)
    frame.rows = UInt32(geometry.rows)
    frame.resolution = geometry.resolution
    frame.originX = -Float(geometry.sensorColumn) * geometry.resolution
    frame.originY = -Float(geometry.sensorRow) * geometry.resolution
    frame.cells = [Int8](repeating: -1, count: geometry.cellCount)
    message.reserveCapacity(frame.encodedSize)
  }

  /// Integrates the sweep and encodes the frame. `decodeNanoseconds` is the time already spent
  /// decoding its packets, so the frame reports its whole processing time.
  public mutating func process(_ sweep: borrowing Sweep, decodeNanoseconds: Int64) -> GridFrame {
    let started = MonotonicClock.nanoseconds()
    let update = sweep.points.withUnsafeBufferPointer { points in
      grid.integrate(count: points.count, band: band) { (points[$0].x, points[$0].y, points[$0].z) }
    }
    let counts = grid.cellCounts
    frame.cells.withUnsafeMutableBufferPointer { grid.writeOccupancy(into: $0) }

    frame.sequence = nextSequence
    nextSequence += 1
    frame.flags = sweep.isComplete ? [] : .partialSweep
    frame.sensorTimeNanoseconds = sweep.startNanoseconds
    frame.azimuthCoverageCentidegrees = UInt32(clamping: sweep.coverageCentidegrees)
    frame.pointsInSweep = UInt32(clamping: sweep.points.count)
    frame.pointsUsed = UInt32(clamping: update.pointsUsed)
    frame.occupiedCells = UInt32(clamping: counts.occupied)
    frame.freeCells = UInt32(clamping: counts.free)
    frame.unknownCells = UInt32(clamping: counts.unknown)
    let elapsed = MonotonicClock.nanoseconds() - started + decodeNanoseconds
    frame.processingNanoseconds = UInt32(clamping: elapsed)
    frame.publishTimeNanoseconds = WallClock.nanoseconds()
    frame.encode(into: &message)
    return frame
  }
}
