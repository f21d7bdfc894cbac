// Socket plumbing shared by the receiver and the sender: IPv4 addresses, socket options, and the
// batch calls (recvmmsg, sendmmsg) that Swift's Glibc module does not import.

import Glibc

enum SocketSupport {
  /// Parses dotted-quad IPv4 text into a socket address.
  static func ipv4Address(_ text: String, port: UInt16) throws(UDPError) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    guard inet_pton(AF_INET, text, &address.sin_addr) == 1 else {
      throw UDPError(operation: "IPv4 address \"\(text)\"", code: EINVAL)
    }
    return address
  }

  static func openDatagramSocket() throws(UDPError) -> Int32 {
    let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw .fromErrno("socket") }
    return descriptor
  }

  static func setOption(
    _ descriptor: Int32, _ option: Int32, _ value: Int32, name: String
  ) throws(UDPError) {
    var value = value
    guard
      setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<Int32>.size))
        == 0
    else { throw .fromErrno("setsockopt \(name)") }
  }

  static func option(_ descriptor: Int32, _ option: Int32, name: String) throws(UDPError) -> Int32 {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0 else {
      throw .fromErrno("getsockopt \(name)")
    }
    return value
  }

  static func bind(_ descriptor: Int32, _ address: sockaddr_in) -> Bool {
    withUnsafePointer(to: address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }

  static func connect(_ descriptor: Int32, _ address: sockaddr_in) -> Bool {
    withUnsafePointer(to: address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }

  static func localPort(_ descriptor: Int32) throws(UDPError) -> UInt16 {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let result = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        getsockname(descriptor, $0, &length)
      }
    }
    guard result == 0 else { throw .fromErrno("getsockname") }
    return UInt16(bigEndian: address.sin_port)
  }

  static func roundUp(_ value: Int, to alignment: Int) -> Int {
    (value + alignment - 1) / alignment * alignment
  }
}

/// glibc's `struct mmsghdr` and the calls taking it sit behind _GNU_SOURCE, which Swift's Glibc
/// module does not define. The layout is fixed by the kernel ABI: a msghdr, then the unsigned
/// byte count the kernel fills in, padded to msghdr's alignment. The calls are looked up once.
enum MultipleMessages {
  typealias ReceiveFunction =
    @convention(c) (
      Int32, UnsafeMutableRawPointer?, UInt32, Int32, UnsafeMutablePointer<timespec>?
    ) -> Int32
  typealias SendFunction = @convention(c) (Int32, UnsafeMutableRawPointer?, UInt32, Int32) -> Int32

  static let lengthOffset = MemoryLayout<msghdr>.size
  static let stride = SocketSupport.roundUp(
    lengthOffset + MemoryLayout<UInt32>.size, to: MemoryLayout<msghdr>.alignment)
  static let alignment = MemoryLayout<msghdr>.alignment

  static let receive: ReceiveFunction? = unsafeBitCast(
    lookUp("recvmmsg"), to: ReceiveFunction?.self)
  static let send: SendFunction? = unsafeBitCast(lookUp("sendmmsg"), to: SendFunction?.self)

  private static func lookUp(_ symbol: String) -> UnsafeMutableRawPointer? {
    // The process's global scope, which includes libc.
    guard let process = dlopen(nil, RTLD_NOW) else { return nil }
    return dlsym(process, symbol)
  }

  /// Zeroes `count` headers in raw memory of `count * stride` bytes.
  static func initialize(_ headers: UnsafeMutableRawPointer, count: Int) {
    for index in 0..<count {
      (headers + index * stride).initializeMemory(as: msghdr.self, repeating: msghdr(), count: 1)
      headers.storeBytes(of: 0, toByteOffset: index * stride + lengthOffset, as: UInt32.self)
    }
  }

  static func header(_ headers: UnsafeMutableRawPointer, _ index: Int) -> UnsafeMutablePointer<
    msghdr
  > {
    (headers + index * stride).assumingMemoryBound(to: msghdr.self)
  }

  static func length(_ headers: UnsafeMutableRawPointer, _ index: Int) -> Int {
    Int(headers.load(fromByteOffset: index * stride + lengthOffset, as: UInt32.self))
  }
}

/// CMSG_* are macros Swift cannot import; these follow glibc's definitions (a cmsghdr, then the
/// data, each padded to the alignment of size_t).
enum ControlMessages {
  static let alignment = MemoryLayout<Int>.size
  static let headerSize = SocketSupport.roundUp(MemoryLayout<cmsghdr>.size, to: alignment)

  /// CMSG_SPACE: room one message with `dataSize` bytes of data takes in the buffer.
  static func space(_ dataSize: Int) -> Int {
    headerSize + SocketSupport.roundUp(dataSize, to: alignment)
  }

  /// Calls `body` with (level, type, data) for each complete message in the buffer.
  static func forEach(
    in buffer: UnsafeRawPointer, length: Int,
    _ body: (Int32, Int32, UnsafeRawBufferPointer) -> Void
  ) {
    var offset = 0
    while offset + headerSize <= length {
      let message = buffer.load(fromByteOffset: offset, as: cmsghdr.self)
      let messageLength = Int(message.cmsg_len)
      guard messageLength >= headerSize, offset + messageLength <= length else { return }
      body(
        message.cmsg_level, message.cmsg_type,
        UnsafeRawBufferPointer(
          start: buffer + offset + headerSize, count: messageLength - headerSize))
      offset += SocketSupport.roundUp(messageLength, to: alignment)
    }
  }
}
