import Foundation
import SightlineLive
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineTimeline
import SightlineZMQ
import Synchronization
import Testing

/// A live run whose ego comes from the vehicle's localization: a real ZeroMQ PUB sending
/// `LocalizationPose` messages (and some bad bytes) beside the LiDAR feed.
@Suite(.serialized) struct EgoLiveTests {
  static let origin = GeodeticPosition(latitudeDegrees: 42.3, longitudeDegrees: -83.4)
  static let plane = LocalTangentPlane(origin: origin)
  /// The path the localization reports: 5 m/s from `origin` at `start`, heading yaw 0.3 rad.
  static func position(at time: Int64, start: Int64) -> ENUPoint {
    let travelled = 5 * Double(time - start) / 1e9
    return ENUPoint(east: travelled * cos(0.3), north: travelled * sin(0.3))
  }

  @Test func framesFollowTheLocalizationAndStatsSayWhereTheEgoComesFrom() throws {
    let poseEndpoint = uniqueEndpoint()
    let rig = try LiveRig(seconds: 4) {
      $0.config.ego.source = .localization
      $0.config.ego.endpoint = poseEndpoint
      $0.config.ego.maxAgeMilliseconds = 1000
    }
    let start = Int64(Date().timeIntervalSince1970 * 1e9)
    let localization = LocalizationPublisher(context: rig.context, endpoint: poseEndpoint)
    localization.start { now in
      var pose = LocalizationPose()
      pose.timeNanoseconds = now
      let geo = Self.plane.geodetic(Self.position(at: now, start: start))
      pose.latitudeDegrees = geo.latitudeDegrees
      pose.longitudeDegrees = geo.longitudeDegrees
      pose.yaw = 0.3
      pose.speedMetersPerSecond = 5
      pose.yawRateRadiansPerSecond = 0
      pose.covariance = (0..<36).map { $0 % 7 == 0 ? 0.01 : 0 }
      return pose
    }
    rig.start()
    let (observed, summary) = try rig.finish()
    let garbageSent = localization.wait()

    let logs = rig.run?.logLines.withLock { $0 } ?? []
    #expect(logs.contains { $0.hasPrefix("ego pose: localization") }, "\(logs)")
    // Frames made while poses came have the ego where the localization put it at the frame's
    // own time (interpolated or extrapolated on the straight path), facing its yaw.
    let placed = observed.frames.filter {
      $0.flags.contains(.egoKnown) && $0.referenceTimeNanoseconds < start + 2_400_000_000
    }
    #expect(placed.count >= 5, "\(placed.count) frames with the ego")
    for frame in placed {
      let wgs84 = try #require(frame.egoWGS84)
      let expected = Self.position(at: frame.referenceTimeNanoseconds, start: start)
      let got = Self.plane.enu(
        GeodeticPosition(
          latitudeDegrees: wgs84.latitudeDegrees, longitudeDegrees: wgs84.longitudeDegrees))
      #expect(abs(got.east - expected.east) < 0.01, "\(got) \(expected)")
      #expect(abs(got.north - expected.north) < 0.01)
      #expect(abs(Double(frame.egoYaw) - 0.3) < 1e-4)
    }
    // The last stats: the source, and an age that grew once the poses stopped.
    let end = try #require(observed.end)
    #expect(end.ego.source == .localization)
    let age = try #require(end.ego.poseAgeNanoseconds)
    #expect(age > 0)
    #expect(end.ego.stale == (age > 1_000_000_000))
    #expect(end.ego.poses > 0)
    // Bad bytes are counted, not taken: some may have gone before the run connected.
    let malformed = end.counters.drops.first { $0.reason == "ego.pose_malformed" }?.count ?? 0
    #expect(malformed > 0 && malformed <= UInt64(garbageSent))
    let messages = summary.egoPoseMessages
    #expect(UInt64(messages.malformed) == malformed)
    #expect(
      messages.received == messages.accepted + messages.malformed + messages.invalid
        + messages.oversized)
    #expect(summary.egoSource == "localization")
    #expect(summary.egoPoses == Int(end.ego.poses))
  }
}

/// The vehicle's localization: a PUB socket bound at `endpoint` on a thread of its own, sending
/// `pose\0` + a pose stamped now at 50 Hz for 2.5 s, then nothing; every 10th message is bytes
/// that are no pose.
final class LocalizationPublisher: @unchecked Sendable {
  let context: ZMQContext
  let endpoint: String
  private let condition = NSCondition()
  private var garbageSent: Int?

  init(context: ZMQContext, endpoint: String) {
    self.context = context
    self.endpoint = endpoint
  }

  func start(pose: @escaping @Sendable (Int64) -> LocalizationPose) {
    let thread = Thread { [self] in
      var garbage = 0
      if let socket = try? ZMQSocket(context: context, type: .publisher),
        (try? socket.bind(endpoint)) != nil
      {
        let started = Date()
        var index = 0
        while Date().timeIntervalSince(started) < 2.5 {
          index += 1
          var message = Array("pose\0".utf8)
          if index % 10 == 0 {
            message += [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
            garbage += 1
          } else {
            message += pose(Int64(Date().timeIntervalSince1970 * 1e9)).encode()
          }
          _ = try? socket.send(message)
          Thread.sleep(forTimeInterval: 0.02)
        }
        socket.close()
      }
      condition.lock()
      garbageSent = garbage
      condition.broadcast()
      condition.unlock()
    }
    thread.start()
  }

  /// The bad messages sent, once the publisher has finished.
  func wait() -> Int {
    condition.lock()
    defer { condition.unlock() }
    while garbageSent == nil { condition.wait() }
    return garbageSent!
  }
}
