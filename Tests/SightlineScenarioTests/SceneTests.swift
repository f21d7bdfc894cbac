import Foundation
import Testing

@testable import SightlineScenario

@Suite struct SceneTests {
  @Test func trajectoriesAccelerateBrakeToAStopAndTurn() {
    // 2 s at 2 m/s², 2 s braking at 3 m/s² (stops after 4/3 s), a quarter turn on the spot.
    let path = Trajectory(
      start: Pose2D(x: 0, y: 0, yaw: 0), speed: 0,
      segments: [
        .init(duration: 2, acceleration: 2), .init(duration: 2, acceleration: -3),
        .init(duration: 1, yawRate: .pi / 2),
      ], until: 8)
    #expect(path.state(at: -1).pose == Pose2D(x: 0, y: 0, yaw: 0))
    let accelerating = path.state(at: 1)
    #expect(abs(accelerating.pose.x - 1) < 1e-6 && abs(accelerating.speed - 2) < 1e-9)
    #expect(accelerating.acceleration == 2)
    // Braking from 4 m/s at 3 m/s²: 8/3 m more, then stopped (speed 0, not negative).
    let stopped = path.state(at: 3.9)
    #expect(abs(stopped.pose.x - (4 + 8.0 / 3)) < 1e-3 && stopped.speed == 0)
    #expect(stopped.acceleration == 0)
    let turned = path.state(at: 4.5)
    #expect(abs(turned.pose.yaw - .pi / 4) < 1e-9 && turned.yawRate == .pi / 2)
    #expect(abs(path.state(at: 7).pose.yaw - .pi / 2) < 1e-9)
    // A constant turn at speed traces a circle of radius v / ω.
    let circle = Trajectory(
      start: Pose2D(x: 0, y: 0, yaw: 0), speed: 5, segments: [.init(duration: 8, yawRate: 0.5)],
      until: 8)
    let end = circle.state(at: 2 * .pi / 0.5 / 2)  // half a circle
    #expect(abs(end.pose.x) < 0.01 && abs(end.pose.y - 20) < 0.01)
  }

  @Test func raysHitTheGroundBoxesAndNothingBehindThem() {
    let wall = Box(center: Pose2D(x: 10, y: 0, yaw: 0), length: 2, width: 20, height: 3)
    let scene = Scene(
      name: "t", origin: (0, 0, 0), duration: 1, buildings: [wall], agents: [],
      ego: .straight(from: 0, 0, heading: 0, speed: 0, end: 1))
    let origin = (x: 0.0, y: 0.0, z: 2.0)
    // Straight at the wall: its near face at x = 9.
    #expect(
      scene.cast(from: origin, direction: (1, 0, 0), at: 0, maximumRange: 100, agentBoxes: []) == 9)
    // Down at 45°: the ground 2 m away along each axis.
    let down = (x: 0.5.squareRoot(), y: 0.0, z: -(0.5.squareRoot()))
    let ground = scene.cast(from: origin, direction: down, at: 0, maximumRange: 100, agentBoxes: [])
    #expect(abs(ground! - 2 * 2.0.squareRoot()) < 1e-9)
    // Over the wall (3 m high, at 9 m): a ray rising 1 in 5 clears it and hits nothing.
    let norm = (1.0 + 0.04).squareRoot()
    #expect(
      scene.cast(
        from: origin, direction: (1 / norm, 0, 0.2 / norm), at: 0, maximumRange: 100,
        agentBoxes: []) == nil)
    // A rotated box: a 4 × 1 box turned 90° blocks the y axis 2 m out.
    let turned = Box(center: Pose2D(x: 0, y: 5, yaw: .pi / 2), length: 4, width: 1, height: 2)
    let hit = scene.cast(
      from: origin, direction: (0, 1, 0), at: 0, maximumRange: 100, agentBoxes: [turned])
    #expect(abs(hit! - 3) < 1e-9)
  }

  @Test func theBlindIntersectionHidesThePedestrianUntilItStepsOut() throws {
    let scene = try BundledScenario.load("blind-intersection").scene
    func visible(at time: Double) -> Bool {
      let ego = scene.ego.state(at: time).pose
      let pedestrian = scene.agents[0].trajectory.state(at: time).pose
      let origin = (x: ego.x, y: ego.y, z: scene.sensorHeight)
      let target = (x: pedestrian.x, y: pedestrian.y, z: 1.0)
      let d = (target.x - origin.x, target.y - origin.y, target.z - origin.z)
      let length = (d.0 * d.0 + d.1 * d.1 + d.2 * d.2).squareRoot()
      let boxes = scene.agentBoxes(at: time)
      let range = scene.cast(
        from: origin, direction: (d.0 / length, d.1 / length, d.2 / length), at: time,
        maximumRange: 200, agentBoxes: boxes)
      return range.map { abs($0 - length) < 0.5 } ?? false
    }
    #expect(!visible(at: 1) && !visible(at: 5) && !visible(at: 8))
    #expect(visible(at: 11))
  }

  @Test func burstyLinksLoseAboutWhatTheyShouldAndRepeatExactly() {
    let link = RadioLink.bursty(latency: 0.3, jitter: 0.05, loss: 0.3, burstLength: 5)
    var channel = RadioChannel(link: link, seed: 42)
    var again = RadioChannel(link: link, seed: 42)
    var delivered = 0
    var runs: [Int] = []
    var run = 0
    for message in 0..<20_000 {
      let times = channel.deliver(sentAt: Double(message) * 0.1)
      #expect(times == again.deliver(sentAt: Double(message) * 0.1))
      if times.isEmpty {
        run += 1
      } else {
        delivered += 1
        if run > 0 { runs.append(run) }
        run = 0
        #expect(times[0] > Double(message) * 0.1)
      }
    }
    let loss = 1 - Double(delivered) / 20_000
    #expect(abs(loss - 0.3) < 0.03)
    // Bursts, not independent losses: the mean run of losses is near the burst length.
    let meanRun = Double(runs.reduce(0, +)) / Double(runs.count)
    #expect(meanRun > 3.5 && meanRun < 6.5)
  }

  @Test func dropoutsDeliverNothing() {
    var link = RadioLink()
    link.dropouts = [4.0...5.5]
    var channel = RadioChannel(link: link, seed: 1)
    #expect(channel.deliver(sentAt: 3.9).count == 1)
    #expect(channel.deliver(sentAt: 4.5).isEmpty)
    #expect(channel.deliver(sentAt: 5.6).count == 1)
  }
}
