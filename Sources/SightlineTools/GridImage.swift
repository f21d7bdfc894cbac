import SightlineSchema

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A grid frame as a picture, north up, one pixel per cell: unknown grey, free white,
/// occupied black (shaded by probability), the V2X layer tinted blue, each V2X agent's 2σ
/// uncertainty ellipse coloured by its consistency with LiDAR (green confirmed, orange occluded,
/// red contradicted, blue outside LiDAR's grid), and the ego as a magenta mark with its heading.
public enum GridImage {
  public struct RGB: Equatable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
      self.red = red
      self.green = green
      self.blue = blue
    }
  }
  public static let unknown = RGB(128, 128, 128)
  public static let statusColours = [
    RGB(40, 90, 255), RGB(0, 170, 0), RGB(255, 140, 0), RGB(220, 0, 0),
  ]
  public static let ego = RGB(230, 0, 230)

  /// The colour of one fused cell (nav_msgs value).
  public static func colour(cell: Int8) -> RGB {
    if cell < 0 { return unknown }
    if cell <= 50 {
      let v = UInt8(255 - Int(cell) * 2)  // 255 (surely free) … 155
      return RGB(v, v, v)
    }
    let v = UInt8((100 - Int(cell)) * 2)  // 98 … 0 (surely occupied)
    return RGB(v, v, v)
  }

  /// RGB bytes, row-major from the top (north) row.
  public static func render(_ frame: GridFrame) -> [UInt8] {
    let columns = Int(frame.columns)
    let rows = Int(frame.rows)
    var pixels = [UInt8](repeating: 0, count: columns * rows * 3)
    func put(_ column: Int, _ row: Int, _ colour: RGB) {
      guard column >= 0, column < columns, row >= 0, row < rows else { return }
      let at = ((rows - 1 - row) * columns + column) * 3
      pixels[at] = colour.red
      pixels[at + 1] = colour.green
      pixels[at + 2] = colour.blue
    }
    for row in 0..<rows {
      for column in 0..<columns {
        let index = row * columns + column
        var colour = colour(cell: frame.cells[index])
        if !frame.v2xCells.isEmpty, frame.v2xCells[index] > 50 {
          // Tint toward blue by the V2X probability.
          let p = Double(frame.v2xCells[index]) / 100
          colour = RGB(
            UInt8(Double(colour.red) * (1 - p * 0.7)), UInt8(Double(colour.green) * (1 - p * 0.5)),
            UInt8(min(255, Double(colour.blue) * (1 - p) + 255 * p)))
        }
        put(column, row, colour)
      }
    }
    let resolution = Double(frame.resolution)
    func put(east: Double, north: Double, _ colour: RGB) {
      guard let (column, row) = frame.cell(east: east, north: north) else { return }
      put(column, row, colour)
    }
    for agent in frame.agents {
      let colour = statusColours[Int(agent.consistency.rawValue)]
      guard let (c, r) = frame.cell(east: agent.east, north: agent.north) else { continue }
      for dc in -2...2 { for dr in -2...2 { put(c + dc, r + dr, colour) } }
      // The 2σ ellipse of the position covariance.
      guard let sigma = agent.positionEllipse else { continue }
      let major = sigma.major * 2
      let minor = sigma.minor * 2
      let angle = sigma.angle
      let steps = max(32, Int(2 * .pi * major / resolution))
      for step in 0..<min(steps, 20_000) {
        let t = Double(step) / Double(steps) * 2 * .pi
        let u = major * cos(t)
        let v = minor * sin(t)
        let east = agent.east + u * cos(angle) - v * sin(angle)
        let north = agent.north + u * sin(angle) + v * cos(angle)
        put(east: east, north: north, colour)
      }
    }
    // The ego: a cross and a heading line.
    if let (ec, er) = frame.cell(east: frame.egoEast, north: frame.egoNorth) {
      for d in -6...6 {
        put(ec + d, er, ego)
        put(ec, er + d, ego)
      }
    }
    for step in 0..<40 {
      let distance = Double(step) * resolution / 2
      put(
        east: frame.egoEast + distance * cos(Double(frame.egoYaw)),
        north: frame.egoNorth + distance * sin(Double(frame.egoYaw)), ego)
    }
    return pixels
  }
}

extension GridFrame {
  /// The cell (possibly outside the grid) holding ENU point (east, north); nil for a position
  /// no cell index can hold (NaN, infinite, absurd), which pictures then leave out.
  func cell(east: Double, north: Double) -> (column: Int, row: Int)? {
    let column = ((east - cornerEast) / Double(resolution)).rounded(.down)
    let row = ((north - cornerNorth) / Double(resolution)).rounded(.down)
    guard column.isFinite, row.isFinite, abs(column) < 1e9, abs(row) < 1e9 else { return nil }
    return (Int(column), Int(row))
  }
}
