import SightlineLive
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlineTools
import SightlineUDP
import SightlineVelodyne

/// The sensor side of `bench latency`: a Velodyne capture's UDP payloads, held in memory, sent
/// over loopback at the capture's own timing, pass after pass. Each pass is restamped
/// (`Restamp`: the data packets' time past the hour, the GPRMC fixes) so that the stream goes
/// on in time as one recording would: pass p is shifted by p × (the capture's span + one packet
/// interval), and the whole so that the first packet's sensor time is the host time at the
/// start. Data packets are paced by their own timestamps, so every packet's sensor time is the
/// host time it is due (a sensor synchronised to the host, as with PTP or GNSS).
///
/// For every data packet it records its sensor time (microseconds past the hour, as sent) and
/// the host time just before its `send` call, on the run's `HostClock`: the clock the frames'
/// publish times and the subscriber's arrival stamps use too.
final class LatencySender {
  struct Packet {
    /// When it is due in a pass: a data packet's sensor time minus the first one's, a
    /// position packet's capture time minus the first data packet's.
    var offset: Int64
    var isPosition: Bool
    var bytes: [UInt8]
  }

  /// What was sent, in order: the data packets' sensor times and host send times.
  struct Sent {
    var sensorMicroseconds: [UInt32] = []
    var hostNanoseconds: [Int64] = []
    var positionPackets = 0
    var passes = 0
    var packetsPerPass = 1
    /// Host time of the first and last packet sent.
    var started: Int64 = 0
    var finished: Int64 = 0
  }

  let packets: [Packet]
  let dataPacketsPerPass: Int
  /// The capture's span from its first data packet to its last, plus one typical interval.
  let passNanoseconds: Int64
  /// The first data packet's own time (its time past the hour, on the capture's hour): what
  /// restamping moves to the host time of the first send. The capture host's clock may be off
  /// the sensor's; the sensor's own time is what frames carry.
  let firstSensorTime: Int64

  /// Loads every Velodyne data (2368) and position (8308) payload of `capture` (that pass
  /// `filter`, a BPF expression, when given).
  init(capture: String, filter: String? = nil) throws {
    let file = try LinkLayerCapture(path: capture, filter: filter)
    var extractor = DatagramExtractor()
    var loaded: [(time: Int64, isPosition: Bool, bytes: [UInt8])] = []
    let damage = try file.read { record in
      guard
        case .datagram(let datagram) = extractor.extract(
          record.bytes, linkType: file.linkType, captureTimeNanoseconds: record.timestampNanoseconds
        )
      else { return }
      let port = datagram.destinationPort
      if port == VelodynePacketLayout.dataPort,
        datagram.payload.count == VelodynePacketLayout.payloadSize
      {
        loaded.append((record.timestampNanoseconds, false, Array(datagram.payload)))
      } else if port == VelodynePacketLayout.positionPort {
        loaded.append((record.timestampNanoseconds, true, Array(datagram.payload)))
      }
    }
    if let damage { throw damage }
    let data = loaded.filter { !$0.isPosition }
    guard let first = data.first?.time, data.count >= 2 else {
      throw LatencyBenchmark.Failure(
        description:
          "\(capture) holds \(data.count) Velodyne data packet(s) (1206 bytes to port 2368):"
          + " bench latency plays Velodyne captures (VLP-16, VLS-128, …) with at least two")
    }
    // Data packets go out at their own times (the sensor's clock: what restamping shifts, and
    // what the frames carry), position packets at their capture times (the host's); both from
    // the first data packet's. Position packets before it would be due before the start.
    let firstMicroseconds = Self.microsecondsPastHour(data[0].bytes)
    packets = loaded.filter { $0.time >= first }.map {
      let offset =
        $0.isPosition
        ? $0.time - first
        : Self.sinceFirst(Self.microsecondsPastHour($0.bytes), first: firstMicroseconds)
      return Packet(offset: offset, isPosition: $0.isPosition, bytes: $0.bytes)
    }
    dataPacketsPerPass = data.count
    firstSensorTime = TopOfHour.resolve(
      microsecondsPastHour: firstMicroseconds, referenceNanoseconds: first)
    let offsets = packets.filter { !$0.isPosition }.map(\.offset)
    let intervals = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.sorted()
    // The next pass starts one packet interval after this one's latest packet, so that the
    // sensor's time never goes back at a seam.
    passNanoseconds = (offsets.max() ?? 0) + max(1, intervals[intervals.count / 2])
  }

  /// A data packet's timestamp, microseconds past the hour.
  static func microsecondsPastHour(_ bytes: [UInt8]) -> UInt32 {
    let at = VelodynePacketLayout.timestampOffset
    return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
      | UInt32(bytes[at + 3]) << 24
  }

  /// Nanoseconds from `first` to `microseconds` (past the hour), across a top of the hour.
  static func sinceFirst(_ microseconds: UInt32, first: UInt32) -> Int64 {
    let hour = Int64(3_600_000_000)
    var delta = (Int64(microseconds) - Int64(first)) % hour
    if delta > hour / 2 { delta -= hour } else if delta < -hour / 2 { delta += hour }
    return delta * 1000
  }

  /// Sends `passes` passes to 127.0.0.1 (`ports.second`: where position packets go; they are
  /// skipped without one), paced on `clock`. `progress` hears the fraction of packets sent.
  func play(
    passes: Int, ports: (data: UInt16, second: UInt16?), clock: HostClock,
    progress: ((Double) -> Void)?
  ) throws -> Sent {
    let data = try UDPSender(address: "127.0.0.1", port: ports.data)
    let position = try ports.second.map { try UDPSender(address: "127.0.0.1", port: $0) }
    var sent = Sent()
    sent.packetsPerPass = dataPacketsPerPass
    sent.sensorMicroseconds.reserveCapacity(passes * dataPacketsPerPass)
    sent.hostNanoseconds.reserveCapacity(passes * dataPacketsPerPass)
    var scratch = [UInt8]()
    scratch.reserveCapacity(VelodynePacketLayout.payloadSize)
    var throttle = ProgressThrottle(progress)
    let start = clock.now()
    sent.started = start
    for pass in 0..<passes {
      let passStart = start + Int64(pass) * passNanoseconds
      // The first packet's sensor time becomes passStart, the others keep their spacing.
      var restamp = Restamp(shiftNanoseconds: passStart - firstSensorTime)
      for packet in packets {
        let due = passStart + packet.offset
        let now = clock.now()
        if due > now { MonotonicClock.sleep(nanoseconds: due - now) }
        if packet.isPosition {
          // (Rewriting a GPRMC allocates; position packets are few, and the sender's.)
          guard let position else { continue }
          let moved = packet.bytes.withUnsafeBytes { restamp.positionPacket($0) }
          try (moved ?? packet.bytes).withUnsafeBytes { try position.send($0) }
          sent.positionPackets += 1
          continue
        }
        packet.bytes.withUnsafeBytes { restamp.dataPacket($0, into: &scratch) }
        sent.sensorMicroseconds.append(Self.microsecondsPastHour(scratch))
        let stamp = clock.now()
        try scratch.withUnsafeBytes { try data.send($0) }
        sent.hostNanoseconds.append(stamp)
        throttle.update(Double(sent.hostNanoseconds.count) / Double(passes * dataPacketsPerPass))
      }
      sent.passes += 1
    }
    sent.finished = clock.now()
    throttle.finish()
    return sent
  }
}
