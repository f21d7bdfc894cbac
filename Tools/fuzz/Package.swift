// swift-tools-version: 6.1
// libFuzzer harnesses for Sightline's untrusted-input parsers. A package of its own so that the
// project's build never sees -sanitize=fuzzer; build and run it with ./run.sh (see README.md).
import Foundation
import PackageDescription

// A path dependency's identity is the last component of its folder (the checkout's name, which
// differs between machines), and `.product(package:)` must name it: work it out.
let projectRoot = URL(fileURLWithPath: Context.packageDirectory)
  .deletingLastPathComponent().deletingLastPathComponent().standardizedFileURL
let project = projectRoot.lastPathComponent.lowercased()

func harness(_ name: String, _ products: [String]) -> Target {
  .executableTarget(
    name: name,
    dependencies: ["CFuzzer"] + products.map { .product(name: $0, package: project) },
    swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
  name: "SightlineFuzz",
  platforms: [.macOS(.v14)],
  dependencies: [.package(path: "../..")],
  targets: [
    .target(name: "CFuzzer"),
    harness("FuzzV2X", ["SightlineV2X"]),
    harness("FuzzVelodyne", ["SightlineLidar", "SightlineVelodyne"]),
    harness("FuzzOuster", ["SightlineLidar", "SightlineOuster"]),
    harness(
      "FuzzDatagram",
      ["SightlineNet", "SightlinePcap", "SightlineLidar", "SightlineVelodyne", "SightlinePipeline"]),
    harness("FuzzConfig", ["SightlinePipeline", "SightlineReplay", "SightlineTOML"]),
    harness("FuzzHesai", ["SightlineLidar", "SightlineHesai"]),
    harness("FuzzBacktest", ["SightlineBacktest"]),
    harness("FuzzScenario", ["SightlineScenario", "SightlineTOML"]),
    harness("FuzzPose", ["SightlinePipeline"]),
  ],
  swiftLanguageModes: [.v6]
)
