import Foundation
import SightlineNet
import SightlinePcap
import SightlineVelodyne
import Testing

@testable import SightlineTools

/// `sightline merge` on two tiny hand-built captures: ports moved, checksums right, times and
/// sensor times shifted (across the hour), records in time order, the cut; and bad input.
@Suite struct CaptureMergeRewriteTests {
  static let second: Int64 = 1_000_000_000
  /// 2020-09-13T12:26:40Z (GPRMC reads two-digit years as 20yy).
  static let base: Int64 = 1_600_000_000 * second

  /// A data packet: the bank-0 flag, a timestamp, strongest return, a VLP-16.
  static func dataPayload(microseconds: UInt32) -> [UInt8] {
    var payload = [UInt8](repeating: 0, count: 1206)
    payload[0] = 0xFF
    payload[1] = 0xEE
    for index in 0..<4 {
      payload[1200 + index] = UInt8(truncatingIfNeeded: microseconds >> (8 * index))
    }
    payload[1204] = 0x37
    payload[1205] = 0x22
    return payload
  }

  static func positionPayload(microseconds: UInt32, utcNanoseconds: Int64) -> [UInt8] {
    var writer = PositionPacketWriter()
    return writer.write(
      microsecondsPastHour: microseconds, ppsStatus: 2,
      fix: GNSSFix(
        utcNanoseconds: utcNanoseconds, latitude: 48.1, longitude: 11.5,
        speedMetersPerSecond: 1, courseDegrees: 90, isValid: true))
  }

  /// Capture A (a Velodyne at 192.168.1.201): data at base + 0, 0.1 and 0.2 s, and a
  /// position packet and a datagram on another port that the merge leaves out.
  /// Capture B (10.0.0.100): a position packet at base + 4000.05 s, data 0.01 and 0.11 s later,
  /// its sensor clock at 3000 s past the hour: moved by −4000.05 s it wraps past the hour.
  static func writeInputs() throws -> (a: String, b: String) {
    let a = temporaryPath("a.pcap")
    let b = temporaryPath("b.pcap")
    let writerA = try PcapWriter(path: a)
    var frames = UDPFrameWriter.velodyne(port: 2368)
    func put(_ writer: PcapWriter, _ payload: [UInt8], port: UInt16, at time: Int64) throws {
      frames.destination.port = port
      try writer.write(try frames.write(payload: payload), timestampNanoseconds: time)
    }
    try put(writerA, dataPayload(microseconds: 100_000_000), port: 2368, at: base)
    try put(writerA, [1, 2, 3], port: 9999, at: base + 50_000_000)
    try put(
      writerA, dataPayload(microseconds: 100_100_000), port: 2368, at: base + second / 10)
    try put(
      writerA, positionPayload(microseconds: 100_150_000, utcNanoseconds: base), port: 8308,
      at: base + 150_000_000)
    try put(
      writerA, dataPayload(microseconds: 100_200_000), port: 2368, at: base + second / 5)
    try writerA.close()
    let writerB = try PcapWriter(path: b)
    frames.source = .init(mac: 0x6076_8800_0002, address: 0x0A00_0064, port: 2368)
    let start = base + 4000 * second + 50_000_000
    try put(
      writerB, positionPayload(microseconds: 3_000_000_000, utcNanoseconds: base + 4000 * second),
      port: 8308, at: start
    )
    try put(writerB, dataPayload(microseconds: 3_000_010_000), port: 2368, at: start + 10_000_000)
    try put(writerB, dataPayload(microseconds: 3_000_110_000), port: 2368, at: start + 110_000_000)
    try writerB.close()
    return (a, b)
  }

