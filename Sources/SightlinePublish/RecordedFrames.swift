import SightlineMCAP
import SightlineSchema

/// Frames read back from a recording's /sightline/frame channel.
public enum RecordedFrames {
  /// Every frame, in log-time order. A recording cut off before its summary (the process was
  /// killed) still gives the frames of its complete chunks.
  public static func read(path: String) throws -> [GridFrame] {
    let reader: MCAPReader
    do {
      reader = try MCAPReader(path: path)
    } catch {
      reader = try MCAPReader.recover(path: path)
    }
    return try reader.messages(topic: FrameRecorder.topics[0]).map { message in
      try GridFrame.decode(Topic.grid.prefix + message.data)
    }
  }
}
