#!/usr/bin/python3
"""Writes the PyTorch golden files the tests read (see test/golden/README.md).

  test/golden/torch.json     randomized nn.ConvTranspose2d geometries (groups, dilation,
                             output_padding, forward(x, output_size), batch, bias)
  test/golden/cases.json     named 2-D cases in the library's canonical options
  test/golden/torch-nd.json  nn.ConvTranspose1d/3d: named decoder layers and randomized
                             geometries, as torch.json
  test/golden/cases-nd.json  named 1-D and 3-D cases in the canonical options, as cases.json

Run with Debian's python3-torch: /usr/bin/python3 scripts/torch_goldens.py
Inputs are multiples of 1/64 (exact in float32); PyTorch computes in float64.
"""

import json
import os
import random

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'golden')


def dyadic(rng, shape, scale=1):
    """Values k/64·scale, k in [-64, 64]: exact in float32."""
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([rng.randint(-64, 64) / 64 * scale for _ in range(n)], dtype=torch.float64).reshape(shape)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def pair_name(a, b):
    return str(a) if a == b else f'{a}x{b}'


# ---------------------------------------------------------------- torch.json


def random_torch_case(rng, index):
    groups = rng.choice([1, 1, 2, 3])
    in_c = groups * rng.randint(1, 2)
    out_c = groups * rng.randint(1, 2)
    k = (rng.randint(1, 4), rng.randint(1, 4))
    stride = (rng.randint(1, 3), rng.randint(1, 3))
    dilation = (rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2]))
    size = (rng.randint(1, 4), rng.randint(1, 4))
    batch = rng.randint(1, 2)
    full = [(size[i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 for i in range(2)]
    # Keep at least one output row after cropping 2·padding.
    padding = tuple(rng.randint(0, (full[i] - 1) // 2) for i in range(2))
    output_padding = tuple(rng.randint(0, max(stride[i], dilation[i]) - 1) for i in range(2))
    bias = rng.random() < 0.5
    use_output_size = rng.random() < 0.3
    m = torch.nn.ConvTranspose2d(in_c, out_c, k, stride=stride, padding=padding, output_padding=output_padding,
                                 groups=groups, bias=bias, dilation=dilation).double()
    x = dyadic(rng, (batch, in_c) + size)
    with torch.no_grad():
        m.weight.copy_(dyadic(rng, tuple(m.weight.shape)))
        if bias:
            m.bias.copy_(dyadic(rng, (out_c,)))
        output_size = None
        if use_output_size:
            mins = [full[i] - 2 * padding[i] for i in range(2)]
            output_size = [rng.randint(mins[i], mins[i] + stride[i] - 1) for i in range(2)]
            y = m(x, output_size=output_size)
        else:
            y = m(x)
    params = {
        'inChannels': in_c,
        'outChannels': out_c,
        'kernelSize': list(k),
        'stride': list(stride),
        'padding': list(padding),
        'outputPadding': list(output_padding),
        'groups': groups,
        'bias': bias,
        'dilation': list(dilation),
    }
    if output_size is not None:
        params['outputSize'] = output_size
    name = (f'k{pair_name(*k)}_s{pair_name(*stride)}_p{pair_name(*padding)}'
            + (f'_os{pair_name(*output_size)}' if output_size else f'_op{pair_name(*output_padding)}')
            + f'_d{pair_name(*dilation)}_g{groups}_n{batch}' + ('_bias' if bias else '') + f'_{index}')
    return {
        'name': name,
        'params': params,
        'inputShape': list(x.shape),
        'weightShape': list(m.weight.shape),
        'input': flat(x),
        'weight': flat(m.weight),
        'bias': flat(m.bias) if bias else None,
        'outputShape': list(y.shape),
        'expected': flat(y),
    }


# ---------------------------------------------------------------- cases.json

ACTIVATIONS = {
    'relu': lambda y, a: F.relu(y),
    'relu6': lambda y, a: F.relu6(y),
    'leakyRelu': lambda y, a: F.leaky_relu(y, a),
    'sigmoid': lambda y, a: torch.sigmoid(y),
    'tanh': lambda y, a: torch.tanh(y),
    'gelu': lambda y, a: F.gelu(y),  # exact (erf) form
}


def to_iohw(w, layout):
    if layout == 'iohw':
        return w
    if layout == 'hwoi':  # [kH, kW, out/g, in]
        return w.permute(3, 2, 0, 1)
    if layout == 'ohwi':  # [out/g, kH, kW, in]
        return w.permute(3, 0, 1, 2)
    raise ValueError(layout)


def canonical_case(rng, name, n, c, h, w, out_per_group, kh, kw, options, scale=1):
    """Computes one canonical case with PyTorch (float64) and returns its JSON entry."""
    o = dict(options)
    layout = o.get('inputLayout', 'nchw')
    f_layout = o.get('filterLayout', 'iohw')
    groups = o.get('groups', 1)
    sh, sw = o.get('strides', [1, 1])
    dh, dw = o.get('dilations', [1, 1])
    pt, pb, pl, pr = o.get('padding', [0, 0, 0, 0])
    full = [(h - 1) * sh + dh * (kh - 1) + 1, (w - 1) * sw + dw * (kw - 1) + 1]
    mins = [full[0] - pt - pb, full[1] - pl - pr]
    if 'outputSizes' in o:
        out = list(o['outputSizes'])
    else:
        op = o.get('outputPadding', [0, 0])
        out = [mins[0] + op[0], mins[1] + op[1]]
    assert out[0] - mins[0] < max(sh, dh) and out[1] - mins[1] < max(sw, dw), name

    input_shape = [n, c, h, w] if layout == 'nchw' else [n, h, w, c]
    logical = [c, out_per_group, kh, kw]
    filter_shape = {
        'iohw': logical,
        'hwoi': [kh, kw, out_per_group, c],
        'ohwi': [out_per_group, kh, kw, c],
    }[f_layout]
    x = dyadic(rng, input_shape, scale)
    wt = dyadic(rng, filter_shape)
    out_c = out_per_group * groups
    bias = None
    if o.get('bias'):
        bias = dyadic(rng, (out_c,), scale)
        o['bias'] = flat(bias)

    x_nchw = x if layout == 'nchw' else x.permute(0, 3, 1, 2)
    w_iohw = to_iohw(wt, f_layout)
    # PyTorch's own parameters when the crop is symmetric with a valid output_padding.
    op = [out[0] - (full[0] - 2 * pt), out[1] - (full[1] - 2 * pl)]
    native = pt == pb and pl == pr and all(0 <= op[i] < max([sh, sw][i], [dh, dw][i]) for i in range(2))
    if native:
        y = F.conv_transpose2d(x_nchw, w_iohw, bias, (sh, sw), (pt, pl), tuple(op), groups, (dh, dw))
        source = 'pytorch'
    else:
        # Full result, then F.pad crops (negative) or appends zeros (positive) to the canonical window.
        y = F.conv_transpose2d(x_nchw, w_iohw, None, (sh, sw), 0, 0, groups, (dh, dw))
        y = F.pad(y, (-pl, out[1] + pl - full[1], -pt, out[0] + pt - full[0]))
        if bias is not None:
            y = y + bias.reshape(1, -1, 1, 1)
        source = 'pytorch+crop'
    assert list(y.shape[2:]) == out, (name, y.shape, out)
    act = o.get('activation')
    if act:
        y = ACTIVATIONS[act](y, o.get('leakyReluAlpha', 0.01))
    if layout == 'nhwc':
        y = y.permute(0, 2, 3, 1)
    transcendental = act in ('sigmoid', 'tanh', 'gelu')
    return {
        'name': name,
        'source': source,
        'inputShape': input_shape,
        'filterShape': filter_shape,
        'options': o,
        'outputShape': list(y.shape),
        'input': flat(x),
        'filter': flat(wt),
        'expected': flat(y.contiguous()),
        'atol': 1e-4 if transcendental else 1e-5,
        'rtol': 1e-4 if transcendental else 1e-5,
    }


# name, (n, c, h, w), out channels per group, (kh, kw), options[, input scale]
CASES = [
    ('k3_s1_p0', (1, 2, 4, 4), 3, (3, 3), {}),
    ('k3_s2_p1_op1', (1, 2, 4, 4), 3, (3, 3), {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'outputPadding': [1, 1]}),
    ('k4_s2_p1', (1, 3, 3, 3), 2, (4, 4), {'strides': [2, 2], 'padding': [1, 1, 1, 1]}),
    ('k2_s2', (1, 2, 3, 3), 2, (2, 2), {'strides': [2, 2]}),
    ('k1_s3_stride_gt_kernel', (1, 2, 3, 3), 2, (1, 1), {'strides': [3, 3]}),
    ('k2_s3_op2_stride_gt_kernel', (1, 1, 3, 2), 2, (2, 2), {'strides': [3, 3], 'outputPadding': [2, 1]}),
    ('k3_s1_d2_dilation_gt_stride', (1, 2, 4, 4), 2, (3, 3), {'dilations': [2, 2]}),
    ('k3_s2_d3_op2', (1, 1, 3, 3), 2, (3, 3), {'strides': [2, 2], 'dilations': [3, 3], 'outputPadding': [2, 1]}),
    ('k5_s2_p2_op1', (1, 1, 3, 3), 2, (5, 5), {'strides': [2, 2], 'padding': [2, 2, 2, 2], 'outputPadding': [1, 1]}),
    ('k3_s2_p1021_asymmetric', (1, 2, 3, 3), 2, (3, 3), {'strides': [2, 2], 'padding': [1, 0, 2, 1]}),
    ('k4_s2_p1212_tf_same_odd', (1, 1, 3, 3), 2, (4, 4), {'strides': [2, 2], 'padding': [1, 2, 1, 2]}),
    ('k3_s2_p3010_big_crop', (1, 1, 4, 4), 1, (3, 3), {'strides': [2, 2], 'padding': [3, 0, 1, 0]}),
    ('k3_s2_p1_op1_g2', (1, 4, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'outputPadding': [1, 1], 'groups': 2}),
    ('k3_s2_p1_g4_depthwise', (1, 4, 3, 3), 1, (3, 3), {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'groups': 4}),
    ('k3_s1_p1_g2_multiplier3', (1, 2, 4, 4), 3, (3, 3), {'padding': [1, 1, 1, 1], 'groups': 2}),
    ('nhwc_hwoi_k3_s2_p1_op1', (1, 3, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'outputPadding': [1, 1], 'inputLayout': 'nhwc', 'filterLayout': 'hwoi'}),
    ('nhwc_iohw_k3_s2_p1', (1, 3, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'inputLayout': 'nhwc', 'filterLayout': 'iohw'}),
    ('nhwc_ohwi_k3_s2_p1_g3', (1, 3, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'groups': 3, 'inputLayout': 'nhwc', 'filterLayout': 'ohwi'}),
    ('nchw_hwoi_k2_s2', (1, 2, 3, 3), 3, (2, 2), {'strides': [2, 2], 'filterLayout': 'hwoi'}),
    ('nchw_ohwi_k3_s1_p1', (1, 2, 3, 3), 3, (3, 3), {'padding': [1, 1, 1, 1], 'filterLayout': 'ohwi'}),
    ('bias_k3_s2_p1', (1, 2, 3, 3), 3, (3, 3), {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True}),
    ('bias_relu_k3_s2_p1', (1, 2, 3, 3), 3, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True, 'activation': 'relu'}),
    ('bias_relu6_k3_s2_p1', (1, 4, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True, 'activation': 'relu6'}, 4),
    ('bias_leakyRelu_k3_s2_p1', (1, 2, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True, 'activation': 'leakyRelu', 'leakyReluAlpha': 0.125}),
    ('bias_leakyRelu_default_alpha_nhwc', (1, 2, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'bias': True, 'activation': 'leakyRelu', 'inputLayout': 'nhwc', 'filterLayout': 'hwoi'}),
    ('bias_sigmoid_k3_s2_p1', (1, 2, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True, 'activation': 'sigmoid'}),
    ('bias_tanh_k3_s2_p1', (1, 2, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True, 'activation': 'tanh'}),
    ('bias_gelu_k3_s2_p1', (1, 2, 3, 3), 2, (3, 3),
     {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'bias': True, 'activation': 'gelu'}, 2),
    ('n3_k3_s2_p1_op1', (3, 2, 3, 3), 2, (3, 3), {'strides': [2, 2], 'padding': [1, 1, 1, 1], 'outputPadding': [1, 1]}),
    ('in1x1_k3_s1', (1, 3, 1, 1), 2, (3, 3), {}),
    ('in1x1_k4_s2_p1', (2, 2, 1, 1), 3, (4, 4), {'strides': [2, 2], 'padding': [1, 1, 1, 1]}),
    ('nonsquare_k3x2_s2x1_p1x0_in3x5', (1, 2, 3, 5), 2, (3, 2), {'strides': [2, 1], 'padding': [1, 1, 0, 0]}),
    ('nonsquare_outputSizes_k3_s2x3_in3x4', (1, 2, 3, 4), 2, (3, 3),
     {'strides': [2, 3], 'padding': [1, 1, 0, 0], 'outputSizes': [6, 12]}),
]


# ---------------------------------------------------------------- torch-nd.json

MODULES = {1: torch.nn.ConvTranspose1d, 3: torch.nn.ConvTranspose3d}
FUNCTIONS = {1: F.conv_transpose1d, 3: F.conv_transpose3d}


def axes_name(values):
    return str(values[0]) if all(v == values[0] for v in values) else 'x'.join(str(v) for v in values)


def torch_nd_case(rng, name, rank, batch, in_c, out_c, size, k, stride, padding, output_padding, groups, dilation,
                  bias, output_size=None):
    """Runs one nn.ConvTranspose1d/3d in float64 and returns its JSON entry (the torch.json format)."""
    m = MODULES[rank](in_c, out_c, k, stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                      bias=bias, dilation=dilation).double()
    x = dyadic(rng, (batch, in_c) + tuple(size))
    with torch.no_grad():
        m.weight.copy_(dyadic(rng, tuple(m.weight.shape)))
        if bias:
            m.bias.copy_(dyadic(rng, (out_c,)))
        y = m(x, output_size=output_size) if output_size is not None else m(x)
    params = {
        'inChannels': in_c,
        'outChannels': out_c,
        'kernelSize': list(k),
        'stride': list(stride),
        'padding': list(padding),
        'outputPadding': list(output_padding),
        'groups': groups,
        'bias': bias,
        'dilation': list(dilation),
    }
    if output_size is not None:
        params['outputSize'] = list(output_size)
    return {
        'name': name,
        'params': params,
        'inputShape': list(x.shape),
        'weightShape': list(m.weight.shape),
        'input': flat(x),
        'weight': flat(m.weight),
        'bias': flat(m.bias) if bias else None,
        'outputShape': list(y.shape),
        'expected': flat(y),
    }


def random_torch_nd_case(rng, rank, index):
    max_in, max_k, max_s = (6, 5, 4) if rank == 1 else (3, 3, 2)
    groups = rng.choice([1, 1, 2, 3])
    in_c = groups * rng.randint(1, 2)
    out_c = groups * rng.randint(1, 2)
    k = tuple(rng.randint(1, max_k) for _ in range(rank))
    stride = tuple(rng.randint(1, max_s) for _ in range(rank))
    dilation = tuple(rng.choice([1, 1, 2, 3] if rank == 1 else [1, 1, 2]) for _ in range(rank))
    size = tuple(rng.randint(1, max_in) for _ in range(rank))
    batch = rng.randint(1, 2)
    full = [(size[i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 for i in range(rank)]
    padding = tuple(rng.randint(0, (full[i] - 1) // 2) for i in range(rank))
    output_padding = tuple(rng.randint(0, max(stride[i], dilation[i]) - 1) for i in range(rank))
    bias = rng.random() < 0.5
    output_size = None
    if rng.random() < 0.3:
        mins = [full[i] - 2 * padding[i] for i in range(rank)]
        output_size = [rng.randint(mins[i], mins[i] + stride[i] - 1) for i in range(rank)]
        if rng.random() < 0.3:
            output_size = [batch, out_c] + output_size
    name = (f'{rank}d_k{axes_name(k)}_s{axes_name(stride)}_p{axes_name(padding)}'
            + (f'_os{axes_name(output_size[-rank:])}' if output_size else f'_op{axes_name(output_padding)}')
            + f'_d{axes_name(dilation)}_g{groups}_n{batch}' + ('_bias' if bias else '') + f'_{index}')
    return torch_nd_case(rng, name, rank, batch, in_c, out_c, size, k, stride, padding, output_padding, groups,
                         dilation, bias, output_size)


# Layers of real decoders, with small channel counts: name, rank, (batch, in, out), size, kernel, stride,
# padding, output_padding, groups.
NAMED_ND = [
    ('hifigan_k16_s8_p4', 1, (1, 4, 2), (6,), (16,), (8,), (4,), (0,), 1),
    ('hifigan_k4_s2_p1', 1, (2, 3, 2), (7,), (4,), (2,), (1,), (0,), 1),
    ('encodec_k8_s4', 1, (1, 2, 3), (5,), (8,), (4,), (0,), (0,), 1),
    ('dac_k10_s5', 1, (1, 2, 2), (4,), (10,), (5,), (0,), (0,), 1),
    ('encodec_k16_s8_op1', 1, (1, 2, 2), (3,), (16,), (8,), (0,), (1,), 1),
    ('kokoro_k20_s10_p5', 1, (1, 3, 2), (4,), (20,), (10,), (5,), (0,), 1),
    ('depthwise_k12_s2_p5_g4', 1, (1, 4, 4), (9,), (12,), (2,), (5,), (0,), 4),
    ('unet3d_k2_s2', 3, (1, 3, 2), (2, 3, 2), (2, 2, 2), (2, 2, 2), (0, 0, 0), (0, 0, 0), 1),
    ('unet3d_k4_s2_p1', 3, (2, 2, 3), (2, 2, 3), (4, 4, 4), (2, 2, 2), (1, 1, 1), (0, 0, 0), 1),
    ('k3x1x2_s2x1x3_op1x0x2_g2', 3, (1, 4, 2), (2, 3, 2), (3, 1, 2), (2, 1, 3), (1, 0, 0), (1, 0, 2), 2),
]


def named_torch_nd_cases(rng):
    cases = []
    for name, rank, (batch, in_c, out_c), size, k, stride, padding, output_padding, groups in NAMED_ND:
        cases.append(torch_nd_case(rng, name, rank, batch, in_c, out_c, size, k, stride, padding, output_padding,
                                   groups, (1,) * rank, rng.random() < 0.5))
    return cases


# ---------------------------------------------------------------- cases-nd.json

ND_LAYOUTS = {1: ('ncw', 'nwc', 'iow', 'woi', 'owi'), 3: ('ncdhw', 'ndhwc', 'iodhw', 'dhwoi', 'odhwi')}


def to_io(w, layout, rank):
    """A filter in [in, out/groups, ...kernel] (PyTorch's order) from any layout of its rank."""
    _, _, io, tf, o_first = ND_LAYOUTS[rank]
    if layout == io:
        return w
    if layout == tf:  # [...k, out/g, in]
        return w.permute(rank + 1, rank, *range(rank))
    if layout == o_first:  # [out/g, ...k, in]
        return w.permute(rank + 1, 0, *range(1, rank + 1))
    raise ValueError(layout)


def canonical_nd_case(rng, name, rank, n, c, sizes, out_per_group, kernel, options, scale=1):
    """One 1-D or 3-D canonical case computed with PyTorch (float64), in the cases.json format."""
    o = dict(options)
    first, last, io, tf, o_first = ND_LAYOUTS[rank]
    layout = o.get('inputLayout', first)
    f_layout = o.get('filterLayout', io)
    groups = o.get('groups', 1)
    strides = o.get('strides', [1] * rank)
    dilations = o.get('dilations', [1] * rank)
    padding = o.get('padding', [0] * (2 * rank))
    full = [(sizes[a] - 1) * strides[a] + dilations[a] * (kernel[a] - 1) + 1 for a in range(rank)]
    mins = [full[a] - padding[2 * a] - padding[2 * a + 1] for a in range(rank)]
    if 'outputSizes' in o:
        out = list(o['outputSizes'])
    else:
        op = o.get('outputPadding', [0] * rank)
        out = [mins[a] + op[a] for a in range(rank)]
    assert all(out[a] - mins[a] < max(strides[a], dilations[a]) for a in range(rank)), name

    channels_last = layout == last
    input_shape = [n] + list(sizes) + [c] if channels_last else [n, c] + list(sizes)
    filter_shape = {
        io: [c, out_per_group] + list(kernel),
        tf: list(kernel) + [out_per_group, c],
        o_first: [out_per_group] + list(kernel) + [c],
    }[f_layout]
    x = dyadic(rng, input_shape, scale)
    wt = dyadic(rng, filter_shape)
    out_c = out_per_group * groups
    bias = None
    if o.get('bias'):
        bias = dyadic(rng, (out_c,), scale)
        o['bias'] = flat(bias)
    x_first = x.permute(0, rank + 1, *range(1, rank + 1)) if channels_last else x
    # The full result, then F.pad crops (negative) or appends zeros (positive) to the canonical window.
    y = FUNCTIONS[rank](x_first, to_io(wt, f_layout, rank), None, tuple(strides), 0, 0, groups, tuple(dilations))
    amounts = []
    for a in reversed(range(rank)):
        amounts += [-padding[2 * a], out[a] + padding[2 * a] - full[a]]
    y = F.pad(y, tuple(amounts))
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * rank)
    assert list(y.shape[2:]) == out, (name, y.shape, out)
    act = o.get('activation')
    if act:
        y = ACTIVATIONS[act](y, o.get('leakyReluAlpha', 0.01))
    if channels_last:
        y = y.permute(0, *range(2, rank + 2), 1)
    transcendental = act in ('sigmoid', 'tanh', 'gelu')
    return {
        'name': name,
        'source': 'pytorch+crop',
        'inputShape': input_shape,
        'filterShape': filter_shape,
        'options': o,
        'outputShape': list(y.shape),
        'input': flat(x),
        'filter': flat(wt),
        'expected': flat(y.contiguous()),
        'atol': 1e-4 if transcendental else 1e-5,
        'rtol': 1e-4 if transcendental else 1e-5,
    }


# name, rank, (n, c), sizes, out channels per group, kernel, options[, input scale]
CASES_ND = [
    ('1d_k16_s8_p4_hifigan', 1, (1, 3), (5,), 2, (16,), {'strides': [8], 'padding': [4, 4]}),
    ('1d_k4_s2_p1', 1, (2, 2), (6,), 3, (4,), {'strides': [2], 'padding': [1, 1]}),
    ('1d_k8_s4_encodec', 1, (1, 2), (4,), 2, (8,), {'strides': [4]}),
    ('1d_k20_s10_p5_kokoro', 1, (1, 2), (3,), 2, (20,), {'strides': [10], 'padding': [5, 5]}),
    ('1d_k12_s2_p5_g4_depthwise', 1, (1, 4), (7,), 1, (12,), {'strides': [2], 'padding': [5, 5], 'groups': 4}),
    ('1d_k3_s2_p1_op1_g2', 1, (1, 4), (5,), 2, (3,),
     {'strides': [2], 'padding': [1, 1], 'outputPadding': [1], 'groups': 2}),
    ('1d_k1_s3_op2_stride_gt_kernel', 1, (1, 2), (4,), 2, (1,), {'strides': [3], 'outputPadding': [2]}),
    ('1d_k3_s1_d3_op2_dilation_gt_stride', 1, (1, 2), (4,), 2, (3,), {'dilations': [3], 'outputPadding': [2]}),
    ('1d_k4_s2_p12_asymmetric', 1, (1, 2), (4,), 2, (4,), {'strides': [2], 'padding': [1, 2]}),
    ('1d_outputSizes_k5_s3', 1, (1, 2), (3,), 2, (5,), {'strides': [3], 'padding': [1, 1], 'outputSizes': [11]}),
    ('1d_nwc_woi_k4_s2_p1', 1, (1, 3), (5,), 2, (4,),
     {'strides': [2], 'padding': [1, 1], 'inputLayout': 'nwc', 'filterLayout': 'woi'}),
    ('1d_nwc_owi_k3_s2_g3', 1, (2, 3), (4,), 2, (3,),
     {'strides': [2], 'groups': 3, 'inputLayout': 'nwc', 'filterLayout': 'owi'}),
    ('1d_ncw_woi_k3_s1_p1', 1, (1, 2), (5,), 3, (3,), {'padding': [1, 1], 'filterLayout': 'woi'}),
    ('1d_bias_leakyRelu_k4_s2_p1', 1, (1, 2), (5,), 2, (4,),
     {'strides': [2], 'padding': [1, 1], 'bias': True, 'activation': 'leakyRelu', 'leakyReluAlpha': 0.125}),
    ('1d_bias_tanh_k3_s3', 1, (1, 2), (4,), 2, (3,), {'strides': [3], 'bias': True, 'activation': 'tanh'}),
    ('1d_in1_k4_s2_p1', 1, (2, 2), (1,), 3, (4,), {'strides': [2], 'padding': [1, 1]}),
    ('3d_k2_s2_unet', 3, (1, 3), (2, 3, 2), 2, (2, 2, 2), {'strides': [2, 2, 2]}),
    ('3d_k4_s2_p1', 3, (1, 2), (2, 2, 3), 2, (4, 4, 4), {'strides': [2, 2, 2], 'padding': [1, 1, 1, 1, 1, 1]}),
    ('3d_k3_s2_p1_op1_g2', 3, (1, 4), (2, 2, 2), 1, (3, 3, 3),
     {'strides': [2, 2, 2], 'padding': [1, 1, 1, 1, 1, 1], 'outputPadding': [1, 1, 1], 'groups': 2}),
    ('3d_k3x1x2_s2x1x3_d1x1x2_asymmetric', 3, (1, 2), (2, 3, 2), 2, (3, 1, 2),
     {'strides': [2, 1, 3], 'dilations': [1, 1, 2], 'padding': [1, 0, 0, 0, 2, 1]}),
    ('3d_k1_s3_op2_stride_gt_kernel', 3, (1, 1), (2, 2, 2), 2, (1, 1, 1),
     {'strides': [3, 3, 1], 'outputPadding': [2, 1, 0]}),
    ('3d_ndhwc_dhwoi_k3_s2_p1_op1', 3, (1, 3), (2, 2, 2), 2, (3, 3, 3),
     {'strides': [2, 2, 2], 'padding': [1, 1, 1, 1, 1, 1], 'outputPadding': [1, 1, 1], 'inputLayout': 'ndhwc',
      'filterLayout': 'dhwoi'}),
    ('3d_ndhwc_odhwi_k2_s2_g2', 3, (2, 2), (2, 1, 2), 2, (2, 2, 2),
     {'strides': [2, 2, 2], 'groups': 2, 'inputLayout': 'ndhwc', 'filterLayout': 'odhwi'}),
    ('3d_outputSizes_bias_relu_k3_s2', 3, (1, 2), (2, 2, 2), 2, (3, 3, 3),
     {'strides': [2, 2, 2], 'padding': [1, 1, 1, 1, 1, 1], 'outputSizes': [4, 3, 4], 'bias': True,
      'activation': 'relu'}),
]


def main():
    rng = random.Random(20240501)
    torch_cases = [random_torch_case(rng, i) for i in range(40)]
    cases = []
    for entry in CASES:
        name, (n, c, h, w), opg, (kh, kw), options = entry[:5]
        scale = entry[5] if len(entry) > 5 else 1
        cases.append(canonical_case(rng, name, n, c, h, w, opg, kh, kw, options, scale))
    # The N-D files draw from their own generator, so torch.json and cases.json stay as they were.
    rng_nd = random.Random(20260101)
    torch_nd = named_torch_nd_cases(rng_nd)
    torch_nd += [random_torch_nd_case(rng_nd, 1, i) for i in range(30)]
    torch_nd += [random_torch_nd_case(rng_nd, 3, i) for i in range(20)]
    cases_nd = []
    for entry in CASES_ND:
        name, rank, (n, c), sizes, opg, kernel, options = entry[:7]
        scale = entry[7] if len(entry) > 7 else 1
        cases_nd.append(canonical_nd_case(rng_nd, name, rank, n, c, sizes, opg, kernel, options, scale))
    meta = f'Written by scripts/torch_goldens.py with PyTorch {torch.__version__}; see test/golden/README.md.'
    os.makedirs(ROOT, exist_ok=True)
    with open(os.path.join(ROOT, 'torch.json'), 'w') as f:
        json.dump({'about': meta, 'cases': torch_cases}, f, separators=(',', ':'))
        f.write('\n')
    with open(os.path.join(ROOT, 'cases.json'), 'w') as f:
        json.dump({'about': meta, 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')
    with open(os.path.join(ROOT, 'torch-nd.json'), 'w') as f:
        json.dump({'about': meta, 'cases': torch_nd}, f, separators=(',', ':'))
        f.write('\n')
    with open(os.path.join(ROOT, 'cases-nd.json'), 'w') as f:
        json.dump({'about': meta, 'cases': cases_nd}, f, separators=(',', ':'))
        f.write('\n')
    print(f'{len(torch_cases)} torch cases, {len(cases)} canonical cases, {len(torch_nd)} 1-D/3-D torch cases, '
          f'{len(cases_nd)} 1-D/3-D canonical cases written to {os.path.normpath(ROOT)}')


if __name__ == '__main__':
    main()
