import Foundation
import SightlinePNG
import SightlinePublish

/// `sightline eval DRIVE --html FILE`: the evaluation as one self-contained HTML page (no
/// external assets): the figures table `eval` prints, the two SVG plots inline, and a few frames
/// of the fused replay as PNG data URIs.
public enum EvalHTML {
  /// Writes the page to `path`. `folder` is where Eval.run wrote the SVG plots.
  public static func write(
    _ scores: Eval.Scores, snapshots: [EvalSnapshots.Snapshot], folder: String, to path: String
  ) throws {
    var plots: [String] = []
    for name in ["time-advantage.svg", "error-vs-latency.svg"] {
      plots.append(try String(contentsOfFile: folder + "/" + name, encoding: .utf8))
    }
    var pictures: [(caption: String, uri: String)] = []
    for snapshot in snapshots {
      let picture = AnnotatedGridImage(snapshot.frame)
      let uri = try dataURI(picture.pixels, width: picture.width, height: picture.height)
      let caption =
        "frame \(snapshot.frame.sequence), \(Report.fixed(snapshot.seconds, 2)) s into the drive;"
        + " scale bar \(AnnotatedGridImage.metres(picture.scaleMetres)) m"
      pictures.append((caption, uri))
    }
    let page = html(scores, plots: plots, pictures: pictures)
    try page.write(toFile: path, atomically: true, encoding: .utf8)
  }

  /// PNG bytes as a `data:image/png;base64,` URI (written through a temporary file: libpng's
  /// simplified API writes files).
  static func dataURI(_ pixels: [UInt8], width: Int, height: Int) throws -> String {
    let path =
      NSTemporaryDirectory() + "sightline-eval-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).png"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try PNGFile.writeRGB(pixels, width: width, height: height, to: path)
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return "data:image/png;base64," + data.base64EncodedString()
  }

  static func html(
    _ scores: Eval.Scores, plots: [String], pictures: [(caption: String, uri: String)]
  ) -> String {
    let e = SVGPlot.escape
    var out = [
      "<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
      "<title>Sightline evaluation: \(e(scores.drive))</title>",
      "<style>body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}"
        + "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;"
        + "padding:3px 10px;text-align:right}th{background:#f0f0f0}pre{background:#f7f7f7;"
        + "padding:0.8em}figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}"
        + "figure img{width:420px;image-rendering:pixelated;border:1px solid #999}"
        + ".swatch{display:inline-block;width:1em;height:1em;border:1px solid #666;"
        + "vertical-align:middle;margin:0 0.3em 0 1em}</style>",
      "</head>", "<body>",
      "<h1>Sightline evaluation: \(e(scores.drive))</h1>",
      "<p>\(scores.frames) frames, scored against the drive's ground truth, fused (LiDAR + V2X)"
        + " and LiDAR only.</p>",
      "<h2>Figures</h2>",
    ]
    out += tables(scores)
    out.append("<p>As <code>sightline eval</code> prints it:</p>")
    out.append("<pre>" + e(Eval.table(scores).joined(separator: "\n")) + "</pre>")
    out.append("<h2>Plots</h2>")
    out += plots.map { "<div class=\"plot\">\n" + $0 + "</div>" }
    out += frames(pictures)
    out += ["</body>", "</html>"]
    return out.joined(separator: "\n") + "\n"
  }

