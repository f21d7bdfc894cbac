// Example Sightline subscriber in C++: libzmq's C API and the classes protoc generates from
// Schemas/sightline/v1/fused_frame.proto; nothing from Sightline but its schema.
//
//   make -C Tools/cpp
//   Tools/cpp/build/sightline_subscriber --connect tcp://127.0.0.1:5560 [--idle-timeout 5]
//
// It subscribes to the `grid`, `agents` and `stats` topics, decodes each message, and prints
// the same lines as `sightline sub` (Report.frameLine, agentsLine and statsLine in
// Sources/SightlinePublish/Report.swift): one per grid frame, one per agents message that has
// agents or an ego, one per stats message. It counts frames lost from gaps in the sequence
// numbers, stops at the end-of-stream `stats` message (or after --idle-timeout seconds without
// a message) and ends with the same summary line. A message that does not decode is counted
// as malformed and skipped. Exits 0 when it stops, like `sightline sub`; 64 on bad arguments.

#include <zlib.h>
#include <zmq.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "sightline/v1/fused_frame.pb.h"

namespace {

using sightline::v1::Agent;
using sightline::v1::AgentsFrame;
using sightline::v1::BudgetReport;
using sightline::v1::FusedFrame;
using sightline::v1::Stats;

const char kUsage[] =
    "usage: sightline_subscriber [--connect ENDPOINT] [--idle-timeout SECONDS]\n"
    "  --connect ENDPOINT       endpoint to connect to (default tcp://127.0.0.1:5560)\n"
    "  --idle-timeout SECONDS   give up after this many seconds without a message\n"
    "                           (default: wait for the end-of-stream stats message)\n";

// Topic prefixes: the name and its NUL, so that "grid" never matches a future "gridx".
const std::string_view kGrid("grid\0", 5);
const std::string_view kAgents("agents\0", 7);
const std::string_view kStats("stats\0", 6);

// ---- Formatting, the way Report.swift does it ------------------------------------------------

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char small[256];
  va_list args;
  va_start(args, format);
  int size = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (size < 0) return "";
  if (size_t(size) < sizeof small) return std::string(small, size_t(size));
  std::string large(size_t(size) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(large.data(), large.size(), format, args);
  va_end(args);
  large.resize(size_t(size));
  return large;
}

// Report.fixed: String(format: "%.Nf"), which is C's printf.
std::string Fixed(double value, int decimals) { return Format("%.*f", decimals, value); }

// Report.utc: "2016-01-21T08:18:02.340595Z" (microseconds, truncated).
std::string Utc(int64_t nanoseconds) {
  const int64_t seconds = nanoseconds / 1000000000;
  const int64_t micros = (nanoseconds % 1000000000) / 1000;
  const time_t time = time_t(seconds);
  struct tm c {};
  gmtime_r(&time, &c);
  return Format("%04d-%02d-%02dT%02d:%02d:%02d.%06d", c.tm_year + 1900, c.tm_mon + 1, c.tm_mday,
                c.tm_hour, c.tm_min, c.tm_sec, int(micros)) +
         "Z";
}

// A Double as Swift's `description` writes it (the idle-timeout line): the shortest digits
// that read back the same, "30.0" for a whole number, exponent form below 1e-4 or from 2^53.
std::string SwiftDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char text[64];
  auto [end, error] = std::to_chars(text, text + sizeof text, value, std::chars_format::scientific);
  if (error != std::errc()) return Format("%g", value);
  std::string scientific(text, end);  // "-1.25e+02"
  const double magnitude = std::fabs(value);
  if (value != 0 && (magnitude < 1e-4 || magnitude >= 9007199254740992.0)) return scientific;
  const bool negative = scientific[0] == '-';
  const size_t e = scientific.find('e');
  std::string digits;
  for (size_t i = negative ? 1 : 0; i < e; ++i) {
    if (scientific[i] != '.') digits += scientific[i];
  }
  const int exponent = std::atoi(scientific.c_str() + e + 1);
  std::string whole, fraction;
  if (exponent >= 0) {
    const size_t whole_digits = size_t(exponent) + 1;
    if (digits.size() < whole_digits) digits.append(whole_digits - digits.size(), '0');
    whole = digits.substr(0, whole_digits);
    fraction = digits.substr(whole_digits);
  } else {
    whole = "0";
    fraction = std::string(size_t(-exponent - 1), '0') + digits;
  }
  if (fraction.empty()) fraction = "0";
  return (negative ? "-" : "") + whole + "." + fraction;
}

