/// The order `MCAPReader.messages` returns messages in.
public enum MCAPMessageOrder: Sendable {
  /// By log time; messages with equal log times keep their file order. What playback wants.
  case logTime
  /// As stored in the file.
  case file
}
