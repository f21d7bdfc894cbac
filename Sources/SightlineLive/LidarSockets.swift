import SightlineUDP

/// A live run's LiDAR sockets: the data port with a large kernel buffer (16 MiB holds about
/// 2 s of VLS-128 traffic), and the position (GPRMC) port.
struct LidarSockets {
  let data: UDPReceiver
  let position: UDPReceiver

  init(options: LiveOptions, log: (String) -> Void) throws {
    data = try UDPReceiver(
      bindAddress: options.bindAddress, port: options.dataPort,
      receiveBufferBytes: options.receiveBufferBytes)
    position = try UDPReceiver(
      bindAddress: options.bindAddress, port: options.positionPort,
      receiveBufferBytes: 1 << 20, batchSize: 8, maxDatagramSize: 1024)
    if data.receiveBufferWasCapped {
      log(
        "warning: the kernel capped the receive buffer at \(data.grantedReceiveBufferBytes / 2)"
          + " bytes (asked \(options.receiveBufferBytes)); raise net.core.rmem_max")
    }
    log("listening on \(options.bindAddress):\(data.boundPort) (position \(position.boundPort))")
  }
}
