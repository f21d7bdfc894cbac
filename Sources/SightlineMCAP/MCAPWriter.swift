// SightlineMCAP writer: schemas and channels go straight into the data section; messages are
// buffered into one chunk that is written (compressed, when the writer has an
// MCAPChunkCompressor), with a Message Index record per channel, once it reaches `chunkSize`.
// `finish()` writes the last chunk, Data End (with the data section CRC), the summary (schemas,
// channels, statistics, chunk indexes, summary offsets) and the footer. In steady state a message
// costs one append to the reused chunk buffer and one to its channel's reused index array: no
// allocation per message; a chunk is compressed into a reused buffer too.

/// Writes an MCAP recording into `Output`.
///
/// Call `addSchema`/`addChannel` before the messages that use them, `addMessage` for each
/// message (log times may go backwards), then `finish()`. Any output (or compression) failure
/// puts the writer in a failed state: later calls throw `MCAPError.writerFailed` instead of
/// writing a file with holes in it. Use one writer value per recording: a copy would keep its
/// own bookkeeping while sharing a file output (and a compressor that is a class) with the
/// original.
public struct MCAPWriter<Output: MCAPOutput> {
  private enum State {
    case open
    case finished
    case failed(MCAPError)
  }

  /// Per-channel bookkeeping, stored densely at index `id - 1`.
  private struct ChannelState {
    /// The encoded Channel record, repeated verbatim in the summary.
    var record: [UInt8]
    var messageCount: UInt64 = 0
    /// Flattened (log_time, offset) pairs for the open chunk; kept allocated between chunks.
    var indexEntries: [UInt64] = []
    var inOpenChunk = false
  }

  /// What the summary's Chunk Index record needs to know about a written chunk.
  private struct WrittenChunk {
    var messageStartTime: UInt64
    var messageEndTime: UInt64
    var chunkStartOffset: UInt64
    var chunkLength: UInt64
    var messageIndexOffsets: [(channelID: UInt16, offset: UInt64)]
    var messageIndexLength: UInt64
    var compressedSize: UInt64
    var uncompressedSize: UInt64
  }

  private var output: Output
  private var state = State.open
  private let chunkSize: Int
  /// Compresses each chunk's records; nil writes them uncompressed (compression "").
  private var compressor: (any MCAPChunkCompressor)?
  /// The compressor's name, or "" without one: what Chunk and Chunk Index records say.
  private let compressionName: String
  /// Running CRC of every byte written before Data End (magic included, as the spec's readers
  /// compute it).
  private var dataSectionCRC: UInt32 = 0

  private var schemaRecords: [[UInt8]] = []
  private var channels: [ChannelState] = []

  // The open chunk.
  private var chunkRecords: [UInt8] = []
  private var chunkStartTime = UInt64.max
  private var chunkEndTime: UInt64 = 0
  private var chunkChannelIDs: [UInt16] = []
  /// Chunk prefix and Message Index records are built here; reused for every chunk.
  private var scratch: [UInt8] = []
  /// The open chunk's records, compressed; reused for every chunk.
  private var compressedRecords: [UInt8] = []

  // Whole-file statistics.
  private var messageCount: UInt64 = 0
  private var messageStartTime = UInt64.max
  private var messageEndTime: UInt64 = 0
  private var writtenChunks: [WrittenChunk] = []

