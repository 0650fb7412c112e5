//! The convolution's products without an im2col matrix, for `f32` on processors with
//! AVX-512.
//!
//! Chapter 4 showed that row (c, p, q) of the im2col matrix is input channel c shifted by
//! (p, q). So the matrix product `W · cols` does not need `cols` at all: wherever it would
//! read `cols[(c, p, q), (i, j)]` it can read the image at (i + p, j + q) instead. That is an
//! *implicit* im2col, and it is how fast convolution libraries work.
//!
//! To make every shifted row a plain run of memory, the image is first copied into a
//! `spread` layout: each channel gets its padding rows above and below, and each image row is
//! followed by zeros, as many as the wider of the left and right padding. A tap that falls on
//! the left padding then lands on the zeros at the end of the row above; one on the right
//! padding lands on the zeros of its own row. Output row i, columns j … j + 15, tap (c, p, q)
//! is the 16 floats starting at `offset[c, p, q] + i · stride + j` of the spread image.
//!
//! The product itself is a small register-blocked kernel: 8 output channels times 3 × 16
//! output positions, 24 running sums held in AVX-512 registers, one multiply-add of a
//! broadcast weight and 16 image values per instruction. (Three vectors of positions measured
//! a little faster than two: each weight broadcast then serves three multiply-adds.)
//! Other element types, other processors and strides above 1 use the im2col route of
//! `conv2d.rs`; `tests/cnn.rs` checks that both give the same outputs and gradients.
//!
//! The backward pass's ∂L/∂x is a convolution too, of ∂L/∂y with the kernel turned by 180°
//! and its two channel axes swapped (chapter 4: the input gradient is the full convolution of
//! the output gradient with the kernel), so the layer runs it through the same kernel. The
//! weight gradient is a different sum (over positions, not taps) and has a kernel of its own,
//! [`WeightGradient`], which works on channels-last copies of the image and of ∂L/∂y.

use ndarray::{
    ArrayView2, ArrayView3, ArrayView4, ArrayViewMut2, ArrayViewMut3, ArrayViewMut4, Axis, s,
};

use crate::conv::{ConvSpec, Padding};

/// Output channels per kernel call.
pub(crate) const ROWS: usize = 8;
/// Floats per AVX-512 register.
pub(crate) const LANES: usize = 16;

/// True when this processor can run the kernel.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Copies image `x` (`shape` = [c, h, w], standard layout) into `padded`: channel c's row a
/// starts at c · plane + (top + a) · row_stride + left, with `before` = [top, left]. Nothing
/// else is written.
///
/// # Panics
///
/// If `x` does not hold c · h · w values.
pub(crate) fn copy_padded(
    x: &[f32],
    [channels, h, w]: [usize; 3],
    padded: &mut [f32],
    plane: usize,
    row_stride: usize,
    [top, left]: [usize; 2],
) {
    assert_eq!(
        x.len(),
        channels * h * w,
        "fast convolution: the image has {} values, expected {channels} × {h} × {w}",
        x.len()
    );
    for (c, channel) in x.chunks_exact(h * w).enumerate() {
        for (a, row) in channel.chunks_exact(w).enumerate() {
            let start = c * plane + (top + a) * row_stride + left;
            padded[start..start + w].copy_from_slice(row);
        }
    }
}

/// Whether `c_out` output channels fill the kernel's blocks of 8 well enough: at most a
/// quarter of the work may go to the zero rows that round c_out up. With 3 channels (the
/// input gradient of a first layer on RGB images) 5 of every 8 rows would be zeros, and the
/// im2col route measured faster.
pub(crate) fn worthwhile(c_out: usize) -> bool {
    4 * c_out.div_ceil(ROWS) * ROWS <= 5 * c_out
}

