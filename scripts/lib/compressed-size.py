#!/usr/bin/env python3
"""The compressed size of an image, layer by layer, from `docker save IMAGE` on stdin.

Each layer is gzipped on its own (level 6, as `gzip` does by default), which is how a registry
stores layers and what `docker pull` downloads; the config and manifest are added as they are.
With BASE_LAYERS=N, also prints the compressed size of the layers after the first N (the ones
the image's own instructions made on top of its base).

Usage: docker save IMAGE | scripts/lib/compressed-size.py [BASE_LAYERS]
Prints: TOTAL_BYTES OWN_BYTES
Python 3 standard library only.
"""
import json
import sys
import tarfile
import zlib


def gzipped_size(stream):
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip header and trailer
    size = 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        size += len(compressor.compress(chunk))
    return size + len(compressor.flush())


def main():
    base_layers = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    layer_sizes, other, manifest = {}, 0, None
    with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as archive:
        for member in archive:
            if not member.isfile():
                continue
            data = archive.extractfile(member)
            if member.name == "manifest.json":
                raw = data.read()
                manifest = json.loads(raw)
                other += len(raw)
            elif member.name.endswith("layer.tar"):
                layer_sizes[member.name] = gzipped_size(data)
            else:
                other += member.size
    if manifest is None:
        sys.exit("compressed-size: no manifest.json in the input (not a `docker save` stream?)")
    layers = manifest[0]["Layers"]
    total = other + sum(layer_sizes.get(name, 0) for name in dict.fromkeys(layers))
    own = sum(layer_sizes.get(name, 0) for name in dict.fromkeys(layers[base_layers:])
              if name not in layers[:base_layers])
    print(total, own)


if __name__ == "__main__":
    main()
