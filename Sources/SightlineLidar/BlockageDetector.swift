/// Tells, for one sensor, which azimuth sectors of its own sweep are blocked: a bag over the
/// window, mud, a wall a hand's width away. Pure: sweeps in, a bit mask out; no I/O, no clock.
///
/// **Sectors.** The sensor's own azimuth (`LidarPoint.azimuthCentidegrees`, the column's or
/// firing's azimuth, clockwise from +x) is cut into `sectors` equal sectors; sector i covers
/// [i·36000/sectors, (i+1)·36000/sectors) centidegrees, so with the default 36, [i·10°, (i+1)·10°).
/// A beam's own azimuth offset (Hesai's calibration, Ouster's beam angles) is not applied, so
/// the edge of a blockage is as sharp as those offsets allow (a PandarQT64 spreads up to ±8.7°).
///
/// **Evidence, per sweep.** Each point with `distance ≥ nearMeters` counts as a return of its
/// sector; nearer ones (the bag itself, mud at 0.3 m) and missing ones do not. Only the sectors
/// the sweep swept are judged: all of them when `coverageCentidegrees` is a whole revolution
/// (within half a sector), otherwise those that the arc from the first point's azimuth to the
/// last one's (in the sweep's order, at most `coverageCentidegrees` long, widened by a fifth of
/// a sector at each end) covers whole. A sector the sweep never swept gives no evidence and
/// keeps its state.
///
/// **Empty.** A swept sector is EMPTY when its returns are fewer than `emptyFraction` (10 %) of
/// its own level, and that level is at least `minimumLevel` (8) returns (fewer is no basis).
/// The level follows the sector's count on sweeps that do not find it empty: at once upwards,
/// by 1/16 of the difference downwards, so a scene that changes slowly moves it. While the
/// sector is empty the level sinks by 1/256 of its height above `minimumLevel / emptyFraction`
/// (80) a sweep: a sector with no returns, or fewer than `minimumLevel`, stays empty until they
/// come back, while one that is only quieter than a busy moment it remembers (a truck went by,
/// 800 returns, and it is back to 60 of sky and far road) clears itself: from 800 to 64
/// returns, empty for 65 sweeps. Each sector is measured against itself, not against the
/// others: a sensor sees the sky, the road and its own vehicle at very different densities (the
/// MRPT VLP-16 capture has a sector with 0 to 5 returns, and ones with 60 beside 600), and a
/// blockage that covers the whole sensor is found as one that covers a part. What this cannot
/// find: a blockage that is there from the sensor's first sweep (it is the sector's normal, as
/// a bracket or the vehicle's own body is), and a sensor that dims slowly (a film of dust, over
/// many sweeps). What it cannot tell from a blockage: a sector that sees nothing the sensor can
/// return from (open water, the sky alone).
///
/// **Blocked.** A sector becomes BLOCKED on the `revolutions`-th consecutive sweep that found it
/// empty (default 5: half a second at 10 Hz) and is cleared on the `clearRevolutions`-th
/// consecutive sweep that did not (default 3). A sweep that did not sweep it neither extends nor
/// breaks either run. The real captures of ../shared/data/lidar (Velodyne VLP-16, HDL-32E,
/// VLS-128, Ouster OS-0/OS-1, Hesai 40P, QT64, XT32, QT128) find no sector empty in any sweep.
///
/// After `init` nothing allocates (the per-sector arrays are sized once), as long as the
/// detector is not copied between observations (a copy's first observation copies them).
public struct BlockageDetector: Sendable {
  public let sectors: Int
  public let revolutions: Int
  public let clearRevolutions: Int
  public let nearMeters: Float
  public let emptyFraction: Float
  public let minimumLevel: Float
  /// Bit i set: sector i is blocked.
  public private(set) var blockedSectors: UInt64 = 0
  /// Bit i set: the last observed sweep swept sector i.
  public private(set) var sweptSectors: UInt64 = 0
  /// Bit i set: the last observed sweep found sector i empty.
  public private(set) var emptySectors: UInt64 = 0
  /// Sweeps observed.
  public private(set) var sweeps = 0

  /// Per sector: returns at or beyond `nearMeters` in the sweep being observed, then nearer ones.
  var counts: [Int32]
  var level: [Float]
  var fraction: [Float]
  var emptyRun: [Int32]
  var clearRun: [Int32]

  public init(
    sectors: Int = 36, revolutions: Int = 5, nearMeters: Float = 0.5,
    clearRevolutions: Int = 3, emptyFraction: Float = 0.1, minimumLevel: Float = 8
  ) {
    precondition((1...64).contains(sectors), "1 to 64 sectors (a bit each in a UInt64)")
    precondition(revolutions >= 1 && clearRevolutions >= 1)
    self.sectors = sectors
    self.revolutions = revolutions
    self.clearRevolutions = clearRevolutions
    self.nearMeters = nearMeters
    self.emptyFraction = emptyFraction
    self.minimumLevel = minimumLevel
    counts = Array(repeating: 0, count: 2 * sectors)
    level = Array(repeating: 0, count: sectors)
    fraction = Array(repeating: .nan, count: sectors)
    emptyRun = Array(repeating: 0, count: sectors)
    clearRun = Array(repeating: 0, count: sectors)
  }

  public var blockedSectorCount: Int { blockedSectors.nonzeroBitCount }