/// A forward convolution for one input shape, ready to run image after image: the spread
/// layout's geometry, every tap's offset, and the weights packed for the kernel.
pub(crate) struct Forward {
    channels: usize,
    input: [usize; 2],
    output: [usize; 2],
    /// Zero rows above each channel's image, and zero columns before its first column.
    before: [usize; 2],
    /// Floats from one row of the spread image to the next.
    row_stride: usize,
    /// Floats from one channel of the spread image to the next.
    plane: usize,
    /// Length of the spread image, with room for the kernel's reads past the last channel.
    spread_len: usize,
    /// Where tap (c, p, q) starts in the spread image, in im2col row order.
    offsets: Vec<usize>,
    /// The weights in blocks of [`ROWS`] output channels: block b holds, for each tap in
    /// im2col order, the weights of channels 8b … 8b + 7 side by side (zero past `c_out`).
    packed: Vec<f32>,
    bias: Vec<f32>,
    out_channels: usize,
    /// Each output vector: (output row, first column, lanes in use).
    vectors: Vec<(usize, usize, usize)>,
}

impl Forward {
    /// The plan for `weight` ([c_out, c_in, kh, kw]) at stride 1 on images of `input` =
    /// [h, w] with `pads` = [(top, bottom), (left, right)] zeros, or `None` on a processor
    /// without AVX-512 or when the kernel would not pay (see [`worthwhile`]).
    ///
    /// # Panics
    ///
    /// If the kernel does not fit the padded image, or `bias` has not c_out values.
    pub(crate) fn new(
        weight: ArrayView4<f32>,
        bias: &[f32],
        input: [usize; 2],
        pads: [(usize, usize); 2],
    ) -> Option<Self> {
        let (c_out, channels, kh, kw) = weight.dim();
        assert_eq!(
            bias.len(),
            c_out,
            "implicit forward: one bias per output channel"
        );
        if !available() || !worthwhile(c_out) {
            return None;
        }
        let [(top, bottom), (left, right)] = pads;
        let spec = ConvSpec {
            padding: [Padding::Explicit(0), Padding::Explicit(0)],
            stride: [1, 1],
        };
        let padded = [top + input[0] + bottom, left + input[1] + right];
        let output = spec.expect_output_shape(padded, [kh, kw]);
        let [h, w] = input;
        let row_stride = w + left.max(right);
        let plane = (top + h + bottom) * row_stride;
        let offsets: Vec<usize> = (0..channels)
            .flat_map(|c| (0..kh).flat_map(move |p| (0..kw).map(move |q| (c, p, q))))
            .map(|(c, p, q)| c * plane + p * row_stride + q)
            .collect();
        let vectors: Vec<_> = (0..output[0])
            .flat_map(|i| {
                (0..output[1])
                    .step_by(LANES)
                    .map(move |j| (i, j, LANES.min(output[1] - j)))
            })
            .collect();
        let blocks = c_out.div_ceil(ROWS);
        let taps = offsets.len();
        let rows = weight
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((c_out, taps))
            .expect("a standard-layout weight reshapes");
        let mut packed = vec![0.0; blocks * taps * ROWS];
        for (o, row) in rows.outer_iter().enumerate() {
            let (block, lane) = (o / ROWS, o % ROWS);
            for (k, &value) in row.iter().enumerate() {
                packed[(block * taps + k) * ROWS + lane] = value;
            }
        }
        // The farthest read: the last tap (the largest offset), from the largest vector
        // position, 16 floats wide.
        let last = vectors
            .iter()
            .map(|&(i, j, _)| i * row_stride + j)
            .max()
            .unwrap_or(0);
        let spread_len = left + offsets.last().copied().unwrap_or(0) + last + LANES;
        Some(Forward {
            channels,
            input,
            output,
            before: [top, left],
            row_stride,
            plane,
            spread_len,
            offsets,
            packed,
            bias: bias.to_vec(),
            out_channels: c_out,
            vectors,
        })
    }

