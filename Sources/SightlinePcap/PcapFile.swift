// SightlinePcap: the libpcap edge. Opens a capture file (pcap or pcapng), optionally behind a BPF
// filter, and hands out its records one at a time; the bytes of a record are valid only inside
// the callback (libpcap reuses its buffer).

import CLibPcap

public struct PcapError: Error, CustomStringConvertible, Equatable {
  public enum Kind: Sendable, Equatable {
    /// The file is missing, unreadable, or not a capture.
    case open
    /// The file ended inside a record, or libpcap could not read on.
    case read
    case unsupportedLinkType(Int32)
    /// The BPF filter expression did not compile or could not be installed.
    case filter
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
    case .filter: "capture \(path): bad filter: \(message)"
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

  /// The capture kept fewer bytes than were on the wire (snap length).
  public var isTruncated: Bool { bytes.count < originalLength }
}

/// An open capture file (pcap or pcapng). Not Sendable: one thread reads it.
public final class PcapFile {
  public let path: String
  /// The DLT_* number libpcap reports (LINKTYPE_RAW files report DLT_RAW, 12 on Linux).
  public let linkType: Int32
  /// The BPF filter expression records must match, if any.
  public let filter: String?
  /// Records delivered so far.
  public private(set) var records = 0
  /// Records delivered with fewer bytes captured than were on the wire.
  public private(set) var truncatedRecords = 0
  private var handle: OpaquePointer?

  /// Opens `path`. With `filter` (tcpdump syntax, e.g. "udp port 2368") only matching records
  /// are delivered; a filter libpcap cannot compile throws `.filter` with libpcap's message.
  public init(path: String, filter: String? = nil) throws(PcapError) {
    self.path = path
    self.filter = filter
    var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
    // Nanosecond precision whatever the file stores, so time needs no second code path.
    guard
      let handle = pcap_open_offline_with_tstamp_precision(
        path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
    else {
      throw PcapError(kind: .open, path: path, message: Self.message(in: errorBuffer))
    }
    linkType = pcap_datalink(handle)
    if let filter {
      do throws(PcapError) {
        try Self.install(filter: filter, on: handle, path: path)
      } catch {
        pcap_close(handle)
        throw error
      }
    }
    self.handle = handle
  }

  deinit { close() }

  public func close() {
    if let handle { pcap_close(handle) }
    handle = nil
  }

  /// First and last capture times of the file at `path`, or nil when it holds no records: one
  /// pass over it (for overlap checks and progress).
  public static func timeRange(path: String) throws -> (first: Int64, last: Int64)? {
    let capture = try PcapFile(path: path)
    var first = Int64.max
    var last = Int64.min
    while try capture.next({ record in
      first = min(first, record.timestampNanoseconds)
      last = max(last, record.timestampNanoseconds)
    }) {}
    return first <= last ? (first, last) : nil
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
      // With nanosecond precision libpcap stores nanoseconds in tv_usec. A pcapng timestamp is
      // 64 bits in any resolution: past 2262 it does not fit Int64 nanoseconds.
      let (scaled, overflow) = Int64(header.ts.tv_sec).multipliedReportingOverflow(
        by: 1_000_000_000)
      let (nanoseconds, carry) = scaled.addingReportingOverflow(Int64(header.ts.tv_usec))
      guard !overflow, !carry else {
        throw PcapError(
          kind: .read, path: path, message: "record \(records + 1): timestamp out of range")
      }
      let record = PcapRecord(
        timestampNanoseconds: nanoseconds,
        originalLength: Int(header.len),
        bytes: UnsafeRawBufferPointer(start: dataPointer, count: Int(header.caplen)))
      records += 1
      if record.isTruncated { truncatedRecords += 1 }
      try body(record)
      return true
    case PCAP_ERROR_BREAK:  // -2: no more records
      return false
    default:
      throw PcapError(kind: .read, path: path, message: String(cString: pcap_geterr(handle)))
    }
  }

  private static func install(filter: String, on handle: OpaquePointer, path: String)
    throws(PcapError)
  {
    var program = bpf_program()
    guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
      throw PcapError(kind: .filter, path: path, message: String(cString: pcap_geterr(handle)))
    }
    defer { pcap_freecode(&program) }
    guard pcap_setfilter(handle, &program) == 0 else {
      throw PcapError(kind: .filter, path: path, message: String(cString: pcap_geterr(handle)))
    }
  }

  private static func message(in errorBuffer: [CChar]) -> String {
    let bytes = errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }
}
