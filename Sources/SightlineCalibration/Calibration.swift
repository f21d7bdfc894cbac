// SightlineCalibration: placeholder until the parsers land.