    /// A buffer for [`Forward::image`]'s spread copy, all zeros. Pass [`Forward::image`] only
    /// buffers made by this plan: it writes just the image's pixels and relies on the rest
    /// being zero.
    pub(crate) fn scratch(&self) -> Vec<f32> {
        vec![0.0; self.spread_len]
    }

    /// One image: `x` is [c_in, h, w] in standard layout, `y` points at its [c_out, oh, ow]
    /// output, which this writes in full (every element, bias included).
    ///
    /// # Safety
    ///
    /// `y` must be valid for writes of c_out · oh · ow floats, and [`available`] true.
    pub(crate) unsafe fn image(&self, x: &[f32], spread: &mut Vec<f32>, y: *mut f32) {
        self.spread(x, spread);
        let [oh, ow] = self.output;
        // Block by block: a block's packed weights stay in the level-1 cache while the tiles
        // walk the image (measured a little faster than tile by tile on shapes (a) and (b)).
        for block in 0..self.out_channels.div_ceil(ROWS) {
            let mut groups = self.vectors.chunks_exact(3);
            for group in &mut groups {
                // SAFETY: the caller guarantees AVX-512 and `y`; `tile` checks its reads
                // against the spread image's length.
                unsafe {
                    self.tile::<3>(spread, block, [group[0], group[1], group[2]], y, oh * ow)
                };
            }
            // SAFETY: as above.
            match *groups.remainder() {
                [a, b] => unsafe { self.tile::<2>(spread, block, [a, b], y, oh * ow) },
                [a] => unsafe { self.tile::<1>(spread, block, [a], y, oh * ow) },
                _ => {}
            }
        }
    }

    /// Copies image `x` into the spread layout: zeros everywhere but the image's pixels.
    fn spread(&self, x: &[f32], spread: &mut Vec<f32>) {
        // Only the image's pixels are written below, the same ones for every image of this
        // plan, so everything else stays zero from the buffer's creation by `scratch`.
        if spread.len() != self.spread_len {
            spread.clear();
            spread.resize(self.spread_len, 0.0);
        }
        copy_padded(
            x,
            [self.channels, self.input[0], self.input[1]],
            spread,
            self.plane,
            self.row_stride,
            self.before,
        );
    }

    /// Output channels 8·block … 8·block + 7 at the positions of `vectors`.
    ///
    /// # Safety
    ///
    /// As [`Forward::image`]; `spread` is the spread image of length `spread_len`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const V: usize>(
        &self,
        spread: &[f32],
        block: usize,
        vectors: [(usize, usize, usize); V],
        y: *mut f32,
        plane_out: usize,
    ) {
        use std::arch::x86_64::*;
        let taps = self.offsets.len();
        let weights = &self.packed[block * taps * ROWS..(block + 1) * taps * ROWS];
        let starts = vectors.map(|(i, j, _)| i * self.row_stride + j);
        let channels = block * ROWS..(block * ROWS + ROWS).min(self.out_channels);
        let mut sums = [[_mm512_setzero_ps(); V]; ROWS];
        for (lane, o) in channels.clone().enumerate() {
            sums[lane] = [_mm512_set1_ps(self.bias[o]); V];
        }
        let base = spread.as_ptr();
        // The last tap has the largest offset (each of c, p, q is at its largest).
        let farthest = self.offsets[taps - 1] + starts.iter().max().copied().unwrap_or(0) + LANES;
        assert!(
            farthest <= spread.len(),
            "implicit forward: a read would end at {farthest}, past the spread image's {}",
            spread.len()
        );
        for (&offset, w) in self.offsets.iter().zip(weights.chunks_exact(ROWS)) {
            // SAFETY: offset + start + 16 ≤ farthest ≤ spread.len() for every tap and vector,
            // checked above.
            let x = starts.map(|start| unsafe { _mm512_loadu_ps(base.add(offset + start)) });
            for (sum, &w) in sums.iter_mut().zip(w) {
                let w = _mm512_set1_ps(w);
                for (s, &x) in sum.iter_mut().zip(&x) {
                    *s = _mm512_fmadd_ps(w, x, *s);
                }
            }
        }
        let ow = self.output[1];
        for (lane, o) in channels.enumerate() {
            for (v, &(i, j, used)) in vectors.iter().enumerate() {
                let mask: __mmask16 = if used == LANES { !0 } else { (1 << used) - 1 };
                // SAFETY: channel o < c_out, row i < oh and columns j … j + used ≤ ow, so the
                // masked store writes inside the caller's c_out · oh · ow floats.
                unsafe {
                    _mm512_mask_storeu_ps(y.add(o * plane_out + i * ow + j), mask, sums[lane][v])
                };
            }
        }
    }

    /// Without AVX-512 there is no plan ([`Forward::new`] says `None`), so this never runs.
    #[cfg(not(target_arch = "x86_64"))]
    unsafe fn tile<const V: usize>(
        &self,
        _: &[f32],
        _: usize,
        _: [(usize, usize, usize); V],
        _: *mut f32,
        _: usize,
    ) {
        unreachable!("the implicit forward kernel needs AVX-512")
    }
}

