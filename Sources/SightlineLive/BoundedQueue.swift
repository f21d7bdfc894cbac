import Foundation
import SightlinePipeline

/// Items waiting for the frame loop (V2X observations, GNSS fixes): bounded; when full the
/// oldest goes and is counted, so a stalled frame loop never grows memory.
public final class BoundedQueue<Item: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [Item] = []
  private var head = 0
  public let capacity: Int
  private var overflowCount = 0
  /// Items dropped because the queue was full (read under the lock: the pushing thread counts).
  public var overflowed: Int {
    lock.lock()
    defer { lock.unlock() }
    return overflowCount
  }

  public init(capacity: Int) {
    self.capacity = capacity
    items.reserveCapacity(capacity)
  }

  public func push(_ item: Item) {
    lock.lock()
    defer { lock.unlock() }
    if items.count - head >= capacity {
      head += 1
      overflowCount += 1
    }
    if head > 0 && items.count == items.capacity {
      items.removeFirst(head)
      head = 0
    }
    items.append(item)
  }

  /// Hands every waiting item to `body`, oldest first.
  public func drain(_ body: (Item) -> Void) {
    lock.lock()
    defer { lock.unlock() }
    for index in head..<items.count { body(items[index]) }
    items.removeAll(keepingCapacity: true)
    head = 0
  }
}

public typealias V2XQueue = BoundedQueue<V2XObservation>
