#!/usr/bin/env python3
"""Times the CNN benchmark shapes in PyTorch on the CPU and compares with `cargo bench`.

Not part of CI. Run, from the repository root:

    pip install torch
    cargo bench --bench cnn                  # writes target/criterion/…
    python3 scripts/pytorch_compare.py       # times PyTorch, prints the ratios

Both sides use the same thread count (1, then 2), NCHW float32 tensors, 3×3 kernels, stride 1,
padding 1. "forward+backward" computes the input, weight and bias gradients. The training step
is chapter 5's network (three conv/ReLU/max-pool blocks with 16, 32, 64 channels and a dense
layer to 6 classes) on a batch of 32 images of 64×64, with SGD (momentum 0.9, weight decay 5e-4).
A ratio above 1 means descent is faster.
"""

import json
import pathlib
import statistics
import sys
import time

import torch

SHAPES = [  # name used by benches/cnn.rs, batch, in channels, out channels, side
    ("a_32x3to16x64x64", 32, 3, 16, 64),
    ("b_32x16to32x32x32", 32, 16, 32, 32),
    ("c_32x32to64x16x16", 32, 32, 64, 16),
]
THREADS = [1, 2]
WARMUP = 5
REPEATS = 30
CRITERION = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def median_ms(step):
    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def conv_times(n, c_in, c_out, side):
    conv = torch.nn.Conv2d(c_in, c_out, 3, stride=1, padding=1)
    x = torch.randn(n, c_in, side, side, requires_grad=True)
    dy = torch.randn(n, c_out, side, side)

    def forward():
        with torch.no_grad():
            conv(x)

    def forward_backward():
        conv.zero_grad(set_to_none=True)
        x.grad = None
        conv(x).backward(dy)

    return median_ms(forward), median_ms(forward_backward)


def chapter_network(classes=6, side=64):
    layers, channels = [], 3
    for width in (16, 32, 64):
        layers += [torch.nn.Conv2d(channels, width, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
        channels = width
    layers += [torch.nn.Flatten(), torch.nn.Linear(channels * (side // 8) ** 2, classes)]
    return torch.nn.Sequential(*layers)


def train_step_time(batch=32, classes=6, side=64):
    model = chapter_network(classes, side)
    sgd = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, side, side)
    labels = torch.arange(batch) % classes

    def step():
        sgd.zero_grad()
        torch.nn.functional.cross_entropy(model(x), labels).backward()
        sgd.step()

    return median_ms(step)


def ours_ms(*parts):
    path = CRITERION.joinpath(*parts, "new", "estimates.json")
    try:
        return json.loads(path.read_text())["median"]["point_estimate"] / 1e6
    except FileNotFoundError:
        return None


def row(label, threads, ours, theirs):
    if ours is None:
        print(f"| {label} | {threads} | (run cargo bench) | {theirs:.1f} | – |")
    else:
        print(f"| {label} | {threads} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.2f} |")


def main():
    print(f"PyTorch {torch.__version__}; ratio = PyTorch time / descent time (above 1: descent is faster)")
    print("| benchmark | threads | descent ms | PyTorch ms | ratio |")
    print("|---|---|---|---|---|")
    for threads in THREADS:
        torch.set_num_threads(threads)
        for name, n, c_in, c_out, side in SHAPES:
            forward, forward_backward = conv_times(n, c_in, c_out, side)
            group = f"conv2d_{name}"
            row(f"conv2d {name} forward", threads, ours_ms(group, "forward", str(threads)), forward)
            row(f"conv2d {name} forward+backward", threads,
                ours_ms(group, "forward_backward", str(threads)), forward_backward)
        row("train step, chapter 5 network, 32×3×64×64", threads,
            ours_ms("train_step_chapter_network_32x3x64x64", str(threads)), train_step_time())
    return 0


if __name__ == "__main__":
    sys.exit(main())