/// The weight gradient ∂L/∂W without an im2col matrix, for `f32` on processors with AVX-512.
///
/// ∂L/∂W[o, c, p, q] = Σ_images Σ_(i, j) ∂L/∂y[o, i, j] · x_padded[c, i + p, j + q]: for every
/// output position, an outer product of the output gradient's c_out values with the input
/// values under the kernel. The kernel holds 16 · V output channels (V registers) by T taps
/// in 24 register sums, and walks the output positions one by one: per position it loads V
/// vectors of ∂L/∂y and multiplies them by T broadcast input values.
///
/// To make both reads plain runs of memory, both arrays are first turned channels-last:
/// ∂L/∂y as [position, c_out] (padded with zero channels to a multiple of 16 · V), and the
/// input, with its padding, as [row, column, c_in]. In that layout the taps (q, c) of one
/// kernel row p are kw · c_in consecutive floats, so a block of T taps is T consecutive
/// floats; a block that runs past the row's last tap reads into the next pixel, and those
/// sums are simply not kept. The sums stay in memory between images (a load and a store of
/// 24 registers per image and block), so one scratch adds up any number of images.
pub(crate) struct WeightGradient {
    channels: usize,
    input: [usize; 2],
    output: [usize; 2],
    kernel: [usize; 2],
    /// Zero rows above the image, and zero columns before it.
    before: [usize; 2],
    /// Pixels per row of the padded image.
    padded_width: usize,
    /// Floats of the channels-last padded image, with room for the last block's extra reads.
    spread_len: usize,
    out_channels: usize,
    /// c_out rounded up to whole blocks of 16 · V channels.
    padded_out: usize,
    /// Registers of output channels per block (V); the taps per block are 24 / V.
    vectors: usize,
    /// Blocks of taps per kernel row.
    tap_blocks: usize,
}

/// One worker's buffers for [`WeightGradient`]: the channels-last copies of one image and
/// its output gradient, and the running sums of every block.
pub(crate) struct WeightScratch {
    spread: Vec<f32>,
    gradient: Vec<f32>,
    sums: Vec<f32>,
}

/// Register sums per weight-gradient block.
const SUMS: usize = 24;

