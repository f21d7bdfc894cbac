import Foundation
import SightlineGrid
import SightlineSchema
import Testing

@testable import SightlineLidar
@testable import SightlineLive
@testable import SightlinePipeline
@testable import SightlinePublish
@testable import SightlineTimeline

/// A sweep seen from the sensor: a wall 10 m ahead (x = 10, |y| ≤ 5), open space to 20 m
/// elsewhere, and ground returns at half range.
func wallSweep(time: Int64 = 1_000_000_000) -> Sweep {
  var sweep = Sweep()
  for step in 0..<3600 {
    let angle = Float(step) * .pi / 1800
    let dx = cos(angle)
    let dy = sin(angle)
    var range: Float = 20
    if dx > 0 {
      let t = 10.02 / dx
      if abs(t * dy) <= 5 { range = t }
    }
    for (r, z) in [(range, Float(0)), (range / 2, Float(-1.6))] {
      sweep.points.append(
        LidarPoint(
          x: dx * r, y: dy * r, z: z, distance: r, timeNanoseconds: time,
          azimuthCentidegrees: UInt16(step * 10), intensity: 0, ring: 0, returnType: 0))
    }
  }
  sweep.startNanoseconds = time - 100_000_000
  sweep.endNanoseconds = time
  sweep.beganAtCut = true
  sweep.endedAtCut = true
  sweep.coverageCentidegrees = 36000
  return sweep
}

func agent(_ id: UInt32, _ kind: AgentKind, x: Double, y: Double, heading: Double? = 0)
  -> ExtrapolatedAgent
{
  ExtrapolatedAgent(
    id: id, kind: kind, model: .constantVelocity, time: 1_000_000_000, x: x, y: y,
    heading: heading, speed: 0, covariance: .init(xx: 0.01, xy: 0, yy: 0.01),
    latencyNanoseconds: 100_000_000, distanceTravelled: 0, futureDated: false, length: 4.5,
    width: 1.8)
}

/// On the wall: LiDAR sees it. In open space LiDAR sees free: contradicted. Behind the wall:
/// LiDAR cannot see there.
let agentsAroundTheWall = [
  agent(1, .vehicle, x: 10.5, y: 0),
  agent(2, .pedestrian, x: 5, y: -8),
  agent(3, .pedestrian, x: 15, y: 1),
]

/// A work budget no test frame reaches: a second of the reference machine's time.
let plenty = 1_000_000_000_000

/// A work budget that leaves `picoseconds` after the output stage's reserve (`gridConfig`).
func afterOutput(_ picoseconds: Int) -> Int {
  SweepToFrame.workReservePicoseconds(cells: gridConfig().columns * gridConfig().rows) + picoseconds
}

func gridConfig() -> SightlineConfig.Grid {
  var config = SightlineConfig.Grid()
  config.columns = 400
  config.rows = 400
  return config
}

func ego(x: Double, y: Double, time: Int64 = 1_000_000_000) -> EgoState {
  EgoState(timeNanoseconds: time, position: ENUPoint(east: x, north: y), yaw: 0, speed: 0)
}

extension GridFrame {
  /// The fused and V2X cells at world point (x, y) (the drive's ENU plane).
  func cell(x: Double, y: Double) -> (fused: Int8, v2x: Int8) {
    let column = Int(((x - cornerEast) / Double(resolution)).rounded(.down))
    let row = Int(((y - cornerNorth) / Double(resolution)).rounded(.down))
    let index = row * Int(columns) + column
    return (cells[index], v2xCells.isEmpty ? -1 : v2xCells[index])
  }
}

