#!/usr/bin/python3
"""Writes test/golden/torch-decoders.json: small PyTorch decoders of every rank exported with the
README's `export_decoder` (run as the README prints it), with PyTorch's output for a fixed input.

  vocoder_1d   ConvTranspose1d ×8 (k16 s8 p4) + BatchNorm1d + LeakyReLU(0.1), then ×2 grouped
               (k4 s2 p1 op1 g2) + Tanh, float16 weights
  generator_2d ConvTranspose2d k4 s1 from 1×1, BatchNorm2d + ReLU, then k3 s2 p1 op1 dilation 1
               + Sigmoid, no bias on the first layer before its batch-norm
  volume_3d    ConvTranspose3d k2 s2 + ReLU, then k3 s2 p1 op1 groups 2 + GELU

Each case holds the manifest, the weights file (base64), an input batch and the output PyTorch
computes in float64 from the exported float16 weights (what the engine must reproduce), plus the
largest difference between that and the original float32 model (what the export's rounding
costs; checked here to be small, so the export itself is checked too).

Run with Debian's python3-torch: /usr/bin/python3 scripts/torch_decoder_goldens.py
"""

import base64
import json
import os
import re
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..')


def readme_export():
    """The README's export_decoder, exactly as printed (the first python block after its heading)."""
    text = open(os.path.join(ROOT, 'README.md'), encoding='utf8').read()
    section = text[text.index('### 1. Export from PyTorch'):]
    code = re.search(r'```python\n(.*?)```', section, re.S).group(1)
    scope = {}
    exec(compile(code, 'README.md', 'exec'), scope)
    return scope['export_decoder']


def randomize(model, gen):
    """Random weights, biases and batch-norm statistics (the defaults would make the norms no-ops)."""
    with torch.no_grad():
        for m in model:
            if isinstance(m, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * 0.3)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
                n = m.num_features
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.2)
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
    return model.eval()


def half_tensor(weights, entry):
    data = weights[entry['offset']:entry['offset'] + 2 * torch.Size(entry['shape']).numel()]
    return torch.frombuffer(bytearray(data), dtype=torch.float16).double().reshape(entry['shape'])


def run_manifest(manifest, weights, x):
    """The exported decoder in float64: PyTorch's functional transposed convolution per layer."""
    conv = {'ConvTranspose1d': F.conv_transpose1d, 'ConvTranspose2d': F.conv_transpose2d,
            'ConvTranspose3d': F.conv_transpose3d}
    act = {None: lambda t: t, 'relu': F.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'gelu': F.gelu}
    for layer in manifest['layers']:
        a = layer['args']
        w = half_tensor(weights, layer['weight'])
        b = half_tensor(weights, layer['bias']) if layer.get('bias') else None
        x = conv[layer['module']](x, w, b, stride=a['stride'], padding=a['padding'],
                                  output_padding=a['output_padding'], groups=a['groups'], dilation=a['dilation'])
        if layer['activation'] == 'leakyRelu':
            x = F.leaky_relu(x, layer['leakyReluAlpha'])
        else:
            x = act[layer['activation']](x)
    return x


def models():
    yield 'vocoder_1d', (8, 6), 2, nn.Sequential(
        nn.ConvTranspose1d(8, 6, 16, stride=8, padding=4), nn.BatchNorm1d(6), nn.LeakyReLU(0.1),
        nn.ConvTranspose1d(6, 4, 4, stride=2, padding=1, output_padding=1, groups=2), nn.Tanh())
    yield 'generator_2d', (5, 1, 1), 2, nn.Sequential(
        nn.ConvTranspose2d(5, 6, 4, stride=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        nn.ConvTranspose2d(6, 3, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    yield 'volume_3d', (4, 3, 3, 2), 1, nn.Sequential(
        nn.ConvTranspose3d(4, 4, 2, stride=2), nn.ReLU(),
        nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2), nn.GELU())


def main():
    export_decoder = readme_export()
    gen = torch.Generator().manual_seed(2024)
    cases = []
    for name, item, batch, model in models():
        randomize(model, gen)
        with tempfile.TemporaryDirectory() as folder:
            export_decoder(model, item, folder)
            manifest = json.load(open(os.path.join(folder, 'manifest.json')))
            weights = open(os.path.join(folder, 'weights.bin'), 'rb').read()
        x = (torch.randint(-64, 65, (batch, *item), generator=gen) / 64).double()  # exact in float32
        out = run_manifest(manifest, weights, x)
        with torch.no_grad():
            original = model.double()(x)
        rounding = float((out - original).abs().max())
        assert rounding < 0.02, f'{name}: the export differs from the model by {rounding}'
        cases.append({
            'name': name,
            'manifest': manifest,
            'weights': base64.b64encode(weights).decode('ascii'),
            'inputShape': [batch, *item],
            'input': [float(v) for v in x.reshape(-1).tolist()],
            'outputShape': list(out.shape),
            'output': [float(v) for v in out.reshape(-1).tolist()],
            'exportRounding': rounding,
        })
        print(f'{name}: {list(x.shape)} → {list(out.shape)}, export vs model {rounding:.2e}')
    path = os.path.join(ROOT, 'test', 'golden', 'torch-decoders.json')
    with open(path, 'w') as fh:
        about = ('Small decoders of every rank exported with the README export_decoder, and PyTorch float64 output '
                 f'from the exported float16 weights (scripts/torch_decoder_goldens.py, torch {torch.__version__})')
        json.dump({'about': about, 'cases': cases}, fh)
        fh.write('\n')
    print('wrote', os.path.relpath(path, ROOT))


if __name__ == '__main__':
    main()
