import SightlineLidar
import SightlineNet
import SightlineTimeline
import SightlineVelodyne

/// Every LiDAR on the vehicle: one `LidarIngest` per sensor, chosen by destination port, and
/// the frames they make together. A frame closes when the frame sensor's sweep does
/// (`SightlineConfig.Lidar.frameSensorIndex`); the other sensors' finished sweeps wait for it
/// and join it whole, so a sweep is never cut or dropped for being out of step. Each sensor's
/// points are moved into the vehicle frame by its mount and keep their own times (de-skew
/// uses them); the merged sweep's `segments` say which points came from where. With one
/// sensor at the origin the frame is that sensor's sweep, untouched. Owned by one thread.
public final class LidarRig {
  public let sensors: [LidarSensorConfig]
  /// One ingest per sensor (disabled ones too: they are built, so their config is checked).
  public private(set) var ingests: [LidarIngest]
  public let frameSensor: Int
  /// Per sensor: what the ingest side refused or ignored.
  public private(set) var refusals: [Refusals]
  /// The frame sensor's last sweep's end: other sensors' clocks are judged against it.
  private var frameSensorTime: Int64?
  /// Each sensor's stream totals as of its last sweep (its ingest hands them over just before
  /// the sweep: the ingest cannot be read while it is busy).
  private var sensorTotals: [LidarTotals]
  private var extractor = DatagramExtractor()
  /// Records, datagrams and skipped frames (the streams count the rest).
  private var ownCounts = IngestCounters()
  /// Destination port → sensor, for the ports some sensor takes.
  private let sensorByPort: [UInt16: Int]
  /// Finished sweeps of the other sensors, in the vehicle frame, waiting for the next frame.
  private var pending = Sweep()
  private var pendingDecodeNanoseconds: Int64 = 0
  /// Called with the totals just before each frame is handed on.
  public var onTotals: ((LidarTotals) -> Void)?
  /// A sweep this far from the frame sensor's clock is not merged (its clock is off).
  static let clockToleranceNanoseconds: Int64 = 1_000_000_000
  /// Sweeps a sensor may have waiting for a frame; beyond, its newest are dropped (counted).
  static let pendingLimit = 4

  public init(config: SightlineConfig) throws {
    let rig = config.lidar.rig
    sensors = rig
    frameSensor = config.lidar.frameSensorIndex
    var ingests = [LidarIngest]()
    var byPort = [UInt16: Int]()
    for (index, sensor) in rig.enumerated() {
      let key = config.lidar.sensors.isEmpty ? "lidar" : "lidar.sensor[\(index + 1)]"
      let stream = try LidarStreamFactory.stream(for: sensor, key: key, lidar: config.lidar)
      ingests.append(LidarIngest(stream: stream))
      for port in stream.ports where port != 0 {
        if let other = byPort[port] {
          throw ConfigError(
            file: "config", key: key + ".port",
            problem: "port \(port) is already \(rig[other].name)'s")
        }
        byPort[port] = index
      }
    }
    self.ingests = ingests
    sensorByPort = byPort
    refusals = Array(repeating: Refusals(), count: rig.count)
    sensorTotals = Array(repeating: LidarTotals(), count: rig.count)
    for index in self.ingests.indices {
      self.ingests[index].onTotals = { [unowned self] in self.sensorTotals[index] = $0 }
    }
    pending.points.reserveCapacity(rig.count > 1 ? 1 << 16 : 0)
  }

  /// The frame sensor's ingest: its clock is the run's LiDAR clock.
  public var frameIngest: LidarIngest { ingests[frameSensor] }

  /// The LiDAR clock against the host's (the frame sensor's).
  public var clock: ClockAlignment { ingests[frameSensor].clock }

  /// Every GNSS fix any sensor relays (Velodyne's GPRMC position packets).
  public var onFix: ((GNSSFix) -> Void)? {
    get { ingests.first { $0.velodyne?.positionPort ?? 0 != 0 }?.onFix }
    set {
      for index in ingests.indices where ingests[index].velodyne?.positionPort ?? 0 != 0 {
        ingests[index].onFix = newValue
      }
    }
  }

  /// The other enabled sensors' ports, data and second (a live run binds each).
  public var otherSensorPorts: (data: [UInt16], second: [UInt16]) {
    var data = [UInt16]()
    var second = [UInt16]()
    for index in ingests.indices where index != frameSensor && sensors[index].enabled {
      let ports = ingests[index].ports.filter { $0 != 0 }
      data += ports.prefix(1)
      second += ports.dropFirst()
    }
    return (data, second)
  }