impl WeightGradient {
    /// The plan for a weight of shape `[c_out, c_in, kh, kw]` at stride 1 on images of `input`
    /// = [h, w] with `pads` = [(top, bottom), (left, right)], or `None` on a processor without
    /// AVX-512 or when more than a quarter of the kernel's work would go to padding channels
    /// or to taps past a kernel row.
    pub(crate) fn new(
        weight: [usize; 4],
        input: [usize; 2],
        pads: [(usize, usize); 2],
    ) -> Option<Self> {
        let [c_out, channels, kh, kw] = weight;
        let [(top, bottom), (left, right)] = pads;
        let padded = [top + input[0] + bottom, left + input[1] + right];
        if !available() || padded[0] < kh || padded[1] < kw || channels == 0 {
            return None;
        }
        let vectors = c_out.div_ceil(LANES).min(4);
        let padded_out = c_out.div_ceil(LANES * vectors) * LANES * vectors;
        let taps = SUMS / vectors;
        let run = kw * channels;
        let tap_blocks = run.div_ceil(taps);
        // Work done against work needed: at most 5 : 4.
        if 4 * padded_out * tap_blocks * taps > 5 * c_out * run {
            return None;
        }
        let output = [padded[0] + 1 - kh, padded[1] + 1 - kw];
        let natural = padded[0] * padded[1] * channels;
        let farthest =
            ((output[0] - 1 + kh - 1) * padded[1] + output[1] - 1) * channels + tap_blocks * taps;
        Some(WeightGradient {
            channels,
            input,
            output,
            kernel: [kh, kw],
            before: [top, left],
            padded_width: padded[1],
            spread_len: natural.max(farthest),
            out_channels: c_out,
            padded_out,
            vectors,
            tap_blocks,
        })
    }

    /// Floats of running sums: one block of 24 registers per (channel block, kernel row, tap
    /// block).
    fn sums_len(&self) -> usize {
        self.padded_out / (LANES * self.vectors) * self.kernel[0] * self.tap_blocks * SUMS * LANES
    }

    /// Fresh buffers, with every sum at zero.
    pub(crate) fn scratch(&self) -> WeightScratch {
        WeightScratch {
            spread: vec![0.0; self.spread_len],
            gradient: vec![0.0; self.output[0] * self.output[1] * self.padded_out],
            sums: vec![0.0; self.sums_len()],
        }
    }

    /// Adds one image's weight gradient to the sums in `scratch`: `x` is the image, [c_in, h,
    /// w], and `grad_y` its output gradient, [c_out, oh, ow].
    ///
    /// # Panics
    ///
    /// If the shapes are not the plan's.
    pub(crate) fn accumulate(
        &self,
        x: ArrayView3<f32>,
        grad_y: ArrayView3<f32>,
        scratch: &mut WeightScratch,
    ) {
        let ([h, w], [oh, ow]) = (self.input, self.output);
        assert_eq!(
            (x.dim(), grad_y.dim()),
            ((self.channels, h, w), (self.out_channels, oh, ow)),
            "implicit weight gradient: image and output gradient of the wrong shape"
        );
        let [top, left] = self.before;
        let padded_height = scratch.spread.len() / (self.padded_width * self.channels);
        let mut spread = ArrayViewMut3::from_shape(
            (padded_height, self.padded_width, self.channels),
            &mut scratch.spread[..padded_height * self.padded_width * self.channels],
        )
        .expect("the spread buffer holds the padded image");
        // Row by row, [channel, column] → [column, channel]. Only the image's own pixels are
        // written: the padding stays zero from `scratch`.
        for (a, row) in x.axis_iter(Axis(1)).enumerate() {
            transpose_into(row, spread.slice_mut(s![top + a, left..left + w, ..]));
        }
        let mut gradient =
            ArrayViewMut3::from_shape((oh, ow, self.padded_out), &mut scratch.gradient)
                .expect("the gradient buffer holds [oh, ow, padded c_out]");
        for (i, row) in grad_y.axis_iter(Axis(1)).enumerate() {
            transpose_into(row, gradient.slice_mut(s![i, .., ..self.out_channels]));
        }
        let per_block = SUMS * LANES;
        let mut blocks = scratch.sums.chunks_exact_mut(per_block);
        for channel_block in 0..self.padded_out / (LANES * self.vectors) {
            for p in 0..self.kernel[0] {
                for tap_block in 0..self.tap_blocks {
                    let sums = blocks.next().expect("one sum block per tile");
                    let at = Tile {
                        row: p,
                        first_tap: tap_block * (SUMS / self.vectors),
                        first_channel: channel_block * LANES * self.vectors,
                    };
                    let (spread, gradient) = (&scratch.spread, &scratch.gradient);
                    // SAFETY: `new` returned a plan, so the processor has AVX-512.
                    unsafe {
                        match self.vectors {
                            1 => self.weight_tile::<24, 1>(spread, gradient, at, sums),
                            2 => self.weight_tile::<12, 2>(spread, gradient, at, sums),
                            3 => self.weight_tile::<8, 3>(spread, gradient, at, sums),
                            _ => self.weight_tile::<6, 4>(spread, gradient, at, sums),
                        }
                    }
                }
            }
        }
    }

