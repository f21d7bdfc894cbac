// The endpoint pass's per-point work, the hottest loop of a frame after free space: one call
// per return. Branches the data decides (ground or obstacle, a new claim or not) are selects,
// and the counts stay in registers for a chunk.

/// What `LidarUpdater.claimEndpoints` needs per point, unpacked once per frame.
struct EndpointPass {
  let band: HeightBand
  let floor: ObstacleFloor?
  let maximumRange: Float
  let polar: Bool
  let window: WindowPlacement
  let bins: Int
  let binsPerRadian: Float
  /// The sensor's cell offset from the centre cell: reach is counted from its own cell.
  let originColumn: Int
  let originRow: Int

  init(
    band: HeightBand, floor: ObstacleFloor?, maximumRange: Float, polar: Bool,
    window: WindowPlacement, bins: Int, origin: (column: Int, row: Int) = (0, 0)
  ) {
    originColumn = origin.column
    originRow = origin.row
    self.band = band
    self.floor = floor
    self.maximumRange = maximumRange
    self.polar = polar
    self.window = window
    self.bins = bins
    binsPerRadian = Float(bins) / (2 * .pi)
  }

  /// Classifies one point (as `LidarUpdater.classify`), queues its bin's reach in `batch` and
  /// claims its cell if it is an obstacle inside the window: `hits[hitCount]` is written for
  /// every point that gets this far, and kept (`hitCount` advances) only for a first claim.
  @inline(__always) func endpoint(
    _ p: (x: Float, y: Float, z: Float), claimed: UnsafeMutableBufferPointer<UInt64>,
    batch: EndpointBatch.Lanes, raised: inout Int, hits: UnsafeMutableBufferPointer<Int32>,
    hitCount: inout Int, tally: inout Tally
  ) {
    // Beyond this a coordinate cannot be a LiDAR return, and converting it to a cell index
    // would overflow: it is rejected like a NaN.
    let farthest: Float = 100_000
    guard p.x.isFinite, p.y.isFinite, p.z.isFinite, abs(p.x) < farthest, abs(p.y) < farthest,
      p.x * p.x + p.y * p.y <= maximumRange * maximumRange
    else {
      tally.rejected &+= 1
      return
    }
    if p.z > band.maximum {
      tally.overhang &+= 1
      return
    }
    let isObstacle = p.z >= (floor?.floor(x: p.x, y: p.y) ?? band.minimum)
    tally.obstacles &+= isObstacle ? 1 : 0
    tally.classified &+= 1
    let (dc, dr) = window.offset(x: p.x, y: p.y)
    // The bin's reach is raised later, a batch at a time (`raiseReach`): kept only when polar
    // and not the sensor cell.
    let fromSensorColumn = dc &- originColumn
    let fromSensorRow = dr &- originRow
    batch.dc[raised] = Float(fromSensorColumn)
    batch.dr[raised] = Float(fromSensorRow)
    batch.half[raised] = isObstacle ? -0.5 : 0.5
    raised &+= polar && (fromSensorColumn != 0 || fromSensorRow != 0) ? 1 : 0
    let column = window.sensorColumn &+ dc
    let row = window.sensorRow &+ dr
    let inside = isObstacle && window.contains(column: column, row: row)
    // Outside, word 0 is read and written back unchanged.
    let stored = inside ? window.storedIndex(column: column, row: row) : 0
    let bit: UInt64 = 1 &<< UInt64(stored & 63)
    let word = claimed[stored &>> 6]
    let isNew = inside && word & bit == 0
    claimed[stored &>> 6] = isNew ? word | bit : word
    hits[hitCount] = Int32(truncatingIfNeeded: stored)
    hitCount &+= isNew ? 1 : 0
  }

  /// Raises the reach of the bins of the `count` points queued in `batch`: first every bearing
  /// and reach (independent, so the processor overlaps many points' long arithmetic), then the
  /// per-bin maxima (in any order: a maximum is exact). Obstacles free the cells before their
  /// own; ground frees its own too. Kept squared: cells compare their squared distance.
  @inline(__always) func raiseReach(
    _ batch: EndpointBatch.Lanes, count: Int, reach: UnsafeMutableBufferPointer<Float>
  ) {
    let binsPerRadian = binsPerRadian
    for j in 0..<count {
      let fdc = batch.dc[j]
      let fdr = batch.dr[j]
      batch.bearing[j] = (PolarFreeSpace.fastAtan2(nonZero: fdr, fdc) + .pi) * binsPerRadian
      let freeReach = (fdc * fdc + fdr * fdr).squareRoot() + batch.half[j]
      batch.reach[j] = freeReach * freeReach
    }
    for j in 0..<count {
      var bin = Int(batch.bearing[j])
      if bin >= bins { bin -= bins }
      reach[bin] = max(reach[bin], batch.reach[j])  // no branch to mispredict
    }
  }

  /// The endpoint pass's counts over a chunk, kept in registers and folded into the report once.
  struct Tally {
    var rejected = 0
    var overhang = 0
    /// Points classified as ground or obstacle, and the obstacles among them.
    var classified = 0
    var obstacles = 0

    @inline(__always) func fold(into report: inout LidarUpdateReport) {
      report.pointsRejected &+= rejected
      report.pointsOverhang &+= overhang
      report.pointsUsed &+= obstacles
      report.pointsGround &+= classified &- obstacles
    }
  }
}
