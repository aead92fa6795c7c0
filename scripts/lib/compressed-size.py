#!/usr/bin/env python3
"""The compressed size of an image, layer by layer, and the number of files in it, from
`docker save IMAGE` on stdin.

Each layer is gzipped on its own (level 6, as `gzip` does by default), which is how a registry
stores layers and what `docker pull` downloads; the config and manifest are added as they are.
With BASE_LAYERS=N, also prints the compressed size of the layers after the first N (the ones
the image's own instructions made on top of its base).

The file count is the image's, not a container's: the layers are applied in order (OCI
whiteouts `.wh.NAME` and opaque directories `.wh..wh..opq` honoured) and regular files and hard
links are counted. A container made from the image would show five more (`/.dockerenv`,
`/dev/console`, `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`: the engine adds them to
every container), which is why it is not counted from `docker export`.

Usage: docker save IMAGE | scripts/lib/compressed-size.py [BASE_LAYERS]
Prints: TOTAL_BYTES OWN_BYTES FILES
Python 3 standard library only.
"""
import json
import posixpath
import sys
import tarfile
import zlib


class CompressingReader:
    """Reads a stream and gzips what passes through, so one pass gives both the layer's
    compressed size and its listing."""

    def __init__(self, stream):
        self.stream = stream
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip header and trailer
        self.size = 0

    def read(self, count=-1):
        chunk = self.stream.read(count)
        if chunk:
            self.size += len(self.compressor.compress(chunk))
        return chunk

    def finish(self):
        while self.read(1 << 20):
            pass
        return self.size + len(self.compressor.flush())


def layer_entries(reader):
    """The layer's entries as (path, is_regular_file), in archive order; [] if not a tar."""
    entries = []
    try:
        with tarfile.open(fileobj=reader, mode="r|") as layer:
            for member in layer:
                name = posixpath.normpath(member.name.lstrip("/")).removeprefix("./")
                entries.append((name, member.isfile() or member.islnk()))
    except tarfile.TarError:
        return []
    return entries


def apply_layer(tree, entries):
    """Applies one layer's entries to TREE (path -> is regular file), whiteouts first."""
    def remove_under(directory, keep_directory):
        prefix = directory + "/" if directory not in ("", ".") else ""
        for path in [p for p in tree if p.startswith(prefix) or (not keep_directory and p == directory)]:
            del tree[path]

    for name, _ in entries:
        base = posixpath.basename(name)
        if base == ".wh..wh..opq":
            remove_under(posixpath.dirname(name), keep_directory=True)
        elif base.startswith(".wh."):
            remove_under(posixpath.join(posixpath.dirname(name), base[4:]), keep_directory=False)
    for name, is_file in entries:
        if not posixpath.basename(name).startswith(".wh.") and name not in ("", "."):
            tree[name] = is_file


def main():
    base_layers = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    layer_sizes, layer_listing, raw_blobs, other, manifest = {}, {}, {}, 0, None
    with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as archive:
        for member in archive:
            if not member.isfile():
                continue
            data = archive.extractfile(member)
            if member.name == "manifest.json":
                raw = data.read()
                manifest = json.loads(raw)
                other += len(raw)
            elif member.name.endswith("layer.tar") or member.name.startswith("blobs/"):
                # Classic `docker save` names layers */layer.tar; the OCI layout keeps every blob
                # (layers, config, index) under blobs/: the manifest tells which are layers.
                reader = CompressingReader(data)
                layer_listing[member.name] = layer_entries(reader)
                layer_sizes[member.name] = reader.finish()
                if not member.name.endswith("layer.tar"):
                    raw_blobs[member.name] = member.size  # as-is, unless the manifest names it a layer
            else:
                other += member.size
    if manifest is None:
        sys.exit("compressed-size: no manifest.json in the input (not a `docker save` stream?)")
    layers = manifest[0]["Layers"]
    other += sum(size for name, size in raw_blobs.items() if name not in layers)
    total = other + sum(layer_sizes.get(name, 0) for name in dict.fromkeys(layers))
    own = sum(layer_sizes.get(name, 0) for name in dict.fromkeys(layers[base_layers:])
              if name not in layers[:base_layers])
    tree = {}
    for name in layers:
        apply_layer(tree, layer_listing.get(name, []))
    print(total, own, sum(1 for is_file in tree.values() if is_file))


if __name__ == "__main__":
    main()