    /// Adds the sums in `scratch` to `grad_w` ([c_out, c_in, kh, kw], standard layout) and
    /// sets them to zero.
    ///
    /// # Panics
    ///
    /// If `grad_w` has another shape or layout.
    pub(crate) fn drain_into(&self, scratch: &mut WeightScratch, mut grad_w: ArrayViewMut4<f32>) {
        let ([kh, kw], channels) = (self.kernel, self.channels);
        assert_eq!(
            grad_w.dim(),
            (self.out_channels, channels, kh, kw),
            "implicit weight gradient: the gradient has the wrong shape"
        );
        let grad_w = grad_w
            .as_slice_mut()
            .expect("implicit weight gradient: a standard-layout gradient");
        let (taps, run, rows) = (SUMS / self.vectors, kw * channels, channels * kh * kw);
        let width = LANES * self.vectors;
        let mut blocks = scratch.sums.chunks_exact_mut(SUMS * LANES);
        for first_channel in (0..self.padded_out).step_by(width) {
            let used = width.min(self.out_channels - first_channel);
            for p in 0..kh {
                for tap_block in 0..self.tap_blocks {
                    let sums = blocks.next().expect("one sum block per tile");
                    for (t, row) in sums.chunks_exact_mut(width).enumerate() {
                        let u = tap_block * taps + t;
                        if u < run {
                            // Tap u of kernel row p is (q, c) = (u / c_in, u % c_in).
                            let at = (u % channels) * kh * kw + p * kw + u / channels;
                            for (o, &sum) in row[..used].iter().enumerate() {
                                grad_w[(first_channel + o) * rows + at] += sum;
                            }
                        }
                        row.fill(0.0);
                    }
                }
            }
        }
    }

