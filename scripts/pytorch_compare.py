#!/usr/bin/env python3
"""Times the CNN benchmark shapes in descent (criterion) and PyTorch (CPU), side by side.

Not part of CI. Run, from the repository root:

    pip install torch
    python3 scripts/pytorch_compare.py             # 3 rounds, about 5 minutes
    python3 scripts/pytorch_compare.py --rounds 5
    python3 scripts/pytorch_compare.py --only c_32   # the benchmarks whose id contains c_32

Both sides use the same thread count (1, then 2), NCHW float32 tensors, 3×3 kernels, stride 1,
padding 1. "forward+backward" computes the input, weight and bias gradients. The training step
is chapter 5's network (three conv/ReLU/max-pool blocks with 16, 32, 64 channels and a dense
layer to 6 classes) on a batch of 32 images of 64×64, with SGD (momentum 0.9, weight decay 5e-4).

A shared or virtual machine changes speed from minute to minute, so one run of `cargo bench`
followed by one run of PyTorch can be off by 20 % either way. This script interleaves them
instead: for every benchmark and every round it runs that one criterion benchmark
(`cargo bench --bench cnn -- <name>`, shorter warm-up and measurement than the defaults), then
the same work in PyTorch, one right after the other. It prints the median over the rounds of
each side's median time, and the range of the per-round ratios. A ratio above 1 means descent
is faster.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
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
ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"


def median_ms(step):
    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def conv_steps(n, c_in, c_out, side):
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

    return {"forward": forward, "forward_backward": forward_backward}


def chapter_network(classes=6, side=64):
    layers, channels = [], 3
    for width in (16, 32, 64):
        layers += [torch.nn.Conv2d(channels, width, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
        channels = width
    layers += [torch.nn.Flatten(), torch.nn.Linear(channels * (side // 8) ** 2, classes)]
    return torch.nn.Sequential(*layers)


def train_step(batch=32, classes=6, side=64):
    model = chapter_network(classes, side)
    sgd = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, side, side)
    labels = torch.arange(batch) % classes

    def step():
        sgd.zero_grad()
        torch.nn.functional.cross_entropy(model(x), labels).backward()
        sgd.step()

    return step


def ours_ms(benchmark, folder):
    """Runs one criterion benchmark (its full id, e.g. conv2d/b_…/forward/1) and returns the
    median it saved in `folder` under target/criterion."""
    subprocess.run(
        ["cargo", "bench", "--quiet", "--bench", "cnn", "--", f"^{benchmark}$",
         "--warm-up-time", "1", "--measurement-time", "3"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    path = CRITERION.joinpath(*folder, "new", "estimates.json")
    return json.loads(path.read_text())["median"]["point_estimate"] / 1e6


def benchmarks():
    """(label, criterion id, its results folder, threads, PyTorch step) for every benchmark of
    benches/cnn.rs. criterion writes group "g/h" as the folder "g_h"."""
    for threads in THREADS:
        for name, n, c_in, c_out, side in SHAPES:
            steps = conv_steps(n, c_in, c_out, side)
            for kind, label in (("forward", "forward"), ("forward_backward", "forward+backward")):
                yield (f"conv2d {name} {label}", f"conv2d/{name}/{kind}/{threads}",
                       [f"conv2d_{name}", kind, str(threads)], threads, steps[kind])
        group = "train_step/chapter_network_32x3x64x64"
        yield ("train step, chapter 5 network, 32×3×64×64", f"{group}/{threads}",
               [group.replace("/", "_"), str(threads)], threads, train_step())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per benchmark (default 3)")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="run only the benchmarks whose criterion id contains TEXT, "
                             "e.g. c_32 or forward_backward/2")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    subprocess.run(["cargo", "bench", "--quiet", "--bench", "cnn", "--no-run"], cwd=ROOT, check=True)
    print(f"PyTorch {torch.__version__}; {args.rounds} interleaved rounds; medians in ms; "
          "ratio = PyTorch time / descent time (above 1: descent is faster)")
    print("| benchmark | threads | descent | PyTorch | ratio | per-round ratios |")
    print("|---|---|---|---|---|---|")
    chosen = [b for b in benchmarks() if args.only in b[1]]
    if not chosen:
        parser.error(f"--only {args.only!r}: no benchmark id contains it")
    for label, benchmark, folder, threads, step in chosen:
        torch.set_num_threads(threads)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(ours_ms(benchmark, folder))
            theirs.append(median_ms(step))
        ratios = sorted(t / o for o, t in zip(ours, theirs))
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"| {label} | {threads} | {o:.1f} | {t:.1f} | {t / o:.2f} | "
              f"{ratios[0]:.2f}–{ratios[-1]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
