import Foundation

/// One sensor of a rig as `sightline inspect` and `sightline check` report it: what it sent and
/// what was made of it.
public struct RigSensorReport: Codable, Sendable, Equatable {
  public var name: String
  /// Its data port (0: none bound).
  public var port: Int
  public var enabled: Bool
  public var packets: Int
  public var points: Int
  /// Its sweeps that reached a frame (a sweep whose clock was off does not).
  public var sweeps: Int
  /// Its clock against the capture's (host) clock, when it has an estimate.
  public var clockOffsetMilliseconds: Double?
  public var clockDriftPartsPerMillion: Double?

  public init(name: String, port: Int, enabled: Bool, packets: Int, points: Int, sweeps: Int) {
    self.name = name
    self.port = port
    self.enabled = enabled
    self.packets = packets
    self.points = points
    self.sweeps = sweeps
  }

  /// "roof (port 2368): 1234 packets, 456789 points, 50 sweeps", and the clock when known.
  public var line: String {
    func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    var text =
      "sensor \(name) (port \(port)\(enabled ? "" : ", disabled")): \(packets) packets,"
      + " \(points) points, \(sweeps) sweeps"
    if let offset = clockOffsetMilliseconds {
      text += "; clock offset \(fixed(offset, 3)) ms"
      if let drift = clockDriftPartsPerMillion { text += ", drift \(fixed(drift, 1)) ppm" }
    }
    return text
  }
}