  struct Frame {
    var time: Int64
    var bytes: [UInt8]
    func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
    var sourceMAC: UInt64 { (6..<12).reduce(0) { $0 << 8 | UInt64(bytes[$1]) } }
    var sourceAddress: UInt32 { UInt32(u16(26)) << 16 | UInt32(u16(28)) }
    var destinationPort: UInt16 { u16(36) }
    var payload: [UInt8] { Array(bytes[42..<(34 + Int(u16(38)))]) }
    var ipv4ChecksumHolds: Bool {
      bytes.withUnsafeBytes {
        InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[14..<34])))
          == 0xFFFF
      }
    }
    /// RFC 768: the pseudo-header and the datagram sum to all ones (and 0 means "none").
    var udpChecksumHolds: Bool {
      let length = Int(u16(38))
      let pseudo =
        UInt64(u16(26)) + UInt64(u16(28)) + UInt64(u16(30)) + UInt64(u16(32)) + 17
        + UInt64(length)
      return u16(40) != 0
        && bytes.withUnsafeBytes {
          InternetChecksum.fold(
            InternetChecksum.sum(
              UnsafeRawBufferPointer(rebasing: $0[34..<(34 + length)]), initial: pseudo))
            == 0xFFFF
        }
    }
  }

  static func frames(_ path: String) throws -> [Frame] {
    let capture = try LinkLayerCapture(path: path)
    #expect(capture.linkType == .ethernet)
    var out: [Frame] = []
    #expect(
      try capture.read { out.append(Frame(time: $0.timestampNanoseconds, bytes: Array($0.bytes))) }
        == nil)
    return out
  }

  @Test func portsMoveAndTimesShiftTogether() throws {
    let (a, b) = try Self.writeInputs()
    let output = temporaryPath("merged.pcap")
    let summary = try CaptureMerge(
      inputs: [.init(path: a, port: 2368), .init(path: b, port: 2370, positionPort: 8309)]
    ).run(output: output)
    let shift = -(4000 * Self.second + 50_000_000)
    #expect(summary.inputs[0] == .init(dataPackets: 3, positionPackets: 0, leftOut: 2))
    #expect(
      summary.inputs[1]
        == .init(dataPackets: 2, positionPackets: 1, leftOut: 0, shiftNanoseconds: shift))
    let frames = try Self.frames(output)
    let ms: Int64 = 1_000_000
    // In time order; at a tie the first input's record first.
    #expect(frames.map(\.time) == [0, 0, 10, 100, 110, 200].map { Self.base + $0 * ms })
    #expect(frames.map(\.destinationPort) == [2368, 8309, 2370, 2368, 2370, 2368])
    #expect(frames.allSatisfy { $0.ipv4ChecksumHolds && $0.udpChecksumHolds })
    #expect(frames.allSatisfy { $0.bytes.count == 42 + $0.payload.count })
    // Addresses and MACs kept.
    #expect(frames.map(\.sourceAddress).filter { $0 == 0x0A00_0064 }.count == 3)
    #expect(
      frames.filter { $0.sourceAddress == 0x0A00_0064 }.allSatisfy {
        $0.sourceMAC == 0x6076_8800_0002
      })
    // The first input is as recorded (no shift), the second moved: 3000 s − 4000.05 s wraps.
    #expect(frames[0].payload == Self.dataPayload(microseconds: 100_000_000))
    #expect(frames[5].payload == Self.dataPayload(microseconds: 100_200_000))
    #expect(frames[2].payload == Self.dataPayload(microseconds: 2_599_960_000))
    #expect(frames[4].payload == Self.dataPayload(microseconds: 2_600_060_000))
    let position = try frames[1].payload.withUnsafeBytes { try PositionPacket.parse($0).get() }
    #expect(position.microsecondsPastHour == 2_599_950_000)
    #expect(position.fix?.utcNanoseconds == Self.base - 50_000_000)
    #expect(position.fix?.latitude == 48.1 && position.ppsStatus == 2)
  }

  @Test func secondsCutsTheMergeAtTheFirstInputsStartPlusS() throws {
    let (a, b) = try Self.writeInputs()
    let output = temporaryPath("cut.pcap")
    let summary = try CaptureMerge(
      inputs: [.init(path: a, port: 2368), .init(path: b, port: 2370, positionPort: 8309)],
      seconds: 0.105
    ).run(output: output)
    #expect(summary.records == 4)
    #expect(try Self.frames(output).map(\.destinationPort) == [2368, 8309, 2370, 2368])
    // Through the command line too.
    let cli = try sightline(["merge", output, "\(a):2368", "\(b):2370:8309", "--seconds", "0.105"])
    #expect(cli.status == 0, "\(cli.errors)")
    #expect(cli.output.contains("\(output): 4 records"), "\(cli.output)")
    #expect(cli.output.contains("2 data packets to port 2368"), "\(cli.output)")
  }

  @Test func anInputArgumentNamesAFileAndItsPorts() throws {
    let (a, b) = try Self.writeInputs()
    // A folder with a colon in its name: the ports are the last fields.
    let folder = temporaryPath("with:colon")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let colon = folder + "/b.pcap"
    try FileManager.default.copyItem(atPath: b, toPath: colon)
    let output = temporaryPath("colon.pcap")
    let merged = try sightline(["merge", output, "\(a):2368", "\(colon):2370:8309"])
    #expect(merged.status == 0, "\(merged.errors)")
    #expect(
      merged.output.contains(
        "\(colon): 2 data packets to port 2370, 1 position packets to port 8309"),
      "\(merged.output)")
    let bad = [
      "a.pcap": "a.pcap: expected INPUT.pcap:PORT", "a.pcap:0": "port \"0\" is not a number",
      "a.pcap:65536": "port \"65536\"", "a.pcap:x": "port \"x\"", "a.pcap:2368:": "port \"\"",
      ":2368": "no capture named",
    ]
    for (argument, message) in bad {
      let result = try sightline(["merge", output, argument])
      #expect(
        result.status != 0 && result.errors.contains(message), "\(argument): \(result.errors)")
    }
  }

  @Test func badSettingsAreClearErrors() throws {
    func problem(_ inputs: [CaptureMerge.Input], seconds: Double? = nil) -> String {
      do {
        _ = try CaptureMerge(inputs: inputs, seconds: seconds)
        return ""
      } catch { return error.description }
    }
    let a = CaptureMerge.Input(path: "a.pcap", port: 2368, positionPort: 8308)
    #expect(problem([]) == "no input to merge")
    #expect(problem([a, .init(path: "b.pcap", port: 2368)]).contains("port 2368 is given twice"))
    #expect(problem([a, .init(path: "b.pcap", port: 8308)]).contains("port 8308 is given twice"))
    #expect(problem([.init(path: "a.pcap", port: 2368, positionPort: 2368)]).contains("twice"))
    for seconds in [0, -1, Double.nan, .infinity] {
      #expect(problem([a], seconds: seconds).contains("is not a positive number"))
    }
    #expect(problem([a], seconds: 1).isEmpty)
  }

  @Test func badInputsAreClearErrorsAndLeaveNoOutput() throws {
    let (a, _) = try Self.writeInputs()
    let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent(
      "shared/data/lidar")
    let output = temporaryPath("never.pcap")
    func problem(_ path: String, to output: String = output) -> String {
      do {
        _ = try CaptureMerge(inputs: [.init(path: a, port: 2368), .init(path: path, port: 2369)])
          .run(output: output)
        return ""
      } catch { return "\(error)" }
    }
    #expect(problem("/nonexistent/b.pcap").contains("/nonexistent/b.pcap"))
    let ouster = shared.appendingPathComponent("ouster-os0-32-dual.pcap").path
    #expect(problem(ouster).contains("holds no Velodyne data packets on UDP port 2368"))
    // A Hesai sends to 2368 too: its packets are not a Velodyne's.
    let hesai = shared.appendingPathComponent("hesai-40p-dual-last-strongest.pcap").path
    #expect(problem(hesai).contains("1262-byte payload on port 2368 is not a Velodyne data packet"))
    #expect(!FileManager.default.fileExists(atPath: output))
    // The output may not overwrite an input.
    let size = try FileManager.default.attributesOfItem(atPath: a)[.size] as? Int
    #expect(problem(a, to: a).contains("is also an input"))
    #expect(try FileManager.default.attributesOfItem(atPath: a)[.size] as? Int == size)
    // The command line says so in one line.
    let missingPort = try sightline(["merge", output, a])
    #expect(missingPort.status != 0 && missingPort.errors.contains("expected INPUT.pcap:PORT"))
    let none = try sightline(["merge", output])
    #expect(none.status != 0 && none.errors.contains("give at least one INPUT"))
  }
}
