import Foundation
import SightlineNet
import SightlinePcap
import SightlineVelodyne

/// `sightline merge`: several Velodyne captures made one, as if their sensors had shared a
/// vehicle's network. Each input's data packets (port 2368) and, when it names a position
/// port, its position packets (8308) move to ports of their own. Each input's capture times
/// are shifted so that every input starts at the first input's start, and its sensor times
/// (microseconds past the hour, the GPRMC) by the same shift (`Restamp`), so that sensor and
/// capture time keep the relation they had. Records come out in time order (each input's in
/// its own order), framed anew as Ethernet II / IPv4 / UDP with both checksums computed; the
/// addresses, the source port and an Ethernet input's MACs are kept. Anything else in an input
/// (other ports, frames without UDP, position packets without a port) is left out and counted.
public struct CaptureMerge {
  public struct Input: Sendable, Equatable {
    public var path: String
    /// The data packets' destination port in the output.
    public var port: UInt16
    /// The position packets' destination port in the output; nil leaves them out.
    public var positionPort: UInt16?

    public init(path: String, port: UInt16, positionPort: UInt16? = nil) {
      self.path = path
      self.port = port
      self.positionPort = positionPort
    }
  }

  /// What one input gave.
  public struct InputSummary: Sendable, Equatable {
    public var dataPackets = 0
    public var positionPackets = 0
    /// Records left out: other ports, frames without UDP, position packets without a port.
    public var leftOut = 0
    /// Added to the input's capture and sensor times.
    public var shiftNanoseconds: Int64 = 0
  }

  public struct Summary: Sendable, Equatable {
    public var inputs: [InputSummary]
    public var records = 0
    public var firstNanoseconds: Int64?
    public var lastNanoseconds: Int64?
  }

  public let inputs: [Input]
  /// Seconds kept from the first input's start; nil keeps everything.
  public let seconds: Double?

  public init(inputs: [Input], seconds: Double? = nil) throws(CaptureMergeError) {
    guard !inputs.isEmpty else { throw CaptureMergeError("no input to merge") }
    if let seconds, !(seconds.isFinite && seconds > 0) {
      throw CaptureMergeError("--seconds \(seconds) is not a positive number")
    }
    var used: [UInt16: String] = [:]
    for input in inputs {
      for port in [input.port] + (input.positionPort.map { [$0] } ?? []) {
        if let other = used[port] {
          throw CaptureMergeError("port \(port) is given twice (\(other) and \(input.path))")
        }
        used[port] = input.path
      }
    }
    self.inputs = inputs
    self.seconds = seconds
  }

  /// Writes the merged capture to `output` (removed again when the merge fails).
  public func run(output: String) throws -> Summary {
    let outputPath = URL(fileURLWithPath: output).standardizedFileURL.path
    if let same = inputs.first(where: {
      URL(fileURLWithPath: $0.path).standardizedFileURL.path == outputPath
    }) {
      throw CaptureMergeError("the output \(output) is also an input (\(same.path))")
    }
    let starts = try inputs.map(Self.start)
    let end = seconds.map { starts[0] + Int64(($0 * 1e9).rounded()) } ?? .max
    let sources = try inputs.indices.map {
      try Source(inputs[$0], shift: starts[0] - starts[$0], end: end)
    }
    let writer = try PcapWriter(path: output)
    do {
      var summary = Summary(inputs: [])
      var waiting = try sources.map { try $0.advance() }
      while let next = sources.indices.filter({ waiting[$0] }).min(by: {
        sources[$0].time < sources[$1].time
      }) {
        let time = sources[next].time
        try writer.write(sources[next].framer.frame, timestampNanoseconds: time)
        summary.records += 1
        summary.firstNanoseconds = summary.firstNanoseconds ?? time
        summary.lastNanoseconds = time
        waiting[next] = try sources[next].advance()
      }
      try writer.close()
      summary.inputs = sources.map(\.summary)
      return summary
    } catch {
      try? writer.close()
      try? FileManager.default.removeItem(atPath: output)
      throw error
    }
  }

