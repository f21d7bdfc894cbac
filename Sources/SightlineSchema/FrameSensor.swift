import SightlineProto

/// One LiDAR of the vehicle in a frame or in stats (`sightline.v1.Sensor`).
public struct FrameSensor: Sendable, Equatable {
  /// `sightline.v1.SensorStatus`, worst first.
  public enum Status: UInt8, Sendable, CaseIterable {
    case ok = 0
    case disabled = 1
    case silent = 2
    case clockOff = 3
    case blocked = 4
    case late = 5
    case packetLoss = 6

    /// As reports and the config's docs spell it.
    public var name: String {
      switch self {
      case .ok: "ok"
      case .disabled: "disabled"
      case .silent: "silent"
      case .clockOff: "clock_off"
      case .blocked: "blocked"
      case .late: "late"
      case .packetLoss: "packet_loss"
      }
    }
  }

  public var name: String
  public var status = Status.ok
  public var pointsInFrame: UInt32 = 0
  public var packets: UInt64 = 0
  public var points: UInt64 = 0
  /// -1 before the sensor's first sweep.
  public var ageNanoseconds: Int64 = -1
  public var coverageCentidegrees: UInt32 = 0
  public var blockedSectors: UInt64 = 0
  public var sectorCount: UInt32 = 0

  public init(name: String) {
    self.name = name
  }

  func write(into sensor: inout [UInt8]) {
    sensor.protoString(1, name)
    sensor.protoUInt(2, UInt64(status.rawValue))
    sensor.protoUInt(3, UInt64(pointsInFrame))
    sensor.protoUInt(4, packets)
    sensor.protoUInt(5, points)
    sensor.protoInt(6, ageNanoseconds)
    sensor.protoUInt(7, UInt64(coverageCentidegrees))
    sensor.protoUInt(8, blockedSectors)
    sensor.protoUInt(9, UInt64(sectorCount))
  }

  init(_ proto: Sightline_V1_Sensor) {
    name = proto.name
    status = Status(rawValue: UInt8(clamping: proto.status.rawValue)) ?? .ok
    pointsInFrame = proto.pointsInFrame
    packets = proto.packets
    points = proto.points
    ageNanoseconds = proto.ageNs
    coverageCentidegrees = proto.coverageCdeg
    blockedSectors = proto.blockedSectors
    sectorCount = proto.sectorCount
  }
}
