import Foundation
import SightlinePipeline
import SightlinePublish
import SightlineV2X
import SightlineZMQ

/// `sightline flood`: a V2X load generator for load tests. Publishes BSMs from `senders`
/// distinct temporary ids, stamped now, at `rate` messages a second on a ZeroMQ PUB socket,
/// paced in 1 ms batches. Senders stand still on a 20 m grid around a point, so every message
/// is plausible: what a runtime drops under the flood, it drops for load, not for content.
public struct V2XFlood {
  public var endpoint: String
  public var bind = true
  public var rate = 100_000.0
  public var seconds = 10.0
  public var senders = 5000
  public var sendHighWaterMark: Int32 = 100_000

  public init(endpoint: String) { self.endpoint = endpoint }

  /// A parked car's BSM core (stopped, in park, 1.8 × 4.5 m, ±1 m): callers set id, msgCnt,
  /// secMark and position.
  public static let parkedCar: BSMCoreData = {
    var core = BSMCoreData.unavailable
    core.speed = 0
    core.heading = 0
    core.transmission = 0
    var accuracy = PositionalAccuracy.unavailable
    accuracy.semiMajor = 20
    accuracy.semiMinor = 20
    accuracy.orientation = 0
    core.accuracy = accuracy
    core.size.width = 180
    core.size.length = 450
    return core
  }()

  public struct Result: Sendable {
    public var sent = 0
    /// Messages libzmq would not queue (its high-water mark): not sent.
    public var notQueued = 0
    public var elapsedSeconds = 0.0
  }

  public func run(context: ZMQContext, stop: () -> Bool = { false }) throws -> Result {
    let socket = try ZMQSocket(context: context, type: .publisher)
    try socket.setSendHighWaterMark(sendHighWaterMark)
    if bind { try socket.bind(endpoint) } else { try socket.connect(endpoint) }
    defer { socket.close() }
    Thread.sleep(forTimeInterval: 0.5)  // subscribers join
    var core = Self.parkedCar
    var writer = UPERWriter()
    var result = Result()
    let started = MonotonicClock.nanoseconds()
    let total = Int(rate * seconds)
    let side = Int(Double(senders).squareRoot().rounded(.up))
    while result.sent + result.notQueued < total && !stop() {
      // Catch up to where the schedule says we should be, then sleep to the next millisecond.
      let now = MonotonicClock.nanoseconds()
      let due = min(total, Int(Double(now - started) / 1e9 * rate) + 1)
      let wall = Int64(Date().timeIntervalSince1970 * 1000)
      while result.sent + result.notQueued < due {
        let index = result.sent + result.notQueued
        let sender = index % senders
        core.id = 0x0F00_0000 + UInt32(sender)
        core.msgCnt = UInt8((index / senders) % 128)
        core.secMark = UInt16(wall % 60_000)
        // 1e-7 degrees per unit: about 20 m is 1800 units north, 2700 east at 42° N.
        core.lat = 423_000_000 + Int32(sender / side) * 1800
        core.long = -834_000_000 + Int32(sender % side) * 2700
        writer.removeAll()
        try J2735.encodeFrame(BasicSafetyMessage(coreData: core), into: &writer)
        if try writer.bytes.withUnsafeBytes({ try socket.send($0) }) {
          result.sent += 1
        } else {
          result.notQueued += 1
        }
      }
      let next = started + Int64(Double(due) / rate * 1e9)
      let wait = next - MonotonicClock.nanoseconds()
      if wait > 0 { Thread.sleep(forTimeInterval: Double(wait) / 1e9) }
    }
    result.elapsedSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
    Thread.sleep(forTimeInterval: 0.5)  // let the queue drain before closing
    return result
  }
}
