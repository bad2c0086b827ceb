#!/usr/bin/python3
"""Trains a small glyph decoder and exports it for webgpu-deconv (see "Port a PyTorch decoder" in the README).

  /usr/bin/python3 scripts/train_glyphs.py                  # the shipped model: ~40 CPU-minutes (2 threads)
  /usr/bin/python3 scripts/train_glyphs.py --steps 100 --out /tmp/glyphs   # a quick trial

Data: A–Z, a–z and 0–9 rendered at 64×64 from the fonts Debian ships (the packages are
installed with apt-get when missing), each font scaled to one cap height on one baseline.
Whole families are held out for evaluation.

Model: a variational encoder takes a few glyphs of one font and gives a style latent z;
the decoder maps [z, one-hot(character)] (as a 1×1 image) to the glyph through
ConvTranspose2d layers only: 4×4 → 8 → 16 → 32 → 64, batch-norm and leaky ReLU after each
hidden layer, sigmoid at the end. For inference the batch-norm is folded into each layer's
weight and bias, so every layer is one `engine.createConvTranspose2d` with a fused activation.

Writes to --out (default demo/public/glyphs/):
  weights.bin    every layer's weight then bias, float16 little-endian, in manifest order
  manifest.json  the layers: nn.ConvTranspose2d arguments, activation, byte offsets, shapes
  styles.json    character set, latent size, and each font's style latent (mean of the encoder)
  goldens.json   decoder outputs for fixed latents and characters, computed by PyTorch in
                 float64 from the float16 weights (the engine's only difference is float32)

Prints the held-out fonts' quality (IoU of the ink at 0.5 and per-pixel MSE) beside the
baseline of the training fonts' mean glyph per character.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
SIZE = 64
Z_DIM = 32
CHANNELS = [Z_DIM + len(CHARSET), 160, 96, 48, 24, 1]
LEAKY_SLOPE = 0.2

# Font families: (Debian package, file globs under /usr/share/fonts). Families of one design
# (Liberation Sans and Nimbus Sans, both Helvetica-metric) stay on the same side of the split.
FAMILIES = {
    'DejaVu Sans': ('fonts-dejavu-core', ['truetype/dejavu/DejaVuSans*.ttf']),
    'DejaVu Serif': ('fonts-dejavu-core', ['truetype/dejavu/DejaVuSerif*.ttf']),
    'Liberation': ('fonts-liberation', ['truetype/liberation/Liberation*.ttf']),
    'FreeFont': ('fonts-freefont-ttf', ['truetype/freefont/Free*.ttf']),
    'URW Nimbus': ('fonts-urw-base35', ['opentype/urw-base35/Nimbus*.otf']),
    'URW Bookman': ('fonts-urw-base35', ['opentype/urw-base35/URWBookman-*.otf']),
    'URW Gothic': ('fonts-urw-base35', ['opentype/urw-base35/URWGothic-*.otf']),
    'C059': ('fonts-urw-base35', ['opentype/urw-base35/C059-*.otf']),
    'P052': ('fonts-urw-base35', ['opentype/urw-base35/P052-*.otf']),
    'Z003': ('fonts-urw-base35', ['opentype/urw-base35/Z003-*.otf']),
    'Carlito': ('fonts-crosextra-carlito', ['truetype/crosextra/Carlito-*.ttf']),
    'Caladea': ('fonts-crosextra-caladea', ['truetype/crosextra/Caladea-*.ttf']),
    'EB Garamond': ('fonts-ebgaramond', ['opentype/ebgaramond/EBGaramond12-*.otf']),
    'Linux Libertine': ('fonts-linuxlibertine', ['opentype/linux-libertine/LinLibertine_*.otf']),
    'Linux Biolinum': ('fonts-linuxlibertine', ['opentype/linux-libertine/LinBiolinum_*.otf']),
    'Cantarell': ('fonts-cantarell', ['opentype/cantarell/Cantarell-*.otf']),
    'Open Sans': ('fonts-open-sans', ['truetype/open-sans/OpenSans-*.ttf']),
    'Lato': ('fonts-lato', ['truetype/lato/Lato-*.ttf']),
    'Inconsolata': ('fonts-inconsolata', ['truetype/inconsolata/Inconsolata.otf']),
    'Go': ('fonts-go', ['fonts-go/Go-*.ttf']),
    'Comic Neue': ('fonts-comic-neue', ['opentype/comic-neue/ComicNeue-*.otf']),
    'Hack': ('fonts-hack', ['truetype/hack/Hack-*.ttf']),
    'Roboto': ('fonts-roboto-unhinted', ['truetype/roboto/unhinted/RobotoTTF/Roboto-*.ttf',
                                          'truetype/roboto/unhinted/RobotoCondensed-*.ttf']),
}
# Not letters in the usual shapes: small caps, a keyboard-key font, decorative initials.
EXCLUDED = ['Go-Smallcaps', 'LinBiolinum_K', 'LinLibertine_I.']
# Held out for evaluation: designs with no close relative among the training families.
HELD_OUT = ['P052', 'Caladea', 'Cantarell', 'Go', 'Comic Neue', 'Inconsolata']


def log(*args):
    print(*args, flush=True)


# ------------------------------------------------------------------------ fonts and data


def ensure_fonts():
    """apt-get installs the font packages that are missing (root, or passwordless sudo)."""
    missing = sorted({pkg for pkg, globs in FAMILIES.values() if not font_files(globs)})
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ['sudo', '-n']
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    log('installing font packages:', ' '.join(missing))
    try:
        subprocess.run(sudo + ['apt-get', 'update', '-qq'], check=True, env=env)
        subprocess.run(sudo + ['apt-get', 'install', '-y', '-qq', '--no-install-recommends'] + missing,
                       check=True, env=env)
    except (OSError, subprocess.CalledProcessError):
        sys.exit('could not install ' + ' '.join(missing) + '; run: sudo apt-get install -y ' + ' '.join(missing))


def font_files(globs):
    files = (f for g in globs for f in glob.glob(os.path.join('/usr/share/fonts', g)))
    return sorted(f for f in files if not any(x in os.path.basename(f) for x in EXCLUDED))


def ink(font, ch):
    img = Image.new('L', (128, 128), 0)
    ImageDraw.Draw(img).text((32, 96), ch, fill=255, font=font, anchor='ls')
    return np.asarray(img)


def covers_charset(path):
    """False when any character renders as the font's missing-glyph box (or not at all)."""
    font = ImageFont.truetype(path, 48)
    notdef = ink(font, '\ue000')
    for ch in CHARSET:
        glyph = ink(font, ch)
        if not glyph.any() or np.array_equal(glyph, notdef):
            return False
    return True


