import Foundation
import SightlinePNG

/// The evaluation's pictures (`sightline eval --out`): each as SVG (SVGPlot: title, ticks,
/// units, legend) and as PNG, the same plot drawn as pixels (PlotRaster, lettered in PixelFont)
/// and written through libpng.
enum Plots {
  static let rawColour = "#dc2828"
  static let extrapolatedColour = "#2850dc"
  static let lidarColour = "#787878"

  /// Position error against the message's latency, the
  /// reported position (red) and the one extrapolated to the frame's time (blue).
  static func errorAgainstLatency(_ rows: [Eval.ErrorRow], drive: String) -> SVGPlot {
    SVGPlot(
      title: "\(drive): V2X position error against message latency",
      xLabel: "message latency (ms)", yLabel: "position error (m)",
      series: [
        SVGPlot.Series(
          name: "reported position (no extrapolation)", colour: rawColour,
          points: rows.map { SVGPlot.Point(x: $0.latency_ms, y: $0.raw_m) }),
        SVGPlot.Series(
          name: "extrapolated to the frame's time", colour: extrapolatedColour,
          points: rows.map { SVGPlot.Point(x: $0.latency_ms, y: $0.extrapolated_m) }),
      ])
  }

  /// One row per agent, a bar from when the fused grid first has
  /// it (blue) and from when LiDAR alone does (grey), to the drive's end.
  static func timeAdvantage(_ detection: [String: Eval.Detection], end: Double, drive: String)
    -> SVGPlot
  {
    let agents = detection.keys.sorted()
    var fused: [SVGPlot.Span] = []
    var lidar: [SVGPlot.Span] = []
    var notes: [String] = []
    for (row, id) in agents.enumerated() {
      let times = detection[id]
      if let f = times?.fused_s { fused.append(SVGPlot.Span(row: row, from: f, to: end)) }
      if let l = times?.lidar_only_s { lidar.append(SVGPlot.Span(row: row, from: l, to: end)) }
      if let f = times?.fused_s {
        if let lead = times?.advantage_s {
          notes.append(String(format: "%+.2f s ahead", lead))
        } else {
          notes.append(String(format: "LiDAR never (%+.2f s to the end)", end - f))
        }
      } else {
        notes.append("fused never")
      }
    }
    return SVGPlot(
      title: "\(drive): time advantage of the fused grid over LiDAR alone",
      xLabel: "time since the drive's start (s)", yLabel: "agent (hex id)",
      series: [
        SVGPlot.Series(
          name: "in the fused grid (LiDAR + V2X)", colour: extrapolatedColour, spans: fused),
        SVGPlot.Series(name: "in the LiDAR-only grid", colour: lidarColour, spans: lidar),
      ], rows: agents, rowNotes: notes)
  }

  /// Writes `plot` as SVG to `folder`/`name`.svg and as pixels (PlotRaster) to `name`.png.
  static func write(_ plot: SVGPlot, folder: String, name: String) throws {
    try plot.svg().write(toFile: "\(folder)/\(name).svg", atomically: true, encoding: .utf8)
    try PlotRaster.draw(plot).write(to: "\(folder)/\(name).png")
  }

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

    mutating func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: (UInt8, UInt8, UInt8))
    {
      for y in max(0, y0)..<max(max(0, y0), min(height, y1)) {
        for x in max(0, x0)..<max(max(0, x0), min(width, x1)) { put(x, y, colour) }
      }
    }

    func write(to path: String) throws {
      try PNGFile.writeRGB(pixels, width: width, height: height, to: path)
    }
  }
}
