// Scratch for one chunk of the endpoint pass: the points whose bin reach is raised, queued so
// that their bearings are worked out in a loop of their own.

/// One chunk's queued bin raises, as lanes of `capacity` floats. Allocated once per updater.
struct EndpointBatch: Sendable {
  static let capacity = 1024
  /// Sized on first use: an empty batch (the updater's while it is moved out) allocates nothing.
  private var storage: [Float] = []

  /// The lanes, valid inside `withLanes`.
  struct Lanes {
    /// Cell offset from the sensor cell.
    let dc: UnsafeMutablePointer<Float>
    let dr: UnsafeMutablePointer<Float>
    /// −0.5 for an obstacle (free up to its cell), +0.5 for ground (free through it).
    let half: UnsafeMutablePointer<Float>
    /// Bin position ((bearing + π) × bins per radian) and squared reach, from the above.
    let bearing: UnsafeMutablePointer<Float>
    let reach: UnsafeMutablePointer<Float>
  }

  mutating func withLanes<R>(_ body: (Lanes) -> R) -> R {
    if storage.isEmpty { storage = [Float](repeating: 0, count: 5 * Self.capacity) }
    return storage.withUnsafeMutableBufferPointer { all in
      let base = all.baseAddress!
      let n = Self.capacity
      return body(
        Lanes(
          dc: base, dr: base + n, half: base + 2 * n, bearing: base + 3 * n, reach: base + 4 * n))
    }
  }
}