@Suite struct FrameTests {
  @Test func agentsArePaintedAndJudgedAgainstLiDAR() {
    var framer = SweepToFrame(config: gridConfig(), budget: .work(picoseconds: plenty))
    let frame = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: agentsAroundTheWall,
      clock: 7)
    #expect(framer.statuses == [.confirmed, .contradicted, .occluded])
    #expect(frame.agentsPainted == 3)
    #expect(frame.agentsConfirmed == 1)
    #expect(frame.agentsContradicted == 1)
    #expect(frame.agentsOccluded == 1)
    #expect(frame.degradation == 0)
    #expect(frame.flags.contains(.egoKnown) && frame.flags.contains(.deterministic))
    // The wall is occupied, the space before it free, behind it unknown to LiDAR…
    #expect(frame.cell(x: 10.05, y: -3).fused > 50)
    #expect(frame.cell(x: 6, y: 3).fused >= 0 && frame.cell(x: 6, y: 3).fused <= 50)
    #expect(frame.cell(x: 15, y: -3).fused == -1)
    // …but the pedestrian behind it is in the V2X layer and in the fused grid: seen beyond
    // line of sight.
    #expect(frame.cell(x: 15, y: 1).v2x > 90)
    #expect(frame.cell(x: 15, y: 1).fused > 50)
    #expect(frame.cell(x: 15, y: -3).v2x == -1)
    // The header's counts are the fused cells'.
    #expect(Int(frame.occupiedCells) == frame.cells.filter { $0 > 50 }.count)
    #expect(Int(frame.freeCells) == frame.cells.filter { $0 >= 0 && $0 <= 50 }.count)
    #expect(Int(frame.unknownCells) == frame.cells.filter { $0 == -1 }.count)
  }

  @Test func aWallBudgetFrameIsStampedByTheGivenHostClock() {
    var framer = SweepToFrame(config: gridConfig(), budget: .wall(nanoseconds: 1_000_000_000))
    // A live run's HostClock: its time, not CLOCK_REALTIME, which may have stepped.
    framer.hostTime = { 1_000_000_042 }
    let live = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: [], clock: 7)
    #expect(live.publishTimeNanoseconds == 1_000_000_042)
    #expect(!live.flags.contains(.deterministic))
    var replay = SweepToFrame(config: gridConfig(), budget: .work(picoseconds: plenty))
    replay.hostTime = { 1_000_000_042 }
    let deterministic = replay.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: [], clock: 7)
    #expect(deterministic.publishTimeNanoseconds == 7)
  }

  @Test func optionalLayersAgreeWithTheFusedGrid() throws {
    var config = gridConfig()
    config.publishLogOddsLayer = true
    config.publishSourceLayer = true
    var framer = SweepToFrame(config: config, budget: .work(picoseconds: plenty))
    let frame = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: agentsAroundTheWall,
      clock: 7)
    let index = { (x: Double, y: Double) -> Int in
      Int(((y - frame.cornerNorth) / Double(frame.resolution)).rounded(.down)) * Int(frame.columns)
        + Int(((x - frame.cornerEast) / Double(frame.resolution)).rounded(.down))
    }
    #expect(frame.logOddsCells.count == frame.cells.count)
    #expect(frame.sourceCells.count == frame.cells.count)
    // The wall: observed, hit this sweep, occupied log-odds.
    let wall = index(10.05, -3)
    #expect(frame.sourceCells[wall] & 0b101 == 0b101 && frame.logOddsCells[wall] > 0)
    // Free space before it: observed, not hit, negative log-odds.
    let free = index(6, 3)
    #expect(frame.sourceCells[free] == 0b001 && frame.logOddsCells[free] < 0)
    // The pedestrian behind the wall: V2X only; LiDAR log-odds unknown.
    let hidden = index(15, 1)
    #expect(frame.sourceCells[hidden] == 0b010 && frame.logOddsCells[hidden] == .min)
    // Everywhere: LiDAR-unknown cells are exactly those without bit 0.
    #expect(zip(frame.logOddsCells, frame.sourceCells).allSatisfy { ($0 == .min) == ($1 & 1 == 0) })
    // And the layers survive the wire.
    let decoded = try GridFrame.decode(framer.message)
    #expect(decoded.logOddsCells == frame.logOddsCells && decoded.sourceCells == frame.sourceCells)
  }

  @Test func aTightBudgetDegradesTheFrameButKeepsEveryAgent() {
    var framer = SweepToFrame(
      config: gridConfig(), budget: .work(picoseconds: afterOutput(200_000_000)))
    let frame = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: agentsAroundTheWall,
      clock: 7)
    #expect(frame.flags.contains(.degraded))
    #expect(frame.degradation >= Degradation.endpointsOnly.rawValue)
    #expect(frame.pointsSkipped > 0)
    #expect(frame.freeSpaceReachMeters == 0)
    #expect(frame.agentsPainted == 3)
    for agent in agentsAroundTheWall {
      #expect(frame.cell(x: agent.x, y: agent.y).v2x > 90)
      #expect(frame.cell(x: agent.x, y: agent.y).fused > 50)
    }
  }

  /// A budget spent after the first agent: the nearest (second in the list) is painted, the
  /// others are listed, marked not painted and counted, and LiDAR is skipped.
  @Test func aBudgetSpentAmongTheAgentsPaintsTheNearestAndCountsTheRest() {
    var framer = SweepToFrame(config: gridConfig(), budget: .work(picoseconds: afterOutput(1)))
    let frame = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: agentsAroundTheWall,
      clock: 7)
    #expect(framer.statuses == [.notPainted, .occluded, .notPainted])
    #expect(frame.agentsSkippedForBudget == 2)
    #expect(frame.agentsNotPainted == 0)
    #expect(frame.agentsPainted == 1)
    #expect(frame.agents.count == 3)
    #expect(frame.agents.map(\.consistency.rawValue) == [0, 2, 0])
    #expect(frame.degradation == Degradation.agentsSkipped.rawValue)
    #expect(frame.flags.contains(.degraded))
    #expect(frame.pointsSkipped == frame.pointsInSweep)
    #expect(frame.cell(x: 5, y: -8).v2x > 90)
    #expect(frame.cell(x: 10.5, y: 0).v2x == -1)
    #expect(frame.cell(x: 15, y: 1).v2x == -1)
  }

  /// Beyond `max_agents` the farthest go unpainted, and each agent keeps its own status: the
  /// painted one is not the first in the list.
  @Test func agentsBeyondTheLimitKeepEveryOtherAgentsStatusInPlace() {
    var config = gridConfig()
    config.maxAgents = 1
    var framer = SweepToFrame(config: config, budget: .work(picoseconds: plenty))
    let frame = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: agentsAroundTheWall,
      clock: 7)
    #expect(framer.statuses == [.notPainted, .contradicted, .notPainted])
    #expect(frame.agentsNotPainted == 2)
    #expect(frame.agentsSkippedForBudget == 0)
    #expect(frame.agentsContradicted == 1 && frame.agentsPainted == 1)
    #expect(frame.degradation == 0)
  }

  @Test func aWorkBudgetGivesTheSameBytesEveryTime() {
    var messages: [[UInt8]] = []
    for _ in 0..<2 {
      var framer = SweepToFrame(
        config: gridConfig(), budget: .work(picoseconds: afterOutput(200_000_000)))
      var bytes: [UInt8] = []
      for step in 0..<3 {
        let time = Int64(1_000_000_000 + step * 100_000_000)
        _ = framer.process(
          wallSweep(time: time), decodeNanoseconds: 12345, ego: ego(x: Double(step) * 0.3, y: 0),
          agents: agentsAroundTheWall, clock: time)
        bytes += framer.message
      }
      messages.append(bytes)
    }
    #expect(messages[0] == messages[1])
  }

  @Test func anEgoJumpClearsTheGridAndSaysSo() {
    var config = gridConfig()
    config.resetJumpMeters = 30
    var framer = SweepToFrame(config: config, budget: .work(picoseconds: plenty))
    let first = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 0, y: 0), agents: [], clock: 0)
    #expect(!first.flags.contains(.gridReset))
    let moved = framer.process(
      wallSweep(), decodeNanoseconds: 0, ego: ego(x: 1.5, y: 0), agents: [], clock: 0)
    #expect(!moved.flags.contains(.gridReset))
    #expect(abs(moved.cornerEast - first.cornerEast - 1.5) <= 0.1001)  // scrolled by whole cells
    let jumped = framer.process(
      Sweep(), decodeNanoseconds: 0, ego: ego(x: 1000, y: 0), agents: [], clock: 0)
    #expect(jumped.flags.contains(.gridReset))
    #expect(framer.gridResets == 1)
    #expect(jumped.unknownCells == 400 * 400)
  }

  @Test func badPointsNeverReachTheGrid() {
    var framer = SweepToFrame(config: gridConfig(), budget: .work(picoseconds: plenty))
    var sweep = wallSweep()
    for value in [Float.nan, .infinity, -.infinity, 1e30] {
      sweep.points.append(
        LidarPoint(
          x: value, y: 1, z: 0, distance: 1, timeNanoseconds: 0, azimuthCentidegrees: 0,
          intensity: 0, ring: 0, returnType: 0))
    }
    let frame = framer.process(sweep, decodeNanoseconds: 0, ego: nil, agents: [], clock: 0)
    #expect(framer.lastReport.pointsRejected == 4)
    #expect(frame.cell(x: 10.05, y: -3).fused > 50)
  }
}

@Suite(.serialized) struct DeterministicReplayTests {
  @Test func replayingTheBundledDriveTwiceGivesIdenticalFrames() throws {
    let first = try replayWithSubscriber(capture: bundledCapture)
    let second = try replayWithSubscriber(capture: bundledCapture)
    #expect(first.frames.count == 5)
    #expect(first.frames == second.frames)
    #expect(first.frames.allSatisfy { $0.flags.contains(.deterministic) })
    #expect(first.frames.allSatisfy { $0.processingNanoseconds == 0 })
  }
}
