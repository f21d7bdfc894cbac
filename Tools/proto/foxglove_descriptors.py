"""Writes the FileDescriptorSets of the foxglove schemas Sightline records, taken from the
official foxglove-schemas-protobuf package: one per message (what an MCAP schema record
embeds) and one holding them all (what protoc reads to generate Swift)."""
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2
from foxglove_schemas_protobuf.Grid_pb2 import Grid
from foxglove_schemas_protobuf.SceneUpdate_pb2 import SceneUpdate
from foxglove_schemas_protobuf.LocationFix_pb2 import LocationFix

MESSAGES = {"foxglove.Grid": Grid, "foxglove.SceneUpdate": SceneUpdate,
            "foxglove.LocationFix": LocationFix}


def file_set(descriptors):
    out, seen = descriptor_pb2.FileDescriptorSet(), set()

    def add(file):
        if file.name in seen:
            return
        seen.add(file.name)
        for dependency in file.dependencies:
            add(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(proto)
        out.file.append(proto)

    for descriptor in descriptors:
        add(descriptor.file)
    return out


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, message in MESSAGES.items():
        (folder / f"{name}.binpb").write_bytes(
            file_set([message.DESCRIPTOR]).SerializeToString(deterministic=True))
    everything = file_set([m.DESCRIPTOR for m in MESSAGES.values()])
    (folder / "foxglove.all.binpb").write_bytes(everything.SerializeToString(deterministic=True))
    for file in everything.file:
        print(file.name)


if __name__ == "__main__":
    main(sys.argv[1])
