// SightlineNet reassembly: turns captured frames into UDP datagrams, putting IPv4 fragments back
// together. Pure and allocation-free after init: fragment bytes go into buffers reserved up front,
// a bounded number of datagrams may be in flight, and every fragment that cannot be used is
// counted. Time is the capture time the caller passes in, so replay stays deterministic.

/// What became of the fragments the extractor saw. Nothing is dropped uncounted.
public struct ReassemblyCounters: Sendable, Equatable {
  /// Fragments of UDP datagrams, whatever became of them.
  public var fragmentsReceived = 0
  /// Datagrams put back together and handed out.
  public var reassembled = 0
  /// Fragments whose bytes had already arrived (a capture that saw them twice).
  public var duplicates = 0
  /// Fragments overlapping earlier ones with different bytes; the datagram is dropped.
  public var overlapping = 0
  /// Fragments reaching past 65535 bytes; the datagram is dropped.
  public var oversized = 0
  /// Fragments contradicting the others (two different ends, data past the end, a middle piece
  /// not a multiple of 8 bytes); the datagram is dropped.
  public var inconsistent = 0
  /// Fragments whose IPv4 total length claims more bytes than were captured.
  public var truncated = 0
  /// Datagrams still incomplete when their first fragment became older than the timeout.
  public var timedOut = 0
  /// Incomplete datagrams pushed out, oldest first, to make room for a new one.
  public var evicted = 0

  public init() {}
}

public enum DatagramExtraction {
  /// A whole datagram. Its payload views the caller's frame or, when reassembled, the extractor's
  /// buffer; either way it is valid only until the next call.
  case datagram(UDPDatagram)
  case skipped(FrameSkipReason)
  /// A fragment was stored; its datagram is not complete yet.
  case pendingFragment
}

/// Extracts UDP datagrams from captured frames, reassembling IPv4 fragments. Not thread-safe: one
/// ingest thread owns it. Copies share nothing (the buffers are copied on first write).
public struct DatagramExtractor {
  /// Largest IPv4 packet, header included.
  public static let maximumPacketBytes = 65535
  public static let defaultMaximumInFlight = 8
  public static let defaultTimeoutNanoseconds: Int64 = 1_000_000_000

  public let maximumInFlight: Int
  public let timeoutNanoseconds: Int64
  public var counters = ReassemblyCounters()
  private var storage: ReassemblyStorage

  public init(
    maximumInFlight: Int = defaultMaximumInFlight,
    timeoutNanoseconds: Int64 = defaultTimeoutNanoseconds
  ) {
    self.maximumInFlight = max(1, maximumInFlight)
    self.timeoutNanoseconds = timeoutNanoseconds
    storage = ReassemblyStorage(slotCount: self.maximumInFlight)
  }

  /// Datagrams with some but not all of their fragments stored.
  public var datagramsInFlight: Int { storage.slotsInUse }

  /// Finds the UDP datagram in `frame`. A fragment is stored and, once its datagram is complete,
  /// the whole datagram is returned.
  public mutating func extract(
    _ frame: UnsafeRawBufferPointer, linkType: LinkType, captureTimeNanoseconds: Int64
  ) -> DatagramExtraction {
    let header: IPv4Header
    switch UDPDatagramParser.locateUDPPacket(frame, linkType: linkType) {
    case .skipped(let reason): return .skipped(reason)
    case .packet(let located): header = located
    }
    guard header.isFragment else {
      return Self.extraction(UDPDatagramParser.datagram(in: frame, header: header))
    }
    counters.fragmentsReceived += 1
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    expireSlots(olderThan: captureTimeNanoseconds)
    return storeFragment(frame, header: header, now: captureTimeNanoseconds)
  }

  /// Drops every incomplete datagram, counting them as timed out (for the end of a capture).
  public mutating func expireAll() {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    for index in 0..<storage.slotCount where storage.slots[index].inUse {
      storage.release(index)
      counters.timedOut += 1
    }
  }

  private static func extraction(_ parse: FrameParse) -> DatagramExtraction {
    switch parse {
    case .datagram(let datagram): .datagram(datagram)
    case .skipped(let reason): .skipped(reason)
    }
  }

  private mutating func expireSlots(olderThan now: Int64) {
    guard storage.slotsInUse > 0 else { return }
    for index in 0..<storage.slotCount where storage.slots[index].inUse {
      if age(of: storage.slots[index].firstSeenNanoseconds, at: now) > timeoutNanoseconds {
        storage.release(index)
        counters.timedOut += 1
      }
    }
  }

