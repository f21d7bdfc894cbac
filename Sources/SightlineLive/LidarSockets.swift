import SightlineUDP

/// A live run's LiDAR sockets: the data port with a large kernel buffer (16 MiB holds about
/// 2 s of VLS-128 traffic), and the sensor's second port when it has one (Velodyne's GPRMC
/// position packets, Ouster's IMU packets). Payloads are handed to the stream as if they had
/// arrived at the stream's own ports (`streamPorts`), whatever ports were bound.
struct LidarSockets {
  let data: UDPReceiver
  let position: UDPReceiver?
  /// The stream's ports: data, and the second one (0 when it has none).
  let streamPorts: (data: UInt16, second: UInt16)
  /// The rig's other sensors' ports (`[[lidar.sensor]]`), each bound as configured.
  let others: [(receiver: UDPReceiver, port: UInt16)]

  /// `ports`: the frame sensor's (data first, then its second port); `otherPorts`: the other
  /// sensors' data ports (big buffers) and second ports.
  init(
    options: LiveOptions, ports: [UInt16],
    otherPorts: (data: [UInt16], second: [UInt16]) = ([], []),
    maxPayloadBytes: Int, log: (String) -> Void
  ) throws {
    streamPorts = (ports.first ?? 0, ports.dropFirst().first ?? 0)
    others =
      try otherPorts.data.map {
        (
          try UDPReceiver(
            bindAddress: options.bindAddress, port: $0,
            receiveBufferBytes: options.receiveBufferBytes,
            maxDatagramSize: max(2048, maxPayloadBytes)), $0
        )
      }
      + otherPorts.second.map {
        (
          try UDPReceiver(
            bindAddress: options.bindAddress, port: $0, receiveBufferBytes: 1 << 20, batchSize: 8,
            maxDatagramSize: 1024), $0
        )
      }
    data = try UDPReceiver(
      bindAddress: options.bindAddress, port: options.dataPort ?? streamPorts.data,
      receiveBufferBytes: options.receiveBufferBytes, maxDatagramSize: max(2048, maxPayloadBytes))
    let second = options.positionPort ?? (ports.count > 1 ? streamPorts.second : nil)
    position = try second.map {
      try UDPReceiver(
        bindAddress: options.bindAddress, port: $0,
        receiveBufferBytes: 1 << 20, batchSize: 8, maxDatagramSize: 1024)
    }
    if data.receiveBufferWasCapped {
      log(
        "warning: the kernel capped the receive buffer at \(data.grantedReceiveBufferBytes / 2)"
          + " bytes (asked \(options.receiveBufferBytes)); raise net.core.rmem_max")
    }
    log(
      "listening on \(options.bindAddress):\(data.boundPort)"
        + (position.map { " (second port \($0.boundPort))" } ?? "")
        + (others.isEmpty
          ? "" : "; other sensors on \(others.map { String($0.port) }.joined(separator: ", "))"))
    options.onListening?(data.boundPort, position?.boundPort)
  }
}
