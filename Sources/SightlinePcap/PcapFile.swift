// SightlinePcap: the libpcap edge. Opens a capture file and hands out its records one at a time;
// the bytes of a record are valid only inside the callback (libpcap reuses its buffer).

import CLibPcap

public struct PcapError: Error, CustomStringConvertible, Equatable {
  public enum Kind: Sendable, Equatable {
    /// The file is missing, unreadable, or not a capture.
    case open
    /// The file ended inside a record, or libpcap could not read on.
    case read
    case unsupportedLinkType(Int32)
  }
  public let kind: Kind
  public let path: String
  public let message: String

  public init(kind: Kind, path: String, message: String) {
    self.kind = kind
    self.path = path
    self.message = message
  }

  public var description: String {
    switch kind {
    case .open: "cannot open capture \(path): \(message)"
    case .read: "capture \(path) is damaged: \(message)"
    case .unsupportedLinkType(let type):
      "capture \(path): unsupported link type \(type) (\(message))"
    }
  }
}

/// One captured record. `bytes` is borrowed from libpcap until the next read.
public struct PcapRecord {
  /// Capture time, UTC nanoseconds since the Unix epoch.
  public var timestampNanoseconds: Int64
  /// Bytes on the wire; `bytes.count` is what was captured.
  public var originalLength: Int
  public var bytes: UnsafeRawBufferPointer
}

/// An open capture file (pcap or pcapng). Not Sendable: one thread reads it.
public final class PcapFile {
  public let path: String
  public let linkType: Int32
  private var handle: OpaquePointer?

  public init(path: String) throws(PcapError) {
    self.path = path
    var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
    // Nanosecond precision whatever the file stores, so time needs no second code path.
    guard
      let handle = pcap_open_offline_with_tstamp_precision(
        path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
    else {
      throw PcapError(
        kind: .open, path: path,
        message: errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
    self.handle = handle
    linkType = pcap_datalink(handle)
  }

  deinit { close() }

  public func close() {
    if let handle { pcap_close(handle) }
    handle = nil
  }

  /// Reads the next record into `body`. Returns false at the clean end of the file; throws when
  /// the file is damaged (for example truncated inside a record).
  public func next(_ body: (PcapRecord) throws -> Void) throws -> Bool {
    guard let handle else { return false }
    var headerPointer: UnsafeMutablePointer<pcap_pkthdr>?
    var dataPointer: UnsafePointer<UInt8>?
    switch pcap_next_ex(handle, &headerPointer, &dataPointer) {
    case 1:
      guard let header = headerPointer?.pointee, let dataPointer else { return true }
      let record = PcapRecord(
        timestampNanoseconds: Int64(header.ts.tv_sec) * 1_000_000_000 + Int64(header.ts.tv_usec),
        originalLength: Int(header.len),
        bytes: UnsafeRawBufferPointer(start: dataPointer, count: Int(header.caplen)))
      try body(record)
      return true
    case PCAP_ERROR_BREAK:  // -2: no more records
      return false
    default:
      throw PcapError(kind: .read, path: path, message: String(cString: pcap_geterr(handle)))
    }
  }
}