// Swift's `UIntN(clamping:)`, which the decoder applies to a few fields before printing them.
uint64_t Clamp(int64_t value, uint64_t max) {
  return value < 0 ? 0 : uint64_t(value) > max ? max : uint64_t(value);
}

std::string DegradationName(int value) {
  switch (Clamp(value, 255)) {
    case 0: return "none";
    case 1: return "free_space_truncated";
    case 2: return "endpoints_only";
    case 3: return "points_skipped";
    case 5: return "agents_skipped";
    default: return "lidar_skipped";  // 4, and values this schema version does not know
  }
}

const char* KindName(int value) {
  switch (Clamp(value, 255)) {
    case Agent::KIND_VEHICLE: return "vehicle";
    case Agent::KIND_PEDESTRIAN: return "pedestrian";
    case Agent::KIND_CYCLIST: return "cyclist";
    default: return "other";
  }
}

const char* ModelName(int value) {
  switch (Clamp(value, 255)) {
    case Agent::MOTION_MODEL_CONSTANT_VELOCITY: return "constantVelocity";
    case Agent::MOTION_MODEL_CTRA: return "ctra";
    default: return "constantPosition";
  }
}

// Empty for CONSISTENCY_NOT_PAINTED (and unknown values): the line leaves it out.
const char* ConsistencyName(int value) {
  switch (Clamp(value, 255)) {
    case Agent::CONSISTENCY_CONFIRMED: return "confirmed";
    case Agent::CONSISTENCY_OCCLUDED: return "occluded";
    case Agent::CONSISTENCY_CONTRADICTED: return "contradicted";
    default: return "";
  }
}

std::string U(uint64_t value) { return std::to_string(value); }

// The line `sightline sub` prints for each grid frame (Report.frameLine).
std::string FrameLine(const FusedFrame& frame) {
  const auto& header = frame.header();
  const auto& budget = frame.budget();
  const auto& counts = frame.cell_counts();
  const auto& summary = frame.agent_summary();
  std::string line = "seq=" + U(header.sequence()) + " sensor_time=" + Utc(header.sensor_time_ns());
  line += header.partial_sweep()
              ? " partial(" + Fixed(double(header.azimuth_coverage_cdeg()) / 100, 1) + "°)"
              : " complete";
  line += " points=" + U(header.points_in_sweep()) + " used=" + U(budget.points_used());
  line += " occupied=" + U(counts.occupied()) + " free=" + U(counts.free()) +
          " unknown=" + U(counts.unknown());
  if (header.deterministic()) {
    line += " budget=work units=" + U(budget.work_units());
  } else {
    line += " proc_ms=" + Fixed(double(budget.processing_ns()) / 1e6, 2) + "/" +
            Fixed(double(budget.budget_ns()) / 1e6, 0);
  }
  if (budget.degraded()) {
    line += " DEGRADED(" + DegradationName(budget.degradation()) +
            ", skipped=" + U(budget.points_skipped()) +
            ", free_to=" + Fixed(double(budget.free_space_reach_m()), 1) + "m)";
  }
  if (const uint64_t painted = Clamp(summary.painted(), UINT16_MAX); painted > 0) {
    line += " v2x=" + U(painted) + " confirmed=" + U(Clamp(summary.confirmed(), UINT16_MAX)) +
            " occluded=" + U(Clamp(summary.occluded(), UINT16_MAX)) +
            " contradicted=" + U(Clamp(summary.contradicted(), UINT16_MAX));
  }
  if (header.grid_reset()) line += " GRID_RESET";
  return line;
}

