// SightlineUDP: the live UDP socket edge. UDPReceiver drains a bound IPv4 socket in batches
// (poll, then one recvmmsg) and lends each datagram to a closure with its kernel receive time
// and source. Every buffer is allocated in init: receiving allocates nothing.

import Glibc

/// One datagram lent to `UDPReceiver.receiveBatch`'s closure; `payload` is valid only there.
public struct ReceivedDatagram {
  /// At most `maxDatagramSize` bytes; fewer than were sent when `truncated`.
  public var payload: UnsafeRawBufferPointer
  /// When the kernel received it, CLOCK_REALTIME nanoseconds (SCM_TIMESTAMPNS), or 0 if absent.
  public var kernelTimeNanoseconds: Int64
  /// IPv4 source address in host order (127.0.0.1 is 0x7F00_0001).
  public var sourceAddress: UInt32
  public var sourcePort: UInt16
  /// The datagram was longer than `maxDatagramSize` and its tail was discarded (MSG_TRUNC).
  public var truncated: Bool
}

/// A bound IPv4 UDP socket read in batches. Not Sendable: one thread owns it.
public final class UDPReceiver {
  public let boundPort: UInt16
  public let batchSize: Int
  public let maxDatagramSize: Int
  /// SO_RCVBUF as the kernel reports it; Linux reports double the value set (bookkeeping).
  public let grantedReceiveBufferBytes: Int
  /// The kernel granted less than asked (net.core.rmem_max without CAP_NET_ADMIN): bursts may
  /// overflow sooner than configured, so the runtime should warn.
  public let receiveBufferWasCapped: Bool

  public private(set) var datagramsReceived = 0
  public private(set) var truncatedDatagrams = 0
  /// recvmmsg calls that returned at least one datagram.
  public private(set) var batches = 0

  private let descriptor: Int32
  private let receive: MultipleMessages.ReceiveFunction
  private let dropCountEnabled: Bool
  private var latestDropCount: UInt32 = 0

  // Allocated once in init, reused by every receiveBatch.
  private let headers: UnsafeMutableRawPointer
  private let vectors: UnsafeMutablePointer<iovec>
  private let sources: UnsafeMutablePointer<sockaddr_in>
  private let control: UnsafeMutableRawPointer
  private let controlBytesPerDatagram: Int
  private let storage: UnsafeMutableRawPointer

  public init(
    bindAddress: String = "0.0.0.0", port: UInt16, receiveBufferBytes: Int, batchSize: Int = 64,
    maxDatagramSize: Int = 2048
  ) throws(UDPError) {
    guard receiveBufferBytes > 0 else {
      throw UDPError(operation: "receive buffer of \(receiveBufferBytes) bytes", code: EINVAL)
    }
    guard batchSize > 0, batchSize <= Int(Int32.max) else {
      throw UDPError(operation: "batch size \(batchSize)", code: EINVAL)
    }
    guard maxDatagramSize > 0, maxDatagramSize <= Int(Int32.max) else {
      throw UDPError(operation: "maximum datagram size \(maxDatagramSize)", code: EINVAL)
    }
    guard let receive = MultipleMessages.receive else {
      throw UDPError(operation: "recvmmsg lookup", code: ENOSYS)
    }
    let address = try SocketSupport.ipv4Address(bindAddress, port: port)
    let descriptor = try SocketSupport.openDatagramSocket()
    var configured = false
    defer { if !configured { close(descriptor) } }

    try SocketSupport.setOption(descriptor, SO_REUSEADDR, 1, name: "SO_REUSEADDR")
    // SO_RCVBUF is capped at net.core.rmem_max; SO_RCVBUFFORCE is not, but needs CAP_NET_ADMIN.
    let requested = Int32(clamping: receiveBufferBytes)
    let forced =
      geteuid() == 0
      && (try? SocketSupport.setOption(
        descriptor, SO_RCVBUFFORCE, requested, name: "SO_RCVBUFFORCE")) != nil
    if !forced {
      try SocketSupport.setOption(descriptor, SO_RCVBUF, requested, name: "SO_RCVBUF")
    }
    let granted = Int(try SocketSupport.option(descriptor, SO_RCVBUF, name: "SO_RCVBUF"))
    // SO_TIMESTAMPNS is a macro choosing _OLD or _NEW by time_t width; 64-bit time_t means _OLD.
    try SocketSupport.setOption(descriptor, SO_TIMESTAMPNS_OLD, 1, name: "SO_TIMESTAMPNS")
    // Without the drop count the receiver still works; kernelDrops() then says "unknown".
    let dropCountEnabled =
      (try? SocketSupport.setOption(descriptor, SO_RXQ_OVFL, 1, name: "SO_RXQ_OVFL")) != nil
    guard SocketSupport.bind(descriptor, address) else {
      throw .fromErrno("bind \(bindAddress):\(port)")
    }
    let boundPort = try SocketSupport.localPort(descriptor)
    configured = true

    self.descriptor = descriptor
    self.receive = receive
    self.boundPort = boundPort
    self.batchSize = batchSize
    self.maxDatagramSize = maxDatagramSize
    self.grantedReceiveBufferBytes = granted
    self.receiveBufferWasCapped = granted / 2 < receiveBufferBytes
    self.dropCountEnabled = dropCountEnabled

    controlBytesPerDatagram =
      ControlMessages.space(MemoryLayout<timespec>.size)
      + ControlMessages.space(MemoryLayout<UInt32>.size)
    headers = .allocate(
      byteCount: batchSize * MultipleMessages.stride, alignment: MultipleMessages.alignment)
    MultipleMessages.initialize(headers, count: batchSize)
    vectors = .allocate(capacity: batchSize)
    sources = .allocate(capacity: batchSize)
    sources.initialize(repeating: sockaddr_in(), count: batchSize)
    control = .allocate(
      byteCount: batchSize * controlBytesPerDatagram, alignment: ControlMessages.alignment)
    storage = .allocate(byteCount: batchSize * maxDatagramSize, alignment: 16)

    for index in 0..<batchSize {
      vectors[index] = iovec(
        iov_base: storage + index * maxDatagramSize, iov_len: maxDatagramSize)
      let header = MultipleMessages.header(headers, index)
      header.pointee.msg_name = UnsafeMutableRawPointer(sources + index)
      header.pointee.msg_iov = vectors + index
      header.pointee.msg_iovlen = 1
      header.pointee.msg_control = control + index * controlBytesPerDatagram
    }
  }