  /// Starts a recording: writes the magic and the Header record.
  ///
  /// - Parameters:
  ///   - profile: MCAP profile ("ros2", "x-…"), empty for none.
  ///   - library: who wrote the file, for whoever debugs it later.
  ///   - chunkSize: uncompressed bytes a chunk collects before it is written. Smaller chunks lose
  ///     less when a recording is cut off; larger ones index less (and compress a little worse).
  ///   - compression: compresses each chunk's records (SightlineZstd's ZstdCompressor); nil
  ///     writes uncompressed chunks. Readers need the matching decompressor.
  public init(
    output: Output, profile: String = "", library: String = "sightline",
    chunkSize: Int = 4 << 20, compression: (any MCAPChunkCompressor)? = nil
  ) throws(MCAPError) {
    guard chunkSize > 0 else { throw .invalidChunkSize(chunkSize) }
    try Self.checkLength(profile.utf8.count, field: "profile")
    try Self.checkLength(library.utf8.count, field: "library")
    let compressionName = compression?.name ?? ""
    if compression != nil, compressionName.isEmpty {
      throw .compressionFailed(compression: "", reason: "a compressor needs a non-empty name")
    }
    try Self.checkLength(compressionName.utf8.count, field: "compression name")
    self.output = output
    self.chunkSize = chunkSize
    self.compressor = compression
    self.compressionName = compressionName
    chunkRecords.reserveCapacity(min(chunkSize, 4 << 20) + 1024)
    scratch.reserveCapacity(1024)

    var header = MCAPLayout.magic
    let contentLength = 8 + profile.utf8.count + library.utf8.count
    header.appendRecordPrefix(MCAPOpcode.header, contentLength: UInt64(contentLength))
    header.appendPrefixedString(profile)
    header.appendPrefixedString(library)
    try emit(header, inDataSection: true)
  }

  /// Registers a schema and writes its record; returns its ID (1, 2, …) for `addChannel`.
  public mutating func addSchema(name: String, encoding: String, data: [UInt8])
    throws(MCAPError) -> UInt16
  {
    try checkOpen()
    guard schemaRecords.count < Int(UInt16.max) else { throw .tooManyIDs(kind: "schema") }
    try Self.checkLength(name.utf8.count, field: "schema name")
    try Self.checkLength(encoding.utf8.count, field: "schema encoding")
    try Self.checkLength(data.count, field: "schema data")
    let id = UInt16(schemaRecords.count + 1)

    var record: [UInt8] = []
    let contentLength = 2 + 4 + name.utf8.count + 4 + encoding.utf8.count + 4 + data.count
    record.reserveCapacity(MCAPLayout.recordPrefixSize + contentLength)
    record.appendRecordPrefix(MCAPOpcode.schema, contentLength: UInt64(contentLength))
    record.appendLittleEndian(id)
    record.appendPrefixedString(name)
    record.appendPrefixedString(encoding)
    record.appendLittleEndian(UInt32(data.count))
    record.append(contentsOf: data)
    try emit(record, inDataSection: true)
    schemaRecords.append(record)
    return id
  }

  /// Registers a channel and writes its record; returns its ID (1, 2, …) for `addMessage`.
  ///
  /// - Parameters:
  ///   - schemaID: from `addSchema`, or 0 for a channel without a schema.
  ///   - metadata: written as an MCAP map in the order given; keys must be unique.
  public mutating func addChannel(
    schemaID: UInt16, topic: String, messageEncoding: String, metadata: [(String, String)] = []
  ) throws(MCAPError) -> UInt16 {
    try checkOpen()
    guard channels.count < Int(UInt16.max) else { throw .tooManyIDs(kind: "channel") }
    guard schemaID == 0 || Int(schemaID) <= schemaRecords.count else {
      throw .unknownSchema(schemaID)
    }
    try Self.checkLength(topic.utf8.count, field: "channel topic")
    try Self.checkLength(messageEncoding.utf8.count, field: "channel message encoding")
    var metadataLength = 0
    for (index, (key, value)) in metadata.enumerated() {
      if metadata[..<index].contains(where: { $0.0 == key }) {
        throw .duplicateMetadataKey(key)
      }
      metadataLength += 8 + key.utf8.count + value.utf8.count
    }
    try Self.checkLength(metadataLength, field: "channel metadata")
    let id = UInt16(channels.count + 1)

    var record: [UInt8] = []
    let contentLength =
      2 + 2 + 4 + topic.utf8.count + 4 + messageEncoding.utf8.count + 4 + metadataLength
    record.reserveCapacity(MCAPLayout.recordPrefixSize + contentLength)
    record.appendRecordPrefix(MCAPOpcode.channel, contentLength: UInt64(contentLength))
    record.appendLittleEndian(id)
    record.appendLittleEndian(schemaID)
    record.appendPrefixedString(topic)
    record.appendPrefixedString(messageEncoding)
    record.appendLittleEndian(UInt32(metadataLength))
    for (key, value) in metadata {
      record.appendPrefixedString(key)
      record.appendPrefixedString(value)
    }
    try emit(record, inDataSection: true)
    channels.append(ChannelState(record: record))
    return id
  }

