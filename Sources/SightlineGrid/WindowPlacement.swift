// Where sensor-relative points land in the window this frame. Both casters and the endpoint
// pass place points the same way, so the arithmetic lives in one place.

/// Where sensor-relative points land this frame: their cell offset from the sensor cell, and
/// the storage index of a window cell. A snapshot of the grid's placement, taken per pass.
struct WindowPlacement {
  let inverseResolution: Float
  let fractionX: Float
  let fractionY: Float
  let sensorColumn: Int
  let sensorRow: Int
  let columns: Int
  let rows: Int
  let rowOffset: Int
  let columnOffset: Int

  init(_ grid: OccupancyGrid) {
    inverseResolution = 1 / grid.geometry.resolution
    fractionX = grid.sensorFractionX
    fractionY = grid.sensorFractionY
    sensorColumn = grid.geometry.sensorColumn
    sensorRow = grid.geometry.sensorRow
    columns = grid.geometry.columns
    rows = grid.geometry.rows
    rowOffset = grid.rowOffset
    columnOffset = grid.columnOffset
  }

  /// Cells from the sensor cell to the one holding (x, y) metres (validated, |x|, |y| < 1e5).
  @inline(__always) func offset(x: Float, y: Float) -> (Int, Int) {
    (Self.floor(fractionX + x * inverseResolution), Self.floor(fractionY + y * inverseResolution))
  }

  /// ⌊v⌋ for |v| < 2^31 by truncation: `rounded(.down)` is a libm call per coordinate.
  @inline(__always) static func floor(_ v: Float) -> Int {
    let truncated = Int(v)
    return v < Float(truncated) ? truncated - 1 : truncated
  }

  @inline(__always) func contains(column: Int, row: Int) -> Bool {
    column >= 0 && column < columns && row >= 0 && row < rows
  }

  @inline(__always) func storedIndex(column: Int, row: Int) -> Int {
    OccupancyGrid.storedIndex(
      column: column, row: row, columnOffset: columnOffset, rowOffset: rowOffset,
      columns: columns, rows: rows)
  }
}
