// SightlineV2X: V2X messages from bytes. Pure: no I/O, no clocks, no allocation per message.
// UPER bit reader and SAE J2735 MessageFrame decoding (BSM, PSM; other ids recognised), and
// IEEE 1609.3 (WSMP) / 1609.2 unwrapping that finds the frame by structure.
