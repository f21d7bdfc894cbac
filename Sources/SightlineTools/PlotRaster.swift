/// An SVGPlot drawn as pixels, for the PNG plots: the same geometry, marks and colours as the
/// SVG, with its title, tick values, axis labels and legend lettered in PixelFont.
enum PlotRaster {
  typealias Colour = (UInt8, UInt8, UInt8)

  static func draw(_ plot: SVGPlot) -> Plots.Canvas {
    var canvas = Plots.Canvas(width: plot.width, height: plot.height)
    let (left, top, right, bottom) = plot.area
    let (l, t, r, b) = (Int(left), Int(top), Int(right), Int(bottom))
    let black: Colour = (0, 0, 0)
    let light: Colour = (228, 228, 228)
    func text(_ words: String, _ x: Int, _ y: Int, scale: Int = 1, upward: Bool = false) {
      PixelFont.draw(words, x: x, y: y, scale: scale, upward: upward) {
        canvas.put($0, $1, black)
      }
    }
    // Grid lines, then the marks, then the axes and the lettering over them.
    let xTicks = plot.xTicks.map { (value: $0, at: Int(plot.pixelX($0).rounded())) }
    let yTicks =
      plot.rows.isEmpty ? plot.yTicks.map { (value: $0, at: Int(plot.pixelY($0).rounded())) } : []
    for tick in xTicks { canvas.fill(tick.at, t, tick.at + 1, b, light) }
    for tick in yTicks { canvas.fill(l, tick.at, r, tick.at + 1, light) }
    marks(plot, on: &canvas)
    canvas.fill(l, b, r + 1, b + 1, black)
    canvas.fill(l, t, l + 1, b + 1, black)
    let xStep = xTicks.count > 1 ? xTicks[1].value : 1
    for tick in xTicks {
      canvas.fill(tick.at, b, tick.at + 1, b + 5, black)
      let label = SVGPlot.label(tick.value, step: xStep)
      text(label, tick.at - PixelFont.width(label) / 2, b + 9)
    }
    let yStep = yTicks.count > 1 ? yTicks[1].value : 1
    for tick in yTicks {
      canvas.fill(l - 5, tick.at, l, tick.at + 1, black)
      let label = SVGPlot.label(tick.value, step: yStep)
      text(label, l - 8 - PixelFont.width(label), tick.at - 3)
    }
    for (index, name) in plot.rows.enumerated() {
      let band = plot.rowBand(index)
      let centre = Int((band.top + band.bottom) / 2)
      canvas.fill(l - 5, centre, l, centre + 1, black)
      text(name, l - 8 - PixelFont.width(name), centre - 9)
      if index < plot.rowNotes.count {
        text(plot.rowNotes[index], l - 8 - PixelFont.width(plot.rowNotes[index]), centre + 3)
      }
    }
    text(plot.xLabel, (l + r - PixelFont.width(plot.xLabel)) / 2, b + 26)
    text(plot.yLabel, 8, (t + b + PixelFont.width(plot.yLabel)) / 2, upward: true)
    let big = PixelFont.width(plot.title, scale: 2) <= plot.width - 16 ? 2 : 1
    text(plot.title, (plot.width - PixelFont.width(plot.title, scale: big)) / 2, 10, scale: big)
    var x = l
    for series in plot.series {
      canvas.fill(x, 36, x + 11, 47, black)
      canvas.fill(x + 1, 37, x + 10, 46, colour(series.colour))
      text(series.name, x + 16, 38)
      x += 40 + PixelFont.width(series.name)
    }
    return canvas
  }

  /// The series' points (dots) and spans (bars), placed as the SVG places them.
  static func marks(_ plot: SVGPlot, on canvas: inout Plots.Canvas) {
    let lanes = Double(max(1, plot.series.count))
    for (index, series) in plot.series.enumerated() {
      let paint = colour(series.colour)
      for point in series.points {
        canvas.dot(Int(plot.pixelX(point.x).rounded()), Int(plot.pixelY(point.y).rounded()), paint)
      }
      for span in series.spans where span.row >= 0 && span.row < plot.rows.count {
        let band = plot.rowBand(span.row)
        let lane = (band.bottom - band.top) * 0.7 / lanes
        let y = band.top + (band.bottom - band.top) * 0.15 + Double(index) * lane
        canvas.fill(
          Int(plot.pixelX(span.from).rounded()), Int(y.rounded()),
          Int(plot.pixelX(span.to).rounded()), Int((y + lane * 0.9).rounded()), paint)
      }
    }
  }

  /// "#rrggbb" as bytes (black for anything else).
  static func colour(_ hex: String) -> Colour {
    guard hex.count == 7, hex.first == "#", let value = UInt32(hex.dropFirst(), radix: 16) else {
      return (0, 0, 0)
    }
    return (UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
  }
}