def render_font(path):
    """The charset of one font as [len(CHARSET), SIZE, SIZE] floats in [0, 1] (ink = 1), or None.

    Every glyph sits on one baseline at one scale (cap height about 34 px), so case and
    proportions stay (o and O differ in size only); each is centred horizontally on its ink.
    """
    if not covers_charset(path):
        return None
    probe = ImageFont.truetype(path, 200)
    boxes = [probe.getbbox(ch, anchor='ls') for ch in CHARSET]
    cap = -probe.getbbox('H', anchor='ls')[1]
    top = -min(b[1] for b in boxes)
    bottom = max(b[3] for b in boxes)
    width = max(b[2] - b[0] for b in boxes)
    # Baseline at y = 46: 12 px above the caps for ascenders, 18 px below for descenders.
    scale = min(34 / cap, 44 / top, 17 / max(bottom, 1), 62 / width)
    font = ImageFont.truetype(path, max(8, round(200 * scale)))
    glyphs = np.zeros((len(CHARSET), SIZE, SIZE), dtype=np.float32)
    for i, ch in enumerate(CHARSET):
        img = Image.new('L', (SIZE * 2, SIZE), 0)
        draw = ImageDraw.Draw(img)
        x0, _, x1, _ = font.getbbox(ch, anchor='ls')
        draw.text((SIZE - (x0 + x1) / 2, 46), ch, fill=255, font=font, anchor='ls')
        glyphs[i] = np.asarray(img, dtype=np.float32)[:, SIZE // 2:SIZE // 2 + SIZE] / 255
    return glyphs


def load_fonts():
    fonts = []
    for family, (_, globs) in FAMILIES.items():
        for path in font_files(globs):
            glyphs = render_font(path)
            if glyphs is None:
                log(f'  skipped {os.path.basename(path)}: it lacks some of the characters')
                continue
            fonts.append({'name': os.path.splitext(os.path.basename(path))[0], 'family': family,
                          'heldOut': family in HELD_OUT, 'glyphs': glyphs})
    return fonts


def contact_sheet(fonts, path, chars='AaGgRQ5'):
    rows = [np.concatenate([f['glyphs'][CHARSET.index(c)] for c in chars], axis=1) for f in fonts]
    Image.fromarray((255 - np.concatenate(rows, axis=0) * 255).astype(np.uint8)).save(path)


# ------------------------------------------------------------------------ model

NC = len(CHARSET)


def one_hot(chars):
    return F.one_hot(chars, NC).float()


class Encoder(nn.Module):
    """Glyphs of one font (any number) → mean and log-variance of its style latent."""

    def __init__(self):
        super().__init__()

        def down(cin, cout, norm=True):
            return [nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm)] + ([nn.BatchNorm2d(cout)] if norm else []) + [
                nn.LeakyReLU(LEAKY_SLOPE)]

        self.features = nn.Sequential(*down(1, 32, norm=False), *down(32, 64), *down(64, 96), *down(96, 128),
                                      nn.Flatten())
        self.glyph = nn.Sequential(nn.Linear(128 * 4 * 4 + NC, 256), nn.LeakyReLU(LEAKY_SLOPE))
        self.head = nn.Linear(256, 2 * Z_DIM)

    def forward(self, glyphs, chars):
        """glyphs [B, K, SIZE, SIZE], chars [B, K] → mu, logvar [B, Z_DIM]: the mean over a font's K glyphs."""
        b, k = chars.shape
        h = self.features(glyphs.reshape(b * k, 1, SIZE, SIZE))
        h = self.glyph(torch.cat([h, one_hot(chars.reshape(-1))], 1)).reshape(b, k, -1).mean(1)
        mu, logvar = self.head(h).chunk(2, 1)
        return mu, logvar