  /// The time of an input's first data or position packet it keeps; an input without a data
  /// packet on 2368 is not a Velodyne capture.
  static func start(of input: Input) throws -> Int64 {
    let capture = try LinkLayerCapture(path: input.path)
    var extractor = DatagramExtractor()
    var first: Int64?
    var sawData = false
    let damage = try capture.read(until: { sawData }) { record in
      let time = record.timestampNanoseconds
      guard
        case .datagram(let datagram) = extractor.extract(
          record.bytes, linkType: capture.linkType, captureTimeNanoseconds: time)
      else { return }
      if datagram.destinationPort == VelodynePacketLayout.dataPort {
        sawData = true
        first = first ?? time
      } else if datagram.destinationPort == VelodynePacketLayout.positionPort,
        input.positionPort != nil
      {
        first = first ?? time
      }
    }
    guard sawData, let first else {
      throw CaptureMergeError(
        "\(input.path) holds no Velodyne data packets on UDP port 2368"
          + (damage.map { " before its damage: \($0)" } ?? ""))
    }
    return first
  }

  /// One input being read: its next kept record waits, framed and moved, in `framer.frame` at
  /// `time`.
  final class Source {
    let input: Input
    let capture: LinkLayerCapture
    let shift: Int64
    let end: Int64
    var restamp: Restamp
    var extractor = DatagramExtractor()
    var framer = UDPFrameWriter.velodyne(port: VelodynePacketLayout.dataPort)
    var scratch: [UInt8] = []
    var summary = InputSummary()
    var time: Int64 = 0
    var ended = false

    init(_ input: Input, shift: Int64, end: Int64) throws {
      self.input = input
      capture = try LinkLayerCapture(path: input.path)
      self.shift = shift
      self.end = end
      restamp = Restamp(shiftNanoseconds: shift)
      summary.shiftNanoseconds = shift
    }

    /// Reads on to the next kept record; false at the input's end (or the cut).
    func advance() throws -> Bool {
      var found = false
      while !found, !ended {
        if try !capture.file.next({ found = try take($0) }) { ended = true }
      }
      return found
    }

    private func take(_ record: PcapRecord) throws -> Bool {
      let moved = record.timestampNanoseconds + shift
      guard moved < end else {
        ended = true
        return false
      }
      let extraction = extractor.extract(
        record.bytes, linkType: capture.linkType,
        captureTimeNanoseconds: record.timestampNanoseconds)
      guard case .datagram(let datagram) = extraction else {
        if case .skipped = extraction { summary.leftOut += 1 }
        return false
      }
      let port: UInt16
      switch (datagram.destinationPort, input.positionPort) {
      case (VelodynePacketLayout.dataPort, _):
        guard datagram.payload.count == VelodynePacketLayout.payloadSize else {
          throw CaptureMergeError(
            "\(input.path) record \(capture.records): a \(datagram.payload.count)-byte payload"
              + " on port 2368 is not a Velodyne data packet (1206 bytes); only Velodyne"
              + " captures can be merged")
        }
        restamp.dataPacket(datagram.payload, into: &scratch)
        port = input.port
        summary.dataPackets += 1
      case (VelodynePacketLayout.positionPort, let positionPort?):
        // Unshifted, or not a position packet Restamp reads: the bytes as they were.
        let restamped = shift == 0 ? nil : restamp.positionPacket(datagram.payload)
        scratch = restamped ?? Array(datagram.payload)
        port = positionPort
        summary.positionPackets += 1
      default:
        summary.leftOut += 1
        return false
      }
      let ethernet = capture.linkType == .ethernet
      framer.source = .init(
        mac: ethernet ? Self.mac(record.bytes, at: 6) : 0x6076_8800_0001,
        address: datagram.sourceAddress, port: datagram.sourcePort)
      framer.destination = .init(
        mac: ethernet ? Self.mac(record.bytes, at: 0) : 0xFFFF_FFFF_FFFF,
        address: datagram.destinationAddress, port: port)
      try framer.write(payload: scratch)
      time = moved
      return true
    }

    static func mac(_ frame: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
      (0..<6).reduce(0) { $0 << 8 | UInt64(frame[offset + $1]) }
    }
  }
}