  /// The largest payload any sensor sends.
  public var maxPayloadBytes: Int { ingests.map(\.maxPayloadBytes).max() ?? 0 }

  /// Everything counted so far, over every sensor.
  public var counters: IngestCounters {
    var counters = ownCounts
    for ingest in ingests { counters.merge(ingest.counters) }
    return counters
  }

  /// What one sensor's ingest refused or ignored.
  public struct Refusals: Sendable, Equatable {
    /// Sweeps more than `clockToleranceNanoseconds` from the frame sensor's clock.
    public var sweepsClockOff = 0
    /// Sweeps beyond `pendingLimit` waiting for a frame (the frame sensor is silent).
    public var sweepsDroppedWaiting = 0
    /// Packets of a disabled sensor.
    public var packetsIgnored = 0
  }

  /// The frame's totals, without copying counters' arrays.
  public var totals: LidarTotals {
    var totals = ownCounts.totals(with: LidarStreamCounts())
    for sensor in sensorTotals { totals.addStream(sensor) }
    return totals
  }

  /// Drops by reason over every sensor (prefixed with the sensor's name when there are several).
  public var drops: [(reason: String, count: Int)] {
    var drops: [(reason: String, count: Int)] = []
    for (index, ingest) in ingests.enumerated() {
      let prefix = sensors.count > 1 ? sensors[index].name + "." : ""
      drops += ingest.stream.drops.map { (prefix + $0.reason, $0.count) }
    }
    return drops
  }

  /// What to tell a user whose capture gave nothing: another vendor's packets, by guess.
  public var otherVendorHint: String? {
    var guesses: [LidarFormatSniffer.Guess: Int] = [:]
    for ingest in ingests { guesses.merge(ingest.otherVendorPackets, uniquingKeysWith: +) }
    return LidarIngest.hint(guesses)
  }

  /// One captured record.
  public func ingest(
    frame: UnsafeRawBufferPointer, linkType: LinkType, captureTime: Int64,
    onFrame: (inout Sweep, Int64) throws -> Void
  ) throws {
    ownCounts.records += 1
    switch extractor.extract(frame, linkType: linkType, captureTimeNanoseconds: captureTime) {
    case .skipped(let reason):
      ownCounts.framesSkipped[reason.rawValue] += 1
    case .pendingFragment:
      break  // counted by the extractor
    case .datagram(let datagram):
      ownCounts.udpDatagrams += 1
      try ingest(
        payload: datagram.payload, destinationPort: datagram.destinationPort,
        captureTime: captureTime, onFrame: onFrame)
    }
  }

  /// One UDP payload, from a capture or a live socket: to the sensor of its port (a port no
  /// sensor takes goes to the frame sensor's stream, which counts it and names its vendor).
  public func ingest(
    payload: UnsafeRawBufferPointer, destinationPort: UInt16, captureTime: Int64,
    onFrame: (inout Sweep, Int64) throws -> Void
  ) throws {
    let index = sensorByPort[destinationPort] ?? frameSensor
    guard sensors[index].enabled else {
      refusals[index].packetsIgnored += 1
      return
    }
    // Non-escaping all the way down: no closure context is allocated per packet.
    try ingests[index].ingest(
      payload: payload, destinationPort: destinationPort, captureTime: captureTime
    ) { sweep, decodeNanoseconds in
      try self.take(&sweep, from: index, decodeNanoseconds: decodeNanoseconds, onFrame: onFrame)
    }
  }

  /// Emits what is being assembled: every sensor's partial sweep, the frame sensor's last.
  public func flush(onFrame: (inout Sweep, Int64) throws -> Void) throws {
    for index in ingests.indices where index != frameSensor && sensors[index].enabled {
      try ingests[index].flush { sweep, decodeNanoseconds in
        try self.take(&sweep, from: index, decodeNanoseconds: decodeNanoseconds, onFrame: onFrame)
      }
    }
    try ingests[frameSensor].flush { sweep, decodeNanoseconds in
      try self.take(
        &sweep, from: self.frameSensor, decodeNanoseconds: decodeNanoseconds, onFrame: onFrame)
    }
    // Sweeps still waiting (the frame sensor had nothing left): a last frame of their own.
    if pending.segments.contains(where: { !$0.clockOff }) {
      var last = Sweep()
      swap(&last, &pending)
      last.endNanoseconds = last.segments.map(\.sweepEndNanoseconds).max() ?? 0
      let decode = pendingDecodeNanoseconds
      pendingDecodeNanoseconds = 0
      onTotals?(totals)
      try onFrame(&last, decode)
    }
  }