# This PyTorch build (generic BLAS) runs conv_transpose2d about 10× slower than the oneDNN
# conv2d, so training computes the decoder's layers as exact rewrites into fast operations;
# check_rewrite compares them with nn.ConvTranspose2d, and evaluation and goldens use the latter.
PHASE_TAPS = torch.tensor([[4, 2, 0], [5, 3, 1]])


def conv_transpose(x, w, stride, padding):
    """F.conv_transpose2d(x, w, stride=stride, padding=padding) for the decoder's two geometries."""
    n, cin, h, _ = x.shape
    cout, k = w.shape[1], w.shape[2]
    if h == 1 and x.shape[3] == 1 and tuple(stride) == (1, 1) and tuple(padding) == (0, 0):
        # A 1×1 input: each output pixel is one tap, so the layer is a matrix product.
        return (x.flatten(1) @ w.flatten(1)).view(n, cout, k, k)
    assert w.shape[2:] == (4, 4) and tuple(stride) == (2, 2) and tuple(padding) == (1, 1)
    # k4 s2 p1: output pixel 2a + p (phase p) takes input a + d through tap p + 1 − 2d (d = −1, 0, 1),
    # so the 4 phases are one 3×3 conv2d with 4 × out_channels channels, interleaved by
    # pixel_shuffle. PHASE_TAPS[p][d + 1] is that tap + 1 in the weight padded by 1 (taps −1 and 4
    # hit the zero padding).
    w = F.pad(w, (1, 1, 1, 1))[:, :, PHASE_TAPS][..., PHASE_TAPS]  # [in, out, py, dy, px, dx]
    w = w.permute(1, 2, 4, 0, 3, 5).reshape(4 * cout, cin, 3, 3)
    return F.pixel_shuffle(F.conv2d(x, w, padding=1), 2)


