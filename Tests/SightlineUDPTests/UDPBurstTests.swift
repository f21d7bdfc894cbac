import Foundation
import Glibc
import SightlineUDP
import Synchronization
import Testing

/// What the sender thread reports back to the test.
final class SenderOutcome: Sendable {
  let finished = Atomic<Bool>(false)
  let failure = Mutex<String?>(nil)
}

@Suite struct UDPBurstTests {
  static let datagramCount = 20_000
  static let datagramSize = 1206  // a Velodyne data packet
  static let datagramsPerPause = 10
  static let nanosecondsPerPause: Int = 1_000_000_000 * datagramsPerPause / 6_250  // VLS-128 rate

  /// Sends `datagramCount` numbered datagrams at about 6,250 per second.
  static func sendPacedBurst(to port: UInt16, outcome: SenderOutcome) {
    defer { outcome.finished.store(true, ordering: .releasing) }
    let packet = UnsafeMutableRawBufferPointer.allocate(byteCount: datagramSize, alignment: 8)
    defer { packet.deallocate() }
    packet.initializeMemory(as: UInt8.self, repeating: 0x5A)
    do {
      let sender = try UDPSender(port: port)
      var deadline = timespec()
      clock_gettime(CLOCK_MONOTONIC, &deadline)
      for sequence in 0..<datagramCount {
        // The number at both ends, so a mangled datagram does not pass for a good one.
        packet.storeBytes(of: UInt32(sequence).littleEndian, toByteOffset: 0, as: UInt32.self)
        packet.storeBytes(
          of: UInt32(sequence).littleEndian, toByteOffset: datagramSize - 4, as: UInt32.self)
        try sender.send(UnsafeRawBufferPointer(packet))
        if (sequence + 1) % datagramsPerPause == 0 {
          deadline.tv_nsec += nanosecondsPerPause
          if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
          }
          while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
        }
      }
    } catch {
      outcome.failure.withLock { $0 = "\(error)" }
    }
  }

  @Test func pacedLoopbackBurstArrivesWholeOnce() throws {
    let receiver = try UDPReceiver(
      bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 8 << 20)
    let outcome = SenderOutcome()
    let port = receiver.boundPort
    Thread.detachNewThread { Self.sendPacedBurst(to: port, outcome: outcome) }

    var seen = [Bool](repeating: false, count: Self.datagramCount)
    var unique = 0
    var duplicates = 0
    var malformed = 0
    var idleAfterSenderFinished = 0
    while unique < Self.datagramCount && idleAfterSenderFinished < 2 {
      let count = try receiver.receiveBatch(timeoutMilliseconds: 100) { datagram in
        let bytes = datagram.payload
        guard bytes.count == Self.datagramSize, !datagram.truncated else {
          malformed += 1
          return
        }
        let head = Int(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
        let tail = Int(
          UInt32(
            littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)))
        guard head == tail, head < Self.datagramCount else {
          malformed += 1
          return
        }
        if seen[head] {
          duplicates += 1
        } else {
          seen[head] = true
          unique += 1
        }
      }
      if count == 0 && outcome.finished.load(ordering: .acquiring) { idleAfterSenderFinished += 1 }
    }
    // Anything still queued would be a duplicate or a stray.
    let stragglers = try receiver.receiveBatch(timeoutMilliseconds: 50) { _ in }
    while !outcome.finished.load(ordering: .acquiring) { usleep(1000) }

    #expect(outcome.failure.withLock { $0 } == nil)
    #expect(unique == Self.datagramCount)
    #expect(duplicates == 0)
    #expect(malformed == 0)
    #expect(stragglers == 0)
    #expect(receiver.datagramsReceived == Self.datagramCount)
    #expect(receiver.truncatedDatagrams == 0)
    #expect(receiver.kernelDrops() == 0)
  }
}
