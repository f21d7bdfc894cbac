import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlinePublish
import SightlineUDP
import SightlineZMQ

/// `sightline play`: feeds a drive into the LIVE path, as the vehicle's sensors would: the
/// capture's UDP payloads go out as UDP to the LiDAR ports and the V2X log's payloads go out on
/// a ZeroMQ PUB socket (single frames, what a `[[v2x.source]]` with framing "single" reads),
/// at the capture's own pace times `rate`. A vehicle box can then be tested with
/// `sightline run` exactly as it will run.
public struct Player {
  public let options: PlayOptions

  public init(options: PlayOptions) { self.options = options }

  /// Plays until the capture ends (or `passes` loops are done, or `stop` says so). `progress`
  /// hears the fraction of the current pass done, about every 100 ms.
  public func run(
    context: ZMQContext, stop: () -> Bool = { false }, progress: ((Double) -> Void)? = nil
  ) throws -> PlaySummary {
    let data = try UDPSender(address: options.host, port: options.dataPort)
    let dataPort = options.capturePorts[0]
    let secondPort = options.secondCapturePort
    let position = try secondPort.map { _ in
      try UDPSender(address: options.host, port: options.positionPort)
    }
    let publisher = try ZMQSocket(context: context, type: .publisher)
    try publisher.bind(options.v2xEndpoint)
    defer { publisher.close() }
    let v2x = try options.v2xPath.map { try V2XLog.read(path: $0) } ?? []
    // The drive spans both inputs: a V2X log may start before the capture or end after it.
    guard var (first, last) = try PcapFile.timeRange(path: options.lidarPath) else {
      throw PlayError(description: "\(options.lidarPath) holds no packets")
    }
    if let v2xFirst = v2x.first?.t_ns, let v2xLast = v2x.last?.t_ns {
      first = min(first, v2xFirst)
      last = max(last, v2xLast)
    }
    let begin = first + Int64(options.seekSeconds * 1e9)
    guard begin <= last else {
      throw PlayError(description: "--seek \(options.seekSeconds) s is past the drive's end")
    }
    if options.startDelaySeconds > 0 {
      MonotonicClock.sleep(nanoseconds: Int64(options.startDelaySeconds * 1e9))
    }
    var summary = PlaySummary()
    var wallStart = MonotonicClock.nanoseconds()
    func wait(until captureTime: Int64) {
      guard let rate = options.rate, rate > 0 else { return }
      let due = wallStart + Int64(Double(captureTime - begin) / rate)
      let now = MonotonicClock.nanoseconds()
      if due > now { MonotonicClock.sleep(nanoseconds: due - now) }
    }
    var restamp: Restamp?
    let restampsLidar = options.restamp && options.restampsLidarPackets
    var scratch: [UInt8] = []
    repeat {
      var throttle = ProgressThrottle(progress)  // each pass goes from 0 to 1
      if options.restamp {
        // Each pass is stamped as happening now.
        restamp = Restamp(shiftNanoseconds: WallClock.nanoseconds() - begin)
      }
      let capture = try LinkLayerCapture(path: options.lidarPath, filter: options.captureFilter)
      let linkType = capture.linkType
      var extractor = DatagramExtractor()
      var v2xNext = v2x.firstIndex { $0.t_ns >= begin } ?? v2x.count
      func sendV2X(through time: Int64) throws {
        while v2xNext < v2x.count, v2x[v2xNext].t_ns <= time {
          wait(until: v2x[v2xNext].t_ns)
          if var payload = v2x[v2xNext].payload {
            if restamp != nil, v2x[v2xNext].format == .uper {
              payload = restamp!.v2xPayload(payload)
            }
            _ = try publisher.send(payload)
            summary.v2xMessages += 1
          }
          v2xNext += 1
        }
      }
      if let damage = try capture.read(
        until: stop,
        { record in
          guard record.timestampNanoseconds >= begin else { return }
          try sendV2X(through: record.timestampNanoseconds)
          wait(until: record.timestampNanoseconds)
          switch extractor.extract(
            record.bytes, linkType: linkType, captureTimeNanoseconds: record.timestampNanoseconds)
          {
          case .datagram(let datagram):
            if let position, datagram.destinationPort == secondPort {
              if restampsLidar, let moved = restamp?.positionPacket(datagram.payload) {
                try moved.withUnsafeBytes { try position.send($0) }
              } else {
                try position.send(datagram.payload)
              }
              summary.positionDatagrams += 1
            } else if datagram.destinationPort == dataPort {
              if restampsLidar, let restamp {
                restamp.dataPacket(datagram.payload, into: &scratch)
                try scratch.withUnsafeBytes { try data.send($0) }
              } else {
                try data.send(datagram.payload)
              }
              summary.dataDatagrams += 1
            } else {
              summary.otherDatagramsSkipped += 1
            }
          case .skipped:
            summary.otherDatagramsSkipped += 1
          case .pendingFragment:
            break  // sent whole, with its last fragment
          }
          throttle.update(
            Double(record.timestampNanoseconds - begin) / Double(max(1, last - begin)))
        })
      {
        throw damage
      }
      try sendV2X(through: last)
      summary.v2xRestamped += restamp?.v2xRestamped ?? 0
      summary.v2xUnchanged += restamp?.v2xUnchanged ?? 0
      summary.passes += 1
      summary.captureSeconds += Double(last - begin) / 1e9
      throttle.finish()
      wallStart = MonotonicClock.nanoseconds()
    } while options.loop && !stop() && summary.passes < (options.passes ?? .max)
    return summary
  }
}