  /// Each sensor's counts at the end: packets and points decoded, by sensor.
  public var sensorCounts: [(packets: Int, points: Int)] {
    ingests.map { ($0.counters.decodedPackets, $0.counters.points) }
  }

  // MARK: Steps

  /// A sensor's finished sweep: timed, counted, moved onto the vehicle, then either waiting
  /// for the frame or closing it.
  private func take(
    _ sweep: inout Sweep, from index: Int, decodeNanoseconds: Int64,
    onFrame: (inout Sweep, Int64) throws -> Void
  ) throws {
    let sensor = sensors[index]
    if sensor.timeOffsetNanoseconds != 0 { Self.shift(&sweep, by: sensor.timeOffsetNanoseconds) }
    sensor.mount.apply(to: &sweep.points, range: sweep.points.indices)
    sweep.segments.removeAll(keepingCapacity: true)
    sweep.segments.append(segment(index, of: sweep, range: sweep.points.indices))
    if index == frameSensor {
      frameSensorTime = sweep.endNanoseconds
      try close(&sweep, decodeNanoseconds: decodeNanoseconds, onFrame: onFrame)
    } else {
      hold(sweep, from: index, decodeNanoseconds: decodeNanoseconds)
    }
  }

  /// The segment of a sensor's sweep, with the sensor's totals as of now.
  private func segment(_ index: Int, of sweep: borrowing Sweep, range: Range<Int>)
    -> SweepSegment
  {
    let mount = sensors[index].mount
    var segment = SweepSegment(
      sensor: index, range: range, originX: Float(mount.x), originY: Float(mount.y),
      originZ: Float(mount.z))
    segment.sweepEndNanoseconds = sweep.endNanoseconds
    segment.coverageCentidegrees = sweep.coverageCentidegrees
    segment.packetsMissing = sweep.packetsMissing
    segment.packets = sensorTotals[index].packets
    segment.points = sensorTotals[index].points
    return segment
  }

  /// Keeps another sensor's sweep for the next frame, unless its clock is off or too many of
  /// its sweeps already wait.
  private func hold(_ sweep: borrowing Sweep, from index: Int, decodeNanoseconds: Int64) {
    let waiting = pending.segments.count { $0.sensor == index }
    guard waiting < Self.pendingLimit else {
      refusals[index].sweepsDroppedWaiting += 1
      return
    }
    var held = sweep.segments[0]
    let start = pending.points.count
    if let frameTime = frameSensorTime,
      abs(sweep.endNanoseconds - frameTime) > Self.clockToleranceNanoseconds
    {
      // Not merged; an empty segment tells the frame why.
      refusals[index].sweepsClockOff += 1
      held.clockOff = true
      held.range = start..<start
      pending.segments.append(held)
      return
    }
    pending.points.append(contentsOf: sweep.points)
    held.range = start..<pending.points.count
    pending.segments.append(held)
    if pending.segments.count == 1 || sweep.startNanoseconds < pending.startNanoseconds {
      pending.startNanoseconds = sweep.startNanoseconds
    }
    pending.packetCount += sweep.packetCount
    pendingDecodeNanoseconds += decodeNanoseconds
  }

  /// The frame sensor's sweep closes the frame: the waiting sweeps join it, then it goes out.
  private func close(
    _ sweep: inout Sweep, decodeNanoseconds: Int64, onFrame: (inout Sweep, Int64) throws -> Void
  ) throws {
    var decode = decodeNanoseconds
    if !pending.segments.isEmpty {
      let base = sweep.points.count
      sweep.points.append(contentsOf: pending.points)
      for var segment in pending.segments {
        segment.range = (segment.range.lowerBound + base)..<(segment.range.upperBound + base)
        sweep.segments.append(segment)
      }
      sweep.startNanoseconds = min(sweep.startNanoseconds, pending.startNanoseconds)
      decode += pendingDecodeNanoseconds
      pending.clear()
      pendingDecodeNanoseconds = 0
    }
    onTotals?(totals)
    try onFrame(&sweep, decode)
  }

  private static func shift(_ sweep: inout Sweep, by nanoseconds: Int64) {
    sweep.startNanoseconds += nanoseconds
    sweep.endNanoseconds += nanoseconds
    for index in sweep.points.indices { sweep.points[index].timeNanoseconds += nanoseconds }
  }
}