  /// Adds one message to the open chunk, writing the chunk out once it reaches `chunkSize`.
  ///
  /// - Parameters:
  ///   - sequence: the publisher's counter, or the writer's own if the publisher has none.
  ///   - logTime: when it was recorded (ns); may be earlier than previous messages.
  ///   - publishTime: when it was published (ns); pass `logTime` if unknown.
  public mutating func addMessage(
    channelID: UInt16, sequence: UInt32, logTime: UInt64, publishTime: UInt64,
    data: UnsafeRawBufferPointer
  ) throws(MCAPError) {
    try checkOpen()
    guard channelID >= 1, Int(channelID) <= channels.count else {
      throw .unknownChannel(channelID)
    }
    let channelIndex = Int(channelID) - 1
    // Message Index records store their entries behind a u32 byte length.
    let maximumEntries = Int(UInt32.max) / MCAPLayout.messageIndexEntrySize
    if channels[channelIndex].indexEntries.count / 2 >= maximumEntries { try flushChunk() }

    let offsetInChunk = UInt64(chunkRecords.count)
    let contentLength = UInt64(MCAPLayout.messageFixedSize + data.count)
    chunkRecords.appendRecordPrefix(MCAPOpcode.message, contentLength: contentLength)
    chunkRecords.appendLittleEndian(channelID)
    chunkRecords.appendLittleEndian(sequence)
    chunkRecords.appendLittleEndian(logTime)
    chunkRecords.appendLittleEndian(publishTime)
    chunkRecords.append(contentsOf: data)

    channels[channelIndex].indexEntries.append(logTime)
    channels[channelIndex].indexEntries.append(offsetInChunk)
    channels[channelIndex].messageCount += 1
    if !channels[channelIndex].inOpenChunk {
      channels[channelIndex].inOpenChunk = true
      chunkChannelIDs.append(channelID)
    }
    chunkStartTime = min(chunkStartTime, logTime)
    chunkEndTime = max(chunkEndTime, logTime)
    messageStartTime = min(messageStartTime, logTime)
    messageEndTime = max(messageEndTime, logTime)
    messageCount += 1

    if chunkRecords.count >= chunkSize { try flushChunk() }
  }

  /// Convenience for payloads already in an array.
  public mutating func addMessage(
    channelID: UInt16, sequence: UInt32, logTime: UInt64, publishTime: UInt64, data: [UInt8]
  ) throws(MCAPError) {
    let result: Result<Void, MCAPError> = data.withUnsafeBytes { raw in
      Result { () throws(MCAPError) in
        try addMessage(
          channelID: channelID, sequence: sequence, logTime: logTime, publishTime: publishTime,
          data: raw)
      }
    }
    try result.get()
  }

  /// Writes the open chunk (if any), Data End, the summary, the footer and the closing magic,
  /// and hands back the output (for a file: still open; call `close()` on it).
  public mutating func finish() throws(MCAPError) -> Output {
    try checkOpen()
    try flushChunk()

    var dataEnd: [UInt8] = []
    dataEnd.appendRecordPrefix(MCAPOpcode.dataEnd, contentLength: 4)
    dataEnd.appendLittleEndian(dataSectionCRC)
    try emit(dataEnd, inDataSection: false)

    let summaryStart = output.position
    var summary: [UInt8] = []
    var groups: [(opcode: UInt8, start: UInt64, length: UInt64)] = []
    func closeGroup(_ opcode: UInt8, from start: Int) {
      guard summary.count > start else { return }
      groups.append((opcode, summaryStart + UInt64(start), UInt64(summary.count - start)))
    }

    var groupStart = summary.count
    for record in schemaRecords { summary.append(contentsOf: record) }
    closeGroup(MCAPOpcode.schema, from: groupStart)

    groupStart = summary.count
    for channel in channels { summary.append(contentsOf: channel.record) }
    closeGroup(MCAPOpcode.channel, from: groupStart)

    groupStart = summary.count
    appendStatistics(to: &summary)
    closeGroup(MCAPOpcode.statistics, from: groupStart)

    groupStart = summary.count
    for chunk in writtenChunks {
      Self.appendChunkIndex(chunk, compression: compressionName, to: &summary)
    }
    closeGroup(MCAPOpcode.chunkIndex, from: groupStart)

    let summaryOffsetStart = summaryStart + UInt64(summary.count)
    for group in groups {
      summary.appendRecordPrefix(MCAPOpcode.summaryOffset, contentLength: 17)
      summary.append(group.opcode)
      summary.appendLittleEndian(group.start)
      summary.appendLittleEndian(group.length)
    }

    // summary_crc covers the summary sections and the footer up to (not including) itself.
    summary.appendRecordPrefix(
      MCAPOpcode.footer, contentLength: UInt64(MCAPLayout.footerContentSize))
    summary.appendLittleEndian(summaryStart)
    summary.appendLittleEndian(summaryOffsetStart)
    summary.appendLittleEndian(MCAPCRC32.checksum(summary))
    summary.append(contentsOf: MCAPLayout.magic)
    try emit(summary, inDataSection: false)

    state = .finished
    return output
  }

