#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// cos and sin of θ(f) = start + turn·f, exact at the ends of slices 1/`segments` of f wide and
/// linear between. Points come roughly in time order, so a slice's ends are computed again only
/// when f leaves the last one's slice; f outside [0, 1] (a point fired just outside the
/// sweep's span) gets slices of its own, as accurate as the rest.
struct SegmentedRotation {
  let start: Double
  let turn: Double
  let segments: Int
  private var slice = Int.min
  private var low = (cosine: 1.0, sine: 0.0)
  private var step = (cosine: 0.0, sine: 0.0)

  init(start: Double, turn: Double, segments: Int) {
    self.start = start
    self.turn = turn
    self.segments = max(1, segments)
  }

  @inline(__always)
  mutating func cosineAndSine(at f: Double) -> (Double, Double) {
    let position = f * Double(segments)
    let wanted = Int(max(-1e9, min(1e9, position)).rounded(.down))  // absurd times must not trap
    if wanted != slice { enter(wanted) }
    let u = position - Double(slice)
    return (low.cosine + step.cosine * u, low.sine + step.sine * u)
  }

  private mutating func enter(_ wanted: Int) {
    slice = wanted
    let from = start + turn * Double(wanted) / Double(segments)
    let to = start + turn * Double(wanted + 1) / Double(segments)
    low = (cos(from), sin(from))
    step = (cos(to) - low.cosine, sin(to) - low.sine)
  }
}