// The line for an `agents` message (Report.agentsLine): the ego and the first four agents.
std::string AgentsLine(const AgentsFrame& frame) {
  const auto& header = frame.header();
  std::string line =
      "  agents seq=" + U(header.sequence()) + " n=" + U(uint64_t(frame.agents_size()));
  if (header.ego_known()) {
    const auto& ego = header.ego();
    line += " ego=(" + Fixed(ego.east_m(), 1) + ", " + Fixed(ego.north_m(), 1) + ")";
  }
  for (int i = 0; i < frame.agents_size() && i < 4; ++i) {
    const Agent& agent = frame.agents(i);
    const float variance_sum = agent.cov_ee_m2() + agent.cov_nn_m2();  // summed as floats
    const double sigma = std::sqrt(double(variance_sum) / 2);
    const std::string consistency = ConsistencyName(agent.consistency());
    line += Format(" [%08x %s %s", agent.id(), KindName(agent.kind()), ModelName(agent.model()));
    line += " latency=" + Fixed(double(agent.latency_ns()) / 1e6, 0) + "ms σ=" + Fixed(sigma, 1) +
            "m moved=" + Fixed(double(agent.distance_travelled_m()), 1) + "m";
    if (!consistency.empty()) line += " " + consistency;
    line += "]";
  }
  if (frame.agents_size() > 4) line += " …";
  return line;
}

// The line for a `stats` message (Report.statsLine).
std::string StatsLine(const Stats& stats) {
  const auto& c = stats.counters();
  std::string line = std::string("  stats") + (stats.end_of_stream() ? " (end of stream)" : "") +
                     " frames_published=" + U(stats.frames_published()) +
                     " lidar_packets=" + U(c.lidar_packets()) +
                     " missing=" + U(c.lidar_packets_missing()) +
                     " v2x=" + U(c.v2x_accepted()) + "/" + U(c.v2x_received());
  if (c.sweeps_dropped() > 0) line += " sweeps_dropped=" + U(c.sweeps_dropped());
  if (c.drops_size() > 0) {
    line += " drops:";
    for (const auto& drop : c.drops()) line += " " + drop.reason() + "=" + U(drop.count());
  }
  if (stats.input_error()) line += " INPUT_ERROR";
  return line;
}

void PrintLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);  // readers (and tests) take the lines as they come
}

// ---- The grid's layers -------------------------------------------------------------------------

// A layer's cells (occupancy, v2x, log_odds, source): the stored bytes, or the zlib stream
// inflated into `scratch` when layer_encoding is ZLIB. False when the layer does not hold
// exactly the cells the layout describes. An optional layer may be absent (empty cells).
// Occupancy: cells[r * layout.row_stride() + c] is cell (c, r) as an int8, -1 unknown.
bool LayerCells(const FusedFrame& frame, const std::string& stored, uint64_t bytes_per_cell,
                bool optional, std::string& scratch, std::string_view& cells) {
  cells = {};
  if (optional && stored.empty()) return true;
  const uint64_t count = uint64_t(frame.layout().column_count()) * frame.layout().row_count();
  if (count > UINT64_MAX / bytes_per_cell) return false;
  const uint64_t expected = count * bytes_per_cell;
  if (frame.layer_encoding() == sightline::v1::LAYER_ENCODING_RAW) {
    cells = stored;
    return stored.size() == expected;
  }
  // Inflated a piece at a time, so that a damaged layout cannot make us allocate more than the
  // stream really holds.
  if (stored.size() > UINT_MAX) return false;
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return false;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stored.data()));
  stream.avail_in = uInt(stored.size());
  scratch.clear();
  char piece[64 * 1024];
  int status;
  do {
    stream.next_out = reinterpret_cast<Bytef*>(piece);
    stream.avail_out = sizeof piece;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;  // damaged, or the input ran out
    const size_t produced = sizeof piece - stream.avail_out;
    if (scratch.size() + produced > expected) {
      status = Z_DATA_ERROR;
      break;
    }
    scratch.append(piece, produced);
  } while (status != Z_STREAM_END);
  inflateEnd(&stream);
  cells = scratch;
  return status == Z_STREAM_END && scratch.size() == expected;
}

