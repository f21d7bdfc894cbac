/// Turns Hesai data packets into points, as nebula's `HesaiDecoder` does, in the sensor frame
/// of REP 103.
///
/// **Frame.** Hesai (and nebula) put +y at azimuth 0 and +x 90° clockwise from it seen from
/// above: x = d·cos(el)·sin(az), y = d·cos(el)·cos(az), z = d·sin(el). Sightline turns that by
/// −90° about z so that x points forward (azimuth 0) and y left: x = d·cos(el)·cos(az),
/// y = −d·cos(el)·sin(az), z = d·sin(el). A nebula cloud compares after x_nebula = −y,
/// y_nebula = x.
///
/// **Angles.** az = the block's azimuth + the laser's calibrated offset (unrounded, as nebula
/// adds them); el = the laser's calibrated elevation. `azimuthCentidegrees` is the block's
/// azimuth (the firing's column), clockwise seen from above from the sensor's front (+x here,
/// +y in Hesai's frame), 0..<36000.
///
/// **Returns.** d = raw × the distance unit. A return is dropped when its raw distance is 0,
/// when it lies outside the model's and the settings' range, and, unless it is the last block of
/// its firing, when another return of the firing is identical (same distance and reflectivity)
/// or lies within `dualReturnDistanceThreshold` (even a zero one). `returnType` is 1 for the
/// strongest or first return, 2 for the last (or a later) one, and 3 for a kept last block whose
/// other returns coincided with it (identical, or within the threshold and not zero).
///
/// **Time.** The packet's UTC date and time + µs timestamp, plus the firing's offset from the
/// Hesai tables (`HesaiFiringTimes`). `ring` is the laser's 0-based channel (nebula's channel).
///
/// `decode` appends into the caller's array and allocates nothing while it has capacity.
import SightlineLidar

public struct HesaiDecoder: Sendable {
  public let calibration: HesaiCalibration
  public let settings: HesaiDecoderSettings
  let angles: HesaiAngleTable
  let firingTimes: HesaiFiringTimes.Table

  public var model: HesaiModel { calibration.model }

  public init(calibration: HesaiCalibration, settings: HesaiDecoderSettings = .init()) {
    self.calibration = calibration
    self.settings = settings
    angles = HesaiAngleTable(calibration)
    firingTimes = HesaiFiringTimes.Table(calibration.model)
  }

  /// Appends every kept return of `packet` to `points` and returns how many; a packet of
  /// another model than the calibration's gives none.
  @discardableResult
  public func decode(_ packet: HesaiPacket, into points: inout [LidarPoint]) -> Int {
    guard packet.model == model else { return 0 }
    var unused: [LidarPoint] = []
    var count = 0
    for firstBlock in stride(from: 0, to: packet.blockCount, by: packet.returnMode.returns) {
      count += decodeFiring(packet, firstBlock: firstBlock, into: &points, &unused)
    }
    return count
  }

  /// Appends the kept returns of the firing whose blocks start at `firstBlock` (a packet of the
  /// calibration's model). Laser `l`'s points go to `later` when `laserScans?[l] == 1` (the scan
  /// cutter's per-laser choice), to `points` otherwise.
  func decodeFiring(
    _ packet: HesaiPacket, firstBlock: Int, laserScans: UnsafeBufferPointer<UInt8>? = nil,
    into points: inout [LidarPoint], _ later: inout [LidarPoint]
  ) -> Int {
    let firing = Firing(packet: packet, firstBlock: firstBlock, decoder: self)
    var count = 0
    for laser in 0..<angles.laserCount {
      let returns = firing.returns(laser: laser)
      for slot in 0..<returns.count {
        guard let returnType = firing.keptReturnType(returns, slot: slot) else { continue }
        let point = firing.point(returns, slot: slot, laser: laser, returnType: returnType)
        if let laserScans, laserScans[laser] == 1 {
          later.append(point)
        } else {
          points.append(point)
        }
        count += 1
      }
    }
    return count
  }
}

/// The returns of one laser in one firing (up to three blocks).
private struct HesaiLaserReturns {
  var count: Int
  var distances: (UInt16, UInt16, UInt16) = (0, 0, 0)
  var reflectivities: (UInt8, UInt8, UInt8) = (0, 0, 0)

  @inline(__always) func distance(_ slot: Int) -> UInt16 {
    slot == 0 ? distances.0 : slot == 1 ? distances.1 : distances.2
  }

