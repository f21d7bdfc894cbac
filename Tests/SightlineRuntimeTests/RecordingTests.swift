import Foundation
import SightlineMCAP
import SightlineSchema
import SightlineZMQ
import SightlineZstd
import Testing

@testable import SightlinePipeline
@testable import SightlinePublish
@testable import SightlineReplay

/// `--record`: the MCAP file holds every published frame, reads back to the same frames, and a
/// recording cut off mid-write still gives its complete chunks.
@Suite struct RecordingTests {
  func recordBundledDrive(config edit: (inout SightlineConfig) -> Void = { _ in })
    throws -> (path: String, frames: [GridFrame])
  {
    var options = bundledDriveWithV2X()
    edit(&options.config)
    let path = NSTemporaryDirectory() + "sightline-recording-\(UUID().uuidString).mcap"
    options.recordPath = path
    var frames: [GridFrame] = []
    _ = try Replay(options: options).run(context: try ZMQContext()) { _ in
    } onFrameData: {
      frames.append($0)
    }
    return (path, frames)
  }

  @Test func aRecordingReadsBackToThePublishedFrames() throws {
    let (path, frames) = try recordBundledDrive()
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(frames.count == 5)
    let recorded = try RecordedFrames.read(path: path)
    #expect(recorded == frames)
    let reader = try MCAPReader(path: path, decompressors: [try ZstdDecompressor()])
    #expect(reader.hasSummary)
    // Chunks are zstd, as the mcap CLI writes them.
    #expect(!reader.chunkIndexes.isEmpty && reader.chunkIndexes.allSatisfy { $0.compression == "zstd" })
    let topics = Set(reader.channels.values.map(\.topic))
    #expect(topics == Set(FrameRecorder.topics))
    #expect(
      reader.schemas.values.map(\.name).sorted() == [
        "foxglove.Grid", "foxglove.LocationFix", "foxglove.SceneUpdate", "sightline.v1.FusedFrame",
      ])
    // One scene update and one grid per frame; log times are the frames' reference times.
    let grids = try reader.messages(topic: "/grid")
    #expect(grids.map(\.logTime) == frames.map { UInt64($0.referenceTimeNanoseconds) })
    #expect(try reader.messages(topic: "/agents").count == frames.count)
  }

  @Test func aCompressedRecordingReadsBackToo() throws {
    let (path, frames) = try recordBundledDrive { $0.publish.compression = .zlib }
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try RecordedFrames.read(path: path) == frames)
  }

  @Test func aRecordingCutOffMidWriteKeepsItsCompleteChunks() throws {
    // Full-size grids: a frame is about 2 MB (raw frame and foxglove grid), so 4 MiB chunks
    // close every two frames.
    let (path, frames) = try recordBundledDrive {
      $0.grid.columns = 1000
      $0.grid.rows = 1000
      $0.publish.recordCompression = .none  // the sizes above are of uncompressed chunks
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    // Keep the first chunk or two and a piece of the next.
    let cut = Array(whole.prefix(whole.count * 2 / 3))
    let cutPath = path + ".cut"
    try Data(cut).write(to: URL(fileURLWithPath: cutPath))
    defer { try? FileManager.default.removeItem(atPath: cutPath) }
    #expect(throws: MCAPError.self) { try MCAPReader(path: cutPath) }
    let recovered = try RecordedFrames.read(path: cutPath)
    #expect(!recovered.isEmpty && recovered.count < frames.count)
    #expect(recovered == Array(frames.prefix(recovered.count)))
  }

  @Test func aZstdRecordingCutInsideAChunkKeepsTheChunksBefore() throws {
    let (path, frames) = try recordBundledDrive {
      $0.grid.columns = 1000
      $0.grid.rows = 1000
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let reader = try MCAPReader(bytes: whole, decompressors: [try ZstdDecompressor()])
    #expect(reader.chunkIndexes.count >= 3)
    let middle = reader.chunkIndexes[reader.chunkIndexes.count / 2]
    #expect(middle.compression == "zstd")
    // Cut halfway through a middle chunk: the chunks before it survive, whole and decoded.
    let cutAt = Int(middle.chunkStartOffset + middle.chunkLength / 2)
    let cutPath = path + ".cut"
    try Data(whole.prefix(cutAt)).write(to: URL(fileURLWithPath: cutPath))
    defer { try? FileManager.default.removeItem(atPath: cutPath) }
    let recovered = try RecordedFrames.read(path: cutPath)
    #expect(!recovered.isEmpty && recovered.count < frames.count)
    #expect(recovered == Array(frames.prefix(recovered.count)))
  }

  @Test func anUnwritablePathIsAClearErrorBeforeAnyFrame() throws {
    var options = bundledDriveWithV2X()
    options.recordPath = "/nonexistent-directory/drive.mcap"
    #expect {
      _ = try Replay(options: options).run(context: try ZMQContext())
    } throws: { error in
      "\(error)".contains("/nonexistent-directory/drive.mcap")
    }
  }
}
