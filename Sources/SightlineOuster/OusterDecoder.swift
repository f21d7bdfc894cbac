/// Whether a packet's CRC was checked.
import SightlineLidar

public enum OusterCRCState: Sendable, Equatable {
  /// LEGACY and FUSA packets carry none.
  case notInProfile
  /// The footer holds 0: firmware before 3.0 leaves it empty (both shared RNG19 and FUSA
  /// captures do), so there is nothing to check.
  case absent
  case valid
  case invalid
}

/// What one packet contributed.
public struct OusterPacketResult: Sendable, Equatable {
  public var pointsEmitted = 0
  /// Columns decoded (status bit 0 set).
  public var validColumns = 0
  /// Columns skipped: status bit 0 clear (the sensor marks them so; their data is stale).
  public var invalidColumns = 0
  /// Columns skipped: a measurement id outside the frame's columns.
  public var columnsOutsideFrame = 0
  /// The first and last valid column's timestamp (ns; 0 when none was valid).
  public var firstTimestamp: Int64 = 0
  public var lastTimestamp: Int64 = 0
}

/// Turns Ouster lidar packets into points in the sensor frame, exactly as ouster-sdk's
/// `XYZLut(info, use_extrinsics=False)` projects the frame it batches: each pixel uses the
/// column of its own measurement id (the staggered image; pixel_shift_by_row only matters for
/// the destaggered 2D image). A range of 0 is no return. Holds only tables; `decode` appends into
/// the caller's array and allocates nothing while it has capacity.
///
/// Each point: `ring` is the pixel row (0 the top beam, as ouster-sdk's frame), `returnType` 1
/// for the first (strongest) return and 2 for the second (second strongest) of dual profiles,
/// `intensity` the return's reflectivity, `distance` its range in metres from the beam origin,
/// `timeNanoseconds` the column timestamp as the packet gives it, and `azimuthCentidegrees` the
/// column's encoder azimuth in the sensor frame (clockwise from +x; the beam's own azimuth
/// offset is in its XYZ, not here).
public struct OusterDecoder: Sendable {
  public let metadata: OusterMetadata
  public let format: OusterPacketFormat
  public let table: OusterXYZTable
  let firstReturn: OusterLidarProfile.ReturnField
  let secondReturn: OusterLidarProfile.ReturnField?

  public init(metadata: OusterMetadata) {
    self.metadata = metadata
    format = OusterPacketFormat(metadata)
    table = OusterXYZTable(metadata)
    let fields = metadata.lidarProfile.returnFields
    firstReturn = fields[0]
    secondReturn = fields.count > 1 ? fields[1] : nil
  }

  /// Checks a lidar-port payload against the metadata: its size, type, ids and CRC, in that
  /// order. Returns the problem, or nil and the header when it can be decoded.
  public func inspect(_ packet: UnsafeRawBufferPointer) -> (
    header: OusterPacketFormat.Header?, problem: OusterDropReason?, crc: OusterCRCState
  ) {
    if let problem = sizeProblem(packet.count) { return (nil, problem, .notInProfile) }
    let header = format.header(packet)
    if !format.profile.isLegacy && header.packetType != OusterPacketFormat.lidarPacketType {
      return (header, .packetType, .notInProfile)
    }
    if let problem = identityProblem(header) { return (header, problem, .notInProfile) }
    let crc = crcState(packet)
    return (header, crc == .invalid ? .crc : nil, crc)
  }

  func sizeProblem(_ size: Int) -> OusterDropReason? {
    if size == format.lidarPacketSize { return nil }
    if size == OusterPacketFormat.imuPacketSize { return .imuPacket }
    if format.otherProfile(withPacketSize: size) != nil { return .profileMismatch }
    return size < format.lidarPacketSize ? .truncated : .packetSize
  }

  /// ouster-sdk's `validate_packet`: an id is only compared when both sides have one.
  func identityProblem(_ header: OusterPacketFormat.Header) -> OusterDropReason? {
    let expected = metadata.initializationID
    if expected != 0 && header.initID != 0 && header.initID != expected { return .initID }
    let serial = metadata.serialNumber
    if serial != 0 && header.serialNumber != 0 && header.serialNumber != serial {
      return .serialNumber
    }
    return nil
  }

