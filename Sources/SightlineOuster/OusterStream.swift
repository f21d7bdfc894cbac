/// Counts an Ouster stream keeps besides its drops: what its packets held.
import SightlineLidar

public struct OusterStreamCounters: Sendable, Equatable {
  public var lidarPackets = 0
  public var imuPackets = 0
  public var validColumns = 0
  /// Columns whose status bit 0 was clear: skipped.
  public var invalidColumns = 0
  /// Columns whose measurement id is outside the frame: skipped.
  public var columnsOutsideFrame = 0
  /// Packets the frames handed on were missing (their columns never arrived).
  public var packetsMissing = 0
  /// Packets whose CRC-64 was checked and held, and those whose footer had none (0).
  public var crcValid = 0
  public var crcAbsent = 0
  public var points = 0
  public var sweeps = 0
  public var incompleteSweeps = 0
}

/// An Ouster sensor's UDP payloads in, one `Sweep` per frame out (LidarStream). Needs the
/// sensor's metadata: the packets carry neither their layout nor their geometry.
///
/// Sweeps are cut by frame id: a packet of a new frame hands on the current one, and so does
/// the packet that completes the column window (no waiting for the next frame). A sweep is
/// complete when every packet of the window arrived; `packetsMissing` counts the others,
/// `beganAtCut`/`endedAtCut` say whether the window's first/last packet arrived, and `hadGap`
/// whether any was missing. Its start and end are the first and last valid column timestamps.
/// IMU packets are counted (`ouster.imu`), every bad packet is counted under its
/// `OusterDropReason`, and nothing traps.
public struct OusterStream: LidarStream {
  public let decoder: OusterDecoder
  public let lidarPort: UInt16
  public let imuPort: UInt16
  public private(set) var counters = OusterStreamCounters()
  /// The frame id of the sweep handed on last.
  public private(set) var lastSweepFrameID: UInt32?
  public private(set) var sensor: LidarSensorDescription?
  /// The last valid column's timestamp of the latest decoded packet.
  public private(set) var lastPacketTimeNanoseconds: Int64?
  var sweep = Sweep()
  var frames: OusterFrameTracker
  var dropCounts = [Int](repeating: 0, count: OusterDropReason.allCases.count)

  /// `lidarPort` and `imuPort` default to the metadata's (7502 and 7503 when it names none).
  public init(metadata: OusterMetadata, lidarPort: UInt16? = nil, imuPort: UInt16? = nil) {
    self.init(decoder: OusterDecoder(metadata: metadata), lidarPort: lidarPort, imuPort: imuPort)
  }

  /// A stream over a decoder already built (its table is shared, not computed again).
  /// `pointCapacity` defaults to a whole frame's returns, so that decoding never grows it.
  public init(
    decoder: OusterDecoder, lidarPort: UInt16? = nil, imuPort: UInt16? = nil,
    pointCapacity: Int? = nil
  ) {
    let metadata = decoder.metadata
    self.decoder = decoder
    self.lidarPort = lidarPort ?? metadata.lidarPort
    self.imuPort = imuPort ?? metadata.imuPort
    frames = OusterFrameTracker(metadata)
    sweep.points.reserveCapacity(pointCapacity ?? metadata.returnsPerFrame)
  }

  public var metadata: OusterMetadata { decoder.metadata }

  public var ports: [UInt16] { [lidarPort, imuPort] }
  public var maxPayloadBytes: Int { decoder.format.lidarPacketSize }

  public var drops: [(reason: String, count: Int)] {
    zip(Self.reasons, dropCounts).compactMap { reason, count in
      count > 0 ? (reason.rawValue, count) : nil
    }
  }

  public var counts: LidarStreamCounts {
    var counts = LidarStreamCounts()
    let rejected = zip(Self.reasons, dropCounts).reduce(0) { total, pair in
      let (reason, count) = pair
      return reason == .imuPacket || reason == .otherPort ? total : total + count
    }
    counts.dataPackets = counters.lidarPackets + rejected
    counts.timedPackets = counters.lidarPackets
    counts.decodedPackets = counters.lidarPackets
    counts.packetsMissing = counters.packetsMissing
    counts.latePackets = dropped(.late)
    counts.points = counters.points
    counts.packetsRejected = rejected - dropped(.late)
    return counts
  }

  /// How many payloads were dropped for `reason`.
  public func dropped(_ reason: OusterDropReason) -> Int {
    dropCounts[Self.reasons.firstIndex(of: reason)!]
  }

  /// Built once: `allCases` makes a new array on every use.
  static let reasons = OusterDropReason.allCases