  private mutating func storeFragment(
    _ frame: UnsafeRawBufferPointer, header: IPv4Header, now: Int64
  ) -> DatagramExtraction {
    let key = DatagramKey(header)
    // The total length is the only way to size a fragment; bound it by what was captured.
    // Captured bytes beyond it are link padding.
    let declaredBytes = header.totalLength - header.headerLength
    let capturedBytes = frame.count - header.payloadStart
    guard declaredBytes >= 0 else { return reject(key, counting: \.inconsistent) }
    guard declaredBytes <= capturedBytes else {
      counters.truncated += 1
      return .skipped(.truncatedFragment)
    }
    let start = header.fragmentOffsetBytes
    let end = start + declaredBytes
    let isLast = !header.moreFragments
    guard header.headerLength + end <= Self.maximumPacketBytes else {
      return reject(key, counting: \.oversized)
    }
    guard isLast || (declaredBytes > 0 && declaredBytes % 8 == 0) else {
      return reject(key, counting: \.inconsistent)
    }
    if storage.recentlyCompleted(key, now: now, within: timeoutNanoseconds) {
      counters.duplicates += 1
      return .skipped(.duplicateFragment)
    }

    let index = storage.slotIndex(for: key) ?? openSlot(for: key, now: now)
    let slot = storage.slots[index]
    if let total = slot.totalBytes {
      guard end <= total, !isLast || end == total else {
        return reject(key, counting: \.inconsistent)
      }
    } else if isLast, slot.highestEnd > end {
      return reject(key, counting: \.inconsistent)
    }

    let fragment = UnsafeRawBufferPointer(
      rebasing: frame[header.payloadStart..<(header.payloadStart + declaredBytes)])
    switch storage.coverage(slot: index, from: start, to: end) {
    case .none:
      storage.write(fragment, slot: index, at: start)
      storage.slots[index].receivedBytes += declaredBytes
    case .all where storage.matches(fragment, slot: index, at: start):
      counters.duplicates += 1
      if isLast, slot.totalBytes == nil { storage.slots[index].totalBytes = end }
      return completedOrPending(index, now: now, whenPending: .skipped(.duplicateFragment))
    case .all, .some:
      return reject(key, counting: \.overlapping)
    }
    if isLast { storage.slots[index].totalBytes = end }
    storage.slots[index].highestEnd = max(slot.highestEnd, end)
    return completedOrPending(index, now: now, whenPending: .pendingFragment)
  }

  private mutating func completedOrPending(
    _ index: Int, now: Int64, whenPending pending: DatagramExtraction
  ) -> DatagramExtraction {
    let slot = storage.slots[index]
    guard let total = slot.totalBytes, slot.receivedBytes == total else { return pending }
    storage.release(index)
    storage.rememberCompleted(slot.key, now: now)
    counters.reassembled += 1
    // The bytes stay put until the slot is reused, which happens no earlier than the next call.
    return Self.extraction(
      UDPDatagramParser.datagram(
        segment: storage.bytes(slot: index, count: total),
        sourceAddress: slot.key.sourceAddress, destinationAddress: slot.key.destinationAddress))
  }

  private mutating func openSlot(for key: DatagramKey, now: Int64) -> Int {
    let index: Int
    if let free = storage.freeSlotIndex() {
      index = free
    } else {
      index = storage.oldestSlotIndex()
      storage.release(index)
      counters.evicted += 1
    }
    storage.occupy(index, key: key, now: now)
    return index
  }

  /// Counts a bad fragment and drops the datagram it belongs to: its bytes cannot be trusted.
  private mutating func reject(
    _ key: DatagramKey, counting counter: WritableKeyPath<ReassemblyCounters, Int>
  ) -> DatagramExtraction {
    counters[keyPath: counter] += 1
    if let index = storage.slotIndex(for: key) { storage.release(index) }
    return .skipped(.rejectedFragment)
  }
}

/// Time since `then`, saturating: capture times come from input files and may be anything.
func age(of then: Int64, at now: Int64) -> Int64 {
  let (difference, overflow) = now.subtractingReportingOverflow(then)
  guard overflow else { return difference }
  return now > then ? .max : .min
}

/// Identifies the datagram a fragment belongs to (RFC 791).
struct DatagramKey: Equatable {
  var sourceAddress: UInt32
  var destinationAddress: UInt32
  var identification: UInt16
  var protocolNumber: UInt8

  init(_ header: IPv4Header) {
    sourceAddress = header.sourceAddress
    destinationAddress = header.destinationAddress
    identification = header.identification
    protocolNumber = header.protocolNumber
  }

  init() {
    sourceAddress = 0
    destinationAddress = 0
    identification = 0
    protocolNumber = 0
  }
}

struct FragmentSlot {
  var inUse = false
  var key = DatagramKey()
  var firstSeenNanoseconds: Int64 = 0
  /// Bytes stored so far; overlaps are never stored, so this is exact.
  var receivedBytes = 0
  /// Known once the last fragment has arrived.
  var totalBytes: Int? = nil
  var highestEnd = 0
}

struct CompletedDatagram {
  var key = DatagramKey()
  var completedNanoseconds: Int64 = 0
  var valid = false
}

enum Coverage {
  case none, some, all
}

/// The preallocated buffers behind a DatagramExtractor: per slot, 64 KiB of bytes and a bitmap of
/// which 8-byte blocks (the fragment offset unit) have arrived.
final class ReassemblyStorage {
  static let slotBytes = DatagramExtractor.maximumPacketBytes
  static let blocksPerSlot = (slotBytes + 7) / 8
  static let wordsPerSlot = (blocksPerSlot + 63) / 64

