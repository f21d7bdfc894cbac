// SightlineMCAP reader: loads a whole recording from memory, checks it against the spec, and
// hands back schemas, channels, statistics and messages. Every length is checked against the
// bytes that are actually there, so truncated or corrupt input produces an MCAPError, never a
// trap or an out-of-bounds read. Reads uncompressed chunks itself, and compressed ones through the
// MCAPChunkDecompressors it is handed (SightlineZstd's for "zstd"); decompressed chunks are kept,
// and a message's location points into the file or into one of them.

/// Reads an MCAP recording held in memory.
///
/// `init(bytes:)` wants a complete file: both magics, a footer, a consistent summary (if any) and
/// a data section whose chunks pass their CRCs; anything else throws. `recover(bytes:)` is for
/// recordings cut off mid-write (no summary, no footer): it scans the data section from the
/// start and keeps every message up to the first incomplete or damaged record, i.e. the
/// messages of all complete chunks. Compressed chunks are decompressed (and their CRCs checked)
/// up front too, by the decompressor given for their compression; everything is validated up
/// front, so `messages` only fails for chunks with a compression no decompressor was given for.
public struct MCAPReader: Sendable {
  private struct MessageLocation: Sendable {
    var channelID: UInt16
    var sequence: UInt32
    var logTime: UInt64
    var publishTime: UInt64
    /// Which bytes `data` indexes: 0 is the file, k ≥ 1 is `decompressedChunks[k - 1]`.
    var source: Int
    var data: Range<Int>
  }

  /// Decompressors by compression name, while the data section is read (not kept: the reader
  /// stays Sendable and holds no codec state).
  private typealias Decompressors = [String: any MCAPChunkDecompressor]

  /// From the Header record.
  public private(set) var profile = ""
  /// From the Header record: who wrote the file.
  public private(set) var library = ""
  /// Schemas from the summary and the data section, by ID.
  public private(set) var schemas: [UInt16: MCAPSchema] = [:]
  /// Channels from the summary and the data section, by ID.
  public private(set) var channels: [UInt16: MCAPChannel] = [:]
  /// The summary's Statistics record; nil when there is none (always nil after `recover`).
  public private(set) var statistics: MCAPStatistics?
  /// The summary's Chunk Index records in file order (always empty after `recover`).
  public private(set) var chunkIndexes: [MCAPChunkIndex] = []
  /// Whether the footer pointed at a summary section.
  public private(set) var hasSummary = false
  /// After `recover`: why the scan stopped before a Data End or Footer record (the damage or
  /// truncation it met), or nil if it reached one. Always nil after `init(bytes:)`.
  public private(set) var recoveryStopReason: MCAPError?
  /// Number of messages found (in all readable chunks and outside chunks).
  public var messageCount: Int { locations.count }

  private let bytes: [UInt8]
  /// The records of every decompressed chunk, in file order.
  private var decompressedChunks: [[UInt8]] = []
  private var locations: [MessageLocation] = []
  /// Messages up to the last complete top-level record: what recovery keeps.
  private var committedLocationCount = 0
  /// The first chunk that could not be decoded; `messages` reports it.
  private var undecodableChunk: MCAPError?
  /// Records of the last decoded chunk (source as in MessageLocation), to check the Message
  /// Index records that follow.
  private var lastChunkRecords: (source: Int, range: Range<Int>)?

