import Foundation

/// A chart as hand-written SVG text, for people: a title, both axes with tick marks and tick
/// values, axis labels with their units, every series in its colour and a legend naming them.
/// Both axes start at 0. The y axis is numeric (`points`), or one row per name in `rows` when
/// the series are horizontal bars (`spans`). No dependency: the text is the whole picture.
public struct SVGPlot: Sendable {
  public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
      self.x = x
      self.y = y
    }
  }

  /// A horizontal bar on row `row` (an index into `rows`), from x = `from` to x = `to`.
  public struct Span: Sendable, Equatable {
    public var row: Int
    public var from: Double
    public var to: Double
    public init(row: Int, from: Double, to: Double) {
      self.row = row
      self.from = from
      self.to = to
    }
  }

  public struct Series: Sendable {
    public var name: String
    /// An SVG colour ("#dc2828").
    public var colour: String
    public var points: [Point]
    public var spans: [Span]
    public init(name: String, colour: String, points: [Point] = [], spans: [Span] = []) {
      self.name = name
      self.colour = colour
      self.points = points
      self.spans = spans
    }
  }

  public var title: String
  /// Axis labels, with the unit in parentheses: "latency (ms)".
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  /// The y axis's row names when the series are bars; empty for a numeric y axis.
  public var rows: [String]
  /// A second, smaller line under each row name (same order as `rows`), or none.
  public var rowNotes: [String]
  public var width = 720
  public var height = 440

  public init(
    title: String, xLabel: String, yLabel: String, series: [Series], rows: [String] = [],
    rowNotes: [String] = []
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
    self.rows = rows
    self.rowNotes = rowNotes
  }

  /// Round tick values from 0 to at least `maximum`: steps of 1, 2, 2.5 or 5 × 10ⁿ, about
  /// `count` of them (never fewer than 3 above 0).
  public static func ticks(upTo maximum: Double, count: Int = 5) -> [Double] {
    let top = maximum.isFinite && maximum > 0 ? maximum : 1
    let raw = top / Double(max(1, count))
    let magnitude = pow(10, log10(raw).rounded(.down))
    let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 } ?? raw
    let last = Int((top / step - 1e-9).rounded(.up))
    return (0...max(last, 3)).map { Double($0) * step }
  }

  /// A tick value as text, with the decimals its step needs and no more.
  public static func label(_ value: Double, step: Double) -> String {
    var decimals = 0
    while decimals < 6 {
      let scaled = step * pow(10, Double(decimals))
      if abs(scaled - scaled.rounded()) < 1e-6 { break }
      decimals += 1
    }
    return String(format: "%.\(decimals)f", value)
  }

  /// The plot area: left, top, right, bottom in pixels.
  var area: (left: Double, top: Double, right: Double, bottom: Double) {
    let longest = rows.map(\.count).max() ?? 0
    let left = rows.isEmpty ? 72.0 : max(72, 40 + 7.5 * Double(longest))
    return (left, 64, Double(width) - 24, Double(height) - 56)
  }

  var xTicks: [Double] {
    let ends = series.flatMap { $0.points.map(\.x) + $0.spans.flatMap { [$0.from, $0.to] } }
    return Self.ticks(upTo: ends.max() ?? 1)
  }

  var yTicks: [Double] { Self.ticks(upTo: series.flatMap { $0.points.map(\.y) }.max() ?? 1) }

  /// Where x value `x` lands, in pixels.
  public func pixelX(_ x: Double) -> Double {
    let (left, _, right, _) = area
    return left + x / (xTicks.last ?? 1) * (right - left)
  }

  /// Where y value `y` lands, in pixels (numeric y axis).
  public func pixelY(_ y: Double) -> Double {
    let (_, top, _, bottom) = area
    return bottom - y / (yTicks.last ?? 1) * (bottom - top)
  }

  /// The whole picture: an `<svg>` element (no XML prolog, so that it also goes inline in HTML).
  public func svg() -> String {
    var out = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\""
        + " viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">",
      "<title>\(Self.escape(title))</title>",
      "<rect width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>",
      "<text class=\"title\" x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\""
        + " font-size=\"15\" font-weight=\"bold\">\(Self.escape(title))</text>",
    ]
    out += xAxis()
    out += rows.isEmpty ? yAxis() : rowAxis()
    out += marks()
    out += legend()
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  private func xAxis() -> [String] {
    let (left, top, right, bottom) = area
    let ticks = xTicks
    let step = ticks.count > 1 ? ticks[1] : 1
    var out = ["<g class=\"axis x\">"]
    for value in ticks {
      let x = Self.f(pixelX(value))
      out.append(
        "<line class=\"grid\" x1=\"\(x)\" y1=\"\(Self.f(top))\" x2=\"\(x)\" y2=\"\(Self.f(bottom))\""
          + " stroke=\"#e4e4e4\"/>")
      out.append(
        "<line class=\"tick\" x1=\"\(x)\" y1=\"\(Self.f(bottom))\" x2=\"\(x)\""
          + " y2=\"\(Self.f(bottom + 5))\" stroke=\"black\"/>")
      out.append(
        "<text class=\"tick-label\" x=\"\(x)\" y=\"\(Self.f(bottom + 18))\""
          + " text-anchor=\"middle\">\(Self.label(value, step: step))</text>")
    }
    out.append(
      "<line class=\"axis-line\" x1=\"\(Self.f(left))\" y1=\"\(Self.f(bottom))\""
        + " x2=\"\(Self.f(right))\" y2=\"\(Self.f(bottom))\" stroke=\"black\"/>")
    out.append(
      "<text class=\"axis-label\" x=\"\(Self.f((left + right) / 2))\" y=\"\(Self.f(bottom + 40))\""
        + " text-anchor=\"middle\">\(Self.escape(xLabel))</text>")
    out.append("</g>")
    return out
  }

  private func yAxis() -> [String] {
    let (left, _, right, _) = area
    let ticks = yTicks
    let step = ticks.count > 1 ? ticks[1] : 1
    var out = ["<g class=\"axis y\">"]
    for value in ticks {
      let y = Self.f(pixelY(value))
      out.append(
        "<line class=\"grid\" x1=\"\(Self.f(left))\" y1=\"\(y)\" x2=\"\(Self.f(right))\" y2=\"\(y)\""
          + " stroke=\"#e4e4e4\"/>")
      out.append(
        "<line class=\"tick\" x1=\"\(Self.f(left - 5))\" y1=\"\(y)\" x2=\"\(Self.f(left))\""
          + " y2=\"\(y)\" stroke=\"black\"/>")
      out.append(
        "<text class=\"tick-label\" x=\"\(Self.f(left - 8))\" y=\"\(y)\" text-anchor=\"end\""
          + " dominant-baseline=\"middle\">\(Self.label(value, step: step))</text>")
    }
    out += yAxisLine()
    out.append("</g>")
    return out
  }

  /// The y axis of a bar chart: one tick and name per row, top to bottom.
  private func rowAxis() -> [String] {
    let (left, _, _, _) = area
    var out = ["<g class=\"axis y category\">"]
    for (index, name) in rows.enumerated() {
      let band = rowBand(index)
      let centre = (band.top + band.bottom) / 2
      let y = Self.f(centre)
      let noted = index < rowNotes.count
      out.append(
        "<line class=\"tick\" x1=\"\(Self.f(left - 5))\" y1=\"\(y)\" x2=\"\(Self.f(left))\""
          + " y2=\"\(y)\" stroke=\"black\"/>")
      out.append(
        "<text class=\"tick-label\" x=\"\(Self.f(left - 8))\" y=\"\(Self.f(noted ? centre - 6 : centre))\""
          + " text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.escape(name))</text>")
      if noted {
        out.append(
          "<text class=\"row-note\" x=\"\(Self.f(left - 8))\" y=\"\(Self.f(centre + 10))\""
            + " text-anchor=\"end\" font-size=\"10\" fill=\"#555\">"
            + "\(Self.escape(rowNotes[index]))</text>")
      }
    }
    out += yAxisLine()
    out.append("</g>")
    return out
  }

  private func yAxisLine() -> [String] {
    let (left, top, _, bottom) = area
    let middle = Self.f((top + bottom) / 2)
    return [
      "<line class=\"axis-line\" x1=\"\(Self.f(left))\" y1=\"\(Self.f(top))\" x2=\"\(Self.f(left))\""
        + " y2=\"\(Self.f(bottom))\" stroke=\"black\"/>",
      "<text class=\"axis-label\" x=\"16\" y=\"\(middle)\" text-anchor=\"middle\""
        + " transform=\"rotate(-90 16 \(middle))\">\(Self.escape(yLabel))</text>",
    ]
  }

  /// Row `index`'s band of the plot area, top to bottom.
  func rowBand(_ index: Int) -> (top: Double, bottom: Double) {
    let (_, top, _, bottom) = area
    let height = (bottom - top) / Double(max(1, rows.count))
    return (top + Double(index) * height, top + Double(index + 1) * height)
  }

  private func marks() -> [String] {
    var out: [String] = []
    let lanes = Double(max(1, series.count))
    for (index, one) in series.enumerated() {
      out.append(
        "<g class=\"series\" data-series=\"\(Self.escape(one.name))\" fill=\"\(one.colour)\">")
      for point in one.points {
        out.append(
          "<circle cx=\"\(Self.f(pixelX(point.x)))\" cy=\"\(Self.f(pixelY(point.y)))\" r=\"3\""
            + " fill-opacity=\"0.6\"/>")
      }
      for span in one.spans where span.row >= 0 && span.row < rows.count {
        let band = rowBand(span.row)
        let lane = (band.bottom - band.top) * 0.7 / lanes
        let y = band.top + (band.bottom - band.top) * 0.15 + Double(index) * lane
        let x = pixelX(span.from)
        out.append(
          "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(pixelX(span.to) - x))\""
            + " height=\"\(Self.f(lane * 0.9))\"/>")
      }
      out.append("</g>")
    }
    return out
  }

  /// A row of colour swatches and series names, under the title.
  private func legend() -> [String] {
    var out = ["<g class=\"legend\">"]
    var x = area.left
    for one in series {
      out.append(
        "<rect class=\"swatch\" x=\"\(Self.f(x))\" y=\"36\" width=\"12\" height=\"12\""
          + " fill=\"\(one.colour)\"/>")
      out.append(
        "<text class=\"legend-label\" x=\"\(Self.f(x + 17))\" y=\"46\">"
          + "\(Self.escape(one.name))</text>")
      x += 40 + 6.5 * Double(one.name.count)
    }
    out.append("</g>")
    return out
  }

  static func f(_ value: Double) -> String { String(format: "%.1f", value) }

  /// Text as XML character data or an attribute value.
  public static func escape(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(character)
      }
    }
    return out
  }
}
