#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a mover drives or walks: a start pose and speed, then segments of constant longitudinal
/// acceleration and yaw rate, integrated as a vehicle moves (speed never below 0: a brake that
/// reaches 0 stops, and a stopped mover turns on the spot). After the last segment the mover
/// keeps its speed and heading.
public struct Trajectory: Sendable, Equatable {
  /// One piece of the motion: `duration` seconds of `acceleration` (m/s²) and `yawRate` (rad/s).
  public struct Segment: Sendable, Equatable {
    public var duration: Double
    public var acceleration: Double
    public var yawRate: Double
    public init(duration: Double, acceleration: Double = 0, yawRate: Double = 0) {
      self.duration = duration
      self.acceleration = acceleration
      self.yawRate = yawRate
    }
  }

  /// Where the mover is and what it is doing at one instant.
  public struct State: Sendable, Equatable {
    public var pose: Pose2D
    public var speed: Double
    /// What the mover's own sensors feel: its yaw rate (rad/s) and longitudinal acceleration
    /// (m/s², 0 while stopped).
    public var yawRate: Double
    public var acceleration: Double
  }

  public let start: Pose2D
  public let startSpeed: Double
  public let segments: [Segment]
  /// States every `step` seconds from 0, integrated once; `state(at:)` interpolates them.
  private let samples: [State]
  static let step = 0.005

  public init(start: Pose2D, speed: Double = 0, segments: [Segment] = [], until end: Double) {
    self.start = start
    startSpeed = max(0, speed)
    self.segments = segments
    samples = Self.integrate(start: start, speed: max(0, speed), segments, until: end)
  }

  /// Straight along `heading` at a constant `speed`, for `end` seconds.
  public static func straight(
    from x0: Double, _ y0: Double, heading: Double, speed: Double, end: Double
  ) -> Trajectory {
    Trajectory(start: Pose2D(x: x0, y: y0, yaw: heading), speed: speed, until: end)
  }

  /// Midpoint integration at `step`: centimetre-exact over a drive at road speeds.
  static func integrate(start: Pose2D, speed: Double, _ segments: [Segment], until end: Double)
    -> [State]
  {
    var pose = start
    var v = speed
    var states: [State] = []
    let count = Int((max(0, end) / step).rounded(.up)) + 2
    states.reserveCapacity(count)
    // The segment in force at each step (past the last: coasting), found by walking the
    // segments once rather than from the start at every step.
    var current = 0
    var elapsed = 0.0
    let coasting = Segment(duration: .infinity)
    for index in 0..<count {
      let time = Double(index) * step
      while current < segments.count, !(time < elapsed + segments[current].duration) {
        elapsed += segments[current].duration
        current += 1
      }
      let control = current < segments.count ? segments[current] : coasting
      let braking = v <= 0 && control.acceleration <= 0
      states.append(
        State(
          pose: pose, speed: v, yawRate: control.yawRate,
          acceleration: braking ? 0 : control.acceleration))
      let nextSpeed = max(0, v + control.acceleration * step)
      let middleSpeed = (v + nextSpeed) / 2
      let middleYaw = pose.yaw + control.yawRate * step / 2
      pose.x += middleSpeed * step * cos(middleYaw)
      pose.y += middleSpeed * step * sin(middleYaw)
      pose.yaw += control.yawRate * step
      v = nextSpeed
    }
    return states
  }

  /// The state at `time` (seconds from the scenario start): the start before 0, and the last
  /// integrated state carried on at its speed and heading past the end.
  public func state(at time: Double) -> State {
    guard time > 0 else {
      var first = samples[0]
      first.speed = startSpeed
      return first
    }
    let position = time / Self.step
    let index = Int(position)
    guard index + 1 < samples.count else {
      var last = samples[samples.count - 1]
      let beyond = time - Double(samples.count - 1) * Self.step
      last.pose.x += last.speed * beyond * cos(last.pose.yaw)
      last.pose.y += last.speed * beyond * sin(last.pose.yaw)
      last.acceleration = 0
      last.yawRate = 0
      return last
    }
    let a = samples[index]
    let b = samples[index + 1]
    let f = position - Double(index)
    var state = a
    state.pose.x += (b.pose.x - a.pose.x) * f
    state.pose.y += (b.pose.y - a.pose.y) * f
    state.pose.yaw += (b.pose.yaw - a.pose.yaw) * f
    state.speed += (b.speed - a.speed) * f
    return state
  }

  public static func == (lhs: Trajectory, rhs: Trajectory) -> Bool {
    lhs.start == rhs.start && lhs.startSpeed == rhs.startSpeed && lhs.segments == rhs.segments
      && lhs.samples.count == rhs.samples.count
  }
}
