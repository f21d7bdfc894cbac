// ZMQSocketOption: the libzmq socket options that SightlineZMQ sets and reads, each typed by its
// value, in the manner of swift-system's `FileDescriptor.OpenOptions`. This file is the one place
// that maps an option to its C constant, and that calls zmq_setsockopt / zmq_getsockopt.

import CLibZMQ

/// A libzmq socket option whose value is a `Value`: give it to `ZMQSocket.setOption` and
/// `ZMQSocket.getOption`.
///
/// Value kinds: `Int32` (counts and milliseconds), `Bool` (flags, 0 or 1 on the wire), `String`
/// (text, without a trailing NUL), `[UInt8]` (bytes), and CURVE keys (32 raw bytes on the wire).
/// Options are plain numbers: setting or reading one never allocates, except that a `String`
/// or key value read back is a new value.
public struct ZMQSocketOption<Value>: Sendable, Hashable {
  /// The C constant (`ZMQ_*`): for error messages and for the calls below, nothing else.
  let rawValue: Int32

  private init(_ rawValue: Int32) { self.rawValue = rawValue }
}

// MARK: - The options

extension ZMQSocketOption where Value == Int32 {
  /// The high-water mark for outbound messages (`ZMQ_SNDHWM`): how many may queue for each peer
  /// before a send reports a full queue (a PUB socket drops instead). 0: no limit.
  public static var sendHighWaterMark: Self { Self(ZMQ_SNDHWM) }

  /// The high-water mark for inbound messages (`ZMQ_RCVHWM`): how many may queue from each peer
  /// before further ones are dropped (PUB peers) or held back. 0: no limit.
  public static var receiveHighWaterMark: Self { Self(ZMQ_RCVHWM) }

  /// How long closing the socket may keep unsent messages, in milliseconds (`ZMQ_LINGER`):
  /// 0 drops them at once, −1 waits forever.
  public static var linger: Self { Self(ZMQ_LINGER) }
}

extension ZMQSocketOption where Value == Bool {
  /// Keep only the newest message, dropping older ones still queued (`ZMQ_CONFLATE`). For
  /// single-frame messages only.
  public static var conflate: Self { Self(ZMQ_CONFLATE) }

  /// On an XPUB socket, pass every subscription up, not only the first for each prefix
  /// (`ZMQ_XPUB_VERBOSE`). Write-only.
  public static var xpubVerbose: Self { Self(ZMQ_XPUB_VERBOSE) }

  /// Makes the socket a CURVE server (`ZMQ_CURVE_SERVER`); it needs `curveSecretKey` as well.
  public static var curveServer: Self { Self(ZMQ_CURVE_SERVER) }

  /// Refuse handshakes when no ZAP handler answers, rather than let clients in unchecked
  /// (`ZMQ_ZAP_ENFORCE_DOMAIN`). A draft option in zmq.h, hence its number spelled out here,
  /// but honoured by libzmq 4.3 builds without the draft API too; older ones refuse it (EINVAL).
  public static var zapEnforceDomain: Self { Self(93) }

  /// Whether more frames of the message last received follow (`ZMQ_RCVMORE`). Read-only.
  public static var receiveMore: Self { Self(ZMQ_RCVMORE) }
}

extension ZMQSocketOption where Value == String {
  /// The ZAP (ZeroMQ RFC 27) domain that the socket's handshakes are checked under
  /// (`ZMQ_ZAP_DOMAIN`). At most 255 bytes.
  public static var zapDomain: Self { Self(ZMQ_ZAP_DOMAIN) }

  /// The endpoint last bound or connected (`ZMQ_LAST_ENDPOINT`); after binding `tcp://host:*`,
  /// with the real port. Empty before the first bind or connect. Read-only.
  public static var lastEndpoint: Self { Self(ZMQ_LAST_ENDPOINT) }
}

extension ZMQSocketOption where Value == [UInt8] {
  /// On a SUB socket, adds a subscription (`ZMQ_SUBSCRIBE`): messages that start with these
  /// bytes are delivered; empty takes every message. Write-only.
  public static var subscribe: Self { Self(ZMQ_SUBSCRIBE) }
}

extension ZMQSocketOption where Value == CurvePublicKey {
  /// A CURVE client's own long-term public key (`ZMQ_CURVE_PUBLICKEY`).
  public static var curvePublicKey: Self { Self(ZMQ_CURVE_PUBLICKEY) }