  @inline(__always) func reflectivity(_ slot: Int) -> UInt8 {
    slot == 0 ? reflectivities.0 : slot == 1 ? reflectivities.1 : reflectivities.2
  }
}

/// What every return of one firing shares.
private struct Firing {
  let packet: HesaiPacket
  let firstBlock: Int
  let angles: HesaiAngleTable
  let model: HesaiModel
  let settings: HesaiDecoderSettings
  let blockAzimuth: Int
  let reversedFirstLast: Bool
  /// The firing's time, per block (slot) and per channel, from the packet's.
  let blockTimes: (Int64, Int64, Int64)
  let channelTimes: UnsafeMutableBufferPointer<Int32>

  init(packet: HesaiPacket, firstBlock: Int, decoder: HesaiDecoder) {
    self.packet = packet
    self.firstBlock = firstBlock
    angles = decoder.angles
    model = decoder.model
    settings = decoder.settings
    blockAzimuth = packet.azimuth(block: firstBlock)
    reversedFirstLast = model == .pandarXT16 || model == .pandarXT32
    let returns = packet.returnMode.returns
    let time = { (slot: Int) in
      packet.timeNanoseconds
        + HesaiFiringTimes.blockOffset(decoder.model, block: firstBlock + slot, returns: returns)
    }
    blockTimes = (time(0), returns > 1 ? time(1) : 0, returns > 2 ? time(2) : 0)
    channelTimes = decoder.firingTimes.channels(
      block: firstBlock, returns: returns, modeFlag: packet.modeFlag)
  }

  @inline(__always) func returns(laser: Int) -> HesaiLaserReturns {
    var returns = HesaiLaserReturns(count: packet.returnMode.returns)
    let first = packet.unit(block: firstBlock, channel: laser)
    returns.distances.0 = first.distance
    returns.reflectivities.0 = first.reflectivity
    if returns.count > 1 {
      let second = packet.unit(block: firstBlock + 1, channel: laser)
      returns.distances.1 = second.distance
      returns.reflectivities.1 = second.reflectivity
    }
    if returns.count > 2 {
      let third = packet.unit(block: firstBlock + 2, channel: laser)
      returns.distances.2 = third.distance
      returns.reflectivities.2 = third.reflectivity
    }
    return returns
  }

  @inline(__always) func metres(_ raw: UInt16) -> Float {
    Float(Double(raw) * packet.distanceUnit)
  }

  /// nebula's drop rules; nil when the return is dropped, else its return type.
  @inline(__always) func keptReturnType(_ returns: HesaiLaserReturns, slot: Int) -> UInt8? {
    let raw = returns.distance(slot)
    guard raw != 0 else { return nil }
    let distance = metres(raw)
    guard inRange(distance) else { return nil }
    let isLast = slot == returns.count - 1
    var coincides = false
    for other in 0..<returns.count where other != slot {
      let otherRaw = returns.distance(other)
      let identical =
        otherRaw == raw && returns.reflectivity(other) == returns.reflectivity(slot)
      let close = Double(abs(metres(otherRaw) - distance)) < settings.dualReturnDistanceThreshold
      if !isLast && (identical || close) { return nil }
      if otherRaw != 0 && (identical || close) { coincides = true }
    }
    if coincides { return ReturnType.both }
    return packet.returnMode.returnType(slot: slot, reversedFirstLast: reversedFirstLast)
  }

  @inline(__always) func inRange(_ distance: Float) -> Bool {
    !(distance < model.minimumRange || model.maximumRange < distance
      || Double(distance) < settings.minimumRange || settings.maximumRange < Double(distance))
  }

  @inline(__always) func point(
    _ returns: HesaiLaserReturns, slot: Int, laser: Int, returnType: UInt8
  ) -> LidarPoint {
    let distance = metres(returns.distance(slot))
    let (cosAzimuth, sinAzimuth) = angles.cosSin(block: blockAzimuth, laser: laser)
    let horizontal = distance * angles.cosElevation(laser)
    let blockTime = slot == 0 ? blockTimes.0 : slot == 1 ? blockTimes.1 : blockTimes.2
    return LidarPoint(
      x: horizontal * cosAzimuth, y: -(horizontal * sinAzimuth),
      z: distance * angles.sinElevation(laser), distance: distance,
      timeNanoseconds: blockTime + Int64(channelTimes[laser]),
      azimuthCentidegrees: UInt16(blockAzimuth), intensity: returns.reflectivity(slot),
      ring: UInt8(laser), returnType: returnType)
  }
}
