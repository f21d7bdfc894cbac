import Foundation
import SightlineNet
import SightlinePcap
import Testing

/// Reads every record of a capture, copying what the tests look at.
func readAll(_ capture: PcapFile) throws -> [CapturedFrame] {
  var frames: [CapturedFrame] = []
  while try capture.next({ record in
    frames.append(
      CapturedFrame(
        Array(record.bytes), at: record.timestampNanoseconds,
        originalLength: record.originalLength))
  }) {}
  return frames
}

func destinationPort(_ frame: [UInt8], _ linkType: LinkType) -> UInt16? {
  frame.withUnsafeBytes { bytes in
    if case .datagram(let d) = UDPDatagramParser.parse(bytes, linkType: linkType) {
      return d.destinationPort
    }
    return nil
  }
}

func udpPayload(_ frame: [UInt8], _ linkType: LinkType) -> [UInt8]? {
  frame.withUnsafeBytes { bytes in
    if case .datagram(let d) = UDPDatagramParser.parse(bytes, linkType: linkType) {
      return Array(d.payload)
    }
    return nil
  }
}

/// The first real Ethernet frame of the bundled capture sent to `port`.
func realFrame(port: UInt16) throws -> CapturedFrame {
  let frames = try readAll(PcapFile(path: bundledCapture, filter: "udp dst port \(port)"))
  guard let first = frames.first else { throw PcapError(kind: .read, path: "", message: "none") }
  return first
}

