import Foundation
import SightlineLidar
import SightlineSchema
import SightlineV2X
import SightlineZMQ
import Testing

@testable import SightlinePipeline
@testable import SightlinePublish

/// The misbehaviour rule that needs LiDAR: a "car" reported where LiDAR sees open road, frame
/// after frame (a spoofed BSM), is quarantined after `v2x.lidar_contradiction_frames`.
@Suite struct ContradictionTests {
  static let t0: Int64 = 1_700_000_000_000_000_000

  /// Ten frames: a ring of walls 8 m out (so everything nearer is seen free), and a BSM every
  /// frame from one sender claiming a parked car at the sensor's own spot, where LiDAR sees
  /// free road; another sender's car is parked at the wall, where LiDAR does see something.
  static func run(contradictionFrames: Int) throws -> [GridFrame] {
    var config = SightlineConfig()
    config.grid.columns = 300
    config.grid.rows = 300
    config.publish.endpoint = uniqueEndpoint()
    config.v2x.lidarContradictionFrames = contradictionFrames
    let loop = try FrameLoop(context: try ZMQContext(), config: config, live: false)
    defer { loop.close() }
    var ingest = V2XIngest(staleAfterMilliseconds: 2000)
    var frames: [GridFrame] = []
    for index in 0..<10 {
      let end = t0 + Int64(index + 1) * 100_000_000
      var sweep = Sweep()
      sweep.startNanoseconds = end - 100_000_000
      sweep.endNanoseconds = end
      for step in 0..<3600 {
        let angle = Float(step) / 3600 * 2 * .pi
        for z: Float in [-0.5, 0, 0.3] {
          sweep.points.append(
            LidarPoint(
              x: 8 * cosf(angle), y: 8 * sinf(angle), z: z, distance: 8,
              timeNanoseconds: end, azimuthCentidegrees: UInt16(step * 10), intensity: 50,
              ring: 0, returnType: 1))
        }
      }
      for (id, east) in [(UInt32(0xBAD), 0.0), (UInt32(0x600D), 8.3)] {
        var core = BSMCoreData.unavailable
        core.id = id
        core.msgCnt = UInt8(index)
        core.secMark = UInt16((end / 1_000_000 - 20) % 60_000)
        // The first report anchors the plane at the sensor's spot (no ego pose here).
        core.lat = 423_000_000
        core.long = -834_000_000 + Int32(east / 8.2 * 1000)
        core.speed = 0
        core.heading = 0
        core.size.width = 180
        core.size.length = 450
        var accuracy = PositionalAccuracy.unavailable
        accuracy.semiMajor = 4
        accuracy.semiMinor = 4
        accuracy.orientation = 0
        core.accuracy = accuracy
        let bytes = try J2735.encodeFrame(BasicSafetyMessage(coreData: core))
        let observation = bytes.withUnsafeBytes {
          ingest.ingest($0, format: .uper, receiveTimeNanoseconds: end - 10_000_000)
        }
        loop.observe(try #require(observation))
      }
      loop.framer.counters.update(lidar: LidarTotals(), v2x: nil, timeline: loop.timeline)
      try loop.process(&sweep, decodeNanoseconds: 0, clock: end)
      frames.append(loop.framer.frame)
    }
    return frames
  }

  @Test func aCarWhereLidarSeesOpenRoadIsQuarantined() throws {
    let frames = try Self.run(contradictionFrames: 5)
    // Frames 0-4 show both, the spoofed one contradicted; from the fifth it is gone.
    let ghost: UInt32 = 0xBAD
    #expect(
      frames.prefix(5).allSatisfy {
        $0.agents.first { $0.id == ghost }?.consistency == .contradicted
      })
    #expect(frames.suffix(5).allSatisfy { !$0.agents.contains { $0.id == ghost } })
    #expect(frames.allSatisfy { $0.agents.contains { $0.id == 0x600D } })
    #expect(frames.last?.quarantinedSenders == 1)
    #expect(frames.last?.counters.sendersQuarantined == 1)
    let drops = try #require(frames.last?.counters.drops)
    #expect(drops.first { $0.reason == "v2x.lidar_contradiction" }?.count == 1)
    // Its later messages are dropped as from a quarantined sender.
    #expect((drops.first { $0.reason == "v2x.quarantined_sender" }?.count ?? 0) >= 4)
  }

  @Test func withTheRuleOffTheContradictedCarStays() throws {
    let frames = try Self.run(contradictionFrames: 0)
    #expect(frames.allSatisfy { $0.agents.contains { $0.id == 0xBAD } })
    #expect(frames.last?.quarantinedSenders == 0)
    #expect(frames.last?.counters.sendersQuarantined == 0)
  }
}
