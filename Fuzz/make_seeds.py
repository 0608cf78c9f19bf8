#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/corpus/ (checked in; rerun after changing this script).

Seeds are small, valid or nearly valid inputs that lead the fuzzer into each parser's branches: the
fuzzer mutates them. PNGs are written here with zlib, independently of the decoder under test."""
import json, os, shutil, struct, zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(ROOT)

def folder(name):
    path = os.path.join(ROOT, 'corpus', name)
    os.makedirs(path, exist_ok=True)
    return path

def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)

# --- PNG -------------------------------------------------------------------------------------------
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

SIG = b'\x89PNG\r\n\x1a\n'

def png(w, h, depth=16, color=0, interlace=0, filt=0, extra=b'', split=1, level=6, trailing=b''):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    rowbytes = (w * channels * depth + 7) // 8
    def rows(pw, ph):
        out = b''
        for y in range(ph):
            out += bytes([filt]) + bytes(((x * 7 + y * 13) & 0xff) for x in range((pw * channels * depth + 7) // 8))
        return out
    if interlace:
        raw = b''
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
            pw, ph = max(0, (w - x0 + dx - 1) // dx), max(0, (h - y0 + dy - 1) // dy)
            if pw and ph:
                raw += rows(pw, ph)
    else:
        raw = rows(w, h)
    stream = zlib.compress(raw, level) + trailing
    parts = [stream[i * len(stream) // split:(i + 1) * len(stream) // split] for i in range(split)]
    body = b''.join(chunk(b'IDAT', p) for p in parts)
    return SIG + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color, 0, 0, interlace)) + extra + body + chunk(b'IEND', b'')

pngs = folder('FuzzPNGDecode')
seeds = {
    'gray16.png': png(16, 8),
    'gray8.png': png(16, 8, depth=8),
    'gray16-sub.png': png(9, 5, filt=1),
    'gray16-up.png': png(9, 5, filt=2),
    'gray8-avg.png': png(9, 5, depth=8, filt=3),
    'gray8-paeth.png': png(9, 5, depth=8, filt=4),
    'gray16-split-idat.png': png(16, 8, split=3),
    'gray16-interlaced.png': png(13, 11, interlace=1),
    'gray1.png': png(17, 3, depth=1),
    'gray2.png': png(9, 3, depth=2),
    'gray4.png': png(9, 3, depth=4),
    'gray16-text.png': png(8, 8, extra=chunk(b'tEXt', b'Comment\x00radtriage')),
    'gray16-ztxt.png': png(8, 8, extra=chunk(b'zTXt', b'Comment\x00\x00' + zlib.compress(b'radtriage' * 4))),
    'gray16-gama-srgb.png': png(8, 8, extra=chunk(b'gAMA', struct.pack('>I', 45455)) + chunk(b'sRGB', b'\x00')),
    'gray16-phys.png': png(8, 8, extra=chunk(b'pHYs', struct.pack('>IIB', 2835, 2835, 1))),
    'rgb8.png': png(4, 4, depth=8, color=2),
    'palette.png': png(4, 4, depth=8, color=3, extra=chunk(b'PLTE', bytes(range(48)))),
    'gray16-trailing.png': png(4, 4, trailing=b'\x00' * 64),
    'gray16-level0.png': png(16, 8, level=0),
    'gray16-badtype.png': png(8, 8, extra=chunk(b'pHY\x00', b'\x00' * 9)),
}
good = png(16, 8)
seeds['truncated.png'] = good[:len(good) - 20]
seeds['bad-crc.png'] = good[:40] + bytes([good[40] ^ 1]) + good[41:]
seeds['huge-text-truncated.png'] = SIG + good[8:33] + struct.pack('>I', 0x7fffffff) + b'tEXtComment\x00hello'
seeds['huge-ihdr.png'] = SIG + chunk(b'IHDR', struct.pack('>IIBBBBB', 8192, 8192, 16, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b'\x00' * 16)) + chunk(b'IEND', b'')
for name, data in seeds.items():
    write(os.path.join(pngs, name), data)
shutil.copy(os.path.join(REPO, 'SampleData/S0001/PT/0030.png'), os.path.join(pngs, 'sample-pet.png'))

# --- Sidecar ---------------------------------------------------------------------------------------
sidecars = folder('FuzzSidecar')
sample = json.load(open(os.path.join(REPO, 'SampleData/S0001/study.json')))
sample['series'][0]['slices'] = sample['series'][0]['slices'][:3]
write(os.path.join(sidecars, 'sample.json'), json.dumps(sample, indent=1).encode())
minimal = {'schemaVersion': 1, 'studyId': 'S1', 'series': [{'folder': 'PT', 'modality': 'PT', 'pixelSpacingMm': [4, 4], 'sliceThicknessMm': 4}]}
write(os.path.join(sidecars, 'minimal.json'), json.dumps(minimal).encode())
ct = dict(minimal, series=[{'folder': 'CT', 'modality': 'CT', 'units': 'HU', 'rescaleSlope': 1, 'rescaleIntercept': -1024,
                            'pixelSpacingMm': [0.9, 0.9], 'sliceThicknessMm': 2.5, 'sliceSpacingMm': 2.5}])
write(os.path.join(sidecars, 'ct.json'), json.dumps(ct).encode())
hostile = dict(minimal, patientWeightKg='heavy', series=[dict(minimal['series'][0], sliceThicknessMm=1e-5, pixelSpacingMm=[1e200, 1e-300],
               slices=[{'file': '0001.png', 'rescaleIntercept': 1e308}, {'file': '../x.png'}])])
write(os.path.join(sidecars, 'hostile.json'), json.dumps(hostile).encode())
write(os.path.join(sidecars, 'deep.json'), b'[' * 600 + b']' * 600)
write(os.path.join(sidecars, 'bad-number.json'), b'{"schemaVersion": 1e999, "studyId": NaN}')

# --- Model -----------------------------------------------------------------------------------------
def safetensors(tensors):
    header, data = {}, b''
    for name, (shape, values) in tensors.items():
        blob = struct.pack('<%df' % len(values), *values)
        header[name] = {'dtype': 'F32', 'shape': shape, 'data_offsets': [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header).encode()
    return struct.pack('<Q', len(text)) + text + data

def model_seed(manifest, weights):
    text = json.dumps(manifest, separators=(',', ':')).encode()
    assert len(text) < 65536
    return struct.pack('<H', len(text)) + text + weights

models = folder('FuzzModelLoader')
tiny = {'formatVersion': 1, 'name': 'tiny', 'version': '1', 'input': {'modality': 'PT', 'units': 'SUV', 'height': 8, 'width': 8,
        'clipMin': 0, 'clipMax': 20, 'scale': 0.1, 'offset': 0},
        'layers': [{'type': 'conv2d', 'inChannels': 1, 'outChannels': 2, 'kernel': [3, 3], 'stride': [1, 1], 'padding': [1, 1], 'weight': 'c.w', 'bias': 'c.b'},
                   {'type': 'relu'}, {'type': 'maxPool2d', 'kernel': [2, 2]}, {'type': 'globalAvgPool'},
                   {'type': 'dense', 'inFeatures': 2, 'outFeatures': 1, 'weight': 'd.w', 'bias': 'd.b'}],
        'aggregation': {'method': 'topKMeanLogit', 'k': 2}, 'weights': {'file': 'weights.safetensors', 'sha256': '0' * 64}}
tiny_weights = safetensors({'c.w': ([2, 1, 3, 3], [0.1] * 18), 'c.b': ([2], [0.0, 0.1]), 'd.w': ([1, 2], [1.0, -1.0]), 'd.b': ([1], [0.5])})
write(os.path.join(models, 'tiny.bin'), model_seed(tiny, tiny_weights))
default = json.load(open(os.path.join(REPO, 'Models/pet-default/manifest.json')))
write(os.path.join(models, 'pet-default.bin'), model_seed(default, open(os.path.join(REPO, 'Models/pet-default/weights.safetensors'), 'rb').read()))
padded = json.loads(json.dumps(tiny))
padded['layers'][0]['padding'] = [100000, 100000]
write(os.path.join(models, 'huge-padding.bin'), model_seed(padded, tiny_weights))
write(os.path.join(models, 'overflow-shape.bin'), model_seed(tiny, struct.pack('<Q', 80) + b'{"c.w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}'.ljust(80) + b'\x00' * 4))

# --- Configuration ---------------------------------------------------------------------------------
configs = folder('FuzzConfiguration')
shutil.copy(os.path.join(REPO, 'Docs/radtriage.example.yaml'), os.path.join(configs, 'example.yaml'))
write(os.path.join(configs, 'weights.yaml'), b'weights:\n  modelProbability: 40\n  priority: 30\n  waiting: 15\n  deadline: 15\n')
write(os.path.join(configs, 'aliases.yaml'), b'defaults: &d {urgency: 0.5, maxWaitHours: 24}\npriorities:\n  urgent: *d\n  stat:\n    <<: *d\n    maxWaitHours: 4\n')
write(os.path.join(configs, 'alias-keys.yaml'), b'a0: &a0 [x, y]\na1: &a1 {? *a0 : 1, *a0 : 2}\nweights: {modelProbability: 40}\n')
write(os.path.join(configs, 'flow.yaml'), b'pools: [{name: north, sites: [a, b]}, {name: south, centres: ["lung"]}]\n')
