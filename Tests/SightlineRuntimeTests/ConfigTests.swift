import Foundation
import SightlineLidar
import SightlinePipeline
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func configError(_ text: String) -> ConfigError? {
  do {
    _ = try SightlineConfig.parse(text, file: "test.toml")
    return nil
  } catch {
    return error
  }
}

@Suite struct ConfigTests {
  @Test func shippedConfigEqualsTheBuiltInDefaults() throws {
    let path = repositoryRoot.appendingPathComponent("Config/sightline.toml").path
    #expect(try SightlineConfig.load(path: path) == SightlineConfig())
  }

  @Test func readsEveryKey() throws {
    let config = try SightlineConfig.parse(
      """
      [lidar]
      model = "VLP-16"
      cut_angle_deg = 90
      min_range_m = 0.5
      max_range_m = 120
      [grid]
      columns = 500
      rows = 400
      resolution_m = 0.2
      obstacle_min_z_m = -1.5
      obstacle_max_z_m = 1
      [frame]
      budget_ms = 10
      [publish]
      endpoint = "ipc:///tmp/x"
      send_hwm = 5
      [foxglove]
      listen = "[::1]:8765"
      [metrics]
      listen = "0.0.0.0:9464"
      """, file: "t.toml")
    #expect(config.lidar.model == .velodyne(.vlp16))
    #expect(config.lidar.cutAngleDegrees == 90)
    #expect(config.lidar.minRangeMeters == 0.5)
    #expect(config.lidar.maxRangeMeters == 120)
    #expect(config.grid.columns == 500 && config.grid.rows == 400)
    #expect(config.grid.resolutionMeters == 0.2)
    #expect(config.grid.obstacleMinZ == -1.5 && config.grid.obstacleMaxZ == 1)
    #expect(config.frame.budgetMilliseconds == 10)
    #expect(config.publish.endpoint == "ipc:///tmp/x")
    #expect(config.publish.sendHighWaterMark == 5)
    #expect(config.foxglove.listen == "[::1]:8765")
    #expect(config.metrics.listen == "0.0.0.0:9464")
  }

  /// Text on which the TOML parser used before SightlineTOML (toml++ inside TOMLKit) asserted
  /// and aborted the process, found by Tools/fuzz: each must be a clear error instead.
  @Test func textThatAbortsTheTOMLParserIsAnError() throws {
    let folder = repositoryRoot.appendingPathComponent("Tools/fuzz/regressions/config")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(files.count >= 25)
    for name in files {
      let text = String(
        decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
      let error = configError(text)
      #expect(
        error?.problem.hasPrefix("not valid TOML") == true, "\(name): \(String(describing: error))")
    }
  }

  @Test func unknownKeyIsNamedWithItsFile() {
    let error = configError("[grid]\nresolution = 0.1\n")
    #expect(error?.key == "grid.resolution")
    #expect(error?.description.hasPrefix("test.toml: grid.resolution: unknown key") == true)
    #expect(error?.description.contains("resolution_m") == true)
  }

  /// The old work-unit count would mean something else now: an error says what replaced it.
  @Test func workUnitsSaysWhatReplacedIt() {
    let error = configError("[frame]\nwork_units = 4000000\n")
    #expect(error?.key == "frame.work_units")
    #expect(error?.description.contains("replaced by budget_ms") == true)
  }

  @Test func unknownSectionIsNamed() {
    #expect(configError("[gird]\ncolumns = 10\n")?.key == "gird")
    #expect(configError("columns = 10\n")?.key == "columns")
  }

  @Test(arguments: [
    ("[grid]\nresolution_m = -0.1", "grid.resolution_m"),
    ("[grid]\ncolumns = \"many\"", "grid.columns"),
    ("[grid]\ncolumns = 10.5", "grid.columns"),
    ("[lidar]\nmodel = \"HDL-64E\"", "lidar.model"),
    ("[lidar]\nmin_range_m = 50\nmax_range_m = 10", "lidar.min_range_m"),
    ("[grid]\nobstacle_min_z_m = 1\nobstacle_max_z_m = 0", "grid.obstacle_min_z_m"),
    ("[publish]\nendpoint = \"localhost:5560\"", "publish.endpoint"),
    ("[frame]\nbudget_ms = nan", "frame.budget_ms"),
    ("[foxglove]\nlisten = \"8765\"", "foxglove.listen"),
    ("[foxglove]\nlisten = \"127.0.0.1:99999\"", "foxglove.listen"),
    ("[metrics]\nlisten = \":9464\"", "metrics.listen"),
  ])
  func badValueIsNamed(text: String, key: String) {
    let error = configError(text)
    #expect(error?.key == key)
    #expect(error?.description.contains("test.toml") == true)
  }

  @Test func brokenTOMLAndMissingFilesAreClearErrors() {
    #expect(configError("[grid\ncolumns = 1")?.problem.hasPrefix("not valid TOML") == true)
    #expect(throws: ConfigError.self) { try SightlineConfig.load(path: "/nonexistent/s.toml") }
  }
}