  // MARK: - Internals

  private func checkOpen() throws(MCAPError) {
    switch state {
    case .open: return
    case .finished: throw .writerFinished
    case .failed(let cause): throw .writerFailed(cause)
    }
  }

  private static func checkLength(_ byteCount: Int, field: String) throws(MCAPError) {
    if byteCount > Int(UInt32.max) { throw .valueTooLarge(field: field, byteCount: byteCount) }
  }

  /// The one way bytes leave the writer: keeps the data section CRC and the failure state.
  private mutating func emit(_ bytes: [UInt8], inDataSection: Bool) throws(MCAPError) {
    if inDataSection { dataSectionCRC = MCAPCRC32.update(dataSectionCRC, bytes) }
    let result: Result<Void, MCAPError> = bytes.withUnsafeBytes { raw in
      Result { () throws(MCAPError) in try output.write(raw) }
    }
    if case .failure(let error) = result {
      state = .failed(error)
      throw error
    }
  }

  /// Writes the open chunk and its Message Index records, then empties (but keeps) the buffers.
  private mutating func flushChunk() throws(MCAPError) {
    guard !chunkRecords.isEmpty else { return }
    let uncompressedSize = UInt64(chunkRecords.count)
    // The CRC covers the uncompressed records, as the spec says.
    let uncompressedCRC = MCAPCRC32.checksum(chunkRecords)
    if compressor != nil { try compressChunk() }
    let compressedSize = compressor != nil ? UInt64(compressedRecords.count) : uncompressedSize
    let chunkStartOffset = output.position

    scratch.removeAll(keepingCapacity: true)
    let contentLength =
      UInt64(MCAPLayout.chunkFixedSize + compressionName.utf8.count) + compressedSize
    scratch.appendRecordPrefix(MCAPOpcode.chunk, contentLength: contentLength)
    scratch.appendLittleEndian(chunkStartTime)
    scratch.appendLittleEndian(chunkEndTime)
    scratch.appendLittleEndian(uncompressedSize)
    scratch.appendLittleEndian(uncompressedCRC)
    scratch.appendPrefixedString(compressionName)
    scratch.appendLittleEndian(compressedSize)  // records byte length
    let chunkLength = UInt64(scratch.count) + compressedSize
    try emit(scratch, inDataSection: true)
    try emit(compressor != nil ? compressedRecords : chunkRecords, inDataSection: true)

    let indexStart = output.position
    var messageIndexOffsets: [(channelID: UInt16, offset: UInt64)] = []
    messageIndexOffsets.reserveCapacity(chunkChannelIDs.count)
    scratch.removeAll(keepingCapacity: true)
    for channelID in chunkChannelIDs {
      let channelIndex = Int(channelID) - 1
      messageIndexOffsets.append((channelID, indexStart + UInt64(scratch.count)))
      let entriesLength = channels[channelIndex].indexEntries.count * 8
      scratch.appendRecordPrefix(
        MCAPOpcode.messageIndex, contentLength: UInt64(2 + 4 + entriesLength))
      scratch.appendLittleEndian(channelID)
      scratch.appendLittleEndian(UInt32(entriesLength))
      for value in channels[channelIndex].indexEntries { scratch.appendLittleEndian(value) }
      channels[channelIndex].indexEntries.removeAll(keepingCapacity: true)
      channels[channelIndex].inOpenChunk = false
    }
    let messageIndexLength = UInt64(scratch.count)
    try emit(scratch, inDataSection: true)

    writtenChunks.append(
      WrittenChunk(
        messageStartTime: chunkStartTime, messageEndTime: chunkEndTime,
        chunkStartOffset: chunkStartOffset, chunkLength: chunkLength,
        messageIndexOffsets: messageIndexOffsets, messageIndexLength: messageIndexLength,
        compressedSize: compressedSize, uncompressedSize: uncompressedSize))
    chunkRecords.removeAll(keepingCapacity: true)
    chunkChannelIDs.removeAll(keepingCapacity: true)
    chunkStartTime = .max
    chunkEndTime = 0
  }

