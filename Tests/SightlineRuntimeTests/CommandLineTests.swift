import Foundation
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
