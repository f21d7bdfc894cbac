import SightlineNet
import Testing

@Suite struct DatagramExtractorTests {
  static let second: Int64 = 1_000_000_000
  /// A 3000-byte LiDAR-sized payload: 3008 bytes of UDP, three fragments at a 1500-byte MTU.
  let payload = patternBytes(3000, seed: 7)
  var segment: [UInt8] { udpSegment(payload: payload, sourcePort: 443, destinationPort: 2368) }
  var pieces: [[UInt8]] { fragmentFrames(of: segment, pieceBytes: 1480) }
  var whole: Found {
    .datagram(sourcePort: 443, destinationPort: 2368, source: 0xC0A8_01C9, payload: payload)
  }

  @Test func unfragmentedFramesPassStraightThroughAsViews() {
    var extractor = DatagramExtractor()
    let frame = ethernetFrame(ipv4Packet(udpSegment(payload: [1, 2, 3])))
    frame.withUnsafeBytes { bytes in
      guard
        case .datagram(let d) = extractor.extract(
          bytes, linkType: .ethernet, captureTimeNanoseconds: 0)
      else {
        Issue.record("no datagram")
        return
      }
      #expect(Array(d.payload) == [1, 2, 3])
      #expect(d.payload.baseAddress == bytes.baseAddress.map { $0 + 42 })
    }
    #expect(extractor.counters == ReassemblyCounters())
  }