  /// The sector of an azimuth in centidegrees (values of 36000 and above count as the last).
  @inlinable public func sector(azimuthCentidegrees: UInt16) -> Int {
    min(Int(azimuthCentidegrees) &* sectors / 36000, sectors - 1)
  }

  /// Whether the sector of this azimuth is blocked: a shift and a mask.
  @inlinable public func isBlocked(azimuthCentidegrees: UInt16) -> Bool {
    blockedSectors >> UInt64(sector(azimuthCentidegrees: azimuthCentidegrees)) & 1 != 0
  }

  /// The azimuths of sector i, in centidegrees, half open.
  public func azimuthRange(sector: Int) -> Range<Int> {
    (sector * 36000 / sectors)..<((sector + 1) * 36000 / sectors)
  }

  /// Sector i's returns in the last sweep that swept it, as a fraction of its level (below
  /// `emptyFraction` is empty); NaN until it has a level to be judged by.
  public func returnFraction(sector: Int) -> Float { fraction[sector] }

  /// Sector i's returns in the last observed sweep: at or beyond `nearMeters`, and nearer.
  public func returns(sector: Int) -> (far: Int, near: Int) {
    (Int(counts[sector]), Int(counts[sectors + sector]))
  }

  /// Observes one sweep of the sensor.
  public mutating func observe(_ sweep: Sweep) {
    sweep.points.withUnsafeBufferPointer {
      observe($0, coverageCentidegrees: sweep.coverageCentidegrees)
    }
  }

  /// Observes one sweep's points, in the order they were fired, and the azimuth it swept.
  public mutating func observe(
    _ points: UnsafeBufferPointer<LidarPoint>, coverageCentidegrees: Int
  ) {
    for index in 0..<counts.count { counts[index] = 0 }
    for index in 0..<points.count { tally(points[index]) }
    let first = points.isEmpty ? -1 : Int(points[0].azimuthCentidegrees)
    let last = points.isEmpty ? -1 : Int(points[points.count - 1].azimuthCentidegrees)
    finishSweep(coverageCentidegrees: coverageCentidegrees, first: first, last: last)
  }

  /// The same, for any collection (contiguous ones go through the buffer).
  public mutating func observe(
    _ points: some Collection<LidarPoint>, coverageCentidegrees: Int
  ) {
    let done: Void? = points.withContiguousStorageIfAvailable {
      observe($0, coverageCentidegrees: coverageCentidegrees)
    }
    guard done == nil else { return }
    for index in 0..<counts.count { counts[index] = 0 }
    var first = -1
    var last = -1
    for point in points {
      tally(point)
      if first < 0 { first = Int(point.azimuthCentidegrees) }
      last = Int(point.azimuthCentidegrees)
    }
    finishSweep(coverageCentidegrees: coverageCentidegrees, first: first, last: last)
  }

  @inline(__always) mutating func tally(_ point: LidarPoint) {
    let sector = min(Int(point.azimuthCentidegrees) &* sectors / 36000, sectors - 1)
    if point.distance >= nearMeters {
      counts[sector] &+= 1
    } else if point.distance >= 0 {
      counts[sectors &+ sector] &+= 1
    }
  }

  /// Judges the sweep whose points `counts` holds.
  mutating func finishSweep(coverageCentidegrees: Int, first: Int, last: Int) {
    sweeps += 1
    sweptSectors = swept(coverageCentidegrees: coverageCentidegrees, first: first, last: last)
    emptySectors = 0
    for sector in 0..<sectors where sweptSectors >> UInt64(sector) & 1 != 0 { judge(sector) }
  }

  /// The sectors the sweep covered whole (see the type's comment).
  func swept(coverageCentidegrees: Int, first: Int, last: Int) -> UInt64 {
    let all: UInt64 = sectors == 64 ? ~0 : (1 << UInt64(sectors)) - 1
    let width = 36000 / sectors
    if coverageCentidegrees >= 36000 - width / 2 { return all }
    guard first >= 0, coverageCentidegrees > 0 else { return 0 }
    let slack = width / 5
    let start = first - slack
    let length = min(coverageCentidegrees, (last - first + 36000) % 36000) + 2 * slack
    var mask: UInt64 = 0
    for sector in 0..<sectors {
      let range = azimuthRange(sector: sector)
      let offset = ((range.lowerBound - start) % 36000 + 36000) % 36000
      if offset + range.count <= length { mask |= 1 << UInt64(sector) }
    }
    return mask
  }

  /// Updates one swept sector's level, runs and state from its count.
  mutating func judge(_ sector: Int) {
    let bit: UInt64 = 1 << UInt64(sector)
    let count = Float(counts[sector])
    let reference = level[sector]
    let judged = reference >= minimumLevel
    let empty = judged && count < emptyFraction * reference
    fraction[sector] = judged ? count / reference : .nan
    if empty {
      emptySectors |= bit
      let floor = minimumLevel / emptyFraction
      if level[sector] > floor { level[sector] -= (level[sector] - floor) / 256 }
      if emptyRun[sector] < revolutions { emptyRun[sector] += 1 }
      clearRun[sector] = 0
      if emptyRun[sector] >= revolutions { blockedSectors |= bit }
    } else {
      level[sector] =
        count > level[sector] ? count : level[sector] + (count - level[sector]) / 16
      if clearRun[sector] < clearRevolutions { clearRun[sector] += 1 }
      emptyRun[sector] = 0
      if clearRun[sector] >= clearRevolutions { blockedSectors &= ~bit }
    }
  }
}
