import Foundation
import SightlineMCAP
import SightlinePipeline
import SightlineReplay
import SightlineZMQ
import SightlineZstd
import Testing

/// The `sightline` executable that `swift build` put beside this test bundle.
let sightlineExecutable = URL(fileURLWithPath: CommandLine.arguments[0])
  .deletingLastPathComponent().appendingPathComponent("sightline").path

struct ProcessResult {
  var status: Int32
  var output: String
  var errors: String
}

/// Starts `sightline` with arguments; `finish()` waits and collects its output.
final class RunningCommand {
  let process = Process()
  let output = Pipe()
  let errors = Pipe()

  init(_ arguments: [String]) throws {
    process.executableURL = URL(fileURLWithPath: sightlineExecutable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = errors
    try process.run()
  }

  func finish() -> ProcessResult {
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
      status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
      errors: String(decoding: err, as: UTF8.self))
  }
}

func sightline(_ arguments: [String]) throws -> ProcessResult {
  try RunningCommand(arguments).finish()
}

@Suite(.serialized) struct CommandLineTests {
  @Test func executableWasBuilt() {
    #expect(FileManager.default.isExecutableFile(atPath: sightlineExecutable))
  }

  @Test func subscriberProcessPrintsEveryFrameOfAReplayProcess() throws {
    let endpoint = uniqueEndpoint()
    let subscriber = try RunningCommand(["sub", "--connect", endpoint, "--idle-timeout", "20"])
    let replay = try sightline([
      "replay", "--lidar", bundledCapture, "--publish", endpoint, "--wait-subscribers", "1",
    ])
    let received = subscriber.finish()
    #expect(replay.status == 0, "\(replay.errors)")
    #expect(replay.output.contains("5 frames published"))
    #expect(replay.output.contains("3 complete sweeps, 2 partial"))
    let frameLines = received.output.split(separator: "\n").filter { $0.hasPrefix("seq=") }
    #expect(frameLines.count == 5)
    #expect(
      frameLines.map { $0.split(separator: " ")[0] } == [
        "seq=0", "seq=1", "seq=2", "seq=3", "seq=4",
      ])
    #expect(frameLines[0].contains("partial("))
    #expect(frameLines[1].contains("complete points=18705"))
    #expect(frameLines[1].contains("sensor_time=2016-01-21T08:18:02.408"))
    #expect(received.output.contains("received 5 frames, lost 0, publisher sent 5"))
  }

  @Test func malformedConfigFailsNamingTheKeyAndFile() throws {
    let path = temporaryPath("bad.toml")
    try "[grid]\nresolution = 0.1\n".write(toFile: path, atomically: true, encoding: .utf8)
    let result = try sightline(["replay", "--lidar", bundledCapture, "--config", path])
    #expect(result.status != 0)
    #expect(result.errors.contains("\(path): grid.resolution: unknown key"))
    #expect(!result.output.contains("published"))
  }

  @Test func missingCaptureFailsClearly() throws {
    let result = try sightline([
      "replay", "--lidar", "/nonexistent/drive.pcap", "--publish", uniqueEndpoint(),
    ])
    #expect(result.status != 0)
    #expect(result.errors.contains("cannot open capture /nonexistent/drive.pcap"))
  }

  @Test(arguments: [SIGTERM, SIGINT])
  func aSignalShutsRunDownGracefullyWithTheRecordingFinalised(signal: Int32) throws {
    let recording = temporaryPath("run.mcap")
    let run = try RunningCommand([
      "run", "--bind", "127.0.0.1", "--port", "0", "--position-port", "0", "--publish",
      uniqueEndpoint(), "--record", recording,
    ])
    // No sensor is sending: frames go on without LiDAR, every 250 ms.
    Thread.sleep(forTimeInterval: 3)
    kill(run.process.processIdentifier, signal)
    let result = run.finish()
    #expect(result.status == 0, "\(result.errors)")
    #expect(result.output.contains("frames: "))
    // The file is whole: summary, statistics and indexes written (no recovery needed).
    let reader = try MCAPReader(path: recording, decompressors: [try ZstdDecompressor()])
    let frames = try reader.messages(topic: "/sightline/frame")
    #expect(frames.count >= 1)
    #expect(reader.statistics?.messageCount ?? 0 >= UInt64(frames.count))
  }

  @Test(arguments: [SIGTERM, SIGINT])
  func aSignalEndsAReplayWithItsRecordingFinalised(signal: Int32) throws {
    let recording = temporaryPath("replay.mcap")
    let drive = repositoryRoot.appendingPathComponent("Replay/blind-intersection").path
    let replay = try RunningCommand([
      "replay", drive, "--pace", "realtime", "--publish", uniqueEndpoint(), "--record", recording,
    ])
    // The drive is 12 s long at its own pace: stop it a few seconds in.
    Thread.sleep(forTimeInterval: 3)
    kill(replay.process.processIdentifier, signal)
    let result = replay.finish()
    #expect(result.status != 0)
    #expect(result.errors.contains("replay stopped by a signal after"), "\(result.errors)")
    #expect(result.output.contains("frames published"))
    // The file is whole (summary, statistics, indexes), and holds fewer frames than the drive.
    let reader = try MCAPReader(path: recording, decompressors: [try ZstdDecompressor()])
    let frames = try reader.messages(topic: "/sightline/frame")
    #expect(frames.count >= 1 && frames.count < 119, "\(frames.count) frames")
    #expect(reader.statistics?.messageCount ?? 0 >= UInt64(frames.count))
    // And the official reader opens it.
    let python = repositoryRoot.appendingPathComponent(".venv/bin/python").path
    let check = Process()
    check.executableURL = URL(fileURLWithPath: python)
    check.arguments = [
      "-c",
      "import sys; from mcap.reader import make_reader; r = make_reader(open(sys.argv[1], 'rb'));"
        + " s = r.get_summary(); assert s is not None;"
        + " print(sum(1 for _ in r.iter_messages(topics=['/sightline/frame'])))",
      recording,
    ]
    let out = Pipe()
    check.standardOutput = out
    try check.run()
    let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    check.waitUntilExit()
    #expect(check.terminationStatus == 0)
    #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "\(frames.count)")
  }

  @Test func keygenWritesAKeyPairTheRuntimeLoadsAndNeverOverwritesIt() throws {
    let path = temporaryPath("runtime.key")
    let first = try sightline(["keygen", path])
    #expect(first.status == 0, "\(first.errors)")
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let pair = try CurveKeyPair.load(path: path)
    #expect(try CurvePublicKey.load(path: path + ".pub") == pair.publicKey)
    #expect(first.output.contains(pair.publicKey.z85))
    let again = try sightline(["keygen", path])
    #expect(again.status != 0 && again.errors.contains("already exists"))
    #expect(try CurveKeyPair.load(path: path) == pair)
  }

  @Test func truncatedCaptureExitsNonZeroAfterPublishingWhatItHad() throws {
    let whole = try PcapBytes(path: bundledCapture).serialized()
    let path = temporaryPath("truncated.pcap")
    try Data(whole.prefix(whole.count / 2 + 7)).write(to: URL(fileURLWithPath: path))
    let result = try sightline(["replay", "--lidar", path, "--publish", uniqueEndpoint()])
    #expect(result.status != 0)
    #expect(result.output.contains("frames published"))
    #expect(result.errors.contains("replay stopped early"))
    #expect(result.errors.contains("truncated"))
  }
}

