import Foundation
import SightlineHesai
import SightlineLidar
import SightlineOuster
import SightlineVelodyne
import Testing

/// A VLP-16-like sweep: 16 rings from −15° to +15°, 1800 columns, mounted `height` above flat
/// ground. The lower rings see the ground (with range noise), the upper ones a building 12 to
/// 30 m away, except over `sky` (azimuths in centidegrees), where they see nothing.
struct SyntheticSweeps {
  enum Return {
    case normal, missing
    case near(Float)
  }
  var height: Float = 1.8
  var sky: Range<Int> = 20000..<30000
  var random = SplitMix64(seed: 7)

  /// One revolution from azimuth 0 (or the columns of `azimuths`), each return changed by
  /// `change` at its azimuth.
  mutating func sweep(
    azimuths: Range<Int> = 0..<36000, change: (Int) -> Return = { _ in .normal }
  ) -> [LidarPoint] {
    var points: [LidarPoint] = []
    for column in stride(from: azimuths.lowerBound, to: azimuths.upperBound, by: 20) {
      let azimuth = column % 36000
      let yaw = -Float(azimuth) / 18000 * .pi
      for ring in 0..<16 {
        let elevation = Float(2 * ring - 15) / 180 * .pi
        let noise = Float(random.next() % 2001) / 1000 - 1  // ±1
        var distance: Float
        if elevation < 0 {
          distance = height / sin(-elevation) * (1 + 0.02 * noise)
        } else if sky.contains(azimuth) {
          continue
        } else {
          distance = 21 + 9 * sin(Float(azimuth) / 3000) + 0.05 * noise
        }
        switch change(azimuth) {
        case .normal: break
        case .missing: continue
        case .near(let range): distance = range + 0.01 * noise
        }
        let horizontal = distance * cos(elevation)
        points.append(
          LidarPoint(
            x: horizontal * cos(yaw), y: horizontal * sin(yaw), z: distance * sin(elevation),
            distance: distance, timeNanoseconds: Int64(column) * 2000,
            azimuthCentidegrees: UInt16(azimuth), intensity: 10, ring: UInt8(ring),
            returnType: ReturnType.strongest))
      }
    }
    return points
  }
}

/// Sectors as a mask.
func sectorMask(_ sectors: some Sequence<Int>) -> UInt64 {
  sectors.reduce(0) { $0 | 1 << UInt64($1) }
}

/// The real captures, each decoded by its own vendor's stream, every sweep (partial ones too).
enum BlockageCaptures {
  static let names = [
    "vlp16-strongest-gps.pcap", "vlp16-dual.pcap", "hdl32e-strongest-gps.pcap",
    "vls128-strongest.pcap", "ouster-os0-32-dual.pcap", "ouster-os1-32-legacy.pcap",
    "ouster-os1-128-fusa-dual-partial.pcap", "hesai-40p-dual-last-strongest.pcap",
    "hesai-qt64-dual-first-last.pcap", "hesai-xt32-dual-last-strongest.pcap",
    "hesai-qt128-dual-last-strongest.pcap",
  ]

  static func sweeps(_ name: String) throws -> [Sweep] {
    let path = sharedLidar.appendingPathComponent(name).path
    if name.hasPrefix("ouster") {
      let json = sharedLidar.appendingPathComponent(
        name.replacingOccurrences(of: ".pcap", with: ".json"))
      return try decode(path, OusterStream(metadata: ousterMetadata(json)))
    }
    if name.hasPrefix("hesai") {
      let model: HesaiModel =
        switch name {
        case let n where n.contains("40p"): .pandar40P
        case let n where n.contains("qt64"): .pandarQT64
        case let n where n.contains("xt32"): .pandarXT32
        default: .pandarQT128
        }
      return try decode(path, HesaiStream(calibration: hesaiCalibration(model)))
    }
    return try decode(
      path, VelodyneStream(decoder: VelodyneDecoder(), assembler: SweepAssembler()))
  }

  static func decode(_ path: String, _ stream: some LidarStream) throws -> [Sweep] {
    var stream = stream
    var sweeps: [Sweep] = []
    for payload in try capturedPayloads(path) {
      payload.bytes.withUnsafeBytes {
        stream.ingest(
          payload: $0, destinationPort: payload.port,
          captureTimeNanoseconds: payload.timeNanoseconds
        ) { sweep, _ in sweeps.append(sweep) }
      }
    }
    stream.flush { sweep, _ in sweeps.append(sweep) }
    return sweeps
  }
}

