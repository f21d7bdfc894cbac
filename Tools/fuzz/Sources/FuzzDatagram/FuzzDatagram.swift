// FuzzDatagram: captured link-layer frames → UDP datagrams (SightlineNet: Ethernet with VLAN
// tags, raw IP, Linux cooked v1/v2; IPv4 headers; UDP; IPv4 fragment reassembly in
// DatagramExtractor), and whole capture files (SightlinePcap's PcapFile over libpcap, pcap and
// pcapng) fed through the runtime's LidarIngest as a replay does.
//
// Input, frames mode (anything not starting with a pcap/pcapng magic number):
//   0     link type: low 3 bits index LinkType.allCases (mod 5);
//         bits 3-4: the extractor keeps 1...4 datagrams in flight; bit 5: 50 ms timeout
//   then records: u16 little-endian length, i8 capture-time step (× 20 ms, may go back), frame
//   bytes (a length past the end takes what is left). One extractor sees all records in order.
// Input, pcap mode: the bytes are a capture file, opened through PcapFile(path:) on an
// unlinked tmpfs file (/proc/self/fd/N); PcapFile has no in-memory entry point.

import CFuzzer
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlinePipeline
import SightlineVelodyne

#if canImport(Glibc)
  import Glibc
#endif

/// SwiftPM links `main` to `FuzzDatagram_main`; libFuzzer's driver takes it from there.
@_cdecl("FuzzDatagram_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt
{
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzDatagram)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDatagram(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  let input = UnsafeRawBufferPointer(start: data, count: size)
  if size >= 4, isCaptureMagic(input.loadUnaligned(as: UInt32.self)) {
    capture(input)
  } else if size >= 1 {
    frames(input)
  }
  return 0
}

func isCaptureMagic(_ word: UInt32) -> Bool {
  [0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0x0A0D_0D0A].contains(word)
}

// MARK: Frames

let captureBase: Int64 = 1_700_000_000_000_000_000

func frames(_ input: UnsafeRawBufferPointer) {
  let control = input[0]
  let linkType = LinkType.allCases[Int(control & 7) % LinkType.allCases.count]
  var extractor = pristineExtractor(control)
  var time = captureBase
  var offset = 1
  var datagrams = 0
  while offset + 3 <= input.count {
    let declared = Int(input[offset]) | Int(input[offset + 1]) << 8
    time += Int64(Int8(bitPattern: input[offset + 2])) * 20_000_000
    offset += 3
    let length = min(declared, input.count - offset)
    let frame = UnsafeRawBufferPointer(rebasing: input[offset..<(offset + length)])
    offset += length

    // The stateless parser: a datagram is a view inside the frame.
    if case .datagram(let datagram) = UDPDatagramParser.parse(frame, linkType: linkType) {
      precondition(within(datagram.payload, frame), "datagram payload outside the frame")
      use(datagram)
    }
    switch extractor.extract(frame, linkType: linkType, captureTimeNanoseconds: time) {
    case .datagram(let datagram):
      precondition(datagram.payload.count <= DatagramExtractor.maximumPacketBytes)
      use(datagram)
      datagrams += 1
    case .skipped(let reason):
      _ = reason.description
    case .pendingFragment:
      precondition(extractor.datagramsInFlight >= 1)
    }
    precondition(extractor.datagramsInFlight <= extractor.maximumInFlight)
  }
  let counters = extractor.counters
  precondition(counters.reassembled <= counters.fragmentsReceived)
  // (Only with datagrams in flight, whose storage is this copy's own: expireAll copies shared
  // storage first.)
  if extractor.datagramsInFlight > 0 {
    extractor.expireAll()
    precondition(extractor.datagramsInFlight == 0)
  }
}

/// A new extractor reserves 64 KiB per slot up front; a copy of a pristine one shares those
/// buffers until its first fragment (copy-on-write), so most inputs allocate nothing. A copy of a
/// never-used extractor is in the same state as a new one.
nonisolated(unsafe) var extractors: [UInt8: DatagramExtractor] = [:]

func pristineExtractor(_ control: UInt8) -> DatagramExtractor {
  let key = control & 0b0011_1000
  if let made = extractors[key] { return made }
  let made = DatagramExtractor(
    maximumInFlight: Int(control >> 3 & 3) + 1,
    timeoutNanoseconds: control & 32 != 0 ? 50_000_000 : DatagramExtractor.defaultTimeoutNanoseconds
  )
  extractors[key] = made
  return made
}

func within(_ inner: UnsafeRawBufferPointer, _ outer: UnsafeRawBufferPointer) -> Bool {
  guard inner.count > 0 else { return true }
  guard let i = inner.baseAddress, let o = outer.baseAddress else { return false }
  return i >= o && i + inner.count <= o + outer.count
}

/// Reads every payload byte (a bad view is caught by the sanitizer) and passes the LiDAR ports
/// on to their parsers, as LidarIngest would.
func use(_ datagram: UDPDatagram) {
  var sum: UInt8 = 0
  for byte in datagram.payload { sum &+= byte }
  _ = sum
  switch datagram.destinationPort {
  case VelodynePacketLayout.dataPort: _ = VelodynePacketHeader.parse(datagram.payload)
  case VelodynePacketLayout.positionPort: _ = PositionPacket.parse(datagram.payload)
  default: break
  }
}

// MARK: Capture files

/// One file on tmpfs, unlinked at once and reached through /proc/self/fd: nothing to clean up.
nonisolated(unsafe) let captureDescriptor: Int32 = {
  let path = "/dev/shm/sightline-fuzz-\(getpid()).pcap"
  let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
  precondition(fd >= 0, "cannot create \(path)")
  unlink(path)
  return fd
}()
let capturePath = "/proc/self/fd/\(captureDescriptor)"

/// As for the extractors: LidarIngest's own DatagramExtractor (8 slots, 512 KiB) is shared
/// copy-on-write with this never-used one, so only captures with fragments pay for it.
nonisolated(unsafe) let pristineIngest = LidarIngest(
  decoder: VelodyneDecoder(), assembler: SweepAssembler(pointCapacity: 0))

func capture(_ input: UnsafeRawBufferPointer) {
  guard ftruncate(captureDescriptor, 0) == 0,
    pwrite(captureDescriptor, input.baseAddress, input.count, 0) == input.count
  else { fatalError("cannot write the capture file") }
  let file: PcapFile
  do {
    file = try PcapFile(path: capturePath)
  } catch {
    return
  }
  defer { file.close() }
  guard let linkType = LinkType(rawValue: file.linkType) else { return }
  var ingest = pristineIngest
  ingest.onFix = { fix in _ = fix.utcNanoseconds }
  var sweeps = 0
  do {
    // A capture that ends damaged throws PcapError, as Replay expects.
    while try file.next({ record in
      ingest.ingest(
        frame: record.bytes, linkType: linkType, captureTime: record.timestampNanoseconds
      ) { sweep, _ in sweeps += 1 }
    }) {}
  } catch {
    _ = "\(error)"
  }
  ingest.flush { _, _ in sweeps += 1 }
  _ = try? PcapFile.timeRange(path: capturePath)
}