  /// Reads and validates a complete recording.
  ///
  /// - Parameter decompressors: for compressed chunks, by their `name` (the first one given for
  ///   a name is used). Chunks with another compression make `messages` throw
  ///   `unsupportedCompression`.
  public init(bytes: [UInt8], decompressors: [any MCAPChunkDecompressor] = []) throws(MCAPError) {
    self.bytes = bytes
    let magicSize = MCAPLayout.magic.count
    guard bytes.count >= magicSize, bytes[0..<magicSize].elementsEqual(MCAPLayout.magic) else {
      throw bytes.count < magicSize && MCAPLayout.magic.starts(with: bytes)
        ? MCAPError.truncated(offset: bytes.count, what: "leading magic") : MCAPError.notMCAP
    }
    guard bytes.count >= MCAPLayout.minimumFileSize else {
      throw .truncated(offset: bytes.count, what: "a file too short for header and footer")
    }
    guard bytes[(bytes.count - magicSize)...].elementsEqual(MCAPLayout.magic) else {
      throw .missingTrailingMagic
    }
    let footerStart = bytes.count - magicSize - MCAPLayout.footerRecordSize
    let headerEnd = try readHeader(limit: footerStart)

    // Footer.
    let footer = try parseRecord(at: footerStart, limit: bytes.count - magicSize, section: "footer")
    guard footer.opcode == MCAPOpcode.footer,
      footer.content.count == MCAPLayout.footerContentSize
    else {
      throw .malformed(
        offset: footerStart, reason: "expected a Footer record (opcode 0x02, 20 bytes) here")
    }
    var cursor = ByteCursor(bytes, footer.content, record: "Footer")
    let summaryStart = try cursor.offset(limit: footerStart, field: "summary_start")
    let summaryOffsetStart = try cursor.offset(limit: footerStart, field: "summary_offset_start")
    let summaryCRC = try cursor.u32()

    // Summary sections.
    var dataEnd = footerStart
    if summaryStart != 0 {
      guard summaryStart >= headerEnd else {
        throw .malformed(offset: footerStart, reason: "summary_start points into the header")
      }
      dataEnd = summaryStart
      hasSummary = true
    }
    if summaryOffsetStart != 0 {
      guard summaryOffsetStart >= max(headerEnd, summaryStart) else {
        throw .malformed(
          offset: footerStart, reason: "summary_offset_start is before the summary section")
      }
      if summaryStart == 0 { dataEnd = summaryOffsetStart }
    }
    // summary_crc covers the summary (or, without one, the summary offset section) through the
    // footer's summary_offset_start field.
    let summaryCRCStart = summaryStart != 0 ? summaryStart : summaryOffsetStart
    if summaryCRC != 0, summaryCRCStart != 0 {
      let covered = summaryCRCStart..<(footerStart + MCAPLayout.recordPrefixSize + 16)
      let computed = bytes.withUnsafeBytes { MCAPCRC32.checksum(.init(rebasing: $0[covered])) }
      guard computed == summaryCRC else {
        throw .crcMismatch(
          what: "summary", offset: summaryCRCStart, stored: summaryCRC, computed: computed)
      }
    }
    if summaryStart != 0 {
      let summaryEnd = summaryOffsetStart != 0 ? summaryOffsetStart : footerStart
      try readSummary(summaryStart..<summaryEnd)
    }
    if summaryOffsetStart != 0 {
      try checkSummaryOffsets(
        summaryOffsetStart..<footerStart, summary: summaryStart..<summaryOffsetStart)
    }

    try scanDataSection(
      headerEnd..<dataEnd, strict: true, decompressors: Self.byName(decompressors))
    try checkChunkIndexes(dataSection: headerEnd..<dataEnd)
  }

  /// Reads and validates a complete recording from a file.
  public init(path: String, decompressors: [any MCAPChunkDecompressor] = []) throws(MCAPError) {
    try self.init(bytes: try readWholeFile(path: path), decompressors: decompressors)
  }

  /// Reads what can be read of a recording that may have been cut off mid-write.
  ///
  /// Ignores footer and summary, scans the data section from the start, and stops at the Data
  /// End record, the Footer, or the first record that is incomplete or damaged (a chunk whose
  /// CRC fails, a length that runs past the end). Messages before that point are kept; those of
  /// a damaged chunk are not (a compressed chunk that does not decompress, or whose CRC fails,
  /// is damaged). `recoveryStopReason` says why it stopped. Throws only when the bytes are not
  /// MCAP at all or end inside the magic or Header record.
  public static func recover(bytes: [UInt8], decompressors: [any MCAPChunkDecompressor] = [])
    throws(MCAPError) -> MCAPReader
  {
    var reader = MCAPReader(unvalidated: bytes)
    let magicSize = MCAPLayout.magic.count
    guard bytes.count >= magicSize else {
      if MCAPLayout.magic.starts(with: bytes) {
        throw .truncated(offset: bytes.count, what: "leading magic")
      }
      throw .notMCAP
    }
    guard bytes[0..<magicSize].elementsEqual(MCAPLayout.magic) else { throw .notMCAP }
    let headerEnd = try reader.readHeader(limit: bytes.count)
    do {
      try reader.scanDataSection(
        headerEnd..<bytes.count, strict: false, decompressors: byName(decompressors))
    } catch {
      reader.locations.removeSubrange(reader.committedLocationCount...)
      reader.recoveryStopReason = error
    }
    return reader
  }