  public mutating func ingest(
    payload: UnsafeRawBufferPointer, destinationPort: UInt16, captureTimeNanoseconds: Int64,
    onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    guard destinationPort == lidarPort else {
      count(destinationPort == imuPort ? .imuPacket : .otherPort)
      return
    }
    let inspection = decoder.inspect(payload)
    if inspection.crc == .valid { counters.crcValid += 1 }
    if inspection.crc == .absent { counters.crcAbsent += 1 }
    if let problem = inspection.problem {
      count(problem)
      return
    }
    guard let header = inspection.header else { return }
    try place(payload, frameID: header.frameID, onSweep: onSweep)
  }

  public mutating func flush(onSweep: (inout Sweep, LidarStreamCounts) throws -> Void) rethrows {
    if sweep.packetCount > 0 { try handOn(onSweep) }
  }
}

// MARK: - Sweeps

extension OusterStream {
  private mutating func count(_ reason: OusterDropReason) {
    dropCounts[Self.reasons.firstIndex(of: reason)!] += 1
    if reason == .imuPacket { counters.imuPackets += 1 }
  }

  /// Puts a checked lidar packet into its frame's sweep.
  private mutating func place(
    _ payload: UnsafeRawBufferPointer, frameID: UInt32,
    onSweep: (inout Sweep, LidarStreamCounts) throws -> Void
  ) rethrows {
    let slot = firstSlot(payload)
    switch frames.place(frameID: frameID, slot: slot) {
    case .late: return count(.late)
    case .duplicate: return count(.duplicate)
    case .newFrame:
      if sweep.packetCount > 0 { try handOn(onSweep) }
      frames.begin(frameID: frameID)
    case .append: break
    }
    frames.record(slot: slot)
    append(decoder.decode(payload, into: &sweep.points))
    if frames.isComplete { try handOn(onSweep) }
  }

  /// The slot of the packet's first column inside the frame.
  private func firstSlot(_ payload: UnsafeRawBufferPointer) -> Int? {
    let format = decoder.format
    for column in 0..<format.columnsPerPacket {
      let id = format.measurementID(payload, column: column)
      if id < decoder.table.columns { return frames.slot(measurementID: id) }
    }
    return nil
  }

  private mutating func append(_ result: OusterPacketResult) {
    if result.validColumns > 0 {
      if sweep.startNanoseconds == 0 || result.firstTimestamp < sweep.startNanoseconds {
        sweep.startNanoseconds = result.firstTimestamp
      }
      sweep.endNanoseconds = max(sweep.endNanoseconds, result.lastTimestamp)
    }
    sweep.packetCount += 1
    counters.lidarPackets += 1
    counters.points += result.pointsEmitted
    if result.validColumns > 0 { lastPacketTimeNanoseconds = result.lastTimestamp }
    counters.validColumns += result.validColumns
    counters.invalidColumns += result.invalidColumns
    counters.columnsOutsideFrame += result.columnsOutsideFrame
    if sensor == nil { sensor = Self.describe(decoder.metadata) }
  }

  /// Finishes the sweep of the current frame, hands it on and starts an empty one.
  private mutating func handOn(_ onSweep: (inout Sweep, LidarStreamCounts) throws -> Void) rethrows
  {
    let metadata = decoder.metadata
    sweep.packetsMissing = frames.slotsMissing
    sweep.beganAtCut = frames.sawFirstSlot
    sweep.endedAtCut = frames.sawLastSlot
    sweep.hadGap = frames.slotsMissing > 0
    let columns = frames.slotsSeenInWindow * metadata.columnsPerPacket
    sweep.coverageCentidegrees = min(36000, columns * 36000 / metadata.columnsPerFrame)
    counters.sweeps += 1
    counters.packetsMissing += sweep.packetsMissing
    if !sweep.isComplete { counters.incompleteSweeps += 1 }
    lastSweepFrameID = frames.frameID
    frames.close()
    defer { reset() }
    let counts = self.counts
    try onSweep(&sweep, counts)
  }

  private mutating func reset() { sweep.clear() }

  static func describe(_ metadata: OusterMetadata) -> LidarSensorDescription {
    let utcModes = ["TIME_FROM_PTP_1588", "TIME_FROM_SYNC_PULSE_IN"]
    return LidarSensorDescription(
      vendor: "Ouster", model: metadata.productLine, profile: metadata.lidarProfile.rawValue,
      returnMode: metadata.lidarProfile.returnMode, beams: metadata.pixelsPerColumn,
      columnsPerRevolution: metadata.columnsPerFrame,
      revolutionsPerSecond: Double(metadata.framesPerSecond),
      timeBase: utcModes.contains(metadata.timestampMode ?? "") ? .utc : .sensorLocal)
  }
}
