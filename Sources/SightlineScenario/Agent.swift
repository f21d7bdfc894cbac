/// A moving road user; `equipped` ones send BSMs (vehicles) or PSMs (pedestrians, cyclists)
/// from their own GNSS receiver and clock.
public struct Agent: Sendable, Equatable {
  public var id: UInt32
  public var kind: AgentKind
  public var length: Double
  public var width: Double
  public var height: Double
  public var trajectory: Trajectory
  public var equipped: Bool
  /// The sender's GNSS error: what its messages report is the truth plus this.
  public var gnss: GNSSError
  /// The sender's clock minus true time (s): its secMark is off by this much.
  public var clockOffset: Double

  public init(
    id: UInt32, kind: AgentKind, length: Double, width: Double, height: Double,
    trajectory: Trajectory, equipped: Bool = true, gnss: GNSSError = GNSSError(),
    clockOffset: Double = 0
  ) {
    self.id = id
    self.kind = kind
    self.length = length
    self.width = width
    self.height = height
    self.trajectory = trajectory
    self.equipped = equipped
    self.gnss = gnss
    self.clockOffset = clockOffset
  }

  public func box(at time: Double) -> Box {
    Box(center: trajectory.state(at: time).pose, length: length, width: width, height: height)
  }
}