  /// `recover(bytes:decompressors:)` for a file on disk.
  public static func recover(path: String, decompressors: [any MCAPChunkDecompressor] = [])
    throws(MCAPError) -> MCAPReader
  {
    try recover(bytes: try readWholeFile(path: path), decompressors: decompressors)
  }

  /// The recorded messages, optionally only those on `topic`.
  ///
  /// Throws `unsupportedCompression` if the file has compressed chunks no decompressor was given
  /// for, rather than silently returning only some of its messages.
  public func messages(topic: String? = nil, order: MCAPMessageOrder = .logTime)
    throws(MCAPError) -> [MCAPMessage]
  {
    if let undecodableChunk { throw undecodableChunk }
    var selected = Array(locations.indices)
    if let topic {
      let channelIDs = Set(channels.values.filter { $0.topic == topic }.map(\.id))
      selected.removeAll { !channelIDs.contains(locations[$0].channelID) }
    }
    if order == .logTime {
      selected.sort { (locations[$0].logTime, $0) < (locations[$1].logTime, $1) }
    }
    return selected.map { index in
      let location = locations[index]
      return MCAPMessage(
        channelID: location.channelID, topic: channels[location.channelID]?.topic ?? "",
        sequence: location.sequence, logTime: location.logTime,
        publishTime: location.publishTime, data: Array(buffer(location.source)[location.data]))
    }
  }

  // MARK: - Structure

  private init(unvalidated bytes: [UInt8]) { self.bytes = bytes }

  private static func byName(_ decompressors: [any MCAPChunkDecompressor]) -> Decompressors {
    var byName: Decompressors = [:]
    for decompressor in decompressors where byName[decompressor.name] == nil {
      byName[decompressor.name] = decompressor
    }
    return byName
  }

  /// The bytes a location's `source` names.
  private func buffer(_ source: Int) -> [UInt8] {
    source == 0 ? bytes : decompressedChunks[source - 1]
  }

  private struct Record {
    var opcode: UInt8
    /// Offset of the opcode byte.
    var start: Int
    var content: Range<Int>
    var end: Int { content.upperBound }
  }

  /// The record at `start` of `source` (the file, or a decompressed chunk), whose content must
  /// end by `limit`.
  private func parseRecord(at start: Int, limit: Int, section: String, in source: Int = 0)
    throws(MCAPError) -> Record
  {
    let bytes = buffer(source)
    // Only the file can be cut off; a decompressed chunk has exactly its stated size.
    let endOfInput = source == 0 ? bytes.count : -1
    guard limit - start >= MCAPLayout.recordPrefixSize else {
      if limit == endOfInput {
        throw .truncated(offset: limit, what: "a record prefix in the \(section)")
      }
      throw .malformed(offset: start, reason: "a partial record prefix ends the \(section)")
    }
    let opcode = bytes[start]
    var cursor = ByteCursor(bytes, (start + 1)..<(start + 9), record: "record prefix")
    let length = try cursor.u64()
    let contentStart = start + MCAPLayout.recordPrefixSize
    guard length <= UInt64(limit - contentStart) else {
      let name = MCAPOpcode.name(opcode)
      if limit == endOfInput {
        throw .truncated(offset: limit, what: "\(name) record at byte \(start) (\(length) bytes)")
      }
      throw .malformed(
        offset: start, reason: "\(name) record (\(length) bytes) runs past the \(section)")
    }
    return Record(
      opcode: opcode, start: start, content: contentStart..<(contentStart + Int(length)))
  }

