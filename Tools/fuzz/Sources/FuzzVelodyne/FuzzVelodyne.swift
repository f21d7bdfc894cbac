// FuzzVelodyne: Velodyne data packets (VelodynePacketHeader.parse, VelodyneDecoder.rejection and
// decode, for every model and return mode it supports, with and without a model override), top
// of the hour resolution, sweep assembly (SweepAssembler), and position packets (PositionPacket,
// NMEA $GPRMC).
//
// Input: an 8-byte control header, then one payload.
//   0     decoder: low 3 bits 1...5 override the model (VelodyneModel.allCases), else none;
//         bit 3: narrow range gate (0.5...50 m) instead of the default
//   1     low 3 bits: the payload is replayed 1...8 times as consecutive packets;
//         bit 3: also parse the payload as a position packet (and as an NMEA sentence);
//         bit 4: feed the payload as it is (otherwise cut or zero-padded to 1206 bytes)
//   2-3   azimuth advance per replayed packet, centidegrees (little-endian)
//   4-5   timestamp advance per replayed packet, µs (little-endian Int16: may go back)
//   6-7   cut azimuth of the sweep assembler, centidegrees
//   8...  the payload (1206 bytes for a data packet, 512 for a position packet)
// The pipeline is LidarIngest's (SightlinePipeline) without the I/O and counters.

import CFuzzer
import SightlineLidar
import SightlineVelodyne

typealias Layout = VelodynePacketLayout

/// Decoders take 36000-entry trig tables to build: one per configuration, built once.
nonisolated(unsafe) var decoders: [Int: VelodyneDecoder] = [:]

func decoder(_ selector: UInt8) -> VelodyneDecoder {
  let key = Int(selector & 0x0F)
  if let built = decoders[key] { return built }
  let index = Int(selector & 7)
  let model = (1...5).contains(index) ? VelodyneModel.allCases[index - 1] : nil
  let range = selector & 8 != 0 ? RangeLimits(minimum: 0.5, maximum: 50) : RangeLimits()
  let built = VelodyneDecoder(modelOverride: model, range: range)
  decoders[key] = built
  return built
}

/// A replayed packet is built here (the input itself is read-only).
nonisolated(unsafe) let packet = UnsafeMutableRawBufferPointer.allocate(
  byteCount: Layout.payloadSize, alignment: 8)

let captureBase: Int64 = 1_700_000_000_000_000_000  // 2023-11-14, any fixed UTC time will do

/// SwiftPM links `main` to `FuzzVelodyne_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzVelodyne_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzVelodyne)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVelodyne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  guard size >= 8 else { return 0 }
  let control = UnsafeRawBufferPointer(start: data, count: 8)
  let payload = UnsafeRawBufferPointer(start: data + 8, count: size - 8)
  let replays = Int(control[1] & 7) + 1
  let asPosition = control[1] & 8 != 0
  let raw = control[1] & 16 != 0
  let azimuthStep = Int(control.loadUnaligned(fromByteOffset: 2, as: UInt16.self).littleEndian)
  let timeStep = Int64(control.loadUnaligned(fromByteOffset: 4, as: Int16.self).littleEndian)
  let cut = Int(control.loadUnaligned(fromByteOffset: 6, as: UInt16.self).littleEndian)

  if asPosition { position(payload) }

  let decoder = decoder(control[0])
  var assembler = SweepAssembler(cutAzimuthCentidegrees: cut, pointCapacity: 0)
  var sweeps = 0

  func finish() {
    let sweep = assembler.sweep
    precondition(sweep.packetsMissing >= 0 && sweep.coverageCentidegrees >= 0)
    _ = (sweep.rpm, sweep.isComplete, sweep.coverageDegrees, sweep.packetsExpected)
    sweeps += 1
    assembler.reset()
  }

  if raw {
    // Whatever size it has: the header parse must reject it or read it within bounds.
    if case .header(let header) = VelodynePacketHeader.parse(payload),
      decoder.rejection(of: header) == nil
    {
      var points: [LidarPoint] = []
      let result = decoder.decode(
        payload, header: header, packetTimeNanoseconds: captureBase, into: &points)
      check(result, points)
    }
    return 0
  }

  // Cut or zero-pad to a whole data packet, then replay it `replays` times, rotated and later.
  packet.initializeMemory(as: UInt8.self, repeating: 0)
  packet.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload.prefix(Layout.payloadSize)))
  for replay in 0..<replays {
    if replay > 0 { advance(by: azimuthStep, microseconds: timeStep) }
    let bytes = UnsafeRawBufferPointer(packet)
    guard case .header(let header) = VelodynePacketHeader.parse(bytes) else { continue }
    _ = (header.model, header.returnMode)
    guard decoder.rejection(of: header) == nil else { continue }
    let captureTime = captureBase + Int64(replay) * timeStep * 1000
    let packetTime = TopOfHour.resolve(
      microsecondsPastHour: header.microsecondsPastHour, referenceNanoseconds: captureTime)
    precondition(abs(packetTime - captureTime) <= TopOfHour.nanosecondsPerHour / 2)
    switch assembler.place(packetTime: packetTime) {
    case .dropLate: continue
    case .cutThenAppend: finish()
    case .append: break
    }
    let before = assembler.sweep.points.count
    let result = decoder.decode(
      bytes, header: header, packetTimeNanoseconds: packetTime, into: &assembler.sweep.points)
    precondition(assembler.sweep.points.count - before == result.pointsEmitted)
    check(result, assembler.sweep.points[before...])
    if assembler.didAppend(header, packetTime: packetTime) { finish() }
  }
  if assembler.sweep.packetCount > 0 { finish() }
  return 0
}

