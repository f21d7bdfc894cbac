// FuzzHesai: Hesai data packets of every model (HesaiPacketFormat.identify, HesaiPacket.parse,
// HesaiDecoder.decode), HesaiStream over 1–8 replayed packets (nebula's per-laser scan cutter,
// UDP sequence loss, drops by reason, flush), and HesaiCalibration's CSV parser.
//
// Input: an 8-byte control header, then one payload.
//   0     low 3 bits: the stream's model (HesaiModel.allCases, modulo 7), decoded with a
//         synthetic calibration; bit 3: a narrow range gate (1...30 m); bit 4: the payload is
//         calibration CSV text for that model instead of a packet
//   1     low 3 bits: the payload is replayed 1...8 times as consecutive packets;
//         bit 3: feed the payload as it is (otherwise cut or zero-padded to the size of the
//         packet it claims to be, or of the stream's model); bit 4: re-seal the QT128's CRCs
//         after each change
//   2-3   azimuth advance per replayed packet, centidegrees (little-endian)
//   4-5   UDP sequence advance per replayed packet (little-endian Int16: may go back)
//   6-7   cut azimuth of the stream, centidegrees
//   8...  the payload (a data packet of up to 1266 bytes, or CSV text)

import CFuzzer
import SightlineHesai
import SightlineLidar

let models = HesaiModel.allCases

/// A calibration per model, with offsets of both signs, repeats and zeros (built once).
nonisolated(unsafe) var calibrations: [HesaiModel: HesaiCalibration] = [:]

func calibration(_ model: HesaiModel) -> HesaiCalibration {
  if let built = calibrations[model] { return built }
  var text = "Laser id,Elevation,Azimuth\n"
  let count = model.laserCount
  for laser in 0..<count {
    let elevation = 15 - 40 * Double(laser) / Double(count)
    let offset = Double((laser * 37) % 19 - 9) * 0.97
    text += "\(laser + 1),\(elevation),\(offset)\n"
  }
  let built = try! HesaiCalibration(csv: text, model: model)
  calibrations[model] = built
  return built
}

/// Decoders build their laser tables once per model and range gate.
nonisolated(unsafe) var decoders: [Int: HesaiDecoder] = [:]

func decoder(_ model: HesaiModel, narrow: Bool, cut: Int) -> HesaiDecoder {
  let key = models.firstIndex(of: model)! * 2 + (narrow ? 1 : 0)
  let settings = HesaiDecoderSettings(
    minimumRange: narrow ? 1 : 0, maximumRange: narrow ? 30 : .infinity,
    cutAzimuthCentidegrees: cut)
  if let built = decoders[key], built.settings == settings { return built }
  let built = HesaiDecoder(calibration: calibration(model), settings: settings)
  decoders[key] = built
  return built
}

/// The replayed packet is built here (the input itself is read-only).
nonisolated(unsafe) let packet = UnsafeMutableRawBufferPointer.allocate(
  byteCount: 1300, alignment: 8)

/// SwiftPM links `main` to `FuzzHesai_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzHesai_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzHesai)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHesai(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data, size >= 8 else { return 0 }
  let control = UnsafeRawBufferPointer(start: data, count: 8)
  let payload = UnsafeRawBufferPointer(start: data + 8, count: size - 8)
  let model = models[Int(control[0] & 7) % models.count]
  if control[0] & 16 != 0 {
    parseCalibration(payload, model: model)
    return 0
  }
  let replays = Int(control[1] & 7) + 1
  let raw = control[1] & 8 != 0
  let reseal = control[1] & 16 != 0
  let azimuthStep = Int(control.loadUnaligned(fromByteOffset: 2, as: UInt16.self).littleEndian)
  let sequenceStep = Int32(control.loadUnaligned(fromByteOffset: 4, as: Int16.self).littleEndian)
  let cut = Int(control.loadUnaligned(fromByteOffset: 6, as: UInt16.self).littleEndian)
  let decoder = decoder(model, narrow: control[0] & 8 != 0, cut: cut)
  var stream = HesaiStream(decoder: decoder, pointCapacity: 0)
  if raw {
    checkPacket(payload)
    ingest(payload, into: &stream)
  } else {
    let format = claimedFormat(payload) ?? HesaiPacketFormat.of(model)
    let length = format.largestSize
    packet.initializeMemory(as: UInt8.self, repeating: 0)
    packet.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload.prefix(length)))
    let bytes = UnsafeRawBufferPointer(rebasing: packet[0..<length])
    for replay in 0..<replays {
      if replay > 0 { advance(format, length: length, by: azimuthStep, sequence: sequenceStep) }
      if reseal { resealCRCs(format) }
      checkPacket(bytes)
      ingest(bytes, into: &stream)
    }
  }
  var sweeps = 0
  stream.flush { sweep, _ in
    check(sweep)
    sweeps += 1
  }
  precondition(sweeps <= 2)
  return 0
}

/// The format the payload's first bytes claim, whatever its size.
func claimedFormat(_ payload: UnsafeRawBufferPointer) -> HesaiPacketFormat? {
  for format in HesaiPacketFormat.all {
    var padded = [UInt8](repeating: 0, count: format.largestSize)
    for index in 0..<min(payload.count, padded.count) { padded[index] = payload[index] }
    let claims = padded.withUnsafeBytes { bytes in
      if case .success(let found) = HesaiPacketFormat.identify(bytes) { return found == format }
      return false
    }
    if claims { return format }
  }
  return nil
}