  /// Parses the Header record after the leading magic; returns where the data section starts.
  private mutating func readHeader(limit: Int) throws(MCAPError) -> Int {
    let header = try parseRecord(at: MCAPLayout.magic.count, limit: limit, section: "header")
    guard header.opcode == MCAPOpcode.header else {
      throw .malformed(offset: header.start, reason: "the first record is not a Header")
    }
    var cursor = ByteCursor(bytes, header.content, record: "Header")
    profile = try cursor.string()
    library = try cursor.string()
    return header.end
  }

  private mutating func readSummary(_ range: Range<Int>) throws(MCAPError) {
    var position = range.lowerBound
    while position < range.upperBound {
      let record = try parseRecord(
        at: position, limit: range.upperBound, section: "summary section")
      var cursor = ByteCursor(bytes, record.content, record: MCAPOpcode.name(record.opcode))
      switch record.opcode {
      case MCAPOpcode.schema:
        let schema = try cursor.schema()
        if schema.id != 0 { schemas[schema.id] = schema }
      case MCAPOpcode.channel:
        let channel = try cursor.channel()
        channels[channel.id] = channel
      case MCAPOpcode.statistics:
        statistics = try cursor.statistics()
      case MCAPOpcode.chunkIndex:
        chunkIndexes.append(try cursor.chunkIndex())
      case MCAPOpcode.header, MCAPOpcode.footer, MCAPOpcode.dataEnd, MCAPOpcode.message,
        MCAPOpcode.chunk:
        throw .malformed(
          offset: record.start, reason: "\(MCAPOpcode.name(record.opcode)) in the summary section")
      default:
        break  // Attachment/Metadata indexes and future records: not needed here.
      }
      position = record.end
    }
  }

  /// Each Summary Offset record must point at a group of records with its opcode.
  private func checkSummaryOffsets(_ range: Range<Int>, summary: Range<Int>) throws(MCAPError) {
    var position = range.lowerBound
    while position < range.upperBound {
      let record = try parseRecord(
        at: position, limit: range.upperBound, section: "summary offsets")
      if record.opcode == MCAPOpcode.summaryOffset {
        var cursor = ByteCursor(bytes, record.content, record: "Summary Offset")
        let groupOpcode = try cursor.u8()
        let groupStart = try cursor.u64()
        let groupLength = try cursor.u64()
        let lower = UInt64(summary.lowerBound)
        let upper = UInt64(summary.upperBound)
        guard groupStart >= lower, groupStart <= upper, groupLength <= upper - groupStart,
          groupLength == 0 || bytes[Int(groupStart)] == groupOpcode
        else {
          throw .malformed(
            offset: record.start,
            reason: "Summary Offset for opcode \(groupOpcode) does not point at that group")
        }
      }
      position = record.end
    }
  }

  /// Each Chunk Index must point at a Chunk of the stated length, and at Message Index records.
  private func checkChunkIndexes(dataSection: Range<Int>) throws(MCAPError) {
    for index in chunkIndexes {
      let start = index.chunkStartOffset
      guard start >= UInt64(dataSection.lowerBound), start < UInt64(dataSection.upperBound),
        let chunk = try? parseRecord(
          at: Int(start), limit: dataSection.upperBound, section: "data"),
        chunk.opcode == MCAPOpcode.chunk, UInt64(chunk.end) - start == index.chunkLength
      else {
        throw .malformed(
          offset: Int(clamping: start), reason: "a Chunk Index does not point at its Chunk")
      }
      for (_, offset) in index.messageIndexOffsets {
        guard offset >= UInt64(dataSection.lowerBound), offset < UInt64(dataSection.upperBound),
          bytes[Int(offset)] == MCAPOpcode.messageIndex
        else {
          throw .malformed(
            offset: Int(clamping: offset),
            reason: "a Chunk Index does not point at a Message Index record")
        }
      }
    }
  }

  // MARK: - Data section