func check<Points: Collection<LidarPoint>>(_ result: PacketDecodeResult, _ points: Points) {
  // 12 blocks × 32 channels, each at most one point (a merged dual pair is one).
  precondition(result.pointsEmitted == points.count && points.count <= 384)
  // A merged dual pair is counted only when its point passes the range gate.
  precondition(result.returnsOutOfRange >= 0)
  precondition(result.mergedDualReturns <= result.pointsEmitted)
  for point in points {
    precondition(point.azimuthCentidegrees < 36000, "azimuth out of range")
    precondition(point.distance.isFinite && point.x.isFinite && point.y.isFinite)
    precondition(point.z.isFinite)
    precondition((1...3).contains(point.returnType))
  }
}

/// Moves the packet in `packet` on: every valid block azimuth by `step`, the timestamp by `dt` µs.
func advance(by step: Int, microseconds dt: Int64) {
  for block in 0..<Layout.blockCount {
    let at = block * Layout.blockSize + 2
    let azimuth = Int(packet.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian)
    guard azimuth < 36000 else { continue }  // keep impossible azimuths impossible
    let moved = UInt16((azimuth + step) % 36000)
    packet.storeBytes(of: moved.littleEndian, toByteOffset: at, as: UInt16.self)
  }
  let at = Layout.timestampOffset
  let micros = Int64(packet.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
  let moved = UInt32(truncatingIfNeeded: micros + dt)
  packet.storeBytes(of: moved.littleEndian, toByteOffset: at, as: UInt32.self)
}

func position(_ payload: UnsafeRawBufferPointer) {
  switch PositionPacket.parse(payload) {
  case .success(let parsed):
    if let fix = parsed.fix { _ = (fix.utcNanoseconds, fix.latitude, fix.longitude) }
  case .failure(let failure):
    _ = failure.problem.description
  }
  if let fix = NMEA.parseRMC(payload) { _ = (fix.utcNanoseconds, fix.speedMetersPerSecond) }
  // A short or long position packet is also tried as the 512 bytes a sensor sends.
  if payload.count != PositionPacket.payloadSize {
    let padded = UnsafeMutableRawBufferPointer.allocate(
      byteCount: PositionPacket.payloadSize, alignment: 8)
    defer { padded.deallocate() }
    padded.initializeMemory(as: UInt8.self, repeating: 0)
    padded.copyMemory(
      from: UnsafeRawBufferPointer(rebasing: payload.prefix(PositionPacket.payloadSize)))
    _ = PositionPacket.parse(UnsafeRawBufferPointer(padded))
  }
}
