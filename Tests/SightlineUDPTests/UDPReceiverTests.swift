import Glibc
import SightlineUDP
import Testing

/// Loopback only: every receiver binds 127.0.0.1 on a port the kernel picks.
func loopbackReceiver(
  receiveBufferBytes: Int = 1 << 20, batchSize: Int = 64, maxDatagramSize: Int = 2048
) throws -> UDPReceiver {
  try UDPReceiver(
    bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: receiveBufferBytes,
    batchSize: batchSize, maxDatagramSize: maxDatagramSize)
}

func realtimeNanoseconds() -> Int64 {
  var now = timespec()
  clock_gettime(CLOCK_REALTIME, &now)
  return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

extension UDPSender {
  func send(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { (buffer) throws -> Void in try send(buffer) }
  }
}

/// What a test keeps of a datagram after the receiver's buffer is reused.
struct Copied {
  var bytes: [UInt8]
  var kernelTimeNanoseconds: Int64
  var sourceAddress: UInt32
  var sourcePort: UInt16
  var truncated: Bool
  var batch: Int
}

/// Receives until `count` datagrams arrived or `timeoutMilliseconds` passed without any.
func receive(
  _ count: Int, from receiver: UDPReceiver, timeoutMilliseconds: Int32 = 2000
) throws -> [Copied] {
  var received: [Copied] = []
  var batch = 0
  while received.count < count {
    let taken = try receiver.receiveBatch(timeoutMilliseconds: timeoutMilliseconds) { datagram in
      received.append(
        Copied(
          bytes: Array(datagram.payload), kernelTimeNanoseconds: datagram.kernelTimeNanoseconds,
          sourceAddress: datagram.sourceAddress, sourcePort: datagram.sourcePort,
          truncated: datagram.truncated, batch: batch))
    }
    if taken == 0 { break }
    batch += 1
  }
  return received
}

@Suite struct UDPReceiverTests {
  @Test func distinctPayloadsRoundTripWithKernelTimestamps() throws {
    let receiver = try loopbackReceiver()
    let sender = try UDPSender(port: receiver.boundPort)
    let payloads = (0..<10).map { index in
      (0..<(100 + index)).map { UInt8(truncatingIfNeeded: $0 * 7 + index) }
    }
    let before = realtimeNanoseconds()
    for payload in payloads { try sender.send(payload) }

    let received = try receive(payloads.count, from: receiver)
    let after = realtimeNanoseconds()
    #expect(received.map(\.bytes) == payloads)
    #expect(receiver.datagramsReceived == payloads.count)
    #expect(receiver.batches == Set(received.map(\.batch)).count)
    #expect(receiver.truncatedDatagrams == 0)
    for datagram in received {
      #expect(!datagram.truncated)
      #expect(abs(datagram.kernelTimeNanoseconds - after) < 1_000_000_000)
      #expect(datagram.kernelTimeNanoseconds >= before - 1_000_000_000)
    }
    for (earlier, later) in zip(received, received.dropFirst()) where earlier.batch == later.batch {
      #expect(earlier.kernelTimeNanoseconds <= later.kernelTimeNanoseconds)
    }
  }

  @Test func sourceAddressAndPortAreTheSenders() throws {
    let receiver = try loopbackReceiver()
    let sender = try UDPSender(port: receiver.boundPort)
    try sender.send([1, 2, 3])
    let received = try receive(1, from: receiver)
    #expect(received.count == 1)
    #expect(received.first?.sourcePort == sender.localPort)
    #expect(received.first?.sourceAddress == 0x7F00_0001)
    #expect(sender.localPort != 0)
  }

  @Test func oversizedDatagramIsFlaggedTruncated() throws {
    let receiver = try loopbackReceiver(maxDatagramSize: 64)
    let sender = try UDPSender(port: receiver.boundPort)
    let oversized = (0..<100).map { UInt8($0) }
    try sender.send(oversized)
    try sender.send(Array(oversized.prefix(64)))

    let received = try receive(2, from: receiver)
    #expect(received.count == 2)
    #expect(received.first?.truncated == true)
    #expect(received.first?.bytes == Array(oversized.prefix(64)))
    #expect(received.last?.truncated == false)
    #expect(received.last?.bytes == Array(oversized.prefix(64)))
    #expect(receiver.truncatedDatagrams == 1)
    #expect(receiver.datagramsReceived == 2)
  }

  @Test func timeoutReturnsZeroWithoutCallingTheBody() throws {
    let receiver = try loopbackReceiver()
    var calls = 0
    let count = try receiver.receiveBatch(timeoutMilliseconds: 50) { _ in calls += 1 }
    #expect(count == 0)
    #expect(calls == 0)
    #expect(receiver.batches == 0)
    #expect(receiver.datagramsReceived == 0)
  }

  @Test func batchesAreCappedAtBatchSize() throws {
    let receiver = try loopbackReceiver(batchSize: 4)
    let sender = try UDPSender(port: receiver.boundPort)
    for index in 0..<10 { try sender.send([UInt8(index)]) }
    var sizes: [Int] = []
    while true {
      let count = try receiver.receiveBatch(timeoutMilliseconds: 200) { _ in }
      if count == 0 { break }
      sizes.append(count)
    }
    #expect(sizes.reduce(0, +) == 10)
    #expect(sizes.allSatisfy { $0 <= 4 })
    #expect(receiver.batches == sizes.count)
  }

  @Test func sendBatchDeliversEveryDatagramInOrder() throws {
    let receiver = try loopbackReceiver()
    let sender = try UDPSender(port: receiver.boundPort, batchCapacity: 16)
    let payloads = (0..<100).map { index in [UInt8(index), UInt8(255 - index), 42] }
    // Buffers must stay valid for the call: lay them out in one allocation.
    let flat = payloads.flatMap { $0 }
    try flat.withUnsafeBytes { bytes in
      let views = (0..<payloads.count).map {
        UnsafeRawBufferPointer(rebasing: bytes[($0 * 3)..<($0 * 3 + 3)])
      }
      try sender.sendBatch(views)
    }
    let received = try receive(payloads.count, from: receiver)
    #expect(received.map(\.bytes) == payloads)
  }

  @Test func kernelDropsAreCountedWhenTheQueueOverflows() throws {
    // The smallest buffer the kernel allows holds only a few datagrams.
    let receiver = try loopbackReceiver(receiveBufferBytes: 1)
    let sender = try UDPSender(port: receiver.boundPort)
    #expect(receiver.kernelDrops() == 0)
    let payload = [UInt8](repeating: 0xAB, count: 1000)
    for _ in 0..<200 { try sender.send(payload) }
    let queued = try receive(200, from: receiver, timeoutMilliseconds: 100).count
    #expect(queued > 0)
    #expect(queued < 200)
    // The kernel stamps the drop count on the next datagram it queues.
    try sender.send([1])
    #expect(try receive(1, from: receiver).count == 1)
    #expect(receiver.kernelDrops() == 200 - queued)
  }

  @Test func receiveBufferReportsWhatTheKernelGranted() throws {
    let modest = try loopbackReceiver(receiveBufferBytes: 64 * 1024)
    #expect(modest.grantedReceiveBufferBytes == 2 * 64 * 1024)
    #expect(!modest.receiveBufferWasCapped)
    // Above what setsockopt takes (an int) and what the kernel allows even when forced.
    let huge = try loopbackReceiver(receiveBufferBytes: Int(Int32.max) + 1)
    #expect(huge.receiveBufferWasCapped)
    #expect(huge.grantedReceiveBufferBytes > 0)
  }

  @Test func portTakenWithoutReuseIsAClearError() throws {
    let occupant = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    #expect(occupant >= 0)
    defer { close(occupant) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(occupant, $0, length) == 0 && getsockname(occupant, $0, &length) == 0
      }
    }
    #expect(bound)
    let port = UInt16(bigEndian: address.sin_port)

    let error = #expect(throws: UDPError.self) {
      _ = try UDPReceiver(bindAddress: "127.0.0.1", port: port, receiveBufferBytes: 1 << 16)
    }
    #expect(error?.code == EADDRINUSE)
    #expect(error?.description == "bind 127.0.0.1:\(port): Address already in use")
  }

  @Test func malformedBindAddressIsAClearError() throws {
    let error = #expect(throws: UDPError.self) {
      _ = try UDPReceiver(bindAddress: "127.0.0.256", port: 0, receiveBufferBytes: 1 << 16)
    }
    #expect(error?.description == "IPv4 address \"127.0.0.256\": Invalid argument")
  }

  @Test func throwingBodyStopsTheBatchAndPropagates() throws {
    struct Stop: Error {}
    let receiver = try loopbackReceiver()
    let sender = try UDPSender(port: receiver.boundPort)
    for index in 0..<3 { try sender.send([UInt8(index)]) }
    var seen = 0
    #expect(throws: Stop.self) {
      try receiver.receiveBatch(timeoutMilliseconds: 2000) { _ in
        seen += 1
        throw Stop()
      }
    }
    #expect(seen == 1)
  }
}
