import Foundation
import SightlineSchema

/// A grid frame's picture (GridImage, one pixel per cell, untouched) with a white strip below
/// it holding a scale bar (a round number of metres, ticked at 0, half and full, labelled) and a
/// colour key, lettered in PixelFont. The grid's pixels stay as GridImage draws them, so
/// counting them still counts cells.
public struct AnnotatedGridImage: Sendable {
  /// RGB bytes, row-major from the top row: the grid's rows, then the strip.
  public let pixels: [UInt8]
  public let width: Int
  public let height: Int
  /// The scale bar's length, metres.
  public let scaleMetres: Double

  /// The colour key: each colour GridImage uses and what it means.
  public static let key: [(GridImage.RGB, String)] = [
    (GridImage.unknown, "unknown"), (GridImage.RGB(255, 255, 255), "free"),
    (GridImage.RGB(0, 0, 0), "occupied"), (GridImage.RGB(77, 128, 255), "V2X layer"),
    (GridImage.statusColours[1], "agent confirmed"), (GridImage.statusColours[2], "occluded"),
    (GridImage.statusColours[3], "contradicted"), (GridImage.statusColours[0], "outside lidar"),
    (GridImage.ego, "ego"),
  ]

  /// A round length (1, 2 or 5 × 10ⁿ metres) about a fifth of `span` metres.
  public static func scaleLength(span: Double) -> Double {
    let raw = max(span, 1e-3) / 5
    let magnitude = pow(10, log10(raw).rounded(.down))
    return [5, 2, 1].map { $0 * magnitude }.first { $0 <= raw } ?? magnitude
  }

  public init(_ frame: GridFrame) {
    let columns = Int(frame.columns)
    let rows = Int(frame.rows)
    let resolution = Double(frame.resolution) > 0 ? Double(frame.resolution) : 1
    let scale = max(1, columns / 300)
    let pad = 4 * scale
    let line = (PixelFont.height + 4) * scale
    // The key, flowed into lines no wider than the picture.
    var places: [(x: Int, line: Int)] = []
    var x = pad
    var lineIndex = 0
    for (_, name) in Self.key {
      let itemWidth =
        line + 3 * scale + PixelFont.width(name.uppercased(), scale: scale) + 8 * scale
      if x > pad, x + itemWidth > columns - pad {
        lineIndex += 1
        x = pad
      }
      places.append((x, lineIndex))
      x += itemWidth
    }
    let barTop = rows + pad
    let keyTop = barTop + 4 * scale + line + pad
    width = max(1, columns)
    height = keyTop + (lineIndex + 1) * line + pad
    scaleMetres = Self.scaleLength(span: Double(columns) * resolution)
    var canvas = [UInt8](repeating: 255, count: width * height * 3)
    canvas.replaceSubrange(0..<(columns * rows * 3), with: GridImage.render(frame))
    let (w, h) = (width, height)
    func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: GridImage.RGB) {
      for y in max(0, y0)..<min(h, y1) {
        for x in max(0, x0)..<min(w, x1) {
          let at = (y * w + x) * 3
          canvas[at] = colour.red
          canvas[at + 1] = colour.green
          canvas[at + 2] = colour.blue
        }
      }
    }
    let black = GridImage.RGB(0, 0, 0)
    fill(0, rows, w, rows + max(1, scale / 2), GridImage.RGB(90, 90, 90))
    // The scale bar: ticks at 0, half and full length, each labelled.
    let barPixels = Int((scaleMetres / resolution).rounded())
    fill(pad, barTop + scale, pad + barPixels, barTop + 2 * scale, black)
    let labels = ["0", Self.metres(scaleMetres / 2), Self.metres(scaleMetres) + " m"]
    for (index, label) in labels.enumerated() {
      let tick = pad + barPixels * index / 2
      fill(tick - scale / 2, barTop, tick - scale / 2 + max(1, scale), barTop + 3 * scale, black)
      let left = index == 0 ? tick : tick - PixelFont.width(label, scale: scale) / 2
      PixelFont.draw(label, x: left, y: barTop + 4 * scale, scale: scale) {
        fill($0, $1, $0 + 1, $1 + 1, black)
      }
    }
    // The key: a swatch (outlined) and its name.
    for ((colour, name), place) in zip(Self.key, places) {
      let top = keyTop + place.line * line
      let side = PixelFont.height * scale
      fill(place.x, top, place.x + side, top + side, black)
      fill(place.x + 1, top + 1, place.x + side - 1, top + side - 1, colour)
      PixelFont.draw(name.uppercased(), x: place.x + side + 3 * scale, y: top, scale: scale) {
        fill($0, $1, $0 + 1, $1 + 1, black)
      }
    }
    pixels = canvas
  }

  static func metres(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
  }
}
