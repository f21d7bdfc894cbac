// SightlineUDP: a connected UDP sender for tests and tools (load generators, loopback replays).
// sendBatch hands many datagrams to the kernel in one sendmmsg call.

import Glibc

/// A UDP socket connected to one IPv4 address and port. Not Sendable: one thread owns it.
public final class UDPSender {
  /// The ephemeral port datagrams leave from (what a receiver sees as the source port).
  public let localPort: UInt16
  public let destination: String

  private let descriptor: Int32
  private let sendMultiple: MultipleMessages.SendFunction
  private let batchCapacity: Int
  private let headers: UnsafeMutableRawPointer
  private let vectors: UnsafeMutablePointer<iovec>

  /// `batchCapacity` is how many datagrams one sendmmsg call carries; larger batches are split.
  public init(address: String = "127.0.0.1", port: UInt16, batchCapacity: Int = 64)
    throws(UDPError)
  {
    guard batchCapacity > 0, batchCapacity <= Int(Int32.max) else {
      throw UDPError(operation: "batch capacity \(batchCapacity)", code: EINVAL)
    }
    guard let sendMultiple = MultipleMessages.send else {
      throw UDPError(operation: "sendmmsg lookup", code: ENOSYS)
    }
    let destination = "\(address):\(port)"
    let target = try SocketSupport.ipv4Address(address, port: port)
    let descriptor = try SocketSupport.openDatagramSocket()
    var configured = false
    defer { if !configured { close(descriptor) } }
    guard SocketSupport.connect(descriptor, target) else {
      throw .fromErrno("connect \(destination)")
    }
    localPort = try SocketSupport.localPort(descriptor)
    configured = true

    self.destination = destination
    self.descriptor = descriptor
    self.sendMultiple = sendMultiple
    self.batchCapacity = batchCapacity
    headers = .allocate(
      byteCount: batchCapacity * MultipleMessages.stride, alignment: MultipleMessages.alignment)
    MultipleMessages.initialize(headers, count: batchCapacity)
    vectors = .allocate(capacity: batchCapacity)
    for index in 0..<batchCapacity {
      let header = MultipleMessages.header(headers, index)
      header.pointee.msg_iov = vectors + index
      header.pointee.msg_iovlen = 1
    }
  }

  deinit {
    close(descriptor)
    headers.deallocate()
    vectors.deallocate()
  }

  /// Sends one datagram, waiting for room in the socket's send buffer if need be.
  public func send(_ bytes: UnsafeRawBufferPointer) throws(UDPError) {
    while true {
      let sent = Glibc.send(descriptor, bytes.baseAddress, bytes.count, 0)
      if sent == bytes.count { return }
      if sent < 0 && errno == EINTR { continue }
      if sent >= 0 { throw UDPError(operation: "send to \(destination) (short)", code: EMSGSIZE) }
      throw .fromErrno("send to \(destination)")
    }
  }

  /// Sends every datagram, in order, `batchCapacity` per sendmmsg call.
  public func sendBatch(_ datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(UDPError) {
    var next = 0
    while next < datagrams.count {
      let count = min(batchCapacity, datagrams.count - next)
      for index in 0..<count {
        let bytes = datagrams[next + index]
        vectors[index] = iovec(
          iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
      }
      let sent = Int(sendMultiple(descriptor, headers, UInt32(count), 0))
      if sent < 0 {
        if errno == EINTR { continue }
        throw .fromErrno("sendmmsg to \(destination)")
      }
      // sendmmsg reports an error only when nothing went; resume after what did.
      next += sent
    }
  }

  public func sendBatch(_ datagrams: [UnsafeRawBufferPointer]) throws(UDPError) {
    var failure: UDPError?
    datagrams.withUnsafeBufferPointer {
      do throws(UDPError) { try sendBatch($0) } catch { failure = error }
    }
    if let failure { throw failure }
  }
}