  @Test func plainParserStillSkipsFragments() {
    #expect(pieces.count == 3)
    for piece in pieces { #expect(found(piece, .ethernet) == .skipped(.ipFragment)) }
  }

  @Test func reassemblesInOrder() {
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[0]) == .pending)
    #expect(extractor.feed(pieces[1]) == .pending)
    #expect(extractor.datagramsInFlight == 1)
    #expect(extractor.feed(pieces[2]) == whole)
    #expect(extractor.datagramsInFlight == 0)
    #expect(extractor.counters.fragmentsReceived == 3)
    #expect(extractor.counters.reassembled == 1)
  }

  @Test(arguments: [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
  func reassemblesOutOfOrder(order: [Int]) {
    var extractor = DatagramExtractor()
    let results = order.map { extractor.feed(pieces[$0]) }
    #expect(results == [.pending, .pending, whole])
    #expect(extractor.counters.reassembled == 1)
  }

  @Test func reassemblesOnEveryLinkType() {
    // The same fragments behind SLL, SLL2 and raw IP headers.
    let packets = pieces.map { Array($0.dropFirst(14)) }
    let framings: [(LinkType, ([UInt8]) -> [UInt8])] = [
      (.linuxCooked, { linuxCookedFrame($0) }), (.linuxCooked2, { linuxCooked2Frame($0) }),
      (.rawIP, { $0 }), (.rawIPv4, { $0 }),
      (.ethernet, { ethernetFrame($0, vlanTags: [0x88A8, 0x8100]) }),
    ]
    for (linkType, frame) in framings {
      var extractor = DatagramExtractor()
      let results = packets.map { extractor.feed(frame($0), linkType: linkType) }
      #expect(results == [.pending, .pending, whole], "\(linkType)")
    }
  }

  @Test func interleavedDatagramsFromTwoSources() {
    let other = fragmentFrames(of: segment, pieceBytes: 1480, source: [10, 0, 0, 9])
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[0]) == .pending)
    #expect(extractor.feed(other[2]) == .pending)
    #expect(extractor.feed(pieces[1]) == .pending)
    #expect(extractor.feed(other[0]) == .pending)
    #expect(extractor.feed(pieces[2]) == whole)
    guard case .datagram(_, _, let source, let body) = extractor.feed(other[1]) else {
      Issue.record("second datagram not reassembled")
      return
    }
    #expect(source == 0x0A00_0009)
    #expect(body == payload)
  }

  @Test func duplicatedFragmentsAreCountedAndIgnored() {
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[0]) == .pending)
    #expect(extractor.feed(pieces[1]) == .pending)
    #expect(extractor.feed(pieces[1]) == .skipped(.duplicateFragment))
    #expect(extractor.feed(pieces[2]) == whole)
    // A copy of the last piece after completion does not start a datagram that can never finish.
    #expect(extractor.feed(pieces[2]) == .skipped(.duplicateFragment))
    #expect(extractor.feed(pieces[0]) == .skipped(.duplicateFragment))
    #expect(extractor.datagramsInFlight == 0)
    #expect(extractor.counters.duplicates == 3)
    #expect(extractor.counters.reassembled == 1)
    #expect(extractor.counters.fragmentsReceived == 6)
  }

  @Test func duplicatedLastFragmentBeforeTheRest() {
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[2]) == .pending)
    #expect(extractor.feed(pieces[2]) == .skipped(.duplicateFragment))
    #expect(extractor.feed(pieces[0]) == .pending)
    #expect(extractor.feed(pieces[1]) == whole)
  }

  @Test func overlappingFragmentsDropTheDatagram() {
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[0]) == .pending)
    // 16 bytes straddling the end of the first piece, with bytes of its own.
    let straddling = fragmentFrame(patternBytes(16, seed: 99), offset: 1472, more: true)
    #expect(extractor.feed(straddling) == .skipped(.rejectedFragment))
    #expect(extractor.counters.overlapping == 1)
    #expect(extractor.datagramsInFlight == 0)
    // The rest arrives but the datagram is gone: nothing is handed out.
    #expect(extractor.feed(pieces[1]) == .pending)
    #expect(extractor.feed(pieces[2]) == .pending)
    #expect(extractor.counters.reassembled == 0)
  }

  @Test func sameRangeWithDifferentBytesIsAnOverlapNotADuplicate() {
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[0]) == .pending)
    var forged = pieces[1]
    forged[forged.count - 1] ^= 0xFF
    #expect(extractor.feed(pieces[1]) == .pending)
    #expect(extractor.feed(forged) == .skipped(.rejectedFragment))
    #expect(extractor.counters.overlapping == 1)
    #expect(extractor.counters.duplicates == 0)
    #expect(extractor.datagramsInFlight == 0)
  }

  @Test func timesOutInCaptureTime() {
    var extractor = DatagramExtractor()
    #expect(extractor.feed(pieces[0], at: 10 * Self.second) == .pending)
    #expect(extractor.feed(pieces[1], at: 10 * Self.second + Self.second / 2) == .pending)
    // Just inside the second: still reassembled.
    #expect(extractor.feed(pieces[2], at: 11 * Self.second) == whole)

    #expect(extractor.feed(pieces[0], at: 20 * Self.second) == .pending)
    #expect(extractor.feed(pieces[1], at: 21 * Self.second + 1) == .pending)
    #expect(extractor.counters.timedOut == 1)
    #expect(extractor.feed(pieces[2], at: 21 * Self.second + 2) == .pending)
    #expect(extractor.counters.reassembled == 1)
    #expect(extractor.datagramsInFlight == 1)
    extractor.expireAll()
    #expect(extractor.counters.timedOut == 2)
    #expect(extractor.datagramsInFlight == 0)
  }

  @Test func tooManyInFlightEvictsTheOldest() {
    var extractor = DatagramExtractor()
    let datagrams = (0..<9).map {
      fragmentFrames(of: segment, pieceBytes: 1480, identification: UInt16(100 + $0))
    }
    for (index, fragments) in datagrams.enumerated() {
      #expect(extractor.feed(fragments[0], at: Int64(index) * 1000) == .pending)
    }
    #expect(extractor.counters.evicted == 1)
    #expect(extractor.datagramsInFlight == 8)
    // The first datagram was evicted, so its remaining pieces start afresh and never finish...
    #expect(extractor.feed(datagrams[0][1], at: 10_000) == .pending)
    #expect(extractor.counters.evicted == 2)  // ...and push out the next oldest, datagram 1.
    #expect(extractor.feed(datagrams[0][2], at: 10_001) == .pending)
    // Datagrams 2...8 are still whole.
    for index in 2..<9 {
      #expect(extractor.feed(datagrams[index][1], at: 20_000) == .pending)
      #expect(extractor.feed(datagrams[index][2], at: 20_000) == whole)
    }
    #expect(extractor.counters.reassembled == 7)
  }

  @Test func oversizedFragmentIsRejected() {
    var extractor = DatagramExtractor()
    // Offset 65520 + 100 bytes + header: past the largest IPv4 packet ("ping of death").
    let lastPiece = fragmentFrame(patternBytes(100), offset: 65520, more: false)
    #expect(extractor.feed(pieces[0]) == .pending)
    #expect(extractor.feed(lastPiece) == .skipped(.rejectedFragment))
    #expect(extractor.counters.oversized == 1)
    #expect(extractor.datagramsInFlight == 0)
    // The largest legal datagram is fine: 65515 bytes of IPv4 payload.
    let largest = udpSegment(payload: patternBytes(65507), udpLength: 65515)
    var fresh = DatagramExtractor()
    let results = fragmentFrames(of: largest, pieceBytes: 8192).map { fresh.feed($0) }
    guard case .datagram(_, _, _, let body)? = results.last else {
      Issue.record("largest datagram not reassembled: \(String(describing: results.last))")
      return
    }
    #expect(body == patternBytes(65507))
  }

  @Test func inconsistentFragmentsAreRejected() {
    var extractor = DatagramExtractor()
    // A middle piece whose length is not a multiple of 8.
    #expect(
      extractor.feed(fragmentFrame(patternBytes(13), offset: 0, more: true))
        == .skipped(.rejectedFragment))
    // Two last pieces that disagree on where the datagram ends.
    #expect(extractor.feed(pieces[2]) == .pending)
    let shorterEnd = fragmentFrame(patternBytes(8), offset: 1480, more: false)
    #expect(extractor.feed(shorterEnd) == .skipped(.rejectedFragment))
    #expect(extractor.datagramsInFlight == 0)
    // A middle piece reaching past the known end.
    #expect(extractor.feed(pieces[2]) == .pending)
    let pastEnd = fragmentFrame(patternBytes(1600), offset: 1480, more: true)
    #expect(extractor.feed(pastEnd) == .skipped(.rejectedFragment))
    // A last piece ending before data already received.
    #expect(extractor.feed(pieces[1]) == .pending)
    #expect(
      extractor.feed(fragmentFrame(patternBytes(8), offset: 8, more: false))
        == .skipped(.rejectedFragment))
    #expect(extractor.counters.inconsistent == 4)
    #expect(extractor.datagramsInFlight == 0)
  }

  @Test func totalLengthIsBoundedByTheCapturedBytes() {
    var extractor = DatagramExtractor()
    // A piece cut by the snap length: its total length claims more than is there.
    let cut = Array(pieces[1].dropLast(100))
    #expect(extractor.feed(cut) == .skipped(.truncatedFragment))
    #expect(extractor.counters.truncated == 1)
    // Ethernet pads a short last piece to 60 bytes: the padding is not part of the datagram.
    let tiny = udpSegment(payload: patternBytes(12))
    var padded = fragmentFrames(of: tiny, pieceBytes: 16)
    #expect(padded.count == 2)
    padded[1] += [UInt8](repeating: 0, count: 60 - padded[1].count)
    #expect(extractor.feed(padded[0]) == .pending)
    #expect(
      extractor.feed(padded[1])
        == .datagram(
          sourcePort: 2368, destinationPort: 2368, source: 0xC0A8_01C9, payload: patternBytes(12)))
  }

  @Test func reassembledDatagramStillTrustsTheUDPLength() {
    var lying = segment
    lying[4] = 0xFF  // UDP length 0xFFxx: longer than the reassembled datagram
    var extractor = DatagramExtractor()
    let results = fragmentFrames(of: lying, pieceBytes: 1480).map { extractor.feed($0) }
    #expect(results == [.pending, .pending, .skipped(.truncatedUDP)])
    var short = segment
    short[4] = 0
    short[5] = 108  // 100 bytes of payload; the rest of the reassembled bytes are ignored
    var second = DatagramExtractor()
    let shortened = fragmentFrames(of: short, pieceBytes: 1480).map { second.feed($0) }
    #expect(
      shortened.last
        == .datagram(
          sourcePort: 443, destinationPort: 2368, source: 0xC0A8_01C9,
          payload: Array(payload.prefix(100))))
  }

  @Test func nonUDPFragmentsAreNotStored() {
    var extractor = DatagramExtractor()
    let tcpFragment = ethernetFrame(
      ipv4Packet(patternBytes(64), flagsAndOffset: 0x2000, ipProtocol: 6))
    #expect(extractor.feed(tcpFragment) == .skipped(.notUDP))
    #expect(extractor.counters.fragmentsReceived == 0)
  }

  @Test func copiesDoNotShareBuffers() {
    var original = DatagramExtractor()
    #expect(original.feed(pieces[0]) == .pending)
    #expect(original.feed(pieces[1]) == .pending)
    var copy = original
    let other = fragmentFrame(patternBytes(8, seed: 3), offset: 1480, more: true)
    #expect(copy.feed(other) == .skipped(.rejectedFragment))
    #expect(original.feed(pieces[2]) == whole)
    #expect(copy.datagramsInFlight == 0)
  }

  @Test func everyPrefixOfEveryFragmentIsSafe() {
    let small = fragmentFrames(of: udpSegment(payload: patternBytes(40)), pieceBytes: 16)
    for piece in small {
      for length in 0...piece.count {
        var extractor = DatagramExtractor()
        _ = extractor.feed(Array(piece.prefix(length)))
      }
    }
    // Cut pieces never complete a datagram.
    var extractor = DatagramExtractor()
    for piece in small { _ = extractor.feed(Array(piece.dropLast(1))) }
    #expect(extractor.counters.reassembled == 0)
  }

  @Test func randomDamageNeverTraps() {
    // Deterministic pseudo-random corruption of real fragment streams, including headers.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(truncatingIfNeeded: state >> 33)
    }
    var extractor = DatagramExtractor(maximumInFlight: 3)
    let small = fragmentFrames(of: udpSegment(payload: patternBytes(100)), pieceBytes: 24)
    for round in 0..<20_000 {
      var frame = small[next() % small.count]
      for _ in 0..<(next() % 4) { frame[14 + next() % (frame.count - 14)] = UInt8(next() & 0xFF) }
      frame = Array(frame.prefix(next() % (frame.count + 1) + (round % 2 == 0 ? frame.count : 0)))
      _ = extractor.feed(frame, at: Int64(next() % 3) * Self.second + Int64(round))
    }
    let c = extractor.counters
    #expect(c.reassembled > 0)
    #expect(extractor.datagramsInFlight <= 3)
    #expect(
      c.fragmentsReceived >= c.duplicates + c.overlapping + c.inconsistent + c.truncated
        + c.oversized)
  }
}