class Decoder(nn.Module):
    """[z, one-hot(char)] as a 1×1 image → glyph logits, through ConvTranspose2d layers only."""

    def __init__(self):
        super().__init__()
        layers = []
        for i in range(len(CHANNELS) - 1):
            first, last = i == 0, i == len(CHANNELS) - 2
            layers.append(nn.ConvTranspose2d(CHANNELS[i], CHANNELS[i + 1], 4, 1 if first else 2, 0 if first else 1,
                                             bias=last))
            if not last:
                layers += [nn.BatchNorm2d(CHANNELS[i + 1]), nn.LeakyReLU(LEAKY_SLOPE)]
        self.net = nn.Sequential(*layers)

    def forward(self, z, chars):
        x = torch.cat([z, one_hot(chars)], 1)[:, :, None, None]
        for m in self.net:
            if isinstance(m, nn.ConvTranspose2d):
                x = conv_transpose(x, m.weight, m.stride, m.padding)
                x = x if m.bias is None else x + m.bias[:, None, None]
            else:
                x = m(x)
        return x[:, 0]


def folded_layers(decoder):
    """The decoder for inference: each ConvTranspose2d with its batch-norm folded into weight and bias."""
    mods = list(decoder.net)
    out = []
    for i, m in enumerate(mods):
        if not isinstance(m, nn.ConvTranspose2d):
            continue
        w = m.weight.detach().double()  # [in, out, kH, kW]
        b = m.bias.detach().double() if m.bias is not None else torch.zeros(m.out_channels, dtype=torch.float64)
        bn = mods[i + 1] if i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm2d) else None
        if bn is not None:
            scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
            w = w * scale[None, :, None, None]
            b = (b - bn.running_mean.double()) * scale + bn.bias.detach().double()
        out.append({
            'name': f'net.{i}' + (f'+net.{i + 1}' if bn is not None else ''),
            'module': m,
            'weight': w.float(),
            'bias': b.float(),
            'activation': 'leakyRelu' if bn is not None else 'sigmoid',
        })
    return out


def run_folded(layers, x, dtype, reference=False):
    """The exported decoder (float16-rounded weights) in `dtype`; x [N, C, 1, 1] → glyphs [N, SIZE, SIZE] in (0, 1).
    reference: with F.conv_transpose2d itself (slow here) instead of the rewrite."""
    x = x.to(dtype)
    for layer in layers:
        m = layer['module']
        w = layer['weight'].half().to(dtype)
        b = layer['bias'].half().to(dtype)
        if reference:
            x = F.conv_transpose2d(x, w, b, stride=m.stride, padding=m.padding, output_padding=m.output_padding,
                                   groups=m.groups, dilation=m.dilation)
        else:
            x = conv_transpose(x, w, m.stride, m.padding) + b[:, None, None]
        x = F.leaky_relu(x, LEAKY_SLOPE) if layer['activation'] == 'leakyRelu' else torch.sigmoid(x)
    return x[:, 0]


def decoder_input(z, chars):
    return torch.cat([z, one_hot(chars).to(z.dtype)], 1)[:, :, None, None]


# ------------------------------------------------------------------------ training


def check_rewrite(dec):
    """The training decoder's layers compute what nn.ConvTranspose2d computes."""
    z, chars = torch.randn(3, Z_DIM), torch.tensor([0, 30, 61])
    dec.eval()
    with torch.no_grad():
        x = torch.cat([z, one_hot(chars)], 1)[:, :, None, None]
        assert torch.allclose(dec(z, chars), dec.net(x)[:, 0], atol=1e-4), 'the rewritten ConvTranspose2d differs'
    dec.train()


