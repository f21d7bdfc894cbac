import Foundation
import SightlineLidar
import SightlineLive
import SightlinePipeline
import SightlinePublish
import SightlineSchema
import SightlineTools
import SightlineUDP
import SightlineV2X
import SightlineVelodyne
import SightlineZMQ
import Synchronization

/// A live sensor rig for fault tests: a VLP-16 sending a sweep of packets every 100 ms (a ring
/// of walls 8 m away, stamped with the current time past the hour) over UDP, and a vehicle
/// radio publishing a BSM every 100 ms (secMark now) on a ZeroMQ PUB socket it binds. Either
/// can pause, and the radio can restart its socket, while the runtime under test keeps going.
final class LiveFeed: @unchecked Sendable {
  let v2xEndpoint = uniqueEndpoint()
  let lidarPaused = Atomic<Bool>(false)
  let v2xPaused = Atomic<Bool>(false)
  let restartRadio = Atomic<Bool>(false)
  /// The radio's clock against the real one (its secMarks), milliseconds.
  let radioClockOffsetMilliseconds = Atomic<Int64>(0)
  /// The LiDAR's clock against the real one (its times past the hour), milliseconds.
  let lidarClockOffsetMilliseconds = Atomic<Int64>(0)
  private let stopping = Atomic<Bool>(false)
  /// A second sensor of a rig: the same packets, also sent to this port when set.
  let secondSensorPort = Atomic<UInt16>(0)
  let bsmsSent = Atomic<Int>(0)
  let sweepsSent = Atomic<Int>(0)
  private let finished = NSCondition()
  private var done = false
  let context: ZMQContext

  init(context: ZMQContext) { self.context = context }

  /// A run that reads this feed: V2X from the radio, LiDAR on an ephemeral port (`start` is
  /// told the port once the run logs it).
  func options(publishEndpoint: String, seconds: Double) -> LiveOptions {
    var config = SightlineConfig()
    config.grid.columns = 200
    config.grid.rows = 200
    config.publish.endpoint = publishEndpoint
    var source = SightlineConfig.V2XSource()
    source.endpoint = v2xEndpoint
    config.v2x.sources = [source]
    var options = LiveOptions(config: config)
    options.bindAddress = "127.0.0.1"
    options.dataPort = 0
    options.positionPort = 0
    options.durationSeconds = seconds
    return options
  }

  func start(dataPort: UInt16) {
    let thread = Thread { [self] in
      try? body(dataPort: dataPort)
      finished.lock()
      done = true
      finished.broadcast()
      finished.unlock()
    }
    thread.start()
  }

  func stop() {
    stopping.store(true, ordering: .relaxed)
    finished.lock()
    while !done { finished.wait() }
    finished.unlock()
  }

  private func body(dataPort: UInt16) throws {
    let sender = try UDPSender(address: "127.0.0.1", port: dataPort)
    let second = secondSensorPort.load(ordering: .relaxed)
    let secondSender = second == 0 ? nil : try UDPSender(address: "127.0.0.1", port: second)
    var radio: ZMQSocket? = try bindRadio()
    var writer = try VelodynePacketWriter(model: .vlp16, returnMode: .strongest)
    let wall = LaserReturn(distanceMeters: 8, intensity: 40)
    var count = 0
    while !stopping.load(ordering: .relaxed) {
      let started = Date()
      if restartRadio.exchange(false, ordering: .relaxed) {
        radio?.close()
        radio = nil
        Thread.sleep(forTimeInterval: 0.5)  // the radio is down for a while
        radio = try bindRadio()
      }
      if !lidarPaused.load(ordering: .relaxed) {
        // One revolution: 10 Hz, 754 packets a second.
        let now =
          Date().timeIntervalSince1970
          + Double(lidarClockOffsetMilliseconds.load(ordering: .relaxed)) / 1000
        let pastHour = now - (now / 3600).rounded(.down) * 3600
        let packets = 75
        let period = Double(writer.packetPeriodNanoseconds) / 1e9
        for index in 0..<packets {
          let time = pastHour + Double(index) * period
          let micros = UInt32(time * 1e6) % 3_600_000_000
          let spin = VelodynePacketWriter.Spin(
            azimuthCentidegrees: Double(index) * 36000 / Double(packets), revolutionsPerSecond: 10)
          let packet = try writer.writePacket(microsecondsPastHour: micros, spin: spin) { _ in
            FiringReturns(wall)
          }
          try packet.withUnsafeBytes { try sender.send($0) }
          try packet.withUnsafeBytes { bytes in try secondSender.map { try $0.send(bytes) } }
        }
        sweepsSent.add(1, ordering: .relaxed)
      }
      if !v2xPaused.load(ordering: .relaxed), let radio {
        count += 1
        let bsm = try parkedCarBSM(
          id: 0x5EED_0001, count: count,
          clockOffsetMilliseconds: radioClockOffsetMilliseconds.load(ordering: .relaxed))
        if try radio.send(bsm) {
          bsmsSent.add(1, ordering: .relaxed)
        }
      }
      let elapsed = Date().timeIntervalSince(started)
      if elapsed < 0.1 { Thread.sleep(forTimeInterval: 0.1 - elapsed) }
    }
    radio?.close()
  }

