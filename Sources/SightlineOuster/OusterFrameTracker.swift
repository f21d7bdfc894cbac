/// Which packets of the current frame have arrived. A frame's packets are numbered by their
/// columns (measurement id ÷ columns per packet, a "slot"); the column window says which slots a
/// whole frame has. A new frame id ends the frame; so does its last missing slot arriving.
struct OusterFrameTracker: Sendable {
  enum Placement: Equatable {
    /// Into the current frame.
    case append
    /// The first packet of a new frame: hand on the current one first (if it has packets).
    case newFrame
    /// Of the frame handed on last.
    case late
    /// Its slot already arrived in this frame.
    case duplicate
  }

  let columnsPerPacket: Int
  /// Per slot: whether the column window includes any of its columns.
  let inWindow: [Bool]
  let slotsInWindow: Int
  let firstSlot: Int
  let lastSlot: Int
  private(set) var frameID: UInt32?
  private(set) var lastClosedFrameID: UInt32?
  private var seen: [Bool]
  private(set) var slotsSeenInWindow = 0

  init(_ metadata: OusterMetadata) {
    columnsPerPacket = metadata.columnsPerPacket
    let slots = (metadata.columnsPerFrame + columnsPerPacket - 1) / columnsPerPacket
    var inWindow = [Bool](repeating: false, count: slots)
    let window = metadata.columnWindow
    for step in 0..<metadata.columnsInWindow {
      inWindow[(window.first + step) % metadata.columnsPerFrame / columnsPerPacket] = true
    }
    self.inWindow = inWindow
    slotsInWindow = inWindow.filter { $0 }.count
    firstSlot = window.first / columnsPerPacket
    lastSlot = window.last / columnsPerPacket
    seen = [Bool](repeating: false, count: slots)
  }

  /// The slot of a measurement id (nil when outside the frame).
  func slot(measurementID: Int) -> Int? {
    let slot = measurementID / columnsPerPacket
    return slot < seen.count ? slot : nil
  }

  func place(frameID: UInt32, slot: Int?) -> Placement {
    guard frameID == self.frameID else { return frameID == lastClosedFrameID ? .late : .newFrame }
    if let slot, seen[slot] { return .duplicate }
    return .append
  }

  /// Starts tracking a new frame.
  mutating func begin(frameID: UInt32) {
    self.frameID = frameID
    for index in seen.indices { seen[index] = false }
    slotsSeenInWindow = 0
  }

  mutating func record(slot: Int?) {
    guard let slot, !seen[slot] else { return }
    seen[slot] = true
    if inWindow[slot] { slotsSeenInWindow += 1 }
  }

  /// Ends the current frame: later packets with its id are late.
  mutating func close() {
    lastClosedFrameID = frameID
    frameID = nil
  }

  var isComplete: Bool { slotsSeenInWindow == slotsInWindow }
  var sawFirstSlot: Bool { seen[firstSlot] }
  var sawLastSlot: Bool { seen[lastSlot] }
  var slotsMissing: Int { slotsInWindow - slotsSeenInWindow }
}
