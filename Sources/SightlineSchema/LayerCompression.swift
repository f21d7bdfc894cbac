import CZlib

/// zlib streams for the grid layers (`publish.compression = "zlib"`): one deflate state made
/// once and reset per layer, so compressing a frame allocates nothing.
public final class ZlibDeflater {
  private var stream = z_stream()
  public let level: Int32

  /// `level` 1 is the fastest; grids of mostly unknown cells shrink well even there.
  public init(level: Int32 = 1) {
    self.level = level
    let status = deflateInit_(
      &stream, level, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    precondition(status == Z_OK, "zlib deflateInit failed: \(status)")
  }

  deinit { deflateEnd(&stream) }

  /// Appends the zlib stream of `input` to `output`.
  func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
    deflateReset(&stream)
    let start = output.count
    let bound = Int(deflateBound(&stream, UInt(input.count)))
    output.append(contentsOf: repeatElement(0, count: bound))
    let written = output.withUnsafeMutableBytes { raw -> Int in
      stream.next_in = UnsafeMutablePointer(
        mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(input.count)
      stream.next_out = raw.baseAddress!.advanced(by: start).assumingMemoryBound(to: Bytef.self)
      stream.avail_out = uInt(bound)
      // deflateBound guarantees one call finishes the stream.
      let status = deflate(&stream, Z_FINISH)
      precondition(status == Z_STREAM_END, "zlib deflate did not finish: \(status)")
      return bound - Int(stream.avail_out)
    }
    output.removeLast(bound - written)
  }
}

/// Inflates a zlib layer whose decoded size the layout gives; nil when the stream is damaged
/// or does not decode to exactly that size.
func inflateLayer(_ compressed: [UInt8], expectedSize: Int) -> [UInt8]? {
  var output = [UInt8](repeating: 0, count: expectedSize)
  var size = uLongf(expectedSize)
  let status = output.withUnsafeMutableBytes { out in
    compressed.withUnsafeBytes { input in
      uncompress(
        out.baseAddress?.assumingMemoryBound(to: Bytef.self), &size,
        input.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(compressed.count))
    }
  }
  guard status == Z_OK, Int(size) == expectedSize else { return nil }
  return output
}
