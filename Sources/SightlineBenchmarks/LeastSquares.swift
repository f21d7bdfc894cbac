/// Ordinary least squares for a handful of unknowns (normal equations, Gaussian elimination
/// with partial pivoting): enough to fit a few per-unit costs to many timed frames.
enum LeastSquares {
  /// The x minimising |A x − b|², A given by rows; nil when the columns are dependent.
  static func solve(rows: [[Double]], targets: [Double]) -> [Double]? {
    guard let width = rows.first?.count, width > 0, rows.count >= width else { return nil }
    // AᵀA | Aᵀb
    var matrix = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: width)
    for (row, target) in zip(rows, targets) {
      for i in 0..<width {
        for j in 0..<width { matrix[i][j] += row[i] * row[j] }
        matrix[i][width] += row[i] * target
      }
    }
    for column in 0..<width {
      let pivot = (column..<width).max { abs(matrix[$0][column]) < abs(matrix[$1][column]) }!
      guard abs(matrix[pivot][column]) > 1e-12 * max(1, abs(matrix[column][column])) else {
        return nil
      }
      matrix.swapAt(column, pivot)
      for row in 0..<width where row != column {
        let factor = matrix[row][column] / matrix[column][column]
        for j in column...width { matrix[row][j] -= factor * matrix[column][j] }
      }
    }
    return (0..<width).map { matrix[$0][width] / matrix[$0][$0] }
  }
}