  public func crcState(_ packet: UnsafeRawBufferPointer) -> OusterCRCState {
    guard let stored = format.storedCRC(packet) else { return .notInProfile }
    if stored == 0 { return .absent }
    return OusterCRC64.packetChecksum(packet) == stored ? .valid : .invalid
  }
}

// MARK: - Decoding

extension OusterDecoder {
  /// Appends the returns of one packet that `inspect` accepted (its size is checked again: a
  /// packet of another size decodes nothing).
  @discardableResult
  public func decode(_ packet: UnsafeRawBufferPointer, into points: inout [LidarPoint])
    -> OusterPacketResult
  {
    var result = OusterPacketResult()
    guard packet.count == format.lidarPacketSize else { return result }
    table.direction.withUnsafeBufferPointer { direction in
      table.offset.withUnsafeBufferPointer { offset in
        let lut = Lookup(direction: direction, offset: offset, rows: table.rows)
        for column in 0..<format.columnsPerPacket {
          decodeColumn(packet, column: column, lut: lut, into: &points, &result)
        }
      }
    }
    return result
  }

  /// The tables one packet reads, without bounds checks or reference counting per pixel.
  private struct Lookup {
    let direction: UnsafeBufferPointer<SIMD4<Float>>
    let offset: UnsafeBufferPointer<SIMD4<Float>>
    let rows: Int
  }

  @inline(__always)
  private func decodeColumn(
    _ packet: UnsafeRawBufferPointer, column: Int, lut: Lookup, into points: inout [LidarPoint],
    _ result: inout OusterPacketResult
  ) {
    let measurementID = format.measurementID(packet, column: column)
    guard measurementID < table.columns else {
      result.columnsOutsideFrame += 1
      return
    }
    guard format.columnStatus(packet, column: column) & 1 != 0 else {
      result.invalidColumns += 1
      return
    }
    let time = Int64(truncatingIfNeeded: format.columnTimestamp(packet, column: column))
    if result.validColumns == 0 { result.firstTimestamp = time }
    result.lastTimestamp = time
    result.validColumns += 1
    let pixels = format.pixelOffset(column: column, row: 0)
    let base = measurementID * lut.rows
    let azimuth = table.columnAzimuth[measurementID]
    for row in 0..<format.pixelsPerColumn {
      let pixel = pixels + row * format.pixelSize
      let stamp = Stamp(time: time, azimuth: azimuth, ring: UInt8(truncatingIfNeeded: row))
      let index = base + row
      emit(packet, pixel: pixel, firstReturn, 1, lut, index, stamp, &points, &result)
      if let secondReturn {
        emit(packet, pixel: pixel, secondReturn, 2, lut, index, stamp, &points, &result)
      }
    }
  }

  /// What every return of a pixel shares.
  private struct Stamp {
    let time: Int64
    let azimuth: UInt16
    let ring: UInt8
  }

  @inline(__always)
  private func emit(
    _ packet: UnsafeRawBufferPointer, pixel: Int, _ field: OusterLidarProfile.ReturnField,
    _ returnType: UInt8, _ lut: Lookup, _ index: Int, _ stamp: Stamp,
    _ points: inout [LidarPoint], _ result: inout OusterPacketResult
  ) {
    let raw = packet.u32(pixel + field.rangeOffset) & field.rangeMask
    guard raw != 0 else { return }
    let millimetres = raw << field.rangeShift
    let xyz = lut.direction[index] * Float(millimetres) + lut.offset[index]
    points.append(
      LidarPoint(
        x: xyz.x, y: xyz.y, z: xyz.z, distance: Float(millimetres) * 0.001,
        timeNanoseconds: stamp.time, azimuthCentidegrees: stamp.azimuth,
        intensity: packet[pixel + field.reflectivityOffset], ring: stamp.ring,
        returnType: returnType))
    result.pointsEmitted += 1
  }
}
