import Foundation
import SightlinePipeline
import SightlineSchema

/// A drive's recorded localization poses (`[ego] log`) fed to the frame loop on the replay's
/// virtual clock: each goes in once the capture reaches its receive time, through the same
/// `EgoPoseIngest` checks and the same `FrameLoop.observe` as a live run's. The log is JSON
/// Lines (docs/SCHEMA.md, "Ego pose in"), one pose a line, either as the bytes that arrived
///   {"t_ns": 1700000000123000000, "payload_hex": "08c0…"}
/// or as the message's fields in protobuf's JSON mapping
///   {"t_ns": 1700000000123000000, "pose": {"time_ns": "1700000000100000000", …}}
/// `t_ns` is the receive time (host clock, like a V2X log's); the pose's own time is `time_ns`.
struct EgoPoseFeed {
  enum Content {
    case bytes([UInt8])
    case pose(LocalizationPose)
    /// A line whose pose does not decode: counted malformed when its time comes.
    case malformed
  }
  struct Entry {
    var receiveTimeNanoseconds: Int64
    var content: Content
  }
  struct LogError: Error, CustomStringConvertible {
    let description: String
  }

  private let entries: [Entry]
  private var next = 0
  private(set) var ingest = EgoPoseIngest()

  init(path: String?) throws {
    entries = try path.map { try Self.read(path: $0) } ?? []
  }

  /// Every pose received up to `time`.
  mutating func feed(through time: Int64, into frames: FrameLoop) {
    while next < entries.count, entries[next].receiveTimeNanoseconds <= time {
      let entry = entries[next]
      next += 1
      let received = entry.receiveTimeNanoseconds
      let observation: EgoPoseObservation?
      switch entry.content {
      case .bytes(let bytes):
        observation = bytes.withUnsafeBytes { ingest.ingest($0, receiveTimeNanoseconds: received) }
      case .pose(let pose):
        observation = ingest.ingest(pose, receiveTimeNanoseconds: received)
      case .malformed:
        ingest.countMalformed()
        observation = nil
      }
      if let observation { frames.observe(observation) }
    }
  }

  /// The whole log, sorted by receive time (equal times keep file order). A line that is not
  /// JSON with a `t_ns` and one of `payload_hex` or `pose` is an error naming the line.
  static func read(path: String) throws -> [Entry] {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw LogError(description: "\(path): cannot read: \(error.localizedDescription)")
    }
    var entries = [Entry]()
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      guard let entry = entry(trimmed) else {
        throw LogError(
          description: "\(path):\(index + 1): not a pose log line: expected"
            + " {\"t_ns\": N, \"payload_hex\": \"…\"} or {\"t_ns\": N, \"pose\": {…}}")
      }
      entries.append(entry)
    }
    return entries.enumerated().sorted { a, b in
      a.element.receiveTimeNanoseconds != b.element.receiveTimeNanoseconds
        ? a.element.receiveTimeNanoseconds < b.element.receiveTimeNanoseconds
        : a.offset < b.offset
    }.map(\.element)
  }

  private static func entry(_ line: String) -> Entry? {
    guard
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let received = object["t_ns"] as? Int64
    else { return nil }
    if let hex = object["payload_hex"] as? String, object["pose"] == nil {
      guard let bytes = V2XLogEntry.bytes(hex: hex) else { return nil }
      return Entry(receiveTimeNanoseconds: received, content: .bytes(bytes))
    }
    if let pose = object["pose"] as? [String: Any], object["payload_hex"] == nil,
      let json = try? JSONSerialization.data(withJSONObject: pose)
    {
      let decoded = try? LocalizationPose.decode(json: String(decoding: json, as: UTF8.self))
      return Entry(
        receiveTimeNanoseconds: received, content: decoded.map { .pose($0) } ?? .malformed)
    }
    return nil
  }
}
