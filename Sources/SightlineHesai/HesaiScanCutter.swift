/// nebula's scan cutter for a 360° field of view (`ScanCutter` with `FsmCutInFov`): every laser
/// changes scan on its own, when its corrected azimuth crosses the cut angle (a laser exactly at
/// the cut stays in the old scan), so a scan is a true revolution per laser. Two scan buffers
/// (0 and 1) take turns; a scan is finished once the lagging and the leading laser (smallest
/// and largest azimuth offset) are both past the cut.
struct HesaiScanCutter {
  /// What one firing's step asks of the stream, in this order: give `startScan` (or both scans,
  /// when the very first firing straddles the cut) its start time, as it receives its first
  /// lasers; emit `finishScan`, before the firing's points are added.
  struct Actions {
    var startScan: UInt8?
    var startsBothScans = false
    var finishScan: UInt8?
  }

  /// Radians, [0, 2π).
  let cut: Float
  /// Per laser, the scan buffer (0 or 1) its points go to.
  private(set) var laserScans: [UInt8]
  private var lastAzimuths: [Float]
  /// The buffer to be emitted next.
  private(set) var currentScan: UInt8 = 0
  private var started = false

  init(laserCount: Int, cutCentidegrees: Int) {
    let centidegrees = ((cutCentidegrees % 36000) + 36000) % 36000
    cut = HesaiAngleTable.normalized(Float(Double(centidegrees) / 100 * Double.pi / 180))
    laserScans = [UInt8](repeating: 0, count: laserCount)
    lastAzimuths = [Float](repeating: 0, count: laserCount)
  }

  /// Forgets everything: the next firing starts afresh, as at the start of a capture.
  mutating func reset() {
    started = false
    currentScan = 0
    for laser in laserScans.indices { laserScans[laser] = 0 }
  }

  /// Moves every laser to the firing at `blockAzimuth`.
  mutating func step(blockAzimuth: Int, angles: HesaiAngleTable) -> Actions {
    guard started else { return start(blockAzimuth: blockAzimuth, angles: angles) }
    let before = state(angles)
    for laser in laserScans.indices {
      let azimuth = angles.azimuth(block: blockAzimuth, laser: laser)
      if crossesCut(from: lastAzimuths[laser], to: azimuth) { laserScans[laser] ^= 1 }
      lastAzimuths[laser] = azimuth
    }
    return transition(from: before, to: state(angles))
  }

  /// The first firing: all lasers in scan 0 unless the firing straddles the cut, in which case
  /// the lasers past it (within half a turn) start scan 1.
  private mutating func start(blockAzimuth: Int, angles: HesaiAngleTable) -> Actions {
    started = true
    currentScan = 0
    let straddles = straddlesCut(blockAzimuth: blockAzimuth, angles: angles)
    var actions = Actions(startScan: 0)
    for laser in laserScans.indices {
      let azimuth = angles.azimuth(block: blockAzimuth, laser: laser)
      lastAzimuths[laser] = azimuth
      laserScans[laser] = straddles && isPastCut(azimuth) ? 1 : 0
    }
    actions.startsBothScans = straddles
    return actions
  }

  private func straddlesCut(blockAzimuth: Int, angles: HesaiAngleTable) -> Bool {
    let edges = [angles.laggingLaser, angles.leadingLaser].map {
      angles.azimuth(block: blockAzimuth, laser: $0)
    }
    let quarter = HesaiAngleTable.fullTurn / 4
    let (from, to) = (normalized(cut - quarter), normalized(cut + quarter))
    let nearCut = edges.allSatisfy { Self.isBetween($0, from: from, to: to) }
    return nearCut && edges.filter(isPastCut).count == 1
  }

  /// Within half a turn after the cut, the cut itself excluded.
  private func isPastCut(_ azimuth: Float) -> Bool {
    azimuth != cut
      && Self.isBetween(azimuth, from: cut, to: normalized(cut + HesaiAngleTable.fullTurn / 2))
  }

  private func normalized(_ angle: Float) -> Float { HesaiAngleTable.normalized(angle) }

  /// Moving from `last` to `azimuth` passes the cut: last ≤ cut < azimuth, going forward.
  /// nebula also counts a repeated azimuth as a full turn; a stream that stalls (a motor at
  /// rest, a duplicate packet) would then cut at every firing, so here it does not cross.
  private func crossesCut(from last: Float, to azimuth: Float) -> Bool {
    last != azimuth && azimuth != cut && Self.isBetween(cut, from: last, to: azimuth)
  }

  /// Forward from `start` to `end` (both included), wrapping at 360°.
  private static func isBetween(_ angle: Float, from start: Float, to end: Float) -> Bool {
    end < start ? angle <= end || start <= angle : start <= angle && angle <= end
  }

  private enum State: Equatable {
    case filled(UInt8)
    case crossing
  }

  /// Only the lagging and leading lasers count: the others lie between them.
  private func state(_ angles: HesaiAngleTable) -> State {
    let lagging = laserScans[angles.laggingLaser]
    return lagging == laserScans[angles.leadingLaser] ? .filled(lagging) : .crossing
  }

  /// `FsmCutInFov`: filling the other scan starts it; every laser over finishes the current one.
  private mutating func transition(from before: State, to after: State) -> Actions {
    let next = currentScan ^ 1
    var actions = Actions()
    switch (before, after) {
    case (.filled(currentScan), .crossing):
      actions.startScan = next
    case (.filled(currentScan), .filled(next)):
      actions.startScan = next
      actions.finishScan = currentScan
    case (.crossing, .filled(next)):
      actions.finishScan = currentScan
    default:
      break
    }
    if actions.finishScan != nil { currentScan = next }
    return actions
  }
}
