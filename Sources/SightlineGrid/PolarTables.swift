// The fixed tables behind `PolarFreeSpace`: per window cell and per run of cells, which
// azimuth bins a Bresenham ray would cross it from. The window keeps the sensor in one cell, so
// they depend on the geometry alone and are built once.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Per window cell and per run, which azimuth bins cross it and how far it is from the sensor
/// cell: fixed for a geometry. Immutable, so updaters share it without copying.
final class PolarTables: Sendable {
  struct CellRay {
    /// Two indexes into the sparse reach table whose maximum is the reach over the cell's bins.
    /// Four bytes a cell: the distance is recomputed from the cell's position, cheaper than
    /// streaming it from memory.
    var reachA: UInt16
    var reachB: UInt16
  }
  struct Run {
    var row: UInt16
    var column: UInt16
    var columns: UInt16
    var reachA: UInt16
    var reachB: UInt16
    /// The nearest of its cells, squared, cells².
    var minimumRange: Float
    /// Square ring it belongs to (see `ringStarts`).
    var ring: UInt16
  }

  let geometry: GridGeometry
  let bins: Int
  let levels: Int
  /// Every cell's bins in the order the caster visits them: run after run, `runLength` slots a
  /// run (the run's cells first), so that the free-space pass streams this table linearly
  /// instead of jumping between rows (window order was ~2% slower on the VLS-128 capture).
  let cells: [CellRay]
  /// Runs of up to `runLength` cells of one row, sorted near to far by ring.
  let runs: [Run]
  static let runLength = 16
  /// Inner Chebyshev distance (cells) of each square ring. Rings widen by √2: narrow near the
  /// sensor, where a truncated frame must still be complete, and wide far out, where row-major
  /// order inside a ring keeps memory streaming (narrow rings everywhere cost 30–50%).
  static let ringStarts: [Int] = [0] + (0..<20).map { 32 << $0 }
  static func ring(ofChebyshevDistance distance: Int) -> Int {
    ringStarts.lastIndex { $0 <= distance } ?? 0
  }

  init(geometry: GridGeometry, binsPerTurn bins: Int) {
    precondition(bins >= 8 && bins <= 4096, "polar ray casting takes 8...4096 bins")
    precondition(geometry.columns <= 65_535 && geometry.rows <= 65_535)
    self.geometry = geometry
    self.bins = bins
    let spans = BinSpans(bins: bins)
    levels = spans.levels
    runs = Self.sortedRuns(geometry, spans)
    cells = Self.inRunOrder(Self.cellRays(geometry, spans), runs: runs, columns: geometry.columns)
  }

  /// Window-ordered cell rays laid out run after run, `runLength` slots a run.
  static func inRunOrder(_ windowOrder: [CellRay], runs: [Run], columns: Int) -> [CellRay] {
    var ordered = [CellRay](
      repeating: CellRay(reachA: 0, reachB: 0), count: runs.count * runLength)
    for (number, run) in runs.enumerated() {
      for offset in 0..<Int(run.columns) {
        ordered[number * runLength + offset] =
          windowOrder[Int(run.row) * columns + Int(run.column) + offset]
      }
    }
    return ordered
  }

  /// Each cell's bins. A ray whose major axis is x crosses a cell when it passes within half a
  /// cell of its centre row at the centre column (Bresenham's rule); likewise for y.
  static func cellRays(_ geometry: GridGeometry, _ spans: BinSpans) -> [CellRay] {
    let columns = geometry.columns
    let rows = geometry.rows
    var cells = [CellRay](repeating: CellRay(reachA: 0, reachB: 0), count: columns * rows)
    for row in 0..<rows {
      for column in 0..<columns {
        let dc = Double(column - geometry.sensorColumn)
        let dr = Double(row - geometry.sensorRow)
        let reach: (UInt16, UInt16)
        if dc == 0 && dr == 0 {
          reach = spans.everything
        } else if abs(dc) >= abs(dr) {
          reach = spans.span((dc, dr - 0.5), (dc, dr + 0.5))
        } else {
          reach = spans.span((dc - 0.5, dr), (dc + 0.5, dr))
        }
        cells[row * columns + column] = CellRay(reachA: reach.0, reachB: reach.1)
      }
    }
    return cells
  }

