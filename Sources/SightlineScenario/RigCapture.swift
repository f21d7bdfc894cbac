import SightlineNet
import SightlineVelodyne

/// A drive's LiDAR capture, record by record in time order: every sensor of the rig at its own
/// packet times, each on its own UDP port from its own address, and the GNSS receiver's position
/// packets on the position port of the sensor that relays them (right after that sensor's data
/// packet, at its time). Pure: the generator writes the records to a pcap.
public struct RigCapture: Sendable {
  /// One Ethernet frame of the capture.
  public struct Record: Sendable {
    /// UTC nanoseconds.
    public var timeNanoseconds: Int64
    /// The rig sensor that sent it (an index into `sensors`) and its destination port.
    public var sensor: Int
    public var port: UInt16
    /// Ethernet II / IPv4 / UDP, the payload a Velodyne packet.
    public var frame: [UInt8]
  }

  public private(set) var sensors: [SensorSimulator]
  var dataFrames: [UDPFrameWriter]
  var positionFrames: [UDPFrameWriter?]
  var receiver: EgoReceiver
  let startNanoseconds: Int64
  var pending: Record?

  /// `startNanoseconds`: the UTC time of scenario time 0.
  public init(scenario: Scenario, startNanoseconds: Int64) throws {
    self.startNanoseconds = startNanoseconds
    var sensors: [SensorSimulator] = []
    var data: [UDPFrameWriter] = []
    var position: [UDPFrameWriter?] = []
    for (index, sensor) in scenario.sensors.enumerated() {
      // The first sensor's noise is the one-sensor drives' (their captures stay the same bytes).
      let seed = scenario.seed ^ 0x4C49_4441_5200_0000 ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
      sensors.append(try SensorSimulator(sensor: sensor, scenario: scenario, seed: seed))
      data.append(Self.framer(sensor: index, port: sensor.port))
      position.append(sensor.positionPort.map { Self.framer(sensor: index, port: $0) })
    }
    self.sensors = sensors
    dataFrames = data
    positionFrames = position
    receiver = EgoReceiver(scenario: scenario, startNanoseconds: startNanoseconds)
  }

  /// Sensor `index` at the Velodyne factory address plus `index` (192.168.1.201, .202, …),
  /// broadcasting on `port`.
  static func framer(sensor index: Int, port: UInt16) -> UDPFrameWriter {
    var writer = UDPFrameWriter.velodyne(port: port)
    writer.source.mac += UInt64(index)
    writer.source.address += UInt32(index)
    return writer
  }

  /// Data packets written so far (every sensor's), and the returns they carry.
  public var packets: Int { sensors.reduce(0) { $0 + $1.packets } }
  public var points: Int { sensors.reduce(0) { $0 + $1.points } }
  /// GPRMC fixes relayed so far.
  public var fixes: Int { receiver.fixes }

  /// The next record, or nil after the drive's end. Ties go to the sensor listed first.
  public mutating func next() throws -> Record? {
    if let record = pending {
      pending = nil
      return record
    }
    var earliest: Int?
    for index in sensors.indices where !sensors[index].isFinished {
      if let best = earliest,
        sensors[best].nextOffsetNanoseconds <= sensors[index].nextOffsetNanoseconds
      {
        continue
      }
      earliest = index
    }
    guard let index = earliest else { return nil }
    let (offset, payload) = try sensors[index].nextPacket(startNanoseconds: startNanoseconds)
    let time = startNanoseconds + offset
    let record = Record(
      timeNanoseconds: time, sensor: index, port: sensors[index].sensor.port,
      frame: try dataFrames[index].write(payload: payload))
    if let port = sensors[index].sensor.positionPort,
      let packet = receiver.packet(
        dueBy: Double(offset) * 1e-9, microsecondsPastHour: UInt32((time / 1000) % 3_600_000_000))
    {
      pending = Record(
        timeNanoseconds: time, sensor: index, port: port,
        frame: try positionFrames[index]!.write(payload: packet))
    }
    return record
  }
}
