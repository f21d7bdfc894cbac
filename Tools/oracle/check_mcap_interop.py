#!/usr/bin/env python3
"""The MCAP writer against the official mcap reader (Python): the standard 1000-message,
three-channel recording that `MCAPInteropTests.testWriteFileForPythonOracle` writes (make test
sets SIGHTLINE_MCAP_ORACLE_OUT), read with CRC validation, message by message against the
".expected" file the test wrote beside it. Prints "N passed, N failed".
  check_mcap_interop.py FILE.mcap"""
import os
import sys

from mcap.reader import make_reader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oraclelib import check, finish  # noqa: E402

path = sys.argv[1]
check("the test wrote the recording and what it holds",
      os.path.exists(path) and os.path.exists(path + ".expected"), path)
if not os.path.exists(path) or not os.path.exists(path + ".expected"):
    finish()
with open(path + ".expected") as f:
    expected = [line.rstrip("\n").split(" ") for line in f if line.strip()]  # data may be empty
with open(path, "rb") as f:
    reader = make_reader(f, validate_crcs=True)
    summary = reader.get_summary()
    got = [[channel.topic, str(message.log_time), str(message.publish_time),
            str(message.sequence), message.data.hex()]
           for _, channel, message in reader.iter_messages(log_time_order=False)]
check("1000 messages expected", len(expected) == 1000, str(len(expected)))
check("the reader reads every message, in order, with its topic, times, sequence and bytes",
      got == expected, f"{len(got)} read")
check("the summary counts them", summary is not None
      and summary.statistics.message_count == len(expected),
      str(summary.statistics.message_count if summary and summary.statistics else None))
check("three channels, each with its topic", summary is not None and sorted(
    c.topic for c in summary.channels.values()) == ["/ego/pose", "/lidar/raw", "/perception/grid"])
finish()