def train(train_glyphs, steps, batch_fonts, targets, seed):
    """train_glyphs [fonts, NC, SIZE, SIZE]. Each step: for each of `batch_fonts` fonts, encode 1–8 of its
    glyphs into one latent and decode `targets` characters of that font from it."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    enc, dec = Encoder(), Decoder()
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.05)
    check_rewrite(dec)
    n_fonts = train_glyphs.shape[0]
    t0, c0 = time.time(), time.process_time()
    for step in range(1, steps + 1):
        fonts = torch.randint(n_fonts, (batch_fonts,), generator=gen)
        k = int(torch.randint(1, 9, (1,), generator=gen))
        order = torch.argsort(torch.rand(batch_fonts, NC, generator=gen), 1)
        ctx, tgt = order[:, :k], order[:, -targets:] if targets < NC else order
        mu, logvar = enc(train_glyphs[fonts[:, None], ctx], ctx)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        z = z[:, None].expand(-1, tgt.shape[1], -1).reshape(-1, Z_DIM)
        logits = dec(z, tgt.reshape(-1))
        truth = train_glyphs[fonts[:, None], tgt].reshape(-1, SIZE, SIZE)
        recon = F.binary_cross_entropy_with_logits(logits, truth, reduction='sum') / logits.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp()) / logits.shape[0]
        loss = recon + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps:
            log(f'  step {step}/{steps}: reconstruction {recon.item():.1f} KL {kl.item() * tgt.shape[1]:.1f} '
                f'(per font); {time.time() - t0:.0f} s, CPU {time.process_time() - c0:.0f} s')
    enc.eval()
    dec.eval()
    return enc, dec


# ------------------------------------------------------------------------ evaluation


def iou(pred, truth):
    """Mean over glyphs of |ink ∩| / |ink ∪| with ink = value > 0.5 (1 when both are empty)."""
    p, t = pred > 0.5, truth > 0.5
    inter = (p & t).flatten(1).sum(1).double()
    union = (p | t).flatten(1).sum(1).double()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union)).mean().item()


def mse(pred, truth):
    return ((pred - truth) ** 2).mean().item()


def encode(enc, glyphs, chars):
    """The style latent (mean) of one font from some of its glyphs [NC, SIZE, SIZE]."""
    with torch.no_grad():
        return enc(glyphs[chars][None], chars[None])[0][0]


def decode_font(layers, z, chars):
    with torch.no_grad():
        return run_folded(layers, decoder_input(z[None].expand(len(chars), -1), chars), torch.float32)


FEW_SHOT = 'Hamburg'


def evaluate(enc, layers, fonts, train_glyphs, mean_glyphs):
    """Quality on some fonts: the whole font encoded and decoded, and the other characters decoded from
    the style of the 7 glyphs in FEW_SHOT, beside two baselines that ignore or copy styles."""
    everything = torch.arange(NC)
    shot = torch.tensor([CHARSET.index(c) for c in FEW_SHOT])
    rest = torch.tensor([i for i in range(NC) if i not in shot.tolist()])
    rows = {k: [] for k in ('all', 'few', 'mean', 'mean_rest', 'nearest')}
    for f in fonts:
        g = torch.from_numpy(f['glyphs'])
        rows['all'].append((decode_font(layers, encode(enc, g, everything), everything), g))
        rows['few'].append((decode_font(layers, encode(enc, g, shot), rest), g[rest]))
        rows['mean'].append((mean_glyphs, g))
        rows['mean_rest'].append((mean_glyphs[rest], g[rest]))
        # The training font whose FEW_SHOT glyphs are closest, copied for the other characters.
        nearest = ((train_glyphs[:, shot] - g[shot]) ** 2).flatten(1).sum(1).argmin()
        rows['nearest'].append((train_glyphs[nearest][rest], g[rest]))
    result = {}
    for k, pairs in rows.items():
        pred = torch.cat([p for p, _ in pairs])
        truth = torch.cat([t for _, t in pairs])
        result[k] = {'iou': iou(pred, truth), 'mse': mse(pred, truth)}
    return result


def report(title, r, keys):
    log(title)
    log('  | what | IoU of ink (> 0.5) | MSE per pixel |')
    log('  | --- | ---: | ---: |')
    lines = [
        ('decoder: each font encoded from all 62 glyphs, all decoded', 'all'),
        ('baseline: mean glyph of the training fonts, all 62', 'mean'),
        (f'decoder: style from the 7 glyphs "{FEW_SHOT}", the other 55 decoded', 'few'),
        ('baseline: mean glyph of the training fonts, those 55', 'mean_rest'),
        (f'baseline: the training font closest on "{FEW_SHOT}", those 55', 'nearest'),
    ]
    for text, key in lines:
        if key in keys:
            log(f'  | {text} | {r[key]["iou"]:.3f} | {r[key]["mse"]:.4f} |')


# ------------------------------------------------------------------------ export


def export(out, layers, fonts, enc, seed):
    os.makedirs(out, exist_ok=True)
    blobs, entries, offset = [], [], 0

    def tensor(t):
        nonlocal offset
        data = t.half().numpy().astype('<f2').tobytes()
        entry = {'dtype': 'float16', 'offset': offset, 'shape': list(t.shape)}
        blobs.append(data)
        offset += len(data)
        return entry

    for layer in layers:
        m = layer['module']
        entry = {
            'name': layer['name'],
            'module': 'ConvTranspose2d',
            'args': {
                'in_channels': m.in_channels,
                'out_channels': m.out_channels,
                'kernel_size': list(m.kernel_size),
                'stride': list(m.stride),
                'padding': list(m.padding),
                'output_padding': list(m.output_padding),
                'groups': m.groups,
                'bias': True,
                'dilation': list(m.dilation),
            },
            'activation': layer['activation'],
        }
        if layer['activation'] == 'leakyRelu':
            entry['leakyReluAlpha'] = LEAKY_SLOPE
        entry['weight'] = tensor(layer['weight'])
        entry['bias'] = tensor(layer['bias'])
        entries.append(entry)
    weights = b''.join(blobs)
    with open(os.path.join(out, 'weights.bin'), 'wb') as fh:
        fh.write(weights)
    manifest = {
        'about': f'A glyph decoder trained by scripts/train_glyphs.py; batch-norm folded into each layer. '
                 f'Input [N, {CHANNELS[0]}, 1, 1]: channels 0-{Z_DIM - 1} the style latent, {Z_DIM}-{CHANNELS[0] - 1} '
                 f'the one-hot character (styles.json). Output: ink in (0, 1).',
        'weights': {'file': 'weights.bin', 'byteLength': len(weights)},
        'input': [CHANNELS[0], 1, 1],
        'output': [1, SIZE, SIZE],
        'layers': entries,
    }
    write_json(os.path.join(out, 'manifest.json'), manifest, indent=2)

    everything = torch.arange(NC)
    styles = []
    for f in fonts:
        z = encode(enc, torch.from_numpy(f['glyphs']), everything)
        styles.append({'name': f['name'], 'family': f['family'], 'heldOut': f['heldOut'],
                       'latent': [round(float(v), 5) for v in z]})
    write_json(os.path.join(out, 'styles.json'), {
        'about': 'Style latents of scripts/train_glyphs.py: each font encoded from all its glyphs (the mean of '
                 'the encoder). Decoder input = [latent (zDim), one-hot of the character in charset]. '
                 'Random styles: latents drawn from N(0, 1).',
        'charset': CHARSET, 'zDim': Z_DIM, 'size': SIZE, 'fonts': styles})

    # Goldens: fixed latents and characters, decoded by PyTorch in float64 from the float16 weights.
    by_name = {s['name']: torch.tensor(s['latent'], dtype=torch.float32) for s in styles}
    gen = torch.Generator().manual_seed(seed + 1)
    cases = [
        ('Go-Regular', by_name['Go-Regular'], 'G'),
        ('P052-Roman', by_name['P052-Roman'], 'g'),
        ('random N(0, 1)', torch.randn(Z_DIM, generator=gen), 'R'),
        ('halfway DejaVuSans / ComicNeue-Bold', (by_name['DejaVuSans'] + by_name['ComicNeue-Bold']) / 2, '5'),
    ]
    z = torch.stack([c[1] for c in cases]).float()
    chars = torch.tensor([CHARSET.index(c[2]) for c in cases])
    x = decoder_input(z, chars).float()  # the float32 values the engine gets
    with torch.no_grad():
        y = run_folded(layers, x.double(), torch.float64, reference=True)
        fast = run_folded(layers, x.double(), torch.float64)
    # Also checks the rewrite the evaluation used.
    assert torch.allclose(y, fast, atol=1e-12), 'the rewritten decoder differs from F.conv_transpose2d'
    write_json(os.path.join(out, 'goldens.json'), {
        'about': 'Decoder outputs computed by PyTorch in float64 from the float16 weights of weights.bin '
                 '(scripts/train_glyphs.py). Flat arrays in row-major (NCHW) order.',
        'cases': [f'{c[0]}: {c[2]!r}' for c in cases],
        'inputShape': list(x.shape),
        'input': [float(v) for v in x.flatten()],
        'outputShape': [len(cases), 1, SIZE, SIZE],
        'expected': [round(float(v), 9) for v in y.flatten()],
    })
    return len(weights)


def write_json(path, obj, indent=None):
    text = json.dumps(obj, indent=indent, separators=None if indent else (',', ':'))
    if indent:  # lists of numbers on one line
        text = re.sub(r'\[[-0-9.,\s]*\]', lambda m: re.sub(r'\s+', ' ', m.group(0)).replace('[ ', '[').replace(' ]', ']'),
                      text)
    with open(path, 'w') as fh:
        fh.write(text + '\n')


def preview(path, layers, fonts, enc):
    """PNG: for each held-out font, its real glyphs above the decoder's."""
    everything = torch.arange(NC)
    shown = [CHARSET.index(c) for c in 'AaBbGgQRfk5']
    rows = []
    for f in fonts:
        g = torch.from_numpy(f['glyphs'])
        y = decode_font(layers, encode(enc, g, everything), everything)
        rows.append(torch.cat([g[i] for i in shown], 1))
        rows.append(torch.cat([y[i] for i in shown], 1))
    Image.fromarray((255 - torch.cat(rows, 0).numpy() * 255).astype(np.uint8)).save(path)


