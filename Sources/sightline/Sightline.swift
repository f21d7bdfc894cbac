// The one executable, `sightline`. Each command parses its arguments, loads config and hands
// over to the libraries (SightlinePipeline, SightlineReplay, SightlineLive, SightlinePublish,
// SightlineTools, SightlineBenchmarks); one file per command group:
//
//   replay     ReplayCommand.swift     a drive or capture through the pipeline, publishing frames
//   sub        SubscribeCommand.swift  subscribe to grid frames, one line per frame
//   decode     DecodeCommand.swift     every LiDAR point of a capture as CSV
//   inspect    InspectCommand.swift    describe a capture per sensor
//   run        RunCommand.swift        live sensor packets from UDP until stopped
//   bench      BenchCommand.swift      repeatable measurements: decode, v2x, grid, frame,
//                                      budget, units, subscribers, foxglove, latency
//   v2x        V2XCommand.swift        V2X tools: v2x decode
//   record     RecordCommand.swift     record inputs for replay: record v2x
//   annotate   AnnotateCommand.swift   latency annotation of every V2X message
//   check      CheckCommand.swift      synchronisation QA report for a drive
//   render     RenderCommand.swift     fused grid frames as PNG pictures
//   eval       EvalCommand.swift       score a synthetic drive against its ground truth
//   play       PlayCommand.swift       feed a drive into the live path (UDP and ZeroMQ)
//   keygen     KeygenCommand.swift     write a CURVE key pair
//   flood      FloodCommand.swift      load test: many BSM senders at a fixed rate
//   merge      MergeCommand.swift      Velodyne captures merged, each sensor on its own ports
//
// Shared pieces: LidarOptions.swift (the LiDAR options and the sensor options in them),
// FrameOutputOptions.swift (--record, --foxglove), Failure.swift (the one-line error,
// loadConfig, loadDrive, printLine), ProgressBar.swift.
//
// README.md's "Commands" section names every command and flag here; HelpAgreementTests checks
// that it agrees with --help.

import ArgumentParser

@main
struct Sightline: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Real-time LiDAR + V2X perception runtime.",
    subcommands: [
      ReplayCommand.self, SubscribeCommand.self, DecodeCommand.self, InspectCommand.self,
      RunCommand.self, BenchCommand.self, V2XCommand.self, RecordCommand.self,
      AnnotateCommand.self, CheckCommand.self, RenderCommand.self, EvalCommand.self,
      PlayCommand.self, KeygenCommand.self, FloodCommand.self, MergeCommand.self,
    ])
}
