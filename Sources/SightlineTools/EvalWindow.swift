import SightlineReplay
import SightlineScenario
import SightlineSchema
import SightlineTimeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Eval {
  /// One frame's grid window, and the truth's footprints mapped into it (docs/EVAL.md).
  ///
  /// A cell is on a footprint when the two share area: the cell's square and the footprint's
  /// rectangle overlap by more than a line. No growth: the point a LiDAR return comes from lies
  /// on the footprint's edge, and the cell holding it shares area with the footprint whichever
  /// side of the edge the cell lies on.
  struct Window {
    let truth: TruthFile
    let frame: GridFrame
    let plane: LocalTangentPlane
    let resolution: Double
    let columns: Int
    let rows: Int
    /// The vehicle's frame: the truth is placed around the ego where the runtime believes the
    /// ego is (its own GNSS), as a planner sees it; nil places it by WGS-84 alone.
    var vehicleFrame: VehicleFrame? = nil

    /// Moves a truth point (in the frame's plane) from around the true ego to around the
    /// runtime's ego: rotated by the yaw error about the true ego, then shifted by the position
    /// error.
    struct VehicleFrame {
      var trueEgo: (x: Double, y: Double)
      var believedEgo: (x: Double, y: Double)
      var yawError: Double

      func place(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        let (c, s) = (cos(yawError), sin(yawError))
        let (dx, dy) = (x - trueEgo.x, y - trueEgo.y)
        return (believedEgo.x + c * dx - s * dy, believedEgo.y + s * dx + c * dy)
      }
    }

    init(truth: TruthFile, frame: GridFrame, origin: GeoPosition) {
      self.truth = truth
      self.frame = frame
      plane = LocalTangentPlane(
        origin: GeodeticPosition(
          latitudeDegrees: origin.latitudeDegrees, longitudeDegrees: origin.longitudeDegrees,
          heightMeters: origin.heightMeters))
      resolution = Double(frame.resolution)
      columns = Int(frame.columns)
      rows = Int(frame.rows)
    }

    /// Whether the frame carries a whole fused layer to score.
    var hasCells: Bool { columns > 0 && rows > 0 && frame.cells.count == columns * rows }

    /// The footprint's corners in the frame's plane (the truth's yaw is kept: the two tangent
    /// planes turn by about 1e-5 rad over the drive's few hundred metres).
    func corners(of solid: TruthHeader.Solid) -> [(x: Double, y: Double)] {
      var center = truth.point(x: solid.x, y: solid.y, in: plane)
      var yaw = solid.yaw
      if let vehicleFrame {
        center = vehicleFrame.place(center.x, center.y)
        yaw += vehicleFrame.yawError
      }
      let c = cos(yaw)
      let s = sin(yaw)
      let a = solid.length / 2
      let b = solid.width / 2
      return [(a, b), (-a, b), (-a, -b), (a, -b)].map { along, across in
        (center.x + along * c - across * s, center.y + along * s + across * c)
      }
    }

    /// Calls `body(row, firstColumn, lastColumn)` for every row of the window whose cells share
    /// area with the footprint, with the columns that do.
    func spans(of solid: TruthHeader.Solid, _ body: (Int, Int, Int) -> Void) {
      let points = corners(of: solid)
      let ys = points.map(\.y)
      let low = ys.min()!
      let high = ys.max()!
      let r0 = max(0, Int(((low - frame.cornerNorth) / resolution).rounded(.down)))
      let r1 = min(rows - 1, Int(((high - frame.cornerNorth) / resolution).rounded(.up)) - 1)
      guard r0 <= r1 else { return }
      for row in r0...r1 {
        let y0 = frame.cornerNorth + Double(row) * resolution
        let y1 = y0 + resolution
        guard y0 < high, y1 > low, let (x0, x1) = Self.extent(points, from: y0, to: y1) else {
          continue
        }
        let c0 = max(0, Int(((x0 - frame.cornerEast) / resolution).rounded(.down)))
        let c1 = min(columns - 1, Int(((x1 - frame.cornerEast) / resolution).rounded(.up)) - 1)
        if c0 <= c1 { body(row, c0, c1) }
      }
    }

    /// The east extent of a convex polygon cut to the strip y0 ≤ y ≤ y1.
    static func extent(_ polygon: [(x: Double, y: Double)], from y0: Double, to y1: Double)
      -> (Double, Double)?
    {
      var low = Double.infinity
      var high = -Double.infinity
      for (index, p) in polygon.enumerated() {
        if p.y >= y0 && p.y <= y1 {
          low = min(low, p.x)
          high = max(high, p.x)
        }
        let q = polygon[(index + 1) % polygon.count]
        for y in [y0, y1] where (p.y - y) * (q.y - y) < 0 {
          let x = p.x + (q.x - p.x) * (y - p.y) / (q.y - p.y)
          low = min(low, x)
          high = max(high, x)
        }
      }
      return low < high ? (low, high) : nil
    }

    /// Whether any cell of the window shares area with the footprint.
    func reaches(_ solid: TruthHeader.Solid) -> Bool {
      var any = false
      spans(of: solid) { _, _, _ in any = true }
      return any
    }

    /// Whether any fused cell on the footprint is occupied (> 50).
    func occupied(on solid: TruthHeader.Solid) -> Bool {
      guard hasCells else { return false }
      var found = false
      frame.cells.withUnsafeBufferPointer { cells in
        spans(of: solid) { row, c0, c1 in
          guard !found else { return }
          let base = row * columns
          for column in c0...c1 where cells[base + column] > 50 {
            found = true
            return
          }
        }
      }
      return found
    }

    /// Marks in `truth` (columns × rows, zeroed first) the cells of every footprint: 2 where the
    /// cell's square lies inside a footprint, 1 where it only shares some area with one (an
    /// edge cell), 0 elsewhere.
    func rasterize(_ solids: [TruthHeader.Solid], into truth: inout [UInt8]) {
      let count = columns * rows
      if truth.count != count {
        truth = [UInt8](repeating: 0, count: count)
      } else {
        truth.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
      }
      truth.withUnsafeMutableBufferPointer { cells in
        for solid in solids {
          let points = corners(of: solid)
          spans(of: solid) { row, c0, c1 in
            let base = row * columns
            for column in c0...c1 where cells[base + column] == 0 { cells[base + column] = 1 }
            // Inside: both of the cell's horizontal edges lie within the footprint (convex).
            let y0 = frame.cornerNorth + Double(row) * resolution
            guard let bottom = Self.section(points, at: y0),
              let top = Self.section(points, at: y0 + resolution)
            else { return }
            let low = max(bottom.0, top.0)
            let high = min(bottom.1, top.1)
            let i0 = max(c0, Int(((low - frame.cornerEast) / resolution).rounded(.up)))
            let i1 = min(c1, Int(((high - frame.cornerEast) / resolution).rounded(.down)) - 1)
            if i0 <= i1 { for column in i0...i1 { cells[base + column] = 2 } }
          }
        }
      }
    }

    /// Where the line at north `y` crosses a convex polygon: its east extent, nil if it misses.
    static func section(_ polygon: [(x: Double, y: Double)], at y: Double) -> (Double, Double)? {
      var low = Double.infinity
      var high = -Double.infinity
      for (index, p) in polygon.enumerated() {
        let q = polygon[(index + 1) % polygon.count]
        if p.y == y {
          low = min(low, p.x)
          high = max(high, p.x)
        } else if (p.y - y) * (q.y - y) < 0 {
          let x = p.x + (q.x - p.x) * (y - p.y) / (q.y - p.y)
          low = min(low, x)
          high = max(high, x)
        }
      }
      return low <= high ? (low, high) : nil
    }
  }
}
