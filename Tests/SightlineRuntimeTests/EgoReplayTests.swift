import Foundation
import SightlinePipeline
import SightlineSchema
import SightlineTimeline
import SightlineZMQ
import Testing

@testable import SightlineReplay

/// Replays whose ego comes from a drive's recorded localization poses (`[ego] log`) or from the
/// vehicle's own BSMs in its V2X log (`[ego] temporary_id`).
@Suite struct EgoReplayTests {
  static let drive = repositoryRoot.appendingPathComponent("Replay/blind-intersection").path

  /// A scratch drive on the bundled capture and V2X log with this `[ego]` section (and files).
  func scratchDrive(ego: String, files: [String: String] = [:]) throws -> Drive {
    let folder = NSTemporaryDirectory() + "sightline-ego-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (name, text) in files {
      try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }
    let manifest = """
      [lidar]
      pcap = "\(Self.drive)/blind-intersection.pcap"
      [v2x]
      log = "\(Self.drive)/v2x.jsonl"
      [ego]
      \(ego)
      """
    try manifest.write(toFile: folder + "/drive.toml", atomically: true, encoding: .utf8)
    var drive = try Drive.load(folder: folder)
    drive.config.grid.columns = 200
    drive.config.grid.rows = 200
    return drive
  }

  func replay(_ drive: Drive) throws -> (frames: [GridFrame], summary: ReplaySummary) {
    var options = drive.replayOptions()
    options.config.publish.endpoint = uniqueEndpoint()
    var frames = [GridFrame]()
    let summary = try Replay(options: options).run(context: try ZMQContext()) {
      _ in
    } onFrameData: {
      frames.append($0)
    }
    return (frames, summary)
  }

  @Test func recordedLocalizationPosesMakeTheEgo() throws {
    let truth = try TruthFile.read(path: Self.drive + "/truth.jsonl")
    // The truth's ego as the vehicle's localization would have logged it, each pose received
    // a second before its time (so every frame interpolates), in both of the log's forms; and
    // one line of bytes that are no pose.
    var lines = ["{\"t_ns\": 1, \"payload_hex\": \"ffffffff0f\"}"]
    for (index, sample) in truth.samples.enumerated() {
      let geo = truth.plane.geodetic(ENUPoint(east: sample.ego.x, north: sample.ego.y))
      var pose = LocalizationPose()
      pose.timeNanoseconds = sample.t_ns
      pose.latitudeDegrees = geo.latitudeDegrees
      pose.longitudeDegrees = geo.longitudeDegrees
      pose.yaw = sample.ego.yaw
      pose.speedMetersPerSecond = sample.ego.speed
      let received = sample.t_ns - 1_000_000_000
      if index % 2 == 0 {
        let hex = pose.encode().map { String(format: "%02x", $0) }.joined()
        lines.append("{\"t_ns\": \(received), \"payload_hex\": \"\(hex)\"}")
      } else {
        lines.append(
          "{\"t_ns\": \(received), \"pose\": {\"time_ns\": \"\(sample.t_ns)\","
            + " \"latitude_deg\": \(geo.latitudeDegrees), \"longitude_deg\": \(geo.longitudeDegrees),"
            + " \"yaw_rad\": \(sample.ego.yaw), \"speed_mps\": \(sample.ego.speed),"
            + " \"frame_id\": \"base_link\"}}")
      }
    }
    let drive = try scratchDrive(
      ego: "source = \"localization\"\nlog = \"pose.jsonl\"",
      files: ["pose.jsonl": lines.joined(separator: "\n")])
    #expect(drive.ego == .localization)
    let (frames, summary) = try replay(drive)

    let inside = frames.filter {
      $0.referenceTimeNanoseconds >= truth.samples.first!.t_ns
        && $0.referenceTimeNanoseconds <= truth.samples.last!.t_ns
    }
    #expect(inside.count > 10)
    for frame in inside {
      #expect(frame.flags.contains(.egoKnown))
      let wgs84 = try #require(frame.egoWGS84)
      let got = truth.plane.enu(
        GeodeticPosition(
          latitudeDegrees: wgs84.latitudeDegrees, longitudeDegrees: wgs84.longitudeDegrees))
      let expected = try #require(truth.states(at: frame.referenceTimeNanoseconds)).ego
      #expect(abs(got.east - expected.x) < 0.01 && abs(got.north - expected.y) < 0.01)
      #expect(abs(Double(frame.egoYaw) - expected.yaw) < 1e-3)
    }
    #expect(summary.ego.source == .localization)
    #expect(summary.ego.poses == UInt64(truth.samples.count))
    let drops = frames.last?.counters.drops ?? []
    #expect(drops.contains { $0.reason == "ego.pose_malformed" && $0.count == 1 })
  }

  @Test func theVehiclesOwnBSMsMakeTheEgoAndNoAgent() throws {
    // Any sender of the drive's log will do as "the vehicle": the most heard vehicle.
    let baseline = try replay(try scratchDrive(ego: "source = \"gprmc\""))
    var heard = [UInt32: Int]()
    for frame in baseline.frames {
      for agent in frame.agents where agent.kind == .vehicle { heard[agent.id, default: 0] += 1 }
    }
    let own = try #require(heard.max { $0.value < $1.value }?.key)
    let drive = try scratchDrive(
      ego: "source = \"bsm\"\ntemporary_id = \"\(String(format: "%08X", own))\"")
    #expect(drive.config.ego.temporaryID == own)
    let (frames, summary) = try replay(drive)
    #expect(frames.allSatisfy { !$0.agents.contains { $0.id == own } })
    #expect(frames.contains { $0.flags.contains(.egoKnown) })
    #expect(summary.ego.source == .bsm)
    #expect(summary.ego.poses > 0)
  }

  @Test func egoSectionErrorsNameTheKey() throws {
    func error(_ ego: String, files: [String: String] = [:]) -> String {
      do {
        _ = try scratchDrive(ego: ego, files: files)
        return ""
      } catch {
        return "\(error)"
      }
    }
    #expect(error("source = \"localization\"").contains("ego.log"))
    #expect(error("source = \"localization\"\nlog = \"missing.jsonl\"").contains("ego.log"))
    #expect(error("source = \"bsm\"").contains("ego.temporary_id"))
    #expect(error("source = \"bsm\"\ntemporary_id = \"xyz\"").contains("ego.temporary_id"))
    #expect(error("source = \"gprmc\"\ntemporary_id = \"5EED0001\"").contains("ego.temporary_id"))
    #expect(error("source = \"truth\"\nlog = \"pose.jsonl\"").contains("ego.log"))
  }
}