@Suite(.serialized) struct InspectAndDecodeCommandTests {
  @Test func inspectDescribesTheBundledCapture() throws {
    let result = try sightline(["inspect", bundledCapture, "--json"])
    #expect(result.status == 0, "\(result.errors)")
    let report = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
    let stream = try #require((report?["streams"] as? [[String: Any]])?.first)
    #expect(stream["model"] as? String == "VLP-16")
    #expect(stream["returnMode"] as? String == "strongest")
    #expect(stream["sweepsComplete"] as? Int == 3)
    #expect(stream["sweepsPartial"] as? Int == 2)
    #expect(stream["gnssFixes"] as? Int == 57)
    #expect(stream["hourFrom"] as? String == "GPRMC")
    #expect(stream["packetsLost"] as? Int == 0)
    #expect((stream["rpm"] as? Double).map { $0 > 590 && $0 < 620 } == true)
    #expect((stream["anomalies"] as? [String])?.isEmpty == true)
  }

  @Test func aLyingProductByteIsReportedAndTheOverrideDecodesIt() throws {
    // Early VLP-16 firmware reports 0x21 (HDL-32E).
    var capture = try PcapBytes(path: bundledCapture)
    capture.records = capture.records.map { record in
      var data = record.data
      if data.count == 1248 { data[42 + 1205] = 0x21 }
      return (record.seconds, record.micros, data)
    }
    let path = temporaryPath("lying.pcap")
    try capture.write(to: path)
    let inspected = try sightline(["inspect", path])
    #expect(inspected.output.contains("HDL-32E"))
    #expect(inspected.output.contains("anomaly: packet rate"))
    #expect(inspected.output.contains("it fits VLP-16"))

    let decoded = try sightline(["decode", path, "--model", "VLP-16", "--out", "-"])
    #expect(decoded.status == 0)
    let rows = decoded.output.split(separator: "\n")
    #expect(rows.first == "frame,time_ns,x,y,z,intensity,ring,azimuth_cdeg,return_type,distance_m")
    #expect(rows.count == 1 + 73486)
  }

