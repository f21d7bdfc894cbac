import Foundation
import SightlineLidar
import SightlineNet
import SightlinePcap
import SightlineVelodyne
import Testing

func rmc(_ sentence: String) -> GNSSFix? {
  var bytes = Array(sentence.utf8)
  if !sentence.contains("*") {
    let checksum = bytes.dropFirst().reduce(UInt8(0), ^)
    bytes += Array(String(format: "*%02X\r\n", checksum).utf8)
  }
  return bytes.withUnsafeBytes { NMEA.parseRMC($0) }
}

/// Position packets from a real capture, in order.
func positionPackets(_ path: String) throws -> [PositionPacket] {
  let capture = try PcapFile(path: path)
  var packets = [PositionPacket]()
  while try capture.next({ record in
    guard case .datagram(let d) = UDPDatagramParser.parse(record.bytes, linkType: .ethernet),
      d.destinationPort == VelodynePacketLayout.positionPort,
      case .success(let packet) = PositionPacket.parse(d.payload)
    else { return }
    packets.append(packet)
  }) {}
  return packets
}

@Suite struct PositionPacketTests {
  @Test func bundledCaptureRelaysAValidFix() throws {
    let packets = try positionPackets(bundledCapture)
    #expect(packets.count == 57)
    let fix = try #require(packets.first?.fix)
    // $GPRMC,081802.00,A,3649.7478558,N,00224.4542928,W,0.034,212.5,210116,0.0,E,A*2E
    #expect(fix.utcNanoseconds == 1_453_364_282_000_000_000)  // 2016-01-21T08:18:02Z
    #expect(fix.isValid)
    #expect(abs(fix.latitude - (36 + 49.7478558 / 60)) < 1e-9)
    #expect(abs(fix.longitude + (2 + 24.4542928 / 60)) < 1e-9)
    #expect(abs(fix.speedMetersPerSecond! - 0.034 * 1852 / 3600) < 1e-9)
    #expect(fix.courseDegrees == 212.5)
    #expect(packets.first?.ppsStatus == 2)
    #expect(packets.first?.microsecondsPastHour == 1_082_342_001)
  }

  /// The bundled copy of shared/'s capture (Replay/hdl32e-strongest-gps, with its licence).
  @Test func movingVehicleInTheHDL32ECapture() throws {
    let path = repositoryRoot.appendingPathComponent(
      "Replay/hdl32e-strongest-gps/hdl32e-strongest-gps.pcap"
    )
    .standardizedFileURL.path
    let fixes = try positionPackets(path).compactMap(\.fix)
    #expect(fixes.count == 100)
    let fix = try #require(fixes.first)
    #expect(fix.utcNanoseconds == 1_355_263_363_000_000_000)  // 2012-12-11T22:02:43Z
    #expect(abs(fix.speedMetersPerSecond! / (1852.0 / 3600) - 28.8) < 1e-9)
    #expect(fix.courseDegrees == 158.3)
    #expect(fix.latitude > 37.14 && fix.longitude < -121.66)
  }

  @Test func fractionalSecondsAndHemispheres() throws {
    // A receiver without a fix ("V") still reports its clock; speed and course may be empty.
    let fix = try #require(rmc("$GNRMC,235959.25,V,0130.0000,S,17959.9999,E,,,311225,,,N"))
    #expect(fix.utcNanoseconds == 1_767_225_599_250_000_000)  // 2025-12-31T23:59:59.25Z
    #expect(!fix.isValid)
    #expect(abs(fix.latitude + 1.5) < 1e-12)
    #expect(abs(fix.longitude - (179 + 59.9999 / 60)) < 1e-12)
    #expect(fix.courseDegrees == nil)
    #expect(fix.speedMetersPerSecond == nil)
  }

  @Test(arguments: [
    "$GPRMC,081802.00,A,3649.7478558,N,00224.4542928,W,0.034,212.5,210116,0.0,E,A*2F",  // checksum
    "$GPGGA,081802.00,3649.7478558,N,00224.4542928,W,1,08,0.9,545.4,M,46.9,M,,",  // not RMC
    "$GPRMC,081802.00,A,3649.7478558,N",  // cut short
    "$GPRMC,251802.00,A,3649.7478558,N,00224.4542928,W,0.034,212.5,210116,0.0,E,A",  // hour 25
    "$GPRMC,081802.00,A,3699.7478558,N,00224.4542928,W,0.034,212.5,210116,0.0,E,A",  // 99 minutes
    "$GPRMC,081802.00,A,3649.7478558,N,00224.4542928,W,fast,212.5,210116,0.0,E,A",
    "$GPRMC,081802.00,A,3649.7478558,N,00224.4542928,W,0.034,212.5,211316,0.0,E,A",  // month 13
    "GPRMC,081802.00,A",
    "$GPRMC,081802.00,A,9149.7478558,N,00224.4542928,W,0.034,212.5,210116,0.0,E,A",  // 91° N
    "$GPRMC,081802.00,A,3649.7478558,N,18024.4542928,W,0.034,212.5,210116,0.0,E,A",  // 180.4° W
    "$GPRMC,081802.00,A,3649.7478558,X,00224.4542928,W,0.034,212.5,210116,0.0,E,A",  // not N/S
    "$GPRMC,081802.00,A,3649.7478558,N,00224.4542928,N,0.034,212.5,210116,0.0,E,A",  // not E/W
  ])
  func malformedSentencesAreRejected(_ sentence: String) {
    #expect(rmc(sentence) == nil)
  }

  @Test func positionPacketWithoutNMEAStillGivesTheSensorClock() {
    var payload = [UInt8](repeating: 0, count: 512)
    payload[198] = 0x10
    payload[202] = 1
    let parsed = payload.withUnsafeBytes { PositionPacket.parse($0) }
    guard case .success(let packet) = parsed else {
      Issue.record("rejected a position packet without NMEA")
      return
    }
    #expect(packet.fix == nil)
    #expect(packet.microsecondsPastHour == 16)
    #expect(packet.ppsStatus == 1)
    let short = [UInt8](repeating: 0, count: 100).withUnsafeBytes { PositionPacket.parse($0) }
    #expect(short == .failure(PositionPacket.ParseFailure(problem: .wrongSize)))
  }
}
