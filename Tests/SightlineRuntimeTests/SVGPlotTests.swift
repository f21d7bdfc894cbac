import Foundation
import SightlineSchema
import SightlineTools
import Testing

@Suite struct SVGPlotTests {
  /// Two series over x 0…200 and y 0…2.
  func plot() -> SVGPlot {
    SVGPlot(
      title: "Error <against> latency & more", xLabel: "latency (ms)", yLabel: "error (m)",
      series: [
        SVGPlot.Series(
          name: "raw", colour: "#dc2828",
          points: [.init(x: 0, y: 0), .init(x: 100, y: 1), .init(x: 200, y: 2)]),
        SVGPlot.Series(name: "extrapolated", colour: "#2850dc", points: [.init(x: 50, y: 0.5)]),
      ])
  }

  /// The lines (one element each) inside the group whose opening line contains `group`.
  func lines(_ svg: String, in group: String) -> [String] {
    var inside = false
    var out: [String] = []
    for line in svg.split(separator: "\n").map(String.init) {
      if line.hasPrefix("<g ") {
        inside = line.contains(group)
      } else if line == "</g>" {
        inside = false
      } else if inside {
        out.append(line)
      }
    }
    return out
  }

  func attribute(_ name: String, _ line: String) -> Double? {
    guard let start = line.range(of: " \(name)=\"") else { return nil }
    return Double(line[start.upperBound...].prefix { $0 != "\"" })
  }

  func text(_ line: String) -> String {
    String(line.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" })
  }

  @Test func ticksAreRoundAndCoverTheData() {
    #expect(SVGPlot.ticks(upTo: 200) == [0, 50, 100, 150, 200])
    #expect(SVGPlot.ticks(upTo: 12) == [0, 2.5, 5, 7.5, 10, 12.5])
    #expect(SVGPlot.ticks(upTo: 1.9) == [0, 0.5, 1, 1.5, 2])
    #expect(SVGPlot.ticks(upTo: 0).count >= 4)  // no data: still an axis
    #expect(SVGPlot.label(7.5, step: 2.5) == "7.5")
    #expect(SVGPlot.label(100, step: 50) == "100")
    #expect(SVGPlot.label(0.5, step: 0.25) == "0.50")
  }

  @Test func titleAxesTicksAndLegendArePresent() {
    let svg = plot().svg()
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.contains("<title>Error &lt;against&gt; latency &amp; more</title>"))
    let x = lines(svg, in: "class=\"axis x\"")
    let y = lines(svg, in: "class=\"axis y\"")
    #expect(x.filter { $0.contains("axis-label") }.map(text) == ["latency (ms)"])
    #expect(y.filter { $0.contains("axis-label") }.map(text) == ["error (m)"])
    #expect(x.filter { $0.contains("tick-label") }.map(text) == ["0", "50", "100", "150", "200"])
    #expect(
      y.filter { $0.contains("tick-label") }.map(text) == ["0.0", "0.5", "1.0", "1.5", "2.0"])
    #expect(x.filter { $0.contains("class=\"tick\"") }.count == 5)
    #expect(y.filter { $0.contains("class=\"tick\"") }.count == 5)
    let legend = lines(svg, in: "class=\"legend\"")
    #expect(legend.filter { $0.contains("legend-label") }.map(text) == ["raw", "extrapolated"])
    #expect(legend.filter { $0.contains("fill=\"#dc2828\"") }.count == 1)
    #expect(svg.contains("data-series=\"raw\" fill=\"#dc2828\""))
  }

  @Test func valuesLandBetweenTheirTicks() throws {
    let svg = plot().svg()
    func tickX(_ label: String) -> Double? {
      lines(svg, in: "class=\"axis x\"").first {
        $0.contains("tick-label") && text($0) == label
      }.flatMap { attribute("x", $0) }
    }
    func tickY(_ label: String) -> Double? {
      lines(svg, in: "class=\"axis y\"").first {
        $0.contains("tick-label") && text($0) == label
      }.flatMap { attribute("y", $0) }
    }
    let raw = lines(svg, in: "data-series=\"raw\"")
    #expect(raw.count == 3)
    // The point at x = 100, y = 1.
    let point = raw[1]
    let cx = try #require(attribute("cx", point))
    let cy = try #require(attribute("cy", point))
    #expect(try #require(tickX("50")) < cx && cx < (try #require(tickX("150"))))
    #expect(abs(cx - (try #require(tickX("100")))) < 0.11)
    // y grows upward: y = 1 lies between the ticks for 0.5 (below) and 1.5 (above).
    #expect(try #require(tickY("1.5")) < cy && cy < (try #require(tickY("0.5"))))
    #expect(abs(cy - (try #require(tickY("1.0")))) < 0.11)
  }

  @Test func barChartsNameTheirRows() {
    let bars = SVGPlot(
      title: "lead", xLabel: "time (s)", yLabel: "agent (hex id)",
      series: [
        SVGPlot.Series(name: "fused", colour: "#2850dc", spans: [.init(row: 1, from: 2, to: 9)])
      ],
      rows: ["aaaa0001", "aaaa0002"], rowNotes: ["-", "+7.00 s ahead"])
    let svg = bars.svg()
    let y = lines(svg, in: "class=\"axis y category\"")
    #expect(y.filter { $0.contains("tick-label") }.map(text) == ["aaaa0001", "aaaa0002"])
    let bar = lines(svg, in: "data-series=\"fused\"")
    #expect(bar.count == 1)
    let left = attribute("x", bar[0]) ?? 0
    #expect(abs(left - bars.pixelX(2)) < 0.11)
    #expect(abs(left + (attribute("width", bar[0]) ?? 0) - bars.pixelX(9)) < 0.2)
  }

  @Test func annotatedPicturesKeepTheGridAndAddAScaleBarAndKey() {
    var frame = GridFrame()
    frame.columns = 600
    frame.rows = 400
    frame.resolution = 0.1
    frame.cells = [Int8](repeating: -1, count: 600 * 400)
    frame.egoEast = 1000  // off the picture
    let picture = AnnotatedGridImage(frame)
    let grid = GridImage.render(frame)
    #expect(picture.width == 600)
    #expect(picture.height > 400)
    #expect(Array(picture.pixels.prefix(grid.count)) == grid)
    #expect(picture.scaleMetres == 10)  // a fifth of 60 m, rounded down to 1, 2 or 5 × 10ⁿ
    // The strip holds black lettering and the key's colours.
    let strip = stride(from: grid.count, to: picture.pixels.count, by: 3).map {
      Array(picture.pixels[$0..<($0 + 3)])
    }
    #expect(strip.contains([0, 0, 0]))
    #expect(strip.contains([230, 0, 230]))
    #expect(AnnotatedGridImage.scaleLength(span: 100) == 20)
  }
}
