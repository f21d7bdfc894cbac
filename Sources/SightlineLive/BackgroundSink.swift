import Foundation
import SightlinePipeline
import SightlineSchema

/// Runs a slow sink (the MCAP recorder: encoding, compression, disk) on a thread of its own, so
/// that it never holds up the frame loop. Each frame's encoded bytes are copied into one of a
/// few reused buffers and handed over; when all are in use the frame is dropped for this sink
/// and counted (`dropped`). The worker decodes the frame from those bytes and gives it to the
/// wrapped sink, in order. Stats and the end of the stream travel the same queue, and `finish`
/// and `close` wait for it to drain, so a stopped run still leaves a complete recording.
public final class BackgroundSink: FrameSink, @unchecked Sendable {
  private enum Item {
    case frame(grid: [UInt8], agents: [UInt8])
    case stats([UInt8])
    case finish
  }

  private let sink: any FrameSink
  private let worker: WorkerThread
  private let condition = NSCondition()
  private var pool: [[UInt8]]
  private var queue: [Item] = []
  private var idle = true
  private var failure: (any Error)?
  private var droppedFrames = 0

  /// `buffers`: how many frames may wait; each takes two buffers of up to `bytesPerFrame`.
  public init(wrapping sink: any FrameSink, name: String, buffers: Int = 4, bytesPerFrame: Int) {
    self.sink = sink
    worker = WorkerThread(name: name)
    pool = (0..<(2 * buffers)).map { _ in
      var buffer = [UInt8]()
      buffer.reserveCapacity(bytesPerFrame)
      return buffer
    }
    queue.reserveCapacity(2 * buffers + 2)
    worker.start { [self] worker in try drain(worker) }
  }

  /// Frames this sink dropped because the worker was still busy with earlier ones.
  public var dropped: Int { locked { droppedFrames } }

  public func take(frame: GridFrame, grid: [UInt8], agents: [UInt8]) throws {
    guard sink.wantsFrames, var (gridCopy, agentsCopy) = takeBuffers() else { return }
    gridCopy.append(contentsOf: grid)
    agentsCopy.append(contentsOf: agents)
    try enqueue(.frame(grid: gridCopy, agents: agentsCopy))
  }

  public func take(stats: [UInt8]) throws { try enqueue(.stats(stats)) }

  /// Waits until every queued frame has reached the wrapped sink, then finishes it.
  public func finish() throws {
    try enqueue(.finish)
    try waitUntilDrained()
  }

  /// Drains the queue (a recording stays complete), closes the wrapped sink, ends the thread.
  public func close(discardPending: Bool) {
    try? waitUntilDrained()
    worker.stop()
    locked {}  // wakes the worker to see the stop
    worker.join()
    sink.close(discardPending: discardPending)
  }

  /// Two free buffers, or nil (the frame is dropped and counted) when the worker is behind.
  private func takeBuffers() -> ([UInt8], [UInt8])? {
    condition.lock()
    defer { condition.unlock() }
    guard pool.count >= 2, var first = pool.popLast(), var second = pool.popLast() else {
      droppedFrames += 1
      return nil
    }
    first.removeAll(keepingCapacity: true)
    second.removeAll(keepingCapacity: true)
    return (first, second)
  }

  private func enqueue(_ item: Item) throws {
    try locked {
      if let failure { throw failure }
      queue.append(item)
    }
  }

  private func waitUntilDrained() throws {
    condition.lock()
    defer { condition.unlock() }
    while !(queue.isEmpty && idle) && failure == nil { condition.wait() }
    if let failure { throw failure }
  }

  /// The worker: one item at a time, in order, to the wrapped sink.
  private func drain(_ worker: WorkerThread) throws {
    while let item = next(worker) {
      do {
        try deliver(item)
      } catch {
        locked { failure = error }
      }
      locked {
        idle = true
        if case .frame(let grid, let agents) = item {
          pool.append(grid)
          pool.append(agents)
        }
      }
    }
  }

  private func next(_ worker: WorkerThread) -> Item? {
    condition.lock()
    defer { condition.unlock() }
    while queue.isEmpty {
      if worker.isStopping { return nil }
      condition.wait()
    }
    idle = false
    return queue.removeFirst()
  }

  private func deliver(_ item: Item) throws {
    switch item {
    case .frame(let grid, let agents):
      try sink.take(frame: try GridFrame.decode(grid), grid: grid, agents: agents)
    case .stats(let stats):
      try sink.take(stats: stats)
    case .finish:
      try sink.finish()
    }
  }

  @discardableResult
  private func locked<T>(_ body: () throws -> T) rethrows -> T {
    condition.lock()
    defer {
      condition.broadcast()
      condition.unlock()
    }
    return try body()
  }
}