@Suite struct BlockageDetectorTests {
  /// Every sweep of every capture, three times over (the Ouster captures hold one frame): no
  /// sector is ever empty, and from the second round on every swept sector is judged, unless it
  /// never had `minimumLevel` returns (the MRPT VLP-16 has one, at 70° to 80°).
  @Test(arguments: BlockageCaptures.names)
  func realCapturesFlagNothing(_ name: String) throws {
    let sweeps = try BlockageCaptures.sweeps(name)
    try #require(!sweeps.isEmpty)
    var detector = BlockageDetector()
    var lowest: (fraction: Float, sector: Int, sweep: Int) = (.infinity, -1, -1)
    var unjudged: Set<Int> = []
    var quiet: Set<Int> = []
    for round in 0..<3 {
      for (index, sweep) in sweeps.enumerated() {
        detector.observe(sweep)
        #expect(detector.emptySectors == 0, "\(name) sweep \(index) round \(round)")
        for sector in 0..<detector.sectors where detector.sweptSectors >> UInt64(sector) & 1 != 0 {
          let fraction = detector.returnFraction(sector: sector)
          if round > 0 && fraction.isNaN { unjudged.insert(sector) }
          if detector.returns(sector: sector).far < 8 { quiet.insert(sector) }
          if fraction < lowest.fraction { lowest = (fraction, sector, index) }
        }
      }
    }
    #expect(detector.blockedSectors == 0)
    #expect(unjudged.isSubset(of: quiet) && quiet.count <= 1, "\(unjudged) \(quiet)")
    let coverage = sweeps.map(\.coverageCentidegrees)
    print("blockage \(name): \(sweeps.count) sweeps, coverage \(coverage), lowest \(lowest)")
  }

  /// The same captures with a 60° stretch of the sensor's azimuth emptied (the returns gone, or
  /// all at 0.3 m) from the fourth observation on: exactly its six sectors are flagged, on the
  /// fifth empty sweep, and cleared on the third sweep after the returns come back.
  @Test(arguments: BlockageCaptures.names.filter { !$0.contains("partial") })
  func realCapturesFlagAStretchThatVanishes(_ name: String) throws {
    let sweeps = try BlockageCaptures.sweeps(name).filter { $0.coverageCentidegrees >= 35500 }
    try #require(!sweeps.isEmpty)
    for bag in [false, true] {
      var detector = BlockageDetector()
      let stretch = 12000..<18000  // sectors 12 to 17
      for observation in 0..<16 {
        var sweep = sweeps[observation % sweeps.count]
        let blocked = (3..<11).contains(observation)
        if blocked && bag {
          for i in sweep.points.indices
          where stretch.contains(Int(sweep.points[i].azimuthCentidegrees)) {
            sweep.points[i].distance = 0.3
          }
        } else if blocked {
          sweep.points.removeAll { stretch.contains(Int($0.azimuthCentidegrees)) }
        }
        detector.observe(sweep)
        let expected: UInt64 = (7..<13).contains(observation) ? sectorMask(12..<18) : 0
        #expect(detector.blockedSectors == expected, "\(name) bag \(bag) at \(observation)")
      }
    }
  }