    /// The running sums of T taps by 16 · V output channels, `sums` laid out [T][16 · V], plus
    /// this image's contribution.
    ///
    /// # Safety
    ///
    /// The processor must have AVX-512.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn weight_tile<const T: usize, const V: usize>(
        &self,
        spread: &[f32],
        gradient: &[f32],
        at: Tile,
        sums: &mut [f32],
    ) {
        use std::arch::x86_64::*;
        let ([oh, ow], c, stride) = (self.output, self.channels, self.padded_out);
        assert!(
            ((oh - 1 + at.row) * self.padded_width + ow - 1) * c + at.first_tap + T <= spread.len()
                && ((oh - 1) * ow + ow - 1) * stride + at.first_channel + LANES * V
                    <= gradient.len()
                && sums.len() == T * V * LANES,
            "implicit weight gradient: a read would leave its buffer"
        );
        let mut acc = [[_mm512_setzero_ps(); V]; T];
        for (t, acc_t) in acc.iter_mut().enumerate() {
            for (v, a) in acc_t.iter_mut().enumerate() {
                // SAFETY: inside `sums`, whose length was checked above.
                *a = unsafe { _mm512_loadu_ps(sums.as_ptr().add((t * V + v) * LANES)) };
            }
        }
        for i in 0..oh {
            let x = spread[((i + at.row) * self.padded_width) * c + at.first_tap..].as_ptr();
            let dy = gradient[i * ow * stride + at.first_channel..].as_ptr();
            for j in 0..ow {
                // SAFETY: the last position (i, j) = (oh − 1, ow − 1) reads no further than the
                // bounds checked above, and earlier positions read less far.
                let d: [__m512; V] = std::array::from_fn(|v| unsafe {
                    _mm512_loadu_ps(dy.add(j * stride + v * LANES))
                });
                for (t, acc_t) in acc.iter_mut().enumerate() {
                    // SAFETY: as above.
                    let b = _mm512_set1_ps(unsafe { *x.add(j * c + t) });
                    for (a, &d) in acc_t.iter_mut().zip(&d) {
                        *a = _mm512_fmadd_ps(b, d, *a);
                    }
                }
            }
        }
        for (t, acc_t) in acc.iter().enumerate() {
            for (v, &a) in acc_t.iter().enumerate() {
                // SAFETY: inside `sums`, as for the loads.
                unsafe { _mm512_storeu_ps(sums.as_mut_ptr().add((t * V + v) * LANES), a) };
            }
        }
    }

    /// Without AVX-512 there is no plan ([`WeightGradient::new`] says `None`), so this never
    /// runs.
    #[cfg(not(target_arch = "x86_64"))]
    unsafe fn weight_tile<const T: usize, const V: usize>(
        &self,
        _: &[f32],
        _: &[f32],
        _: Tile,
        _: &mut [f32],
    ) {
        unreachable!("the implicit weight-gradient kernel needs AVX-512")
    }
}

/// Where a weight-gradient block sits: its kernel row, its first tap (q · c_in + c) in that
/// row, and its first output channel.
#[derive(Clone, Copy)]
struct Tile {
    row: usize,
    first_tap: usize,
    first_channel: usize,
}

/// `dst` ← `src`ᵀ, 16 × 16 blocks at a time with AVX-512 where both have rows of
/// consecutive floats, element by element elsewhere.
///
/// # Panics
///
/// If `dst` is not `src`'s shape transposed.
fn transpose_into(src: ArrayView2<f32>, mut dst: ArrayViewMut2<f32>) {
    let (rows, cols) = src.dim();
    assert_eq!(
        dst.dim(),
        (cols, rows),
        "transpose_into: a [{rows}, {cols}] matrix into [{}, {}]",
        dst.nrows(),
        dst.ncols()
    );
    let fast = available()
        && src.strides()[1] == 1
        && dst.strides()[1] == 1
        && src.strides()[0] >= 0
        && dst.strides()[0] >= 0;
    let (full_rows, full_cols) = if fast {
        (rows / LANES * LANES, cols / LANES * LANES)
    } else {
        (0, 0)
    };
    if full_rows > 0 && full_cols > 0 {
        // SAFETY: the processor has AVX-512 (checked above); the first full_rows × full_cols
        // floats of src, and their transposed place in dst, lie inside the views, whose rows
        // are runs of consecutive floats.
        unsafe {
            transpose_blocks(
                (src.as_ptr(), src.strides()[0]),
                (dst.as_mut_ptr(), dst.strides()[0]),
                [full_rows, full_cols],
            )
        };
    }
    // The strips the blocks did not cover: the last columns of src, then its last rows.
    dst.slice_mut(s![full_cols.., ..])
        .assign(&src.slice(s![.., full_cols..]).t());
    dst.slice_mut(s![..full_cols, full_rows..])
        .assign(&src.slice(s![full_rows.., ..full_cols]).t());
}