// The checks `sightline sub` makes before it accepts a frame: a known layer encoding, and
// every layer present holding exactly the layout's cells.
bool LayersValid(const FusedFrame& frame, std::string& scratch) {
  if (frame.layer_encoding() != sightline::v1::LAYER_ENCODING_RAW &&
      frame.layer_encoding() != sightline::v1::LAYER_ENCODING_ZLIB) {
    return false;
  }
  std::string_view cells;
  return LayerCells(frame, frame.occupancy(), 1, false, scratch, cells) &&
         LayerCells(frame, frame.v2x(), 1, true, scratch, cells) &&
         LayerCells(frame, frame.log_odds(), 2, true, scratch, cells) &&
         LayerCells(frame, frame.source(), 1, true, scratch, cells);
}

// ---- The subscription ------------------------------------------------------------------------

// What this subscriber saw of the stream (SubscriptionSummary).
struct Summary {
  uint64_t frames_received = 0;
  uint64_t frames_lost = 0;
  uint64_t frames_out_of_order = 0;
  uint64_t malformed = 0;
  std::optional<uint64_t> frames_published;  // from the end-of-stream stats
  bool ended_with_error = false;
  std::optional<uint64_t> expected_sequence;

  void Frame(uint64_t sequence) {
    ++frames_received;
    const uint64_t expected = expected_sequence.value_or(0);
    if (sequence > expected) {
      frames_lost += sequence - expected;
    } else if (sequence < expected) {
      ++frames_out_of_order;
      return;
    }
    expected_sequence = sequence + 1;
  }

  void End(const Stats& stats) {
    frames_published = stats.frames_published();
    ended_with_error = stats.input_error();
    // Frames after the last one received were lost too.
    const uint64_t expected = expected_sequence.value_or(0);
    if (stats.frames_published() > expected) frames_lost += stats.frames_published() - expected;
  }

  std::string Line() const {
    std::string line = "received " + U(frames_received) + " frames, lost " + U(frames_lost);
    if (frames_published) line += ", publisher sent " + U(*frames_published);
    if (malformed > 0) line += ", " + U(malformed) + " malformed";
    if (ended_with_error) line += "; the publisher's input ended with an error";
    return line;
  }
};

// Decodes `message` into `into` when it starts with `prefix`; false when it does not, or when
// the rest is not a valid protobuf of that type.
bool Parse(std::string_view message, std::string_view prefix, google::protobuf::MessageLite& into) {
  if (message.substr(0, prefix.size()) != prefix) return false;
  const std::string_view body = message.substr(prefix.size());
  return body.size() <= size_t(INT_MAX) && into.ParseFromArray(body.data(), int(body.size()));
}

struct Options {
  std::string endpoint = "tcp://127.0.0.1:5560";
  std::optional<double> idle_timeout;  // seconds
};

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "error: %s\n%s", message.c_str(), kUsage);
  std::exit(64);  // EX_USAGE, as `sightline sub`
}

