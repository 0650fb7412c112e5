//! The convolution's forward product without an im2col matrix, for `f32` on processors with
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
//! Everything else in the layer (the weight gradient, other element types, other processors,
//! strides above 1) uses the im2col route of `conv2d.rs`; `tests/cnn.rs` checks that both give
//! the same outputs.
//!
//! The backward pass's ∂L/∂x is a convolution too, of ∂L/∂y with the kernel turned by 180°
//! and its two channel axes swapped (chapter 4: the input gradient is the full convolution of
//! the output gradient with the kernel), so the layer runs it through the same kernel.

use ndarray::ArrayView4;

use crate::conv::{ConvSpec, Padding};

/// Output channels per kernel call.
const ROWS: usize = 8;
/// Floats per AVX-512 register.
const LANES: usize = 16;

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

/// Whether `c_out` output channels fill the kernel's blocks of 8 well enough: at most a
/// quarter of the work may go to the zero rows that round c_out up. With 3 channels (the
/// input gradient of a first layer on RGB images) 5 of every 8 rows would be zeros, and the
/// im2col route measured faster.
fn worthwhile(c_out: usize) -> bool {
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

    /// A buffer for [`Forward::image`]'s spread copy.
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
        let [h, w] = self.input;
        assert_eq!(
            x.len(),
            self.channels * h * w,
            "implicit forward: the image has {} values, expected {} × {h} × {w}",
            x.len(),
            self.channels
        );
        spread.clear();
        spread.resize(self.spread_len, 0.0);
        let [top, left] = self.before;
        for (c, channel) in x.chunks_exact(h * w).enumerate() {
            for (a, row) in channel.chunks_exact(w).enumerate() {
                let start = left + c * self.plane + (top + a) * self.row_stride;
                spread[start..start + w].copy_from_slice(row);
            }
        }
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