/// Transposes the first `size` = [rows, columns] of a matrix (both multiples of 16) at `src`
/// into `dst`, block by block; each is (pointer, floats from one row to the next).
///
/// # Safety
///
/// As [`transpose_16`], for the whole `size`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn transpose_blocks(
    (src, src_stride): (*const f32, isize),
    (dst, dst_stride): (*mut f32, isize),
    [rows, cols]: [usize; 2],
) {
    for r in (0..rows).step_by(LANES) {
        for c in (0..cols).step_by(LANES) {
            // SAFETY: block (r, c) lies inside the caller's matrices.
            unsafe {
                transpose_16(
                    src.offset(r as isize * src_stride + c as isize),
                    src_stride,
                    dst.offset(c as isize * dst_stride + r as isize),
                    dst_stride,
                )
            };
        }
    }
}

/// Without AVX-512 `transpose_into` never takes the block route.
#[cfg(not(target_arch = "x86_64"))]
unsafe fn transpose_blocks(_: (*const f32, isize), _: (*mut f32, isize), _: [usize; 2]) {
    unreachable!("16 × 16 transposes need AVX-512")
}

/// One round of [`transpose_16`]: rows i and i + B, for every i with bit B clear, swap the
/// lanes `indices` say.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn swap_round<const B: usize>(
    mut r: [std::arch::x86_64::__m512; LANES],
    indices: &[[i32; LANES]; 2],
) -> [std::arch::x86_64::__m512; LANES] {
    use std::arch::x86_64::*;
    // SAFETY: reads 16 i32s from arrays of 16.
    let (upper, lower) = unsafe {
        (
            _mm512_loadu_si512(indices[0].as_ptr().cast()),
            _mm512_loadu_si512(indices[1].as_ptr().cast()),
        )
    };
    for i in 0..LANES {
        if i & B == 0 {
            let (a, c) = (r[i], r[i + B]);
            r[i] = _mm512_permutex2var_ps(a, upper, c);
            r[i + B] = _mm512_permutex2var_ps(a, lower, c);
        }
    }
    r
}

/// The lane indices of [`transpose_16`]'s rounds, b = 8, 4, 2, 1: lane j of an upper row
/// keeps its value where bit b of j is clear and takes lane j − b of the lower row where it
/// is set; the lower row keeps lanes with the bit set and takes lane j + b of the upper row
/// elsewhere. Indices 16 and up pick the second operand (the lower row).
const SWAPS: [[[i32; LANES]; 2]; 4] = [swaps(8), swaps(4), swaps(2), swaps(1)];

const fn swaps(b: usize) -> [[i32; LANES]; 2] {
    let mut indices = [[0; LANES]; 2];
    let mut j = 0;
    while j < LANES {
        let (upper, lower) = if j & b == 0 {
            (j, j + b)
        } else {
            (16 + j - b, 16 + j)
        };
        indices[0][j] = upper as i32;
        indices[1][j] = lower as i32;
        j += 1;
    }
    indices
}

/// Transposes one 16 × 16 block in registers, in four rounds: round b (8, 4, 2, 1) swaps, in
/// every 2b × 2b square, the b × b block right of the diagonal with the one below it.
///
/// # Safety
///
/// The processor must have AVX-512; `src` and `dst` must point at 16 rows of 16 floats each,
/// `src_stride` and `dst_stride` floats apart, readable and writable respectively.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn transpose_16(src: *const f32, src_stride: isize, dst: *mut f32, dst_stride: isize) {
    use std::arch::x86_64::*;
    // SAFETY: row r is inside the caller's block.
    let r: [__m512; LANES] =
        std::array::from_fn(|i| unsafe { _mm512_loadu_ps(src.offset(i as isize * src_stride)) });
    let r = swap_round::<8>(r, &SWAPS[0]);
    let r = swap_round::<4>(r, &SWAPS[1]);
    let r = swap_round::<2>(r, &SWAPS[2]);
    let r = swap_round::<1>(r, &SWAPS[3]);
    for (i, row) in r.iter().enumerate() {
        // SAFETY: row i is inside the caller's block.
        unsafe { _mm512_storeu_ps(dst.offset(i as isize * dst_stride), *row) };
    }
}
