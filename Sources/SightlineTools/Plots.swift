import SightlinePNG

/// The evaluation's pictures (`sightline eval --out`): drawn as pixels and written through
/// libpng. Axes start at 0; the ranges are in the eval table, which prints beside them.
enum Plots {
  struct Canvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
      self.width = width
      self.height = height
      pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    mutating func put(_ x: Int, _ y: Int, _ colour: (UInt8, UInt8, UInt8)) {
      guard x >= 0, x < width, y >= 0, y < height else { return }
      let at = (y * width + x) * 3
      pixels[at] = colour.0
      pixels[at + 1] = colour.1
      pixels[at + 2] = colour.2
    }

    mutating func dot(_ x: Int, _ y: Int, _ colour: (UInt8, UInt8, UInt8)) {
      for dy in -2...2 {
        for dx in -2...2 where dx * dx + dy * dy <= 5 { put(x + dx, y + dy, colour) }
      }
    }

    mutating func axes(margin: Int) {
      for x in margin..<(width - margin / 2) { put(x, height - margin, (0, 0, 0)) }
      for y in (margin / 2)...(height - margin) { put(margin, y, (0, 0, 0)) }
    }

    func write(to path: String) throws {
      try PNGFile.writeRGB(pixels, width: width, height: height, to: path)
    }
  }

  /// Position error (y) against message latency (x): red without extrapolation, blue with.
  static func errorAgainstLatency(_ rows: [Eval.ErrorRow], to path: String) throws {
    var canvas = Canvas(width: 640, height: 400)
    let margin = 40
    canvas.axes(margin: margin)
    let maxLatency = max(1, rows.map(\.latency_ms).max() ?? 1)
    let maxError = max(0.1, rows.map { max($0.raw, $0.extrapolated) }.max() ?? 0.1)
    func x(_ latency: Double) -> Int {
      margin + Int(latency / maxLatency * Double(canvas.width - 2 * margin))
    }
    func y(_ error: Double) -> Int {
      canvas.height - margin - Int(error / maxError * Double(canvas.height - 2 * margin))
    }
    for row in rows { canvas.dot(x(row.latency_ms), y(row.raw), (220, 40, 40)) }
    for row in rows { canvas.dot(x(row.latency_ms), y(row.extrapolated), (40, 80, 220)) }
    try canvas.write(to: path)
  }

  /// One row per agent across the drive's time: blue from when the fused grid has it, grey from
  /// when LiDAR alone does; the blue lead is the time advantage.
  static func timeAdvantage(_ first: [String: Eval.AgentTimes], end: Double, to path: String)
    throws
  {
    let agents = first.keys.sorted()
    var canvas = Canvas(width: 640, height: 60 + 40 * max(1, agents.count))
    let margin = 40
    canvas.axes(margin: margin)
    func x(_ seconds: Double) -> Int {
      margin + Int(seconds / max(end, 0.1) * Double(canvas.width - 2 * margin))
    }
    for (index, id) in agents.enumerated() {
      let top = margin / 2 + 10 + index * 40
      if let fused = first[id]?.fused_s {
        for px in x(fused)..<x(end) {
          for py in top..<(top + 12) { canvas.put(px, py, (40, 80, 220)) }
        }
      }
      if let lidar = first[id]?.lidar_only_s {
        for px in x(lidar)..<x(end) {
          for py in (top + 14)..<(top + 26) { canvas.put(px, py, (120, 120, 120)) }
        }
      }
    }
    try canvas.write(to: path)
  }
}
