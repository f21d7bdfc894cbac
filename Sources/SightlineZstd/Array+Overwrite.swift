// The buffers libzstd writes into are caller-owned [UInt8]s that are reused from chunk to chunk;
// this is how they get room for a C call without a new allocation once they have grown.

extension Array where Element == UInt8 {
  /// Makes the array `count` bytes long for a C call to overwrite: grows by appending zeros
  /// (reallocating only past the capacity it already has) or shrinks keeping the capacity.
  mutating func resizeForOverwrite(_ count: Int) {
    if self.count < count {
      append(contentsOf: repeatElement(0, count: count - self.count))
    } else if self.count > count {
      removeLast(self.count - count)
    }
  }
}