  private func bindRadio() throws -> ZMQSocket {
    let socket = try ZMQSocket(context: context, type: .publisher)
    try socket.bind(v2xEndpoint)
    return socket
  }
}

/// Runs `options` on a thread, starting `feed` once the run says which port it listens on.
/// Returns the run's summary or error when it ends.
final class BackgroundRun: @unchecked Sendable {
  private let condition = NSCondition()
  private var result: Result<LiveSummary, any Error>?
  let logLines = Mutex<[String]>([])

  init(_ options: LiveOptions, context: ZMQContext, feed: LiveFeed) {
    let thread = Thread { [self] in
      let outcome = Result {
        try LiveRun(options: options).run(context: context) { [self] line in
          logLines.withLock { $0.append(line) }
          if line.hasPrefix("listening on "), let port = Self.port(in: line) {
            feed.start(dataPort: port)
          }
        }
      }
      condition.lock()
      result = outcome
      condition.broadcast()
      condition.unlock()
    }
    thread.start()
  }

  static func port(in line: String) -> UInt16? {
    // "listening on 127.0.0.1:PORT (position P)"
    guard let colon = line.split(separator: " ")[2].split(separator: ":").last else { return nil }
    return UInt16(colon)
  }

  func wait() throws -> LiveSummary {
    condition.lock()
    defer { condition.unlock() }
    while result == nil { condition.wait() }
    return try result!.get()
  }
}

/// Everything a subscriber saw, in arrival order.
struct Observed {
  var frames: [GridFrame] = []
  var end: StatsMessage?
  var lost: UInt64 = 0

  /// Reads until the end-of-stream stats or `seconds` of silence.
  static func collect(_ subscriber: FrameSubscriber, idleSeconds: Double = 5) throws -> Observed {
    var observed = Observed()
    while observed.end == nil {
      switch try subscriber.next(timeoutMilliseconds: Int(idleSeconds * 1000)) {
      case .frame(let frame): observed.frames.append(frame)
      case .stats(let stats): if stats.endOfStream { observed.end = stats }
      case .agents: break
      case .idle: return observed
      }
    }
    observed.lost = subscriber.summary.framesLost
    return observed
  }
}

/// `GET path` from 127.0.0.1:`port` over a plain socket; the whole reply (head and body).
func httpGet(port: Int, path: String) throws -> String {
  struct HTTPFailure: Error { let step: String }
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw HTTPFailure(step: "socket") }
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = UInt16(port).bigEndian
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
    }
  }
  guard connected == 0 else { throw HTTPFailure(step: "connect") }
  let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
  guard write(fd, request, request.count) == request.count else {
    throw HTTPFailure(step: "write")
  }
  var reply = [UInt8]()
  var chunk = [UInt8](repeating: 0, count: 4096)
  while true {
    let count = read(fd, &chunk, chunk.count)
    guard count > 0 else { break }
    reply += chunk[..<count]
  }
  return String(decoding: reply, as: UTF8.self)
}

/// A live run fed by a `LiveFeed`, with one subscriber connected before it starts: the set-up
/// most fault tests share. `start` launches it; `finish` reads to the end of stream, stops the
/// feed and returns what was published and the run's summary.
final class LiveRig {
  let context: ZMQContext
  let feed: LiveFeed
  let options: LiveOptions
  let subscriber: FrameSubscriber
  private(set) var run: BackgroundRun?

  init(seconds: Double, configure: (inout LiveOptions) -> Void = { _ in }) throws {
    context = try ZMQContext()
    feed = LiveFeed(context: context)
    let endpoint = uniqueEndpoint()
    var options = feed.options(publishEndpoint: endpoint, seconds: seconds)
    configure(&options)
    self.options = options
    subscriber = try FrameSubscriber(context: context, endpoint: endpoint)
  }

  func start() { run = BackgroundRun(options, context: context, feed: feed) }

  func finish() throws -> (observed: Observed, summary: LiveSummary) {
    defer { subscriber.close() }
    let observed = try Observed.collect(subscriber)
    feed.stop()
    guard let run else { throw CancellationError() }
    return (observed, try run.wait())
  }
}

/// A parked car's BSM, stamped now (secMark) by a clock `clockOffsetMilliseconds` off, at
/// `latitude` (1e-7 degrees).
func parkedCarBSM(
  id: UInt32, count: Int, latitude: Int32 = 423_000_000, clockOffsetMilliseconds: Int64 = 0
) throws -> [UInt8] {
  let milliseconds = Int64(Date().timeIntervalSince1970 * 1000) + clockOffsetMilliseconds
  var core = V2XFlood.parkedCar
  core.msgCnt = UInt8(count % 128)
  core.id = id
  core.secMark = UInt16(milliseconds % 60_000)
  core.lat = latitude
  core.long = -834_000_000
  core.elev = 2000
  return try J2735.encodeFrame(BasicSafetyMessage(coreData: core))
}