Options ParseArguments(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    if (argument == "-h" || argument == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    std::string name = argument, value;  // --name VALUE, or --name=VALUE
    bool has_value = false;
    const size_t equals = argument.find('=');
    if (argument.rfind("--", 0) == 0 && equals != std::string::npos) {
      name = argument.substr(0, equals);
      value = argument.substr(equals + 1);
      has_value = true;
    }
    if (name != "--connect" && name != "--idle-timeout") {
      UsageError(argument.rfind("-", 0) == 0 ? "unknown option '" + argument + "'"
                                              : "unexpected argument '" + argument + "'");
    }
    if (!has_value) {
      if (i + 1 >= argc) UsageError(name + " needs a value");
      value = argv[++i];
    }
    if (name == "--connect") {
      if (value.empty()) UsageError("--connect needs an endpoint, such as tcp://127.0.0.1:5560");
      options.endpoint = value;
    } else {
      char* end = nullptr;
      errno = 0;
      const double seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || errno == ERANGE) {
        UsageError("--idle-timeout takes a number of seconds, not '" + value + "'");
      }
      if (!std::isfinite(seconds) || seconds < 0) {
        UsageError("--idle-timeout must be 0 or more seconds, not '" + value + "'");
      }
      options.idle_timeout = seconds;
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  google::protobuf::SetLogHandler(nullptr);  // a bad message is counted, not logged
  const Options options = ParseArguments(argc, argv);

  void* context = zmq_ctx_new();
  void* socket = context ? zmq_socket(context, ZMQ_SUB) : nullptr;
  if (!socket) {
    std::fprintf(stderr, "error: cannot make a ZeroMQ socket: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  // The publisher may wait for a `grid` subscription before its first frame
  // (--wait-subscribers): subscribe to it last, so the other topics are in place by then.
  for (std::string_view topic : {kAgents, kStats, kGrid}) {
    zmq_setsockopt(socket, ZMQ_SUBSCRIBE, topic.data(), topic.size());
  }
  if (options.idle_timeout) {
    // As `sightline sub`: whole milliseconds, truncated.
    const double milliseconds = *options.idle_timeout * 1000;
    const int timeout = milliseconds >= INT_MAX ? INT_MAX : int(milliseconds);
    zmq_setsockopt(socket, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  }
  const int linger = 0;
  zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_connect(socket, options.endpoint.c_str()) != 0) {
    std::fprintf(stderr, "error: cannot connect to '%s': %s\n", options.endpoint.c_str(),
                 zmq_strerror(zmq_errno()));
    zmq_close(socket);
    zmq_ctx_term(context);
    return 1;
  }

  Summary summary;
  FusedFrame frame;  // reused: parsing clears them
  AgentsFrame agents;
  Stats stats;
  std::string scratch;
  int status = 0;
  bool ended = false;
  zmq_msg_t message;
  zmq_msg_init(&message);
  while (!ended) {
    if (zmq_msg_recv(&message, socket, 0) < 0) {
      const int error = zmq_errno();
      if (error == EINTR) continue;
      if (error == EAGAIN) {
        PrintLine("no message for " + SwiftDouble(*options.idle_timeout) + " s; stopping");
      } else {
        std::fprintf(stderr, "error: receive: %s\n", zmq_strerror(error));
        status = 1;
      }
      break;
    }
    const std::string_view bytes(static_cast<const char*>(zmq_msg_data(&message)),
                                 zmq_msg_size(&message));
    if (Parse(bytes, kGrid, frame)) {
      if (!LayersValid(frame, scratch)) {
        ++summary.malformed;
        continue;
      }
      summary.Frame(frame.header().sequence());
      PrintLine(FrameLine(frame));
    } else if (Parse(bytes, kAgents, agents)) {
      if (agents.agents_size() > 0 || agents.header().ego_known()) PrintLine(AgentsLine(agents));
    } else if (Parse(bytes, kStats, stats)) {
      if (stats.end_of_stream()) {
        summary.End(stats);
        ended = true;
      }
      PrintLine(StatsLine(stats));
    } else {
      // A message of another topic, or one whose protobuf does not decode.
      ++summary.malformed;
    }
  }
  zmq_msg_close(&message);
  PrintLine(summary.Line());
  zmq_close(socket);
  zmq_ctx_term(context);
  google::protobuf::ShutdownProtobufLibrary();
  return status;
}