  @Test func aSixtyDegreeStretchThatGoesEmptyIsFlaggedInItsSectors() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    #expect(detector.revolutions == 5 && detector.clearRevolutions == 3)
    // Aligned with the sectors: 100° to 160° is sectors 10 to 15.
    let gone = 10000..<16000
    for sweep in 0..<20 {
      let empty = (4..<12).contains(sweep)
      let points = lidar.sweep { empty && gone.contains($0) ? .missing : .normal }
      detector.observe(points, coverageCentidegrees: 36000)
      #expect(detector.emptySectors == (empty ? sectorMask(10..<16) : 0), "sweep \(sweep)")
      // Flagged on the fifth empty sweep (4 + 5 − 1), cleared on the third full one (12 + 3 − 1).
      let flagged = (8..<14).contains(sweep)
      #expect(detector.blockedSectors == (flagged ? sectorMask(10..<16) : 0), "sweep \(sweep)")
    }
  }

  /// A stretch that straddles sector edges: a sector is empty only when less than 10 % of its
  /// returns are left, so a half-covered sector at either end is not flagged.
  @Test func sectorsTheStretchOnlyHalfCoversAreNotFlagged() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    for _ in 0..<3 { detector.observe(lidar.sweep(), coverageCentidegrees: 36000) }
    for _ in 0..<5 {
      let points = lidar.sweep { (9500..<15500).contains($0) ? .missing : .normal }
      detector.observe(points, coverageCentidegrees: 36000)
    }
    #expect(detector.blockedSectors == sectorMask(10..<15))
    #expect(abs(detector.returnFraction(sector: 9) - 0.5) < 0.1)
    #expect(abs(detector.returnFraction(sector: 15) - 0.5) < 0.1)
    #expect(detector.returnFraction(sector: 12) == 0)
  }

  @Test func aBagAtThirtyCentimetresIsFlaggedAndNothingElse() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    for _ in 0..<3 { detector.observe(lidar.sweep(), coverageCentidegrees: 36000) }
    // The bag hangs over 300° to 360° and 0° to 20°, across the cut.
    let bag = { (azimuth: Int) in azimuth >= 30000 || azimuth < 2000 }
    for sweep in 0..<5 {
      #expect(detector.blockedSectors == 0, "before the fifth sweep with the bag: \(sweep)")
      detector.observe(lidar.sweep { bag($0) ? .near(0.3) : .normal }, coverageCentidegrees: 36000)
    }
    let covered = sectorMask(Array(30..<36) + [0, 1])
    #expect(detector.blockedSectors == covered && detector.blockedSectorCount == 8)
    #expect(detector.returns(sector: 33).far == 0 && detector.returns(sector: 33).near == 800)
    #expect(detector.isBlocked(azimuthCentidegrees: 35999))
    #expect(detector.isBlocked(azimuthCentidegrees: 1999))
    #expect(!detector.isBlocked(azimuthCentidegrees: 2000))
    #expect(!detector.isBlocked(azimuthCentidegrees: 29999))
  }

  /// Sectors that see only sky in their upper rings and ground in the lower ones, and ground
  /// closer than a metre from a low mount, are not blockages.
  @Test func skyAndNearGroundAreNotBlockages() {
    var lidar = SyntheticSweeps(height: 0.35)
    lidar.sky = 0..<36000
    var detector = BlockageDetector()
    for _ in 0..<20 { detector.observe(lidar.sweep(), coverageCentidegrees: 36000) }
    #expect(detector.blockedSectors == 0 && detector.emptySectors == 0)
    // The −1° ring's ground is 20 m away, the −15° ring's 1.35 m: all 8 rings are returns.
    #expect(detector.returns(sector: 5).far == 400)
  }

  /// A sector is measured against its own past: one that never had returns (a bracket, the
  /// vehicle's own body closer than `nearMeters`) is the sensor's normal, not a blockage.
  @Test func aSectorThatNeverHadReturnsIsNotFlagged() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    for _ in 0..<10 {
      let points = lidar.sweep { (7000..<8000).contains($0) ? .near(0.2) : .normal }
      detector.observe(points, coverageCentidegrees: 36000)
      #expect(detector.emptySectors == 0)
      #expect(detector.returnFraction(sector: 7).isNaN)
    }
    #expect(detector.blockedSectors == 0)
  }

  /// `count(sector)` returns at 10 m in each 10° sector, spread over it.
  static func returns(_ count: (Int) -> Int) -> [LidarPoint] {
    (0..<36).flatMap { sector in
      let n = count(sector)
      return (0..<n).map { i in
        LidarPoint(
          x: 10, y: 0, z: 0, distance: 10, timeNanoseconds: 0,
          azimuthCentidegrees: UInt16(sector * 1000 + i * 1000 / n), intensity: 0, ring: 0,
          returnType: ReturnType.strongest)
      }
    }
  }

  /// A sector back to 8 % of a busy moment it remembers is blocked, then clears itself: the
  /// level sinks 1/256 of its height above 80 a sweep, from 800 to 640 in 65 sweeps. One with no
  /// returns stays blocked.
  @Test func aQuietSectorClearsItselfAndAnEmptyOneDoesNot() {
    var detector = BlockageDetector()
    let busy = Self.returns { _ in 800 }
    for _ in 0..<10 { detector.observe(busy, coverageCentidegrees: 36000) }
    let quiet = Self.returns { $0 == 5 ? 64 : $0 == 9 ? 0 : 800 }
    for sweep in 10..<400 {
      detector.observe(quiet, coverageCentidegrees: 36000)
      let sector5Empty = sweep < 10 + 65
      #expect(detector.emptySectors == sectorMask(sector5Empty ? [5, 9] : [9]), "\(sweep)")
      // Both blocked on their fifth empty sweep; sector 5 cleared on its third sweep back.
      let blocked = sweep < 14 ? [] : sweep < 77 ? [5, 9] : [9]
      #expect(detector.blockedSectors == sectorMask(blocked), "\(sweep)")
    }
  }

  @Test func aWholeSensorCoveredAfterItWasSeenClearIsFlaggedWhole() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    for _ in 0..<3 { detector.observe(lidar.sweep(), coverageCentidegrees: 36000) }
    for _ in 0..<5 { detector.observe([LidarPoint](), coverageCentidegrees: 36000) }
    #expect(detector.blockedSectors == sectorMask(0..<36))
    for _ in 0..<3 { detector.observe(lidar.sweep(), coverageCentidegrees: 36000) }
    #expect(detector.blockedSectors == 0)
  }

  /// Quarter sweeps sweep only their own sectors: the rest keep their state, whether clear or
  /// blocked. A sweep that never reached a sector has no evidence about it.
  @Test func partialSweepsJudgeOnlyWhatTheySwept() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    for _ in 0..<2 { detector.observe(lidar.sweep(), coverageCentidegrees: 36000) }
    let gone = 3000..<6000  // sectors 3 to 5, inside the first quarter
    for _ in 0..<6 {
      for quarter in 0..<4 {
        let azimuths = (quarter * 9000)..<(quarter * 9000 + 9000)
        let points = lidar.sweep(azimuths: azimuths) { gone.contains($0) ? .missing : .normal }
        detector.observe(points, coverageCentidegrees: 9000)
        #expect(detector.sweptSectors == sectorMask(quarter * 9..<(quarter * 9 + 9)))
      }
    }
    #expect(detector.blockedSectors == sectorMask(3..<6))
    // Half a turn of returns, 180° to 360°: the blocked sectors are not swept and stay blocked.
    for _ in 0..<5 {
      detector.observe(lidar.sweep(azimuths: 18000..<36000), coverageCentidegrees: 18000)
    }
    #expect(detector.sweptSectors == sectorMask(18..<36))
    #expect(detector.blockedSectors == sectorMask(3..<6))
    // 300° to 60° across the cut, whose last stretch (still empty) has no points: the arc ends
    // at the last point (29.8°), so 30° to 60° are not judged, and stay blocked.
    for _ in 0..<5 {
      let wrapped = lidar.sweep(azimuths: 30000..<42000) { gone.contains($0) ? .missing : .normal }
      detector.observe(wrapped, coverageCentidegrees: 12000)
      #expect(detector.sweptSectors == sectorMask(Array(30..<36) + Array(0..<3)))
      #expect(detector.emptySectors == 0)
    }
    #expect(detector.blockedSectors == sectorMask(3..<6))
    // Returns back in a whole revolution: cleared on the third.
    for sweep in 0..<3 {
      #expect(detector.blockedSectors == sectorMask(3..<6))
      detector.observe(lidar.sweep(), coverageCentidegrees: 36000)
      #expect(detector.emptySectors == 0, "sweep \(sweep)")
    }
    #expect(detector.blockedSectors == 0)
  }

  /// Partial sweeps (the first and last of a capture) never flag the part of the revolution
  /// they did not sweep, however many of them come.
  @Test func partialSweepsAloneNeverFlagTheRest() {
    var lidar = SyntheticSweeps()
    var detector = BlockageDetector()
    for _ in 0..<12 {
      detector.observe(lidar.sweep(azimuths: 6000..<18000), coverageCentidegrees: 12000)
    }
    #expect(detector.sweptSectors == sectorMask(6..<18))
    #expect(detector.blockedSectors == 0 && detector.emptySectors == 0)
    #expect(detector.returnFraction(sector: 30).isNaN)
  }

  @Test func sectorsCoverTheirAzimuths() {
    let detector = BlockageDetector(sectors: 8)
    #expect(detector.azimuthRange(sector: 0) == 0..<4500)
    #expect(detector.azimuthRange(sector: 7) == 31500..<36000)
    #expect(detector.sector(azimuthCentidegrees: 4499) == 0)
    #expect(detector.sector(azimuthCentidegrees: 4500) == 1)
    #expect(detector.sector(azimuthCentidegrees: 35999) == 7)
    #expect(detector.sector(azimuthCentidegrees: 36000) == 7)
    #expect(BlockageDetector(sectors: 64).sector(azimuthCentidegrees: 35999) == 63)
  }

  /// This thread's heap allocations when Tools/bench/malloc_count.c is preloaded (LD_PRELOAD).
  private static let allocationCount: (@convention(c) () -> UInt)? = {
    guard
      let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sightline_thread_malloc_count")
    else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> UInt).self)
  }()

  @Test(.enabled(if: allocationCount != nil, "needs Tools/bench/malloc_count.c preloaded"))
  func observingDoesNotAllocate() throws {
    let count = try #require(Self.allocationCount)
    var lidar = SyntheticSweeps()
    let clear = lidar.sweep()
    let bagged = lidar.sweep { $0 < 6000 ? .near(0.3) : .normal }
    var detector = BlockageDetector()
    detector.observe(clear, coverageCentidegrees: 36000)
    // The quietest of a few rounds: the test runner may allocate on this thread between them.
    var fewest = UInt.max
    for _ in 0..<10 {
      let before = count()
      for _ in 0..<5 { detector.observe(bagged, coverageCentidegrees: 36000) }
      detector.observe(clear[..<5000], coverageCentidegrees: 6000)
      fewest = min(fewest, count() - before)
    }
    #expect(fewest == 0)
    #expect(detector.blockedSectors == sectorMask(0..<6))
  }
}
