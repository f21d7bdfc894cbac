// SightlinePcap writing: the libpcap edge that records frames to a classic pcap file with
// nanosecond timestamps, so synthetic or filtered traffic replays like a real capture and opens
// in Wireshark, tcpdump and velodyne-decoder.

import CLibPcap

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public struct PcapWriteError: Error, CustomStringConvertible, Equatable {
  public enum Kind: Sendable, Equatable {
    /// The file could not be created (missing directory, no permission, ...).
    case open
    /// Writing or flushing failed (for example the disk is full).
    case write
    /// The record cannot be stored: a time before 1970 or after 2106, more bytes than the snap
    /// length, or an original length shorter than the bytes.
    case badRecord
    /// The writer was already closed.
    case closed
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
    case .open: "cannot create capture \(path): \(message)"
    case .write: "cannot write capture \(path): \(message)"
    case .badRecord: "capture \(path): record not written: \(message)"
    case .closed: "capture \(path) is already closed"
    }
  }
}

/// A pcap file being written: nanosecond timestamps (magic A1B23C4D), one link type. Not
/// Sendable: one thread writes it. Closed on deinit; call `close()` to learn whether the last
/// bytes reached the disk.
public final class PcapWriter {
  public let path: String
  /// The DLT_* number of every record (DLT_EN10MB, 1: Ethernet).
  public let linkType: Int32
  /// Largest record the file declares; longer records are refused.
  public let snapLength: Int
  /// Records written so far.
  public private(set) var records = 0
  private var deadHandle: OpaquePointer?
  private var dumper: OpaquePointer?

  /// Creates (or truncates) `path`.
  public init(path: String, linkType: Int32 = DLT_EN10MB, snapLength: Int = 262_144)
    throws(PcapWriteError)
  {
    self.path = path
    self.linkType = linkType
    self.snapLength = snapLength
    guard
      let handle = pcap_open_dead_with_tstamp_precision(
        linkType, Int32(clamping: snapLength), UInt32(PCAP_TSTAMP_PRECISION_NANO))
    else {
      throw PcapWriteError(
        kind: .open, path: path, message: "libpcap refused link type \(linkType)")
    }
    guard let dumper = pcap_dump_open(handle, path) else {
      let message = String(cString: pcap_geterr(handle))
      pcap_close(handle)
      throw PcapWriteError(kind: .open, path: path, message: message)
    }
    deadHandle = handle
    self.dumper = dumper
  }

  deinit {
    if let dumper { pcap_dump_close(dumper) }
    if let deadHandle { pcap_close(deadHandle) }
  }

  /// Appends one record. `originalLength` is the length on the wire when the bytes were cut to a
  /// snap length; by default the bytes are whole.
  public func write(
    _ bytes: UnsafeRawBufferPointer, timestampNanoseconds: Int64, originalLength: Int? = nil
  ) throws(PcapWriteError) {
    guard let dumper else { throw PcapWriteError(kind: .closed, path: path, message: "") }
    let (seconds, nanoseconds) = timestampNanoseconds.quotientAndRemainder(
      dividingBy: 1_000_000_000)
    guard timestampNanoseconds >= 0, seconds <= Int64(UInt32.max) else {
      throw badRecord("timestamp \(timestampNanoseconds) ns is outside 1970…2106")
    }
    let wireLength = originalLength ?? bytes.count
    guard bytes.count <= snapLength else {
      throw badRecord("\(bytes.count) bytes exceed the snap length \(snapLength)")
    }
    guard wireLength >= bytes.count, wireLength <= Int(UInt32.max) else {
      throw badRecord("original length \(wireLength) is shorter than the \(bytes.count) bytes")
    }
    // With nanosecond precision libpcap takes nanoseconds in tv_usec.
    var header = pcap_pkthdr()
    header.ts.tv_sec = Int(seconds)
    header.ts.tv_usec = Int(nanoseconds)
    header.caplen = UInt32(bytes.count)
    header.len = UInt32(wireLength)
    let user = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
    let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    withUnsafePointer(to: &header) { header in
      if let data {
        pcap_dump(user, header, data)
      } else {
        var empty: UInt8 = 0
        pcap_dump(user, header, &empty)
      }
    }
    // pcap_dump reports nothing itself; the stream's error flag does.
    if ferror(pcap_dump_file(dumper)) != 0 {
      throw PcapWriteError(kind: .write, path: path, message: String(cString: strerror(errno)))
    }
    records += 1
  }

  public func write(_ bytes: [UInt8], timestampNanoseconds: Int64, originalLength: Int? = nil)
    throws(PcapWriteError)
  {
    try bytes.withUnsafeBytes { bytes in
      Result { () throws(PcapWriteError) in
        try write(bytes, timestampNanoseconds: timestampNanoseconds, originalLength: originalLength)
      }
    }.get()
  }

  /// Copies a record read from another capture.
  public func write(_ record: PcapRecord) throws(PcapWriteError) {
    try write(
      record.bytes, timestampNanoseconds: record.timestampNanoseconds,
      originalLength: record.originalLength)
  }

  /// Pushes buffered records to the file, so a reader sees them while writing goes on.
  public func flush() throws(PcapWriteError) {
    guard let dumper else { throw PcapWriteError(kind: .closed, path: path, message: "") }
    guard pcap_dump_flush(dumper) == 0 else {
      throw PcapWriteError(kind: .write, path: path, message: String(cString: strerror(errno)))
    }
  }

  /// Flushes and closes the file. Throws if the last records could not be written; the file is
  /// closed either way. Closing twice is harmless.
  public func close() throws(PcapWriteError) {
    guard let dumper else { return }
    let flushed = pcap_dump_flush(dumper) == 0 && ferror(pcap_dump_file(dumper)) == 0
    let reason = flushed ? "" : String(cString: strerror(errno))
    pcap_dump_close(dumper)
    self.dumper = nil
    if let deadHandle { pcap_close(deadHandle) }
    deadHandle = nil
    if !flushed { throw PcapWriteError(kind: .write, path: path, message: reason) }
  }

  private func badRecord(_ message: String) -> PcapWriteError {
    PcapWriteError(kind: .badRecord, path: path, message: message)
  }
}
