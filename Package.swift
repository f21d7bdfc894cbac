// swift-tools-version: 6.1
// Sightline: a real-time perception runtime. Pure cores have no I/O; edges wrap libpcap and
// libzmq; the runtime wires them (pipeline, publish, replay, live) and tools and benchmarks
// use it; `sightline` is the one executable. See docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
  name: "Sightline",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "sightline", targets: ["sightline"]),
    // The cores and the runtime as libraries: for embedding, and for Tools/fuzz's harnesses.
    .library(name: "SightlineV2X", targets: ["SightlineV2X"]),
    .library(name: "SightlineLidar", targets: ["SightlineLidar"]),
    .library(name: "SightlineVelodyne", targets: ["SightlineVelodyne"]),
    .library(name: "SightlineOuster", targets: ["SightlineOuster"]),
    .library(name: "SightlineHesai", targets: ["SightlineHesai"]),
    .library(name: "SightlineNet", targets: ["SightlineNet"]),
    .library(name: "SightlinePcap", targets: ["SightlinePcap"]),
    .library(name: "SightlinePipeline", targets: ["SightlinePipeline"]),
    .library(name: "SightlinePublish", targets: ["SightlinePublish"]),
    .library(name: "SightlineReplay", targets: ["SightlineReplay"]),
    .library(name: "SightlineLive", targets: ["SightlineLive"]),
    .library(name: "SightlineTOML", targets: ["SightlineTOML"]),
    .library(name: "SightlineScenario", targets: ["SightlineScenario"]),
    // The commands' work (Tools/fuzz's backtest harness).
    .library(name: "SightlineTools", targets: ["SightlineTools"]),
    .library(name: "SightlineBacktest", targets: ["SightlineBacktest"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
  ],
  targets: [
    // C libraries (thin module maps; Tools/setup installs the -dev packages).
    .systemLibrary(
      name: "CLibPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
    .systemLibrary(
      name: "CLibZMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
    .systemLibrary(
      name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    // glibc's <malloc.h> (mallopt, malloc_trim, mallinfo2): live runs bound and report the heap.
    .systemLibrary(name: "CMalloc"),

    // Pure cores: bytes in, values out. No I/O, no clocks.
    .target(name: "SightlineNet"),
    // The vendor-neutral LiDAR contract (LidarStream, Sweep, LidarPoint, Deskew), and one
    // module per vendor: packet format, decoder, stream (as ouster-sdk and nebula split them).
    .target(name: "SightlineLidar"),
    .target(name: "SightlineVelodyne", dependencies: ["SightlineLidar"]),
    .target(name: "SightlineOuster", dependencies: ["SightlineLidar"]),
    .target(name: "SightlineHesai", dependencies: ["SightlineLidar"]),
    .target(name: "SightlineGrid"),
    // The wire schema: Schemas/sightline/v1/*.proto. SightlineProto is protoc's generated code
    // (Tools/proto/regenerate.sh; committed) for decoding; SightlineSchema writes the same bytes
    // without allocating, and the foxglove messages that recordings carry.
    .target(
      name: "SightlineProto",
      dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
    .target(name: "SightlineSchema", dependencies: ["SightlineProto", "CZlib"]),
    // Pure: synthetic drives — scenes, ray casting, radio links, a rig's LiDAR packets
    // (Tools/scenario writes them).
    .target(
      name: "SightlineScenario",
      dependencies: [
        "SightlineTOML", "SightlineLidar", "SightlineVelodyne", "SightlineNet", "SightlineTimeline",
      ]),
    // Pure: MCAP recordings (chunks, indexes, summary) written to and read from bytes.
    .target(name: "SightlineMCAP"),
    // Pure: one timeline — clock alignment, WGS-84/ENU, ego pose, agent tracks, extrapolation.
    .target(name: "SightlineTimeline"),
    // Pure: SAE J2735 MessageFrames in UPER (BSM, PSM), IEEE 1609.3/1609.2 unwrapping.
    .target(name: "SightlineV2X"),
    // Pure: the runtime's config (SightlineConfig: typed settings, their defaults, the strict
    // TOML loader; a rig's LidarSensorConfig tables). SightlinePipeline re-exports it.
    .target(
      name: "SightlineSettings",
      dependencies: ["SightlineTOML", "SightlineLidar", "SightlineVelodyne", "SightlineHesai"]),
    // Pure: TOML 1.0 text → tables (the config and drive manifests; strict, fuzzed).
    .target(name: "SightlineTOML"),
    // Pure: calibration file text → per-laser corrections (VeloView XML, ros-drivers/nebula YAML).
    .target(
      name: "SightlineCalibration", dependencies: ["SightlineLidar", "SightlineVelodyne", "Yams"]),

    // I/O edges: small owning wrappers over C handles.
    .target(name: "SightlinePcap", dependencies: ["CLibPcap", "SightlineNet"]),
    .target(name: "SightlineZMQ", dependencies: ["CLibZMQ"]),
    .target(name: "SightlineUDP"),
    .target(name: "SightlinePNG", dependencies: ["CLibPNG"]),
    // zstd chunk compression for MCAP recordings: libzstd contexts behind SightlineMCAP's
    // MCAPChunkCompressor/MCAPChunkDecompressor.
    .target(name: "SightlineZstd", dependencies: ["CZstd", "SightlineMCAP"]),
    // Operations: metrics (swift-metrics, the Prometheus text exposition, HdrHistogram frame
    // times) and rate-limited structured logs (swift-log).
    .target(
      name: "SightlineOps",
      dependencies: [
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]),

    // The runtime wires cores and edges together, in rooms by what runs where.
    // The frame pipeline: config, LiDAR and V2X ingest, the timeline stage, FrameLoop and the
    // frame builder, counters. No threads, no sockets: replay and live runs both call it.
    .target(
      name: "SightlinePipeline",
      dependencies: [
        "SightlineNet", "SightlineLidar", "SightlineVelodyne", "SightlineOuster", "SightlineHesai",
        "SightlineGrid", "SightlineSchema", "SightlineSettings",
        "SightlineCalibration", "SightlineV2X", "SightlineTimeline", "SightlineTOML",
      ]),
    // Where frames go: the ZeroMQ publisher, the MCAP recorder, the subscriber, CURVE.
    .target(
      name: "SightlinePublish",
      dependencies: [
        "SightlinePipeline", "SightlineSchema", "SightlineZMQ", "SightlineMCAP", "SightlineZstd",
      ]),
    // Replays: a capture and a V2X log on one virtual clock, pacing, drives, the report.
    .target(
      name: "SightlineReplay",
      dependencies: [
        "SightlinePipeline", "SightlinePublish", "SightlinePcap", "SightlineNet", "SightlineLidar",
        "SightlineVelodyne", "SightlineOuster", "SightlineHesai",
        "SightlineTimeline", "SightlineScenario", "SightlineSchema", "SightlineTOML",
        "SightlineZMQ", "SightlineFoxglove",
      ]),
    // The run's HTTP listener (swift-nio): a Foxglove ws-protocol v1 server with a bounded,
    // drop-oldest queue per client, the live page, /metrics and /healthz; and the sink that
    // feeds it the recorder's foxglove messages.
    .target(
      name: "SightlineFoxglove",
      dependencies: [
        "SightlinePipeline", "SightlineSchema", "SightlinePublish",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
      ]),
    // Live runs: threads, bounded queues, UDP and ZeroMQ receive, the host clock, stop and
    // reload, the service lifecycle, metrics.
    .target(
      name: "SightlineLive",
      dependencies: [
        "SightlinePipeline", "SightlinePublish", "SightlineUDP", "SightlineZMQ", "SightlineOps",
        "SightlineTimeline", "SightlineLidar", "SightlineVelodyne", "SightlineOuster",
        "SightlineHesai", "SightlineV2X", "SightlineSchema",
        "SightlineFoxglove", "CMalloc",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]),
    // `sightline v2x backtest`: the runtime's extrapolation scored on real V2X logs (pure but
    // for reading its file); `v2x decode`'s hex lines to JSON lines.
    .target(
      name: "SightlineBacktest",
      dependencies: ["SightlinePipeline", "SightlineTimeline", "SightlineV2X"]),
    // A rig's sensors, each on its own and against each other, for inspect and check: a capture
    // read through the config's LidarRig, and the mount check (pure: ground planes over two
    // sensors' overlap).
    .target(
      name: "SightlineRigCheck",
      dependencies: ["SightlineLidar", "SightlinePipeline", "SightlinePcap"]),
    // The commands' work: inspect, check, eval with plots and truth, annotate, the CSV decode,
    // play, flood, record, the pictures.
    .target(
      name: "SightlineTools",
      dependencies: [
        "SightlinePipeline", "SightlineReplay", "SightlinePublish", "SightlineLive",
        "SightlinePcap", "SightlineNet", "SightlineLidar", "SightlineVelodyne", "SightlineOuster",
        "SightlineHesai", "SightlineTimeline", "SightlineV2X",
        "SightlinePNG", "SightlineScenario", "SightlineSchema", "SightlineZMQ", "SightlineUDP",
        "SightlineGrid", "SightlineRigCheck",
      ]),
    // Benchmarks: decode, V2X, grid, the whole frame, the budget, subscribers, Foxglove clients,
    // end-to-end latency (a live run fed by the play tool's restamping).
    .target(
      name: "SightlineBenchmarks",
      dependencies: [
        "SightlinePipeline", "SightlineReplay", "SightlinePublish", "SightlineLive",
        "SightlineTools", "SightlineUDP",
        "SightlinePcap", "SightlineNet", "SightlineLidar", "SightlineVelodyne", "SightlineOuster",
        "SightlineHesai", "SightlineGrid", "SightlineSchema",
        "SightlineV2X", "SightlineZMQ", "SightlineFoxglove", "SightlineProto",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),

    .executableTarget(
      name: "sightline",
      dependencies: [
        "SightlinePipeline", "SightlineReplay", "SightlineLive", "SightlinePublish",
        "SightlineTools", "SightlineBacktest", "SightlineBenchmarks", "SightlineGrid",
        "SightlineLidar",
        "SightlineVelodyne", "SightlineOuster", "SightlineHesai",
        "SightlinePNG", "SightlinePcap", "SightlineOps", "SightlineSchema", "SightlineZMQ",
        "SightlineFoxglove", "SightlineRigCheck",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]),

    // Writes the synthetic drives in Replay/ (docs/DRIVES.md).
    .executableTarget(
      name: "sightline-scenario",
      dependencies: [
        "SightlineScenario", "SightlineLidar", "SightlineVelodyne", "SightlineOuster",
        "SightlineHesai", "SightlineNet", "SightlinePcap", "SightlineV2X",
        "SightlineTimeline", "SightlinePipeline",
      ],
      path: "Tools/scenario"),

    .testTarget(name: "SightlineNetTests", dependencies: ["SightlineNet"]),
    .testTarget(name: "SightlineTOMLTests", dependencies: ["SightlineTOML"]),
    .testTarget(
      name: "SightlineLidarTests",
      dependencies: [
        "SightlineLidar", "SightlineVelodyne", "SightlineOuster", "SightlineHesai", "SightlineNet",
        "SightlinePcap",
      ],
      exclude: ["Fixtures"]),
    .testTarget(name: "SightlineGridTests", dependencies: ["SightlineGrid", "SightlineScenario"]),
    .testTarget(name: "SightlineTimelineTests", dependencies: ["SightlineTimeline"]),
    .testTarget(
      name: "SightlineV2XTests", dependencies: ["SightlineV2X"], exclude: ["Fixtures"]),
    .testTarget(
      name: "SightlineCalibrationTests",
      dependencies: ["SightlineCalibration", "SightlineLidar", "SightlineVelodyne"],
      exclude: ["Fixtures"]),
    .testTarget(name: "SightlineSchemaTests", dependencies: ["SightlineSchema", "SightlineProto"]),
    .testTarget(name: "SightlineMCAPTests", dependencies: ["SightlineMCAP", "SightlineZstd"]),
    .testTarget(
      name: "SightlineZstdTests", dependencies: ["SightlineZstd", "SightlineMCAP", "CZstd"]),
    .testTarget(
      name: "SightlineScenarioTests",
      dependencies: [
        "SightlineScenario", "SightlineTOML", "SightlineVelodyne", "SightlineLidar", "SightlineNet",
        "SightlineTimeline",
      ]),
    .testTarget(name: "SightlineZMQTests", dependencies: ["SightlineZMQ"]),
    .testTarget(
      name: "SightlineOpsTests",
      dependencies: ["SightlineOps", .product(name: "Logging", package: "swift-log")]),
    .testTarget(name: "SightlineUDPTests", dependencies: ["SightlineUDP"]),
    .testTarget(name: "SightlinePcapTests", dependencies: ["SightlinePcap", "SightlineNet"]),
    .testTarget(
      name: "SightlineFoxgloveTests",
      dependencies: ["SightlineFoxglove", "SightlineSchema", "SightlineProto"]),
    .testTarget(
      name: "SightlineRuntimeTests",
      dependencies: [
        "SightlinePipeline", "SightlineReplay", "SightlineLive", "SightlinePublish",
        "SightlineTools", "SightlineBacktest", "SightlineSchema", "SightlineZMQ", "SightlinePNG",
        "SightlineMCAP", "SightlineLidar", "SightlineVelodyne", "SightlineOuster", "SightlineHesai",
        "SightlineV2X",
        "SightlineUDP", "SightlineTimeline", "SightlineGrid",
        "SightlineZstd", "SightlineFoxglove", "SightlineBenchmarks", "SightlineScenario",
        "SightlineRigCheck",
      ]),
  ],
  swiftLanguageModes: [.v6]
)