  /// Walks the data section's records, descending into chunks it can decode. `strict` also
  /// checks Message Index records; recovery skips them (they are only an index).
  private mutating func scanDataSection(
    _ range: Range<Int>, strict: Bool, decompressors: Decompressors
  ) throws(MCAPError) {
    var position = range.lowerBound
    while position < range.upperBound {
      let record = try parseRecord(at: position, limit: range.upperBound, section: "data section")
      let name = MCAPOpcode.name(record.opcode)
      var cursor = ByteCursor(bytes, record.content, record: name)
      let followsChunk = lastChunkRecords
      lastChunkRecords = nil
      switch record.opcode {
      case MCAPOpcode.schema, MCAPOpcode.channel, MCAPOpcode.message:
        try readRecordAllowedInChunk(record, in: 0)
      case MCAPOpcode.chunk:
        try readChunk(record, decompressors: decompressors)
      case MCAPOpcode.messageIndex:
        if strict, let followsChunk {
          try checkMessageIndex(record, chunkRecords: followsChunk)
          lastChunkRecords = followsChunk
        }
      case MCAPOpcode.dataEnd:
        let stored = try cursor.u32()
        if stored != 0 {
          let computed = bytes.withUnsafeBytes {
            MCAPCRC32.checksum(.init(rebasing: $0[0..<record.start]))
          }
          guard computed == stored else {
            throw .crcMismatch(
              what: "data section", offset: record.start, stored: stored, computed: computed)
          }
        }
        committedLocationCount = locations.count
        return
      case MCAPOpcode.footer where !strict:
        committedLocationCount = locations.count
        return
      case MCAPOpcode.header, MCAPOpcode.footer, MCAPOpcode.chunkIndex, MCAPOpcode.statistics,
        MCAPOpcode.summaryOffset:
        throw .malformed(offset: record.start, reason: "\(name) record in the data section")
      default:
        break  // Attachments, metadata, extensions: not needed here.
      }
      committedLocationCount = locations.count
      position = record.end
    }
    if !strict {
      throw .truncated(offset: range.upperBound, what: "the data section (no Data End record)")
    }
  }

  /// Reads a Chunk: its records straight from the file when uncompressed, else decompressed
  /// (and kept) when a decompressor for its compression was given, else only noted as
  /// undecodable. Either way the CRC is checked against the uncompressed records.
  private mutating func readChunk(_ record: Record, decompressors: Decompressors)
    throws(MCAPError)
  {
    var cursor = ByteCursor(bytes, record.content, record: "Chunk")
    _ = try cursor.u64()  // message_start_time
    _ = try cursor.u64()  // message_end_time
    let uncompressedSize = try cursor.u64()
    let storedCRC = try cursor.u32()
    let compression = try cursor.string()
    var records = try cursor.bytes64()
    var source = 0
    if !compression.isEmpty {
      guard let decompressor = decompressors[compression] else {
        if undecodableChunk == nil {
          undecodableChunk = .unsupportedCompression(compression, chunkOffset: record.start)
        }
        return
      }
      decompressedChunks.append(
        try decompress(
          records, size: uncompressedSize, compression: compression, with: decompressor,
          chunkOffset: record.start))
      source = decompressedChunks.count
      records = decompressedChunks[source - 1].indices
    }
    guard uncompressedSize == UInt64(records.count) else {
      throw .malformed(
        offset: record.start,
        reason: "uncompressed chunk holds \(records.count) bytes but says \(uncompressedSize)")
    }
    if storedCRC != 0 {
      let computed = buffer(source).withUnsafeBytes {
        MCAPCRC32.checksum(.init(rebasing: $0[records]))
      }
      guard computed == storedCRC else {
        throw .crcMismatch(
          what: "chunk", offset: record.start, stored: storedCRC, computed: computed)
      }
    }
    do throws(MCAPError) {
      try readChunkRecords(records, in: source)
    } catch {
      guard source != 0 else { throw error }
      throw .malformed(
        offset: record.start,
        reason: "in its \(compression)-decompressed records (offsets from their start): \(error)")
    }
    lastChunkRecords = (source, records)
  }

