// SightlineTimeline: one timeline for every stream. Pure: values in, values out, no clocks read.
// Clock alignment (sensor ↔ host offset and drift), WGS-84 ↔ local ENU, the ego pose over time,
// and V2X agent tracks extrapolated to any query time with honest, growing uncertainty.
// All times are UTC nanoseconds (Int64); positions are metres in the local ENU frame.
