import SightlinePublish
import SightlineSchema

/// A text picture of a grid frame, for terminals: north up, one character per block of cells.
/// `#` occupied, `.` free, blank unknown, `V` where the V2X layer holds an agent, `@` the ego.
/// A block shows the most important thing in it (V2X over occupied over free). The picture is
/// cropped to the known cells around the ego.
public enum GridPicture {
  public static func lines(_ frame: GridFrame, width: Int = 100) -> [String] {
    let columns = Int(frame.columns)
    let rows = Int(frame.rows)
    guard columns > 0, rows > 0, frame.cells.count == columns * rows, width > 0 else { return [] }
    let (egoColumn, egoRow) =
      frame.cell(east: frame.egoEast, north: frame.egoNorth) ?? (columns / 2, rows / 2)
    // Crop to what is known (and the ego), so that a small scene is drawn in detail.
    var low = (column: egoColumn, row: egoRow)
    var high = low
    for row in 0..<rows {
      for column in 0..<columns {
        let index = row * columns + column
        guard frame.cells[index] >= 0 || (!frame.v2xCells.isEmpty && frame.v2xCells[index] > 50)
        else { continue }
        low = (min(low.column, column), min(low.row, row))
        high = (max(high.column, column), max(high.row, row))
      }
    }
    let firstColumn = max(0, low.column - 5)
    let lastColumn = min(columns - 1, high.column + 5)
    let firstRow = max(0, low.row - 5)
    let lastRow = min(rows - 1, high.row + 5)
    let step = max(1, (lastColumn - firstColumn + width) / width)
    // Terminal characters are about twice as tall as wide.
    let rowStep = step * 2
    var lines: [String] = []
    var top = lastRow + 1 - rowStep
    while top + rowStep > firstRow {
      var line = ""
      for left in stride(from: firstColumn, through: lastColumn, by: step) {
        var rank = 0  // 0 unknown, 1 free, 2 occupied, 3 V2X, 4 ego
        for row in max(firstRow, top)..<min(lastRow + 1, top + rowStep) {
          for column in left..<min(lastColumn + 1, left + step) {
            let index = row * columns + column
            if row == egoRow && column == egoColumn { rank = 4 }
            if !frame.v2xCells.isEmpty && frame.v2xCells[index] > 50 { rank = max(rank, 3) }
            let cell = frame.cells[index]
            if cell > 50 { rank = max(rank, 2) } else if cell >= 0 { rank = max(rank, 1) }
          }
        }
        line.append([" ", ".", "#", "V", "@"][rank])
      }
      lines.append(line)
      top -= rowStep
    }
    let metres = Double(step) * Double(frame.resolution)
    lines.append(
      "one character = \(Report.fixed(metres, 2)) m × \(Report.fixed(metres * 2, 2)) m, north up;"
        + " # occupied  . free  (blank) unknown  V V2X agent  @ ego")
    return lines
  }
}