  /// Compresses the open chunk's records into `compressedRecords`. A failure leaves the writer
  /// failed, like an output failure: the chunk cannot be written.
  private mutating func compressChunk() throws(MCAPError) {
    guard var compressor else { return }
    var compressed: [UInt8] = []
    swap(&compressed, &compressedRecords)
    let result = chunkRecords.withUnsafeBytes { records in
      Result { try compressor.compress(records, into: &compressed) }
    }
    swap(&compressed, &compressedRecords)
    self.compressor = compressor
    if case .failure(let cause) = result {
      let error = MCAPError.compressionFailed(compression: compressionName, reason: "\(cause)")
      state = .failed(error)
      throw error
    }
  }

  private func appendStatistics(to summary: inout [UInt8]) {
    let countedChannels = channels.enumerated().filter { $0.element.messageCount > 0 }
    let countsLength = countedChannels.count * 10
    // 8 + 2 + 4 × u32 + 2 × u64 + map length: 46 bytes before the per-channel counts.
    summary.appendRecordPrefix(MCAPOpcode.statistics, contentLength: UInt64(46 + countsLength))
    summary.appendLittleEndian(messageCount)
    summary.appendLittleEndian(UInt16(schemaRecords.count))
    summary.appendLittleEndian(UInt32(channels.count))
    summary.appendLittleEndian(UInt32(0))  // attachment_count
    summary.appendLittleEndian(UInt32(0))  // metadata_count
    summary.appendLittleEndian(UInt32(clamping: writtenChunks.count))
    summary.appendLittleEndian(messageCount == 0 ? 0 : messageStartTime)
    summary.appendLittleEndian(messageCount == 0 ? 0 : messageEndTime)
    summary.appendLittleEndian(UInt32(countsLength))
    for (index, channel) in countedChannels {
      summary.appendLittleEndian(UInt16(index + 1))
      summary.appendLittleEndian(channel.messageCount)
    }
  }

  private static func appendChunkIndex(
    _ chunk: WrittenChunk, compression: String, to summary: inout [UInt8]
  ) {
    let offsetsLength = chunk.messageIndexOffsets.count * 10
    // 4 × u64, map, u64, compression string, 2 × u64.
    let contentLength = 32 + 4 + offsetsLength + 8 + 4 + compression.utf8.count + 16
    summary.appendRecordPrefix(MCAPOpcode.chunkIndex, contentLength: UInt64(contentLength))
    summary.appendLittleEndian(chunk.messageStartTime)
    summary.appendLittleEndian(chunk.messageEndTime)
    summary.appendLittleEndian(chunk.chunkStartOffset)
    summary.appendLittleEndian(chunk.chunkLength)
    summary.appendLittleEndian(UInt32(offsetsLength))
    for entry in chunk.messageIndexOffsets {
      summary.appendLittleEndian(entry.channelID)
      summary.appendLittleEndian(entry.offset)
    }
    summary.appendLittleEndian(chunk.messageIndexLength)
    summary.appendPrefixedString(compression)
    summary.appendLittleEndian(chunk.compressedSize)
    summary.appendLittleEndian(chunk.uncompressedSize)
  }
}
