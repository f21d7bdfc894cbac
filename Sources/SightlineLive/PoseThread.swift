import Foundation
import SightlinePipeline
import SightlineZMQ

public typealias EgoPoseQueue = BoundedQueue<EgoPoseObservation>

/// The localization thread of a live run (`[ego] source = "localization"`): owns the SUB socket
/// the vehicle's `LocalizationPose` messages arrive on, stamps each on arrival, decodes and
/// checks it (`EgoPoseIngest`, every message counted) and pushes admitted poses onto the queue
/// the frame thread drains before each frame, as V2X observations are.
final class PoseThread: @unchecked Sendable {
  let context: ZMQContext
  let config: SightlineConfig.Ego
  let queue: EgoPoseQueue
  let clock: HostClock
  let stop: StopToken
  private let worker = WorkerThread(name: "sightline-pose")
  /// The ingest's counters as of its last batch (a plain copy under the lock).
  private let lock = NSLock()
  private var latest = EgoPoseCounters()

  init(
    context: ZMQContext, config: SightlineConfig.Ego, queue: EgoPoseQueue, clock: HostClock,
    stop: StopToken
  ) {
    self.context = context
    self.config = config
    self.queue = queue
    self.clock = clock
    self.stop = stop
  }

  func start() { worker.start { [self] worker in try body(worker) } }
  func requestStop() { worker.stop() }
  func join() { worker.join() }
  var failure: (any Error)? { worker.failure }

  /// The counters as of the last batch (all of them, once the thread has ended).
  var counters: EgoPoseCounters {
    lock.lock()
    defer { lock.unlock() }
    return latest
  }

  private func body(_ worker: WorkerThread) throws {
    guard let endpoint = config.endpoint else { return }
    let socket = try ZMQSocket(context: context, type: .subscriber)
    defer { socket.close() }
    try socket.setReceiveHighWaterMark(1000)
    let topic = Array(config.topic.utf8)
    try socket.subscribe(prefix: topic)
    if config.bind { try socket.bind(endpoint) } else { try socket.connect(endpoint) }
    let buffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: EgoPoseIngest.maximumPayloadBytes + topic.count + 1, alignment: 8)
    defer { buffer.deallocate() }
    var ingest = EgoPoseIngest()
    defer { share(ingest.counters) }
    let poller = ZMQPoller([socket])
    while !stop.isRequested && !worker.isStopping {
      guard try poller.wait(timeoutMilliseconds: 50) > 0 else { continue }
      while let first = try socket.receive(into: buffer) {
        var last = first
        // Multipart: the topic frame, then the pose as the last frame.
        while last.more, let next = try socket.receive(into: buffer) { last = next }
        let received = clock.now()
        guard last.size <= buffer.count else {
          ingest.countOversized()
          continue
        }
        let message = UnsafeRawBufferPointer(
          rebasing: UnsafeRawBufferPointer(buffer)[0..<last.size])
        guard let body = first.more ? message : Self.body(of: message, topic: topic) else {
          ingest.countMalformed()
          continue
        }
        if let pose = ingest.ingest(body, receiveTimeNanoseconds: received) { queue.push(pose) }
      }
      share(ingest.counters)
    }
  }

  /// One frame: the topic, a NUL, then the pose (the whole message when the topic is empty);
  /// nil when the frame does not start so.
  static func body(of message: UnsafeRawBufferPointer, topic: [UInt8]) -> UnsafeRawBufferPointer? {
    guard !topic.isEmpty else { return message }
    guard message.count > topic.count, message.starts(with: topic), message[topic.count] == 0
    else { return nil }
    return UnsafeRawBufferPointer(rebasing: message[(topic.count + 1)...])
  }

  private func share(_ counters: EgoPoseCounters) {
    lock.lock()
    latest = counters
    lock.unlock()
  }
}