  /// The chunk's compressed records, decompressed; any failure is `decompressionFailed`.
  private func decompress(
    _ compressed: Range<Int>, size: UInt64, compression: String,
    with decompressor: any MCAPChunkDecompressor, chunkOffset: Int
  ) throws(MCAPError) -> [UInt8] {
    guard size <= UInt64(Int.max) else {
      throw .decompressionFailed(
        compression: compression, chunkOffset: chunkOffset,
        reason: "uncompressed_size \(size) is not a size")
    }
    var output: [UInt8] = []
    let result = bytes.withUnsafeBytes { raw in
      Result {
        try decompressor.decompress(
          .init(rebasing: raw[compressed]), uncompressedSize: Int(size), into: &output)
      }
    }
    if case .failure(let cause) = result {
      throw .decompressionFailed(
        compression: compression, chunkOffset: chunkOffset, reason: "\(cause)")
    }
    // The protocol promises this; a conformer that breaks it must not mislead the reader.
    guard output.count == Int(size) else {
      throw .decompressionFailed(
        compression: compression, chunkOffset: chunkOffset,
        reason: "the decompressor returned \(output.count) bytes, not \(size)")
    }
    return output
  }

  /// Reads the records inside a chunk (in the file or a decompressed chunk).
  private mutating func readChunkRecords(_ records: Range<Int>, in source: Int)
    throws(MCAPError)
  {
    var position = records.lowerBound
    while position < records.upperBound {
      let inner = try parseRecord(
        at: position, limit: records.upperBound, section: "chunk", in: source)
      switch inner.opcode {
      case MCAPOpcode.schema, MCAPOpcode.channel, MCAPOpcode.message:
        try readRecordAllowedInChunk(inner, in: source)
      default:
        break  // Not allowed in chunks by the spec, but harmless to skip.
      }
      position = inner.end
    }
  }

  private mutating func readRecordAllowedInChunk(_ record: Record, in source: Int)
    throws(MCAPError)
  {
    var cursor = ByteCursor(buffer(source), record.content, record: MCAPOpcode.name(record.opcode))
    switch record.opcode {
    case MCAPOpcode.schema:
      let schema = try cursor.schema()
      if schema.id != 0 { schemas[schema.id] = schema }
    case MCAPOpcode.channel:
      let channel = try cursor.channel()
      guard channel.schemaID == 0 || schemas[channel.schemaID] != nil else {
        throw .malformed(
          offset: record.start,
          reason: "channel \(channel.id) uses schema \(channel.schemaID), which is not defined")
      }
      channels[channel.id] = channel
    default:
      let channelID = try cursor.u16()
      let sequence = try cursor.u32()
      let logTime = try cursor.u64()
      let publishTime = try cursor.u64()
      guard channels[channelID] != nil else {
        throw .malformed(
          offset: record.start, reason: "message on channel \(channelID), which is not defined")
      }
      locations.append(
        MessageLocation(
          channelID: channelID, sequence: sequence, logTime: logTime, publishTime: publishTime,
          source: source, data: cursor.rest()))
    }
  }

  /// Every entry must point at a Message record of this channel with this log time (offsets are
  /// into the uncompressed records, wherever those are).
  private func checkMessageIndex(
    _ record: Record, chunkRecords: (source: Int, range: Range<Int>)
  ) throws(MCAPError) {
    var cursor = ByteCursor(bytes, record.content, record: "Message Index")
    let channelID = try cursor.u16()
    let entries = try cursor.bytes32()
    guard entries.count % MCAPLayout.messageIndexEntrySize == 0 else {
      throw .malformed(offset: record.start, reason: "Message Index entries are not 16 bytes each")
    }
    let records = chunkRecords.range
    let recordBytes = buffer(chunkRecords.source)
    var entryCursor = ByteCursor(bytes, entries, record: "Message Index")
    while !entryCursor.isAtEnd {
      let logTime = try entryCursor.u64()
      let offset = try entryCursor.u64()
      let minimumMessage = UInt64(MCAPLayout.recordPrefixSize + MCAPLayout.messageFixedSize)
      guard offset <= UInt64(records.count), UInt64(records.count) - offset >= minimumMessage
      else {
        throw .malformed(
          offset: record.start, reason: "Message Index offset \(offset) is past the chunk")
      }
      let messageStart = records.lowerBound + Int(offset)
      var message = ByteCursor(
        recordBytes, (messageStart + 9)..<records.upperBound, record: "indexed message")
      guard recordBytes[messageStart] == MCAPOpcode.message, try message.u16() == channelID,
        try message.skip(4), try message.u64() == logTime
      else {
        throw .malformed(
          offset: record.start,
          reason: "Message Index entry (\(logTime), \(offset)) does not match a message")
      }
    }
  }
}