  /// Every row cut into runs of `runLength` cells, near to far by square rings, row-major
  /// inside a ring so that memory is read in order.
  static func sortedRuns(_ geometry: GridGeometry, _ spans: BinSpans) -> [Run] {
    var runs: [Run] = []
    for row in 0..<geometry.rows {
      for column in stride(from: 0, to: geometry.columns, by: runLength) {
        let runColumns = min(runLength, geometry.columns - column)
        runs.append(run(row: row, column: column, columns: runColumns, geometry, spans))
      }
    }
    return runs.sorted {
      ($0.ring, $0.row, $0.column) < ($1.ring, $1.row, $1.column)
    }
  }

  static func run(
    row: Int, column: Int, columns runColumns: Int, _ geometry: GridGeometry, _ spans: BinSpans
  ) -> Run {
    let sensorColumn = geometry.sensorColumn
    let sensorRow = geometry.sensorRow
    var nearest = Float.infinity
    for c in column..<(column + runColumns) {
      let dc = Float(c - sensorColumn)
      let dr = Float(row - sensorRow)
      nearest = min(nearest, dc * dc + dr * dr)
    }
    // Every cell's bins lie within the bins of the strip's outline, grown by half a cell.
    let reach = spans.strip(
      x0: Double(column - sensorColumn) - 0.5,
      x1: Double(column + runColumns - 1 - sensorColumn) + 0.5,
      y0: Double(row - sensorRow) - 0.5, y1: Double(row - sensorRow) + 0.5)
    let chebyshev = max(
      abs(row - sensorRow),
      column + runColumns - 1 < sensorColumn
        ? sensorColumn - (column + runColumns - 1)
        : (column > sensorColumn ? column - sensorColumn : 0))
    return Run(
      row: UInt16(row), column: UInt16(column), columns: UInt16(runColumns), reachA: reach.0,
      reachB: reach.1, minimumRange: max(0, nearest - 0.01),
      ring: UInt16(ring(ofChebyshevDistance: chebyshev)))
  }

  /// Circular runs of bins as sparse-table queries: two indexes whose maximum covers the run.
  struct BinSpans {
    let bins: Int
    /// Levels of the sparse table: level l holds the maximum over 2^l bins.
    let levels: Int
    let binsPerRadian: Double
    /// The query over every bin.
    let everything: (UInt16, UInt16)

    init(bins: Int) {
      self.bins = bins
      var levels = 1
      while (1 << levels) <= bins { levels += 1 }
      self.levels = levels
      binsPerRadian = Double(bins) / (2 * .pi)
      everything = Self.query(0, bins - 1, bins: bins)
    }

    func bin(_ angle: Double) -> Int { min(Int((angle + .pi) * binsPerRadian), bins - 1) }

    /// Table indexes for the circular run of bins [first, last].
    static func query(_ first: Int, _ last: Int, bins: Int) -> (UInt16, UInt16) {
      var length = last - first
      if length < 0 { length += bins }
      length += 1
      var level = 0
      while (2 << level) <= length { level += 1 }
      var second = last - (1 << level) + 1
      if second < 0 { second += bins }
      return (UInt16(level * bins + first), UInt16(level * bins + second))
    }

    /// The bins between two directions less than π apart, both given as (x, y).
    func span(_ a: (Double, Double), _ b: (Double, Double)) -> (UInt16, UInt16) {
      let angleA = atan2(a.1, a.0)
      let angleB = atan2(b.1, b.0)
      var delta = angleB - angleA
      if delta > .pi { delta -= 2 * .pi }
      if delta < -.pi { delta += 2 * .pi }
      return delta >= 0
        ? Self.query(bin(angleA), bin(angleB), bins: bins)
        : Self.query(bin(angleB), bin(angleA), bins: bins)
    }

    /// The bins of a rectangle (sensor-relative cells): every bin if it holds the sensor,
    /// else those between its two extreme corners as seen from the sensor.
    func strip(x0: Double, x1: Double, y0: Double, y1: Double) -> (UInt16, UInt16) {
      if x0 <= 0 && x1 >= 0 && y0 <= 0 && y1 >= 0 { return everything }
      let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
      let centre = atan2((y0 + y1) / 2, (x0 + x1) / 2)
      var low = (corners[0], Double.infinity)
      var high = (corners[0], -Double.infinity)
      for corner in corners {
        var delta = atan2(corner.1, corner.0) - centre
        if delta > .pi { delta -= 2 * .pi }
        if delta < -.pi { delta += 2 * .pi }
        if delta < low.1 { low = (corner, delta) }
        if delta > high.1 { high = (corner, delta) }
      }
      return high.1 - low.1 >= .pi ? everything : span(low.0, high.0)
    }
  }
}
