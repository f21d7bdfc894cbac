// ZAPRequest: one ZAP (ZeroMQ RFC 27) request as ZAPAuthenticator's thread receives it, into a
// buffer it reuses for every request.

import CLibZMQ
import Foundation

/// One ZAP request's frames, received into a buffer reused for every request.
struct ZAPRequest {
  static let capacity = 4096
  static let maximumFrames = 16
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
  /// Kept frames' ranges in `buffer`; frames past `maximumFrames` are read and dropped.
  var frames = [Range<Int>]()
  var frameCount = 0
  /// A frame did not fit whole: the request is treated as malformed.
  var truncated = false

  init() { frames.reserveCapacity(Self.maximumFrames) }

  func deallocate() { buffer.deallocate() }

  func frame(_ index: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: buffer[frames[index]])
  }

  func frame(_ index: Int, is text: StaticString) -> Bool {
    frame(index).elementsEqual(
      UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  func text(_ index: Int) -> String {
    index < frames.count ? String(decoding: frame(index), as: UTF8.self) : ""
  }

  /// Reads every frame of the next message (one is waiting). False on a socket error.
  mutating func receive(from socket: UnsafeMutableRawPointer) -> Bool {
    frames.removeAll(keepingCapacity: true)
    frameCount = 0
    truncated = false
    var used = 0
    var more = true
    while more {
      let room = buffer.count - used
      let size = zmq_recv(socket, buffer.baseAddress.map { $0 + used }, room, 0)
      if size < 0 {
        if zmq_errno() == EINTR { continue }
        return false
      }
      let kept = min(Int(size), room)
      if Int(size) > room { truncated = true }
      if frames.count < Self.maximumFrames { frames.append(used..<(used + kept)) }
      frameCount += 1
      used += kept
      guard let next = ZMQSocketOption.receiveMore.get(from: socket) else { return false }
      more = next
    }
    return true
  }
}
