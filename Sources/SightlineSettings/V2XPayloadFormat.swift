/// How a source's payloads are written.
public enum V2XPayloadFormat: String, Sendable, CaseIterable, Codable {
  /// The bytes as they came off the radio (possibly with WSMP/1609.2 around the frame).
  case uper
  /// The same bytes as hex text.
  case hex
  /// JSON from middleware (jpo-ode, V2X-Hub) with the hex inside.
  case json
}