  let slotCount: Int
  var slots: [FragmentSlot]
  var completed: [CompletedDatagram]
  var nextCompleted = 0
  private(set) var slotsInUse = 0
  private let bytes: UnsafeMutableRawPointer
  private let blocksReceived: UnsafeMutablePointer<UInt64>

  init(slotCount: Int) {
    self.slotCount = slotCount
    slots = [FragmentSlot](repeating: FragmentSlot(), count: slotCount)
    completed = [CompletedDatagram](repeating: CompletedDatagram(), count: slotCount)
    bytes = UnsafeMutableRawPointer.allocate(
      byteCount: slotCount * Self.slotBytes, alignment: 16)
    bytes.initializeMemory(as: UInt8.self, repeating: 0, count: slotCount * Self.slotBytes)
    blocksReceived = UnsafeMutablePointer<UInt64>.allocate(capacity: slotCount * Self.wordsPerSlot)
    blocksReceived.initialize(repeating: 0, count: slotCount * Self.wordsPerSlot)
  }

  deinit {
    bytes.deallocate()
    blocksReceived.deallocate()
  }

  func copy() -> ReassemblyStorage {
    let copy = ReassemblyStorage(slotCount: slotCount)
    copy.slots = slots
    copy.completed = completed
    copy.nextCompleted = nextCompleted
    copy.slotsInUse = slotsInUse
    copy.bytes.copyMemory(from: bytes, byteCount: slotCount * Self.slotBytes)
    copy.blocksReceived.update(from: blocksReceived, count: slotCount * Self.wordsPerSlot)
    return copy
  }

  func slotIndex(for key: DatagramKey) -> Int? {
    for index in 0..<slotCount where slots[index].inUse && slots[index].key == key {
      return index
    }
    return nil
  }

  func freeSlotIndex() -> Int? {
    for index in 0..<slotCount where !slots[index].inUse { return index }
    return nil
  }

  func oldestSlotIndex() -> Int {
    var oldest = 0
    for index in 1..<max(1, slotCount)
    where slots[index].firstSeenNanoseconds < slots[oldest].firstSeenNanoseconds {
      oldest = index
    }
    return oldest
  }

  func occupy(_ index: Int, key: DatagramKey, now: Int64) {
    slots[index] = FragmentSlot(inUse: true, key: key, firstSeenNanoseconds: now)
    slotsInUse += 1
  }

  func release(_ index: Int) {
    guard slots[index].inUse else { return }
    slots[index].inUse = false
    slotsInUse -= 1
    (blocksReceived + index * Self.wordsPerSlot).update(repeating: 0, count: Self.wordsPerSlot)
  }

  func rememberCompleted(_ key: DatagramKey, now: Int64) {
    completed[nextCompleted] = CompletedDatagram(key: key, completedNanoseconds: now, valid: true)
    nextCompleted = (nextCompleted + 1) % completed.count
  }

  /// True when a datagram with this key was completed within the timeout, so a fragment of it
  /// arriving now is a late copy, not the start of a new datagram.
  func recentlyCompleted(_ key: DatagramKey, now: Int64, within timeout: Int64) -> Bool {
    for entry in completed where entry.valid && entry.key == key {
      let elapsed = age(of: entry.completedNanoseconds, at: now)
      if elapsed >= 0 && elapsed <= timeout { return true }
    }
    return false
  }

  /// Which of the 8-byte blocks in `start..<end` have already arrived.
  func coverage(slot index: Int, from start: Int, to end: Int) -> Coverage {
    let firstBlock = start / 8
    let endBlock = (end + 7) / 8
    guard endBlock > firstBlock else { return .none }
    let words = blocksReceived + index * Self.wordsPerSlot
    var received = 0
    for block in firstBlock..<endBlock where words[block >> 6] & (1 << UInt64(block & 63)) != 0 {
      received += 1
    }
    if received == 0 { return .none }
    return received == endBlock - firstBlock ? .all : .some
  }

  func write(_ fragment: UnsafeRawBufferPointer, slot index: Int, at start: Int) {
    if let source = fragment.baseAddress, !fragment.isEmpty {
      (bytes + index * Self.slotBytes + start).copyMemory(from: source, byteCount: fragment.count)
    }
    let words = blocksReceived + index * Self.wordsPerSlot
    let endBlock = (start + fragment.count + 7) / 8
    for block in (start / 8)..<max(start / 8, endBlock) {
      words[block >> 6] |= 1 << UInt64(block & 63)
    }
  }

  func matches(_ fragment: UnsafeRawBufferPointer, slot index: Int, at start: Int) -> Bool {
    let stored = UnsafeRawBufferPointer(
      start: bytes + index * Self.slotBytes + start, count: fragment.count)
    return stored.elementsEqual(fragment)
  }

  func bytes(slot index: Int, count: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: bytes + index * Self.slotBytes, count: count)
  }
}