# ------------------------------------------------------------------------ main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--steps', type=int, default=1200, help='training steps (default 1200)')
    parser.add_argument('--threads', type=int, default=2, help='torch threads (default 2)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=os.path.join(ROOT, 'demo', 'public', 'glyphs'), help='output folder')
    parser.add_argument('--preview', help='also write a PNG of held-out fonts: real glyphs above decoded ones')
    parser.add_argument('--sheet', help='write a contact sheet of the rendered fonts (PNG) and stop')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ensure_fonts()
    t0 = time.time()
    fonts = load_fonts()
    train_fonts = [f for f in fonts if not f['heldOut']]
    held_out = [f for f in fonts if f['heldOut']]
    log(f'{len(fonts)} fonts rendered in {time.time() - t0:.1f} s: {len(train_fonts)} for training, '
        f'{len(held_out)} held out ({", ".join(HELD_OUT)})')
    if args.sheet:
        contact_sheet(fonts, args.sheet)
        return
    train_glyphs = torch.from_numpy(np.stack([f['glyphs'] for f in train_fonts]))
    t1, c1 = time.time(), time.process_time()
    enc, dec = train(train_glyphs, args.steps, batch_fonts=12, targets=12, seed=args.seed)
    log(f'trained {args.steps} steps in {(time.time() - t1) / 60:.1f} min with {args.threads} threads '
        f'(CPU time {(time.process_time() - c1) / 60:.1f} min, all threads together)')
    layers = folded_layers(dec)
    mean_glyphs = train_glyphs.mean(0)
    report(f'held-out fonts ({len(held_out)} fonts of {len(HELD_OUT)} families), float16 weights:',
           evaluate(enc, layers, held_out, train_glyphs, mean_glyphs), ('all', 'mean', 'few', 'mean_rest', 'nearest'))
    report(f'every 5th training font ({len(train_fonts[::5])}), for comparison:',
           evaluate(enc, layers, train_fonts[::5], train_glyphs, mean_glyphs), ('all', 'few'))
    size = export(args.out, layers, fonts, enc, args.seed)
    log(f'wrote {args.out}: weights.bin {size} bytes (float16), manifest.json, styles.json, goldens.json')
    if args.preview:
        preview(args.preview, layers, held_out, enc)
    log(f'total {(time.time() - t0) / 60:.1f} min (CPU time {time.process_time() / 60:.1f} min)')


if __name__ == '__main__':
    main()