  /// The figures as HTML tables: per agent, per kind and latency band, the 95% ellipse's
  /// coverage and NEES per kind, and the grid's scores (docs/EVAL.md).
  static func tables(_ scores: Eval.Scores) -> [String] {
    func show(_ value: Double?, _ decimals: Int) -> String {
      value.map { Report.fixed($0, decimals) } ?? "never"
    }
    func share(_ value: Double?) -> String { value.map { Report.fixed($0, 3) } ?? "n/a" }
    var out = [
      "<table class=\"agents\">",
      "<tr><th>agent</th><th>kind</th><th>in the window (s)</th>"
        + "<th>fused grid first has it (s)</th><th>LiDAR-only grid first has it (s)</th>"
        + "<th>advantage (s)</th></tr>",
    ]
    for (id, d) in scores.detection.sorted(by: { $0.key < $1.key }) {
      let advantage =
        d.advantage_s.map { Report.fixed($0, 2) }
        ?? "n/a (\(d.never.joined(separator: ", ")) never)"
      out.append(
        "<tr><td>\(id)</td><td>\(d.kind)</td><td>\(show(d.window_entry_s, 2))</td>"
          + "<td>\(show(d.fused_s, 2))</td><td>\(show(d.lidar_only_s, 2))</td>"
          + "<td>\(advantage)</td></tr>")
    }
    out.append("</table>")
    out.append(
      "<table class=\"errors\"><tr><th>kind</th><th>latency band (ms)</th><th>n</th>"
        + "<th>extrapolated error, median / p95 (m)</th>"
        + "<th>reported error, median / p95 (m)</th></tr>")
    for kind in Eval.kindsInOrder(scores.position_error.keys) {
      for band in scores.position_error[kind] ?? [] {
        out.append(
          "<tr><td>\(kind)</td><td>\(band.from_ms)-\(band.to_ms)</td><td>\(band.n)</td>"
            + "<td>\(Report.fixed(band.extrapolated_m.median, 3)) / "
            + "\(Report.fixed(band.extrapolated_m.p95, 3))</td>"
            + "<td>\(Report.fixed(band.raw_m.median, 3)) / \(Report.fixed(band.raw_m.p95, 3))"
            + "</td></tr>")
      }
    }
    out.append("</table>")
    out.append(
      "<table class=\"uncertainty\"><tr><th>kind</th><th>truth inside the 95% ellipse</th>"
        + "<th>n</th><th>NEES (ideal 2)</th></tr>")
    for kind in Eval.kindsInOrder(scores.coverage_95.keys) {
      guard let c = scores.coverage_95[kind] else { continue }
      out.append(
        "<tr><td>\(kind)</td><td>\(share(c.fraction))</td><td>\(c.n)</td>"
          + "<td>\(scores.nees[kind]?.mean.map(Eval.figure) ?? "n/a")</td></tr>")
    }
    out.append("</table>")
    let g = scores.grid
    out.append(
      "<table class=\"grid\"><tr><th>grid IoU</th><th>IoU, observed cells</th>"
        + "<th>false free (of free cells)</th><th>false occupied (of occupied cells)</th></tr>"
        + "<tr><td>\(share(g.iou))</td><td>\(share(g.iou_observed))</td>"
        + "<td>\(share(g.false_free))</td><td>\(share(g.false_occupied))</td></tr></table>")
    return out
  }

  /// The frame pictures with their captions and a colour key.
  static func frames(_ pictures: [(caption: String, uri: String)]) -> [String] {
    guard !pictures.isEmpty else { return [] }
    func swatch(_ colour: GridImage.RGB, _ name: String) -> String {
      "<span class=\"swatch\" style=\"background:rgb(\(colour.red),\(colour.green),"
        + "\(colour.blue))\"></span>\(name)"
    }
    let key = AnnotatedGridImage.key.map { swatch($0.0, $0.1) }.joined()
    var out = [
      "<h2>Frames of the fused replay</h2>",
      "<p>North up, one pixel per cell (the V2X layer tints cells blue; agents are drawn with"
        + " their 2σ ellipse); the bar under each picture is to scale.<br>" + key + "</p>",
    ]
    for picture in pictures {
      out.append(
        "<figure><img alt=\"\(SVGPlot.escape(picture.caption))\" src=\"\(picture.uri)\">"
          + "<figcaption>\(SVGPlot.escape(picture.caption))</figcaption></figure>")
    }
    return out
  }
}