  /// A CURVE client's expectation: the long-term public key of the server
  /// (`ZMQ_CURVE_SERVERKEY`). The handshake fails with any other server.
  public static var curveServerKey: Self { Self(ZMQ_CURVE_SERVERKEY) }
}

extension ZMQSocketOption where Value == CurveSecretKey {
  /// The socket's own long-term CURVE secret key, server or client (`ZMQ_CURVE_SECRETKEY`).
  public static var curveSecretKey: Self { Self(ZMQ_CURVE_SECRETKEY) }
}

// MARK: - Setting and reading, on a raw libzmq socket

// `ZMQSocket` wraps these with its errors; the ZAP handler's own socket uses them directly.
// Each returns false or nil on failure, when `zmq_errno()` says why.

extension ZMQSocketOption {
  private func set(bytes: UnsafeRawBufferPointer, on socket: UnsafeMutableRawPointer) -> Bool {
    zmq_setsockopt(socket, rawValue, bytes.baseAddress, bytes.count) == 0
  }

  /// Reads into `buffer`; returns how many bytes libzmq wrote.
  private func get(into buffer: UnsafeMutableRawBufferPointer, from socket: UnsafeMutableRawPointer)
    -> Int?
  {
    var length = buffer.count
    guard zmq_getsockopt(socket, rawValue, buffer.baseAddress, &length) == 0 else { return nil }
    return length
  }

  /// Reads a CURVE key as 32 raw bytes (libzmq gives Z85 text instead when asked for 41).
  private func getKey(from socket: UnsafeMutableRawPointer) -> CurveKeyBytes? {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    let length = withUnsafeMutableBytes(of: &words) { get(into: $0, from: socket) }
    guard length == 32 else { return nil }
    return withUnsafeBytes(of: &words) { CurveKeyBytes($0) }
  }
}

extension ZMQSocketOption where Value == Int32 {
  func set(_ value: Int32, on socket: UnsafeMutableRawPointer) -> Bool {
    withUnsafeBytes(of: value) { set(bytes: $0, on: socket) }
  }

  func get(from socket: UnsafeMutableRawPointer) -> Int32? {
    var value: Int32 = 0
    let length = withUnsafeMutableBytes(of: &value) { get(into: $0, from: socket) }
    return length == nil ? nil : value
  }
}

extension ZMQSocketOption where Value == Bool {
  private var int32: ZMQSocketOption<Int32> { ZMQSocketOption<Int32>(rawValue) }

  func set(_ value: Bool, on socket: UnsafeMutableRawPointer) -> Bool {
    int32.set(value ? 1 : 0, on: socket)
  }

  func get(from socket: UnsafeMutableRawPointer) -> Bool? {
    int32.get(from: socket).map { $0 != 0 }
  }
}

extension ZMQSocketOption where Value == String {
  /// Sets the text without a trailing NUL.
  func set(_ value: String, on socket: UnsafeMutableRawPointer) -> Bool {
    var value = value
    return value.withUTF8 { set(bytes: UnsafeRawBufferPointer($0), on: socket) }
  }

  /// Reads up to 1 KiB, on the stack.
  func get(from socket: UnsafeMutableRawPointer) -> String? {
    withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 1) { buffer in
      guard let length = get(into: buffer, from: socket) else { return nil }
      // The value is NUL-terminated within `length`.
      let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: length)
      return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}

extension ZMQSocketOption where Value == [UInt8] {
  func set(_ value: [UInt8], on socket: UnsafeMutableRawPointer) -> Bool {
    value.withUnsafeBytes { set(bytes: $0, on: socket) }
  }
}

extension ZMQSocketOption where Value == CurvePublicKey {
  func set(_ value: CurvePublicKey, on socket: UnsafeMutableRawPointer) -> Bool {
    value.bytes.withUnsafeBytes { set(bytes: $0, on: socket) }
  }

  func get(from socket: UnsafeMutableRawPointer) -> CurvePublicKey? {
    getKey(from: socket).map { CurvePublicKey(bytes: $0) }
  }
}

extension ZMQSocketOption where Value == CurveSecretKey {
  func set(_ value: CurveSecretKey, on socket: UnsafeMutableRawPointer) -> Bool {
    value.bytes.withUnsafeBytes { set(bytes: $0, on: socket) }
  }

  func get(from socket: UnsafeMutableRawPointer) -> CurveSecretKey? {
    getKey(from: socket).map { CurveSecretKey(bytes: $0) }
  }
}