  @Test func decodeRejectsAnUnknownModel() throws {
    let result = try sightline(["decode", bundledCapture, "--model", "HDL-64E"])
    #expect(result.status != 0)
    #expect(result.errors.contains("unknown model HDL-64E"))
  }
}

@Suite(.serialized) struct TimelineCommandTests {
  let drive = repositoryRoot.appendingPathComponent("Replay/vlp16-strongest-gps").path

  @Test func checkMeasuresTheHostClockAndFindsTheStreamsAligned() throws {
    let result = try sightline(["check", drive, "--json"])
    #expect(result.status == 0, "\(result.errors)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    // The capture host ran about 368 ms ahead of the sensor's GNSS clock.
    let clock = try #require(report["lidarClock"] as? [String: Any])
    let offset = try #require(clock["offsetMilliseconds"] as? Double)
    #expect(abs(offset - 368) < 2)
    #expect(report["gnssValid"] as? Int == 57)
    #expect(report["v2xDuplicates"] as? Int == 1)
    let aligned = try #require(report["v2xAlignedLatencyP50Milliseconds"] as? Double)
    #expect(aligned > 40 && aligned < 120)
    #expect(report["lidarV2XMisalignmentMilliseconds"] as? Double == 0)
  }

  @Test func checkFlagsAV2XLogOnTheWrongClock() throws {
    // The same log with receive times taken from GNSS instead of the host: 368 ms too early.
    let log = try V2XLog.read(path: drive + "/v2x-real-bsm.jsonl")
    let shifted = log.map { entry -> V2XLogEntry in
      var moved = entry
      moved.t_ns -= 368_000_000
      return moved
    }
    let path = temporaryPath("early.jsonl")
    try shifted.map(V2XLog.line).joined(separator: "\n")
      .write(toFile: path, atomically: true, encoding: .utf8)
    let result = try sightline([
      "check", drive + "/vlp16-strongest-gps.pcap", "--v2x", path,
    ])
    #expect(result.output.contains("before it was sent on the LiDAR's timeline"))
  }

  @Test func annotateGivesTheLatencyStoryOfEveryMessage() throws {
    let result = try sightline([
      "annotate", "--v2x", drive + "/v2x-real-bsm.jsonl", "--format", "csv",
    ])
    #expect(result.status == 0)
    let rows = result.output.split(separator: "\n")
    #expect(rows.first?.hasPrefix("receive_ns,generation_ns,latency_ms") == true)
    #expect(rows.count == 1 + 34)  // the duplicate is not annotated twice
    #expect(result.errors.contains("annotated 34 of 35 messages"))
  }
}