  deinit {
    close(descriptor)
    headers.deallocate()
    vectors.deallocate()
    sources.deallocate()
    control.deallocate()
    storage.deallocate()
  }

  /// Datagrams the kernel dropped on this socket before we read them (its receive queue was
  /// full), as of the latest datagram received; nil when the kernel would not report it. The
  /// kernel stamps the count on arriving datagrams, so drops after the last one show up with the
  /// next.
  public func kernelDrops() -> Int? {
    dropCountEnabled ? Int(latestDropCount) : nil
  }

  /// Waits up to `timeoutMilliseconds` (−1: forever) for datagrams, then takes up to `batchSize`
  /// in one recvmmsg and lends each to `body` in arrival order. Returns how many were taken, 0 on
  /// time-out or interruption. If `body` throws, the rest of the batch is discarded.
  @discardableResult
  public func receiveBatch(
    timeoutMilliseconds: Int32, _ body: (ReceivedDatagram) throws -> Void
  ) throws -> Int {
    var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    let ready = poll(&readable, 1, timeoutMilliseconds)
    if ready < 0 {
      if errno == EINTR { return 0 }
      throw UDPError.fromErrno("poll")
    }
    if ready == 0 { return 0 }

    // The kernel rewrites these on every call.
    for index in 0..<batchSize {
      let header = MultipleMessages.header(headers, index)
      header.pointee.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
      header.pointee.msg_controllen = controlBytesPerDatagram
      header.pointee.msg_flags = 0
    }
    let count = Int(receive(descriptor, headers, UInt32(batchSize), Int32(MSG_DONTWAIT), nil))
    if count < 0 {
      let code = errno
      if code == EINTR || code == EAGAIN || code == EWOULDBLOCK { return 0 }
      throw UDPError(operation: "recvmmsg on port \(boundPort)", code: code)
    }
    if count == 0 { return 0 }

    batches += 1
    datagramsReceived += count
    for index in 0..<count
    where MultipleMessages.header(headers, index).pointee.msg_flags & Int32(MSG_TRUNC) != 0 {
      truncatedDatagrams += 1
    }
    for index in 0..<count {
      try body(datagram(at: index))
    }
    return count
  }

  private func datagram(at index: Int) -> ReceivedDatagram {
    let header = MultipleMessages.header(headers, index).pointee
    var kernelTime: Int64 = 0
    ControlMessages.forEach(
      in: control + index * controlBytesPerDatagram,
      length: Int(header.msg_controllen)
    ) { level, type, data in
      guard level == SOL_SOCKET else { return }
      if type == SO_TIMESTAMPNS_OLD, data.count >= MemoryLayout<timespec>.size {
        let time = data.loadUnaligned(as: timespec.self)
        kernelTime = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
      } else if type == SO_RXQ_OVFL, data.count >= MemoryLayout<UInt32>.size {
        latestDropCount = data.loadUnaligned(as: UInt32.self)
      }
    }
    let source = sources[index]
    return ReceivedDatagram(
      payload: UnsafeRawBufferPointer(
        start: storage + index * maxDatagramSize,
        count: min(MultipleMessages.length(headers, index), maxDatagramSize)),
      kernelTimeNanoseconds: kernelTime,
      sourceAddress: UInt32(bigEndian: source.sin_addr.s_addr),
      sourcePort: UInt16(bigEndian: source.sin_port),
      truncated: header.msg_flags & Int32(MSG_TRUNC) != 0)
  }
}