@Suite struct PcapFileTests {
  @Test func readsTheBundledCaptureWithNanosecondTimes() throws {
    let capture = try PcapFile(path: bundledCapture)
    #expect(capture.linkType == 1)
    #expect(capture.filter == nil)
    let frames = try readAll(capture)
    #expect(frames.count == 350)
    #expect(capture.records == 350)
    #expect(capture.truncatedRecords == 0)
    #expect(
      zip(frames, frames.dropFirst()).allSatisfy {
        $0.timestampNanoseconds <= $1.timestampNanoseconds
      })
    var extractor = DatagramExtractor()
    var ports: [UInt16: Int] = [:]
    for frame in frames {
      frame.bytes.withUnsafeBytes { bytes in
        let result = extractor.extract(
          bytes, linkType: .ethernet, captureTimeNanoseconds: frame.timestampNanoseconds)
        if case .datagram(let d) = result { ports[d.destinationPort, default: 0] += 1 }
      }
    }
    #expect(ports == [2368: 293, 8308: 57])
    #expect(extractor.counters.fragmentsReceived == 0)
  }

  @Test(
    arguments: [("port 8308", 57, 8308), ("udp port 2368", 293, 2368)] as [(String, Int, UInt16)])
  func filterSelectsRecords(filter: String, expectedCount: Int, port: UInt16) throws {
    let capture = try PcapFile(path: bundledCapture, filter: filter)
    #expect(capture.filter == filter)
    let frames = try readAll(capture)
    #expect(frames.count == expectedCount)
    #expect(frames.allSatisfy { destinationPort($0.bytes, .ethernet) == port })
  }

  @Test func badFilterIsAClearError() {
    do {
      _ = try PcapFile(path: bundledCapture, filter: "udp prot 2368")
      Issue.record("a bad filter was accepted")
    } catch {
      #expect(error.kind == .filter)
      #expect(error.message.contains("syntax error"))
      #expect(error.description.contains("bad filter"))
      #expect(error.path == bundledCapture)
    }
  }

  @Test func missingFileIsAnOpenError() {
    #expect(throws: PcapError.self) {
      try PcapFile(path: "/nonexistent/capture.pcap", filter: "udp")
    }
    do {
      _ = try PcapFile(path: "/nonexistent/capture.pcap")
    } catch {
      #expect(error.kind == .open)
      #expect(!error.message.isEmpty)
    }
  }

  @Test func readsPcapngWrittenByteByByte() throws {
    let lidar = try realFrame(port: 2368)
    let position = try realFrame(port: 8308)
    let time: Int64 = 1_700_000_000_123_456_789
    let frames = [
      CapturedFrame(lidar.bytes, at: time),
      CapturedFrame(
        Array(position.bytes.prefix(64)), at: time + 1, originalLength: position.bytes.count),
      CapturedFrame(position.bytes, at: time + 2_000_000_001),
    ]
    let path = try writeTemporaryCapture(pcapng(linkType: 1, frames: frames), named: "three.pcapng")
    let capture = try PcapFile(path: path)
    #expect(capture.linkType == 1)
    let read = try readAll(capture)
    #expect(read.map(\.timestampNanoseconds) == frames.map(\.timestampNanoseconds))
    #expect(read.map(\.bytes) == frames.map(\.bytes))
    #expect(read.map(\.originalLength) == frames.map(\.originalLength))
    #expect(capture.truncatedRecords == 1)
    #expect(destinationPort(read[0].bytes, .ethernet) == 2368)
    #expect(destinationPort(read[2].bytes, .ethernet) == 8308)
    #expect(udpPayload(read[0].bytes, .ethernet)?.count == 1206)
  }

  @Test func pcapngMicrosecondTimesBecomeNanoseconds() throws {
    let lidar = try realFrame(port: 2368)
    let frames = [CapturedFrame(lidar.bytes, at: 1_700_000_000_123_456_000)]
    let path = try writeTemporaryCapture(
      pcapng(linkType: 1, nanosecondResolution: false, frames: frames), named: "micro.pcapng")
    let read = try readAll(PcapFile(path: path))
    #expect(read.map(\.timestampNanoseconds) == [1_700_000_000_123_456_000])
  }

  @Test func filterWorksOnPcapng() throws {
    let frames = [try realFrame(port: 2368), try realFrame(port: 8308), try realFrame(port: 2368)]
    let path = try writeTemporaryCapture(
      pcapng(linkType: 1, frames: frames), named: "filter.pcapng")
    #expect(try readAll(PcapFile(path: path, filter: "udp dst port 2368")).count == 2)
    #expect(try readAll(PcapFile(path: path, filter: "udp dst port 8308")).count == 1)
  }

  @Test func snapLengthTruncatedRecordIsCountedAndDelivered() throws {
    let lidar = try realFrame(port: 2368)
    let frames = [
      lidar,
      CapturedFrame(
        Array(lidar.bytes.prefix(100)), at: lidar.timestampNanoseconds + 1_000,
        originalLength: lidar.bytes.count),
      lidar,
    ]
    let path = try writeTemporaryCapture(
      classicPcap(linkType: 1, snapLength: 1500, frames: frames), named: "snap.pcap")
    let capture = try PcapFile(path: path)
    var truncatedFlags: [Bool] = []
    var reasons: [FrameSkipReason?] = []
    while try capture.next({ record in
      truncatedFlags.append(record.isTruncated)
      if case .skipped(let reason) = UDPDatagramParser.parse(record.bytes, linkType: .ethernet) {
        reasons.append(reason)
      } else {
        reasons.append(nil)
      }
    }) {}
    #expect(truncatedFlags == [false, true, false])
    #expect(capture.truncatedRecords == 1)
    #expect(capture.records == 3)
    #expect(reasons == [nil, .truncatedUDP, nil])
  }

  @Test func everyLinkTypeRoundTripsRealBytes() throws {
    let lidar = try realFrame(port: 2368)
    let packet = Array(lidar.bytes.dropFirst(14))  // the real IPv4 packet
    let expectedPayload = try #require(udpPayload(lidar.bytes, .ethernet))
    var tagged = Array(lidar.bytes.prefix(12)) + [0x88, 0xA8, 0x00, 0x0A, 0x81, 0x00, 0x00, 0x64]
    tagged += lidar.bytes.dropFirst(12)
    let sll: [UInt8] = [0, 1, 0, 1, 0, 6] + Array(lidar.bytes[6..<12]) + [0, 0, 0x08, 0x00]
    let sll2: [UInt8] =
      [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 1, 6] + Array(lidar.bytes[6..<12]) + [0, 0]
    let cases: [(fileLinkType: UInt32, reported: Int32, LinkType, [UInt8])] = [
      (1, 1, .ethernet, tagged),
      (101, 12, .rawIP, packet),
      (228, 228, .rawIPv4, packet),
      (113, 113, .linuxCooked, sll + packet),
      (276, 276, .linuxCooked2, sll2 + packet),
    ]
    for (fileLinkType, reported, linkType, bytes) in cases {
      let path = try writeTemporaryCapture(
        classicPcap(linkType: fileLinkType, frames: [CapturedFrame(bytes, at: 1)]),
        named: "link-\(fileLinkType).pcap")
      let capture = try PcapFile(path: path)
      #expect(capture.linkType == reported)
      #expect(LinkType(rawValue: capture.linkType) == linkType)
      let read = try readAll(capture)
      #expect(read.count == 1)
      #expect(
        read.first.flatMap { udpPayload($0.bytes, linkType) } == expectedPayload, "\(linkType)")
    }
  }

  @Test func fileCutInsideARecordIsAReadError() throws {
    let lidar = try realFrame(port: 2368)
    let whole = classicPcap(linkType: 1, frames: [lidar, lidar])
    let path = try writeTemporaryCapture(Array(whole.dropLast(300)), named: "cut.pcap")
    let capture = try PcapFile(path: path)
    #expect(try capture.next { _ in })
    do {
      _ = try capture.next { _ in }
      Issue.record("a record cut short was read")
    } catch let error as PcapError {
      #expect(error.kind == .read)
    }
  }
}

@Suite struct FuzzFoundPcapTests {
  /// Tools/fuzz found a pcapng record stamped past 2262, which does not fit Int64 nanoseconds:
  /// it trapped; now it is an error naming the record.
  @Test func aTimestampBeyondInt64NanosecondsIsAnError() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Tools/fuzz/regressions/datagram/pcapng-timestamp-overflow").path
    let capture = try PcapFile(path: path)
    #expect {
      while try capture.next({ _ in }) {}
    } throws: { error in
      String(describing: error).contains("timestamp out of range")
    }
  }
}
