import SightlineLive
import SightlinePipeline
import SightlineZMQ

#if canImport(Glibc)
  import Glibc
#endif

/// `sightline record v2x`: what arrives, as it arrives, into the V2X log format.
public enum V2XRecorder {
  public struct Result: Sendable {
    public var messages = 0
    public var oversized = 0
  }

  public static func record(
    source: SightlineConfig.V2XSource, to path: String, count: Int?, durationSeconds: Double?,
    stop: StopToken
  ) throws -> Result {
    guard let file = fopen(path, "w") else {
      throw V2XLogError(path: path, line: 0, problem: "cannot write")
    }
    defer { fclose(file) }
    var recordSource = source
    recordSource.framing = source.framing
    let sockets = try V2XSockets(context: try ZMQContext(), sources: [recordSource])
    var result = Result()
    let started = MonotonicClock.nanoseconds()
    while !stop.isRequested {
      if let count, result.messages >= count { break }
      if let durationSeconds,
        Double(MonotonicClock.nanoseconds() - started) / 1e9 >= durationSeconds
      {
        break
      }
      _ = try sockets.receive(timeoutMilliseconds: 100) { _, payload, received in
        guard let payload else {
          result.oversized += 1
          return
        }
        let entry = V2XLogEntry(
          t_ns: received, source: source.name, topic: source.topics.first ?? "",
          format: source.format, payload: Array(payload))
        fputs(V2XLog.line(entry) + "\n", file)
        result.messages += 1
      }
      fflush(file)
    }
    return result
  }
}
