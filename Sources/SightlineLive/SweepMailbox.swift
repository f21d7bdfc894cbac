import Foundation
import SightlineLidar
import SightlinePipeline

/// Hands finished sweeps from the ingest thread to the frame thread without copying points:
/// buffers circulate through a small pool. When the frame thread falls behind, new sweeps are
/// dropped and counted, so the ingest thread never blocks and never loses packets.
final class SweepMailbox: @unchecked Sendable {
  private let condition = NSCondition()
  private var pool: [[LidarPoint]]
  /// Segment buffers circulate with the points (a merged frame's sensors), so neither side
  /// copies them.
  private var segmentPool: [[SweepSegment]]
  private var queue: [(Sweep, Int64, Int64)] = []
  private var finished = false
  private var dropCount = 0
  private var totals = LidarTotals()

  init(buffers: Int, capacity: Int) {
    pool = (0..<buffers).map { _ in
      var buffer = [LidarPoint]()
      buffer.reserveCapacity(capacity)
      return buffer
    }
    segmentPool = (0..<buffers).map { _ in
      var segments = [SweepSegment]()
      segments.reserveCapacity(16)
      return segments
    }
    queue.reserveCapacity(buffers)
  }

  /// Ingest side: takes the sweep's points (leaving an empty buffer with capacity behind).
  /// `totals` are the ingest's counters as of this sweep, for the frame's counters.
  /// `hostTime`: when the sweep was handed over, on the run's host timeline.
  func deposit(
    _ sweep: inout Sweep, decodeNanoseconds: Int64, hostTime: Int64, totals: LidarTotals
  ) {
    condition.lock()
    defer { condition.unlock() }
    self.totals = totals
    guard var buffer = pool.popLast(), var segments = segmentPool.popLast() else {
      dropCount += 1
      return
    }
    swap(&buffer, &sweep.points)
    swap(&segments, &sweep.segments)
    var handed = sweep
    handed.points = buffer
    handed.segments = segments
    queue.append((handed, decodeNanoseconds, hostTime))
    condition.signal()
  }

  enum Taken {
    case sweep(Sweep, decodeNanoseconds: Int64, hostTime: Int64)
    case timedOut
    case finished
  }

  /// Frame side: waits up to `timeoutNanoseconds` for the next sweep.
  func take(timeoutNanoseconds: Int64) -> Taken {
    condition.lock()
    defer { condition.unlock() }
    if queue.isEmpty && !finished {
      _ = condition.wait(until: Date(timeIntervalSinceNow: Double(timeoutNanoseconds) / 1e9))
    }
    guard !queue.isEmpty else { return finished ? .finished : .timedOut }
    let (sweep, decode, host) = queue.removeFirst()
    return .sweep(sweep, decodeNanoseconds: decode, hostTime: host)
  }

  /// Frame side: gives a processed sweep's buffer back.
  func recycle(_ sweep: inout Sweep) {
    var buffer = [LidarPoint]()
    swap(&buffer, &sweep.points)
    buffer.removeAll(keepingCapacity: true)
    var segments = [SweepSegment]()
    swap(&segments, &sweep.segments)
    segments.removeAll(keepingCapacity: true)
    condition.lock()
    pool.append(buffer)
    segmentPool.append(segments)
    condition.unlock()
  }

  /// Sweeps dropped because the frame thread was busy.
  var dropped: Int {
    condition.lock()
    defer { condition.unlock() }
    return dropCount
  }

  /// The ingest's counters as of the last deposited sweep.
  var lidarTotals: LidarTotals {
    condition.lock()
    defer { condition.unlock() }
    return totals
  }

  func finish() {
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }
}