/// Parse and decode on their own: every field readable, every point sane.
func checkPacket(_ bytes: UnsafeRawBufferPointer) {
  var failed: HesaiPacket.CRCPart?
  guard case .success(let parsed) = HesaiPacket.parse(bytes, failedCRC: { failed = $0 }) else {
    return
  }
  precondition(failed == nil)
  precondition(parsed.format.accepts(size: bytes.count))
  precondition(parsed.blockCount % parsed.returnMode.returns == 0)
  _ = (parsed.timeNanoseconds, parsed.motorSpeedRPM, parsed.sequence, parsed.modeFlag)
  _ = parsed.functionalSafety.map { ($0.isDegraded, $0.faultCode) }
  let decoder = decoder(parsed.model, narrow: false, cut: 0)
  var points: [LidarPoint] = []
  let count = decoder.decode(parsed, into: &points)
  precondition(count == points.count && count <= parsed.blockCount * parsed.format.laserCount)
  for point in points { check(point, parsed.model) }
}

func ingest(_ bytes: UnsafeRawBufferPointer, into stream: inout HesaiStream) {
  let before = stream.drops.map(\.count).reduce(0, +)
  var sweeps = 0
  stream.ingest(payload: bytes, destinationPort: HesaiStream.defaultPort, captureTimeNanoseconds: 0)
  { sweep, _ in
    check(sweep)
    sweeps += 1
  }
  // Every payload is either decoded or dropped under exactly one reason.
  let dropped = stream.drops.map(\.count).reduce(0, +) - before
  precondition(dropped == 0 || dropped == 1)
  precondition(dropped == 1 || stream.sensor != nil)
  precondition(dropped == 0 || sweeps == 0)
}

func check(_ sweep: Sweep) {
  precondition(sweep.packetCount >= 0 && sweep.packetsMissing >= 0)
  precondition(sweep.coverageCentidegrees >= 0)
  _ = (sweep.isComplete, sweep.rpm, sweep.packetsExpected)
  for point in sweep.points { check(point, nil) }
}

func check(_ point: LidarPoint, _ model: HesaiModel?) {
  precondition(point.x.isFinite && point.y.isFinite && point.z.isFinite)
  precondition(point.distance > 0 && point.distance.isFinite)
  precondition(point.azimuthCentidegrees < 36000)
  precondition((1...3).contains(point.returnType))
  if let model {
    precondition(Int(point.ring) < model.laserCount)
    precondition(point.distance >= model.minimumRange && point.distance <= model.maximumRange)
  }
}

/// Moves the packet on: every valid block azimuth by `step`, the UDP sequence by `sequence`.
func advance(_ format: HesaiPacketFormat, length: Int, by step: Int, sequence: Int32) {
  for block in 0..<format.blockCount {
    let at = format.azimuthOffset(block: block)
    let azimuth = Int(packet.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian)
    guard azimuth < 36000 else { continue }  // keep impossible azimuths impossible
    packet.storeBytes(
      of: UInt16((azimuth + step) % 36000).littleEndian, toByteOffset: at, as: UInt16.self)
  }
  guard let at = format.sequenceOffset(payloadSize: length) else { return }
  let current = packet.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian
  let moved = current &+ UInt32(bitPattern: sequence)
  packet.storeBytes(of: moved.littleEndian, toByteOffset: at, as: UInt32.self)
}

/// Writes the QT128's body, functional-safety and tail CRCs for the packet as it now is.
func resealCRCs(_ format: HesaiPacketFormat) {
  guard format.model == .pandarQT128, let tailCRC = format.tailCRCOffset else { return }
  func seal(_ range: Range<Int>, at offset: Int) {
    let crc = HesaiCRC.mpeg2(UnsafeRawBufferPointer(rebasing: packet[range]))
    packet.storeBytes(of: crc.littleEndian, toByteOffset: offset, as: UInt32.self)
  }
  seal(format.headerSize..<format.bodyEnd, at: format.bodyEnd)
  seal((format.safetyStart + 1)..<(format.safetyStart + 13), at: format.safetyStart + 13)
  seal(format.tailStart..<tailCRC, at: tailCRC)
}

func parseCalibration(_ payload: UnsafeRawBufferPointer, model: HesaiModel) {
  let text = String(decoding: payload, as: UTF8.self)
  switch Result(catching: { try HesaiCalibration(csv: text, model: model) }) {
  case .success(let parsed):
    precondition(parsed.elevationDegrees.count == model.laserCount)
    precondition(parsed.azimuthOffsetDegrees.allSatisfy { abs($0) < 360 })
    precondition(parsed.elevationDegrees.allSatisfy { abs($0) <= 90 })
    // Its tables must build and decode whatever it calibrates.
    let decoder = HesaiDecoder(calibration: parsed)
    var stream = HesaiStream(decoder: decoder, pointCapacity: 0)
    stream.flush { _, _ in }
  case .failure(let error):
    _ = String(describing: error)
  }
}
