import SightlineMCAP
import SightlineSchema
import SightlineZstd

/// Frames read back from a recording's /sightline/frame channel.
public enum RecordedFrames {
  /// Every frame, in log-time order. A recording cut off before its summary (the process was
  /// killed) still gives the frames of its complete chunks. Reads zstd and uncompressed chunks.
  public static func read(path: String) throws -> [GridFrame] {
    let decompressors: [any MCAPChunkDecompressor] = [try ZstdDecompressor()]
    let reader: MCAPReader
    do {
      reader = try MCAPReader(path: path, decompressors: decompressors)
    } catch {
      reader = try MCAPReader.recover(path: path, decompressors: decompressors)
    }
    return try reader.messages(topic: FrameRecorder.topics[0]).map { message in
      try GridFrame.decode(Topic.grid.prefix + message.data)
    }
  }
}
