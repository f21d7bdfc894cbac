// Pure-Swift stand-ins for a codec, so the writer's and reader's compression plumbing is tested
// apart from libzstd: a reversible byte transform, and codecs that fail or lie.

import SightlineMCAP

struct TestCodecError: Error, CustomStringConvertible {
  var description: String { "the test codec refused" }
}

/// "Compresses" by XOR-ing every byte with 0x5A and appending a trailer byte, so the stored
/// records differ from the uncompressed ones in content and length.
struct XORCodec: MCAPChunkCompressor, MCAPChunkDecompressor {
  var name = "x-xor"

  mutating func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
    output.removeAll(keepingCapacity: true)
    output.append(contentsOf: input.map { $0 ^ 0x5A })
    output.append(0xEE)
  }

  func decompress(
    _ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8]
  ) throws {
    guard input.count == uncompressedSize + 1, input.last == 0xEE else { throw TestCodecError() }
    output = input.dropLast().map { $0 ^ 0x5A }
  }
}

/// Always throws.
struct FailingCompressor: MCAPChunkCompressor {
  var name = "zstd"
  mutating func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
    throw TestCodecError()
  }
}

/// Breaks the protocol's promise: returns one byte fewer than asked for.
struct ShortDecompressor: MCAPChunkDecompressor {
  var name = "x-xor"
  func decompress(
    _ input: UnsafeRawBufferPointer, uncompressedSize: Int, into output: inout [UInt8]
  ) throws {
    output = [UInt8](repeating: 0, count: max(0, uncompressedSize - 1))
  }
}
