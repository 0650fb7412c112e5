//! 3 × 3 convolutions with fewer multiplications: Winograd's minimal filtering F(2 × 2, 3 × 3),
//! for `f32` at stride 1 on processors with AVX-512.
//!
//! A 2 × 2 block of outputs of a 3 × 3 kernel depends on a 4 × 4 patch of the input. Computed
//! directly it takes 4 · 9 = 36 multiplications per channel pair; Winograd (and Lavin & Gray,
//! 2015, for convolutional networks) showed that 16 are enough. With d the 4 × 4 patch and g
//! the 3 × 3 kernel:
//!
//! ```text
//! Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//!
//!      ⎡1  0 −1  0⎤        ⎡ 1    0    0 ⎤
//! Bᵀ = ⎢0  1  1  0⎥    G = ⎢1/2  1/2  1/2⎥    Aᵀ = ⎡1  1  1  0⎤
//!      ⎢0 −1  1  0⎥        ⎢1/2 −1/2  1/2⎥         ⎣0  1 −1 −1⎦
//!      ⎣0  1  0 −1⎦        ⎣ 0    0    1 ⎦
//! ```
//!
//! Summed over input channels, the element-wise product ⊙ becomes 16 independent matrix
//! products, one per position ξ of the 4 × 4 transformed patch:
//! M[ξ][o][t] = Σ_c U[ξ][o][c] · V[ξ][c][t], with U the transformed kernels and V the
//! transformed patches of every tile t. So a layer costs 16 multiply-adds per channel pair and
//! tile of 4 outputs instead of 36: 2.25 times fewer, plus the transforms, which are additions
//! only. The products use the same register blocking as `implicit.rs` (8 output channels by
//! 3 × 16 tiles). The rounding differs a little from the direct sums, and `tests/cnn.rs`
//! checks the results against chapter 4's direct convolution.

use std::arch::x86_64::*;

use ndarray::ArrayView4;

use super::implicit::{LANES, ROWS, available, copy_padded, worthwhile};

/// Positions of a transformed 4 × 4 patch.
const XI: usize = 16;

/// A Winograd convolution for one input shape, ready to run image after image.
pub(crate) struct Winograd {
    channels: usize,
    input: [usize; 2],
    output: [usize; 2],
    /// Zero rows above the image and zero columns before it in the padded copy.
    before: [usize; 2],
    /// Rows and columns of the padded copy: whole 4 × 4 patches for every tile.
    padded: [usize; 2],
    /// Tiles of 2 × 2 outputs down and across.
    tiles: [usize; 2],
    /// All the tiles, rounded up to whole vectors of 16.
    tiles_padded: usize,
    out_channels: usize,
    /// U, [ξ][block of 8 output channels][c_in][8], zeros past c_out.
    packed: Vec<f32>,
    bias: Vec<f32>,
}

/// The fewest input channels for which the transforms pay. Each product sums over the input
/// channels, so with few of them the transforms (additions, loads and stores) outweigh the
/// multiplications saved: with the 3 channels of shape (a) in `benches/cnn.rs` the forward
/// pass took 3.2 ms against the implicit im2col's 1.3 ms; with 16 and 32 (shapes (b) and (c))
/// 2.2 ms against 2.9 ms.
const MIN_CHANNELS: usize = 8;

/// Extra floats between the 16 matrices of V and of M. The transforms read or write all 16
/// at once, and without the padding, with sizes like 32 channels × 64 tiles, they lie a
/// multiple of 4 KiB apart, compete for the same few sets of the level-1 cache and evict one
/// another.
const PAD: usize = 16;

/// Floats read past the padded image's end by the input transform's vector loads.
const SLACK: usize = 3 * LANES;

impl Winograd {
    /// The plan for a 3 × 3 `weight` ([c_out, c_in, 3, 3]) at stride 1 on images of `input`
    /// = [h, w] with `pads` = [(top, bottom), (left, right)], or `None` where it does not
    /// apply: other kernel sizes, no AVX-512, too few output channels (as for
    /// `implicit::Forward`) or too few input channels (see [`MIN_CHANNELS`]).
    pub(crate) fn new(
        weight: ArrayView4<f32>,
        bias: &[f32],
        input: [usize; 2],
        pads: [(usize, usize); 2],
    ) -> Option<Self> {
        let (c_out, channels, kh, kw) = weight.dim();
        assert_eq!(bias.len(), c_out, "Winograd: one bias per output channel");
        let [(top, bottom), (left, right)] = pads;
        let full = [top + input[0] + bottom, left + input[1] + right];
        if (kh, kw) != (3, 3)
            || !available()
            || !worthwhile(c_out)
            || channels < MIN_CHANNELS
            || full[0] < 3
            || full[1] < 3
        {
            return None;
        }
        let output = [full[0] - 2, full[1] - 2];
        let tiles = [output[0].div_ceil(2), output[1].div_ceil(2)];
        Some(Winograd {
            channels,
            input,
            output,
            before: [top, left],
            padded: [2 * tiles[0] + 2, 2 * tiles[1] + 2],
            tiles,
            tiles_padded: (tiles[0] * tiles[1]).div_ceil(LANES) * LANES,
            out_channels: c_out,
            packed: transform_kernels(weight),
            bias: bias.to_vec(),
        })
    }

    fn plane(&self) -> usize {
        self.padded[0] * self.padded[1]
    }

    /// Tiles across, rounded up to whole vectors.
    fn across(&self) -> usize {
        self.tiles[1].div_ceil(LANES) * LANES
    }

    /// Floats of the four parts of the scratch buffer: the padded image, one channel's
    /// half-transformed rows, V and M.
    fn parts(&self) -> [usize; 4] {
        [
            self.channels * self.plane() + SLACK,
            4 * self.padded[0] * self.across(),
            XI * self.v_stride(),
            XI * self.m_stride(),
        ]
    }

    /// Floats from V[ξ] to V[ξ + 1]: c_in rows of tiles, plus [`PAD`].
    fn v_stride(&self) -> usize {
        self.channels * self.tiles_padded + PAD
    }

    /// Floats from M[ξ] to M[ξ + 1]: c_out rows (rounded up to blocks of 8) of tiles, plus
    /// [`PAD`].
    fn m_stride(&self) -> usize {
        self.out_channels.div_ceil(ROWS) * ROWS * self.tiles_padded + PAD
    }

    /// A scratch buffer for [`Winograd::image`], all zeros. Pass `image` only buffers made by
    /// this plan: it writes just the image's pixels and relies on the padding being zero.
    pub(crate) fn scratch(&self) -> Vec<f32> {
        vec![0.0; self.parts().iter().sum()]
    }

    /// One image: `x` is [c_in, h, w] in standard layout, `y` points at its [c_out, oh, ow]
    /// output, which this writes in full (bias included).
    ///
    /// # Safety
    ///
    /// `y` must be valid for writes of c_out · oh · ow floats, and [`available`] true.
    pub(crate) unsafe fn image(&self, x: &[f32], scratch: &mut Vec<f32>, y: *mut f32) {
        let [image_len, rows_len, v_len, m_len] = self.parts();
        if scratch.len() != image_len + rows_len + v_len + m_len {
            scratch.clear();
            scratch.resize(image_len + rows_len + v_len + m_len, 0.0);
        }
        let (padded, rest) = scratch.split_at_mut(image_len);
        let (rows, rest) = rest.split_at_mut(rows_len);
        let (v, m) = rest.split_at_mut(v_len);
        copy_padded(
            x,
            [self.channels, self.input[0], self.input[1]],
            padded,
            self.plane(),
            self.padded[1],
            self.before,
        );
        // SAFETY: the caller guarantees AVX-512 and `y`; the buffers have the plan's sizes.
        unsafe {
            self.transform_input(padded, rows, v);
            self.multiply(v, m);
            self.transform_output(m, y);
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for the patch d of tile t in channel c. Bᵀ d B is done in
    /// two passes, each on 16 tiles of a tile row at a time: d B along every padded row into
    /// `rows` ([s][row][tile across]), then Bᵀ (d B) down the columns into V.
    #[target_feature(enable = "avx512f")]
    unsafe fn transform_input(&self, padded: &[f32], rows: &mut [f32], v: &mut [f32]) {
        let ([th, tw], across) = (self.tiles, self.across());
        let ([height, width], plane) = (self.padded, self.plane());
        let stride = self.v_stride();
        assert!(
            padded.len() >= self.channels * plane + SLACK
                && rows.len() >= 4 * height * across
                && v.len() >= XI * stride,
            "Winograd: buffers too small"
        );
        // SAFETY: 16 i32s from arrays of 16.
        let (even, odd) = unsafe {
            (
                _mm512_loadu_si512(EVEN.as_ptr().cast()),
                _mm512_loadu_si512(ODD.as_ptr().cast()),
            )
        };
        for c in 0..self.channels {
            for row in 0..height {
                for first in (0..tw).step_by(LANES) {
                    // Columns 2 · tile + s for the 16 tiles from `first`: the even and odd
                    // floats of the 32 from column 2 · first, and of the 32 from 2 · first + 2.
                    let at = c * plane + row * width + 2 * first;
                    // SAFETY: 2 · first < width, so at + 34 < the channel's end + 34, inside
                    // the image's SLACK past the last channel.
                    let [a, b, a2, b2] = [0, LANES, 2, LANES + 2]
                        .map(|k| unsafe { _mm512_loadu_ps(padded.as_ptr().add(at + k)) });
                    let d0 = _mm512_permutex2var_ps(a, even, b);
                    let d1 = _mm512_permutex2var_ps(a, odd, b);
                    let d2 = _mm512_permutex2var_ps(a2, even, b2);
                    let d3 = _mm512_permutex2var_ps(a2, odd, b2);
                    for (s, value) in input_transform([d0, d1, d2, d3]).into_iter().enumerate() {
                        let to = (s * height + row) * across + first;
                        // SAFETY: first + 16 ≤ across, so inside `rows` (checked above).
                        unsafe { _mm512_storeu_ps(rows.as_mut_ptr().add(to), value) };
                    }
                }
            }
            for ti in 0..th {
                for first in (0..tw).step_by(LANES) {
                    let mask = lanes(tw - first);
                    for s in 0..4 {
                        // SAFETY: rows 2 · ti … 2 · ti + 3 < height, and first + 16 ≤ across.
                        let [a0, a1, a2, a3] = [0, 1, 2, 3].map(|r| unsafe {
                            _mm512_loadu_ps(
                                rows.as_ptr()
                                    .add((s * height + 2 * ti + r) * across + first),
                            )
                        });
                        let out = input_transform([a0, a1, a2, a3]);
                        for (r, value) in out.into_iter().enumerate() {
                            let to = (4 * r + s) * stride + c * self.tiles_padded + ti * tw + first;
                            // SAFETY: the mask keeps tiles first … tw − 1 of tile row ti, whose
                            // indices ti · tw + … are below th · tw ≤ tiles_padded.
                            unsafe { _mm512_mask_storeu_ps(v.as_mut_ptr().add(to), mask, value) };
                        }
                    }
                }
            }
        }
    }

    /// M[ξ] = U[ξ] · V[ξ] for the 16 positions ξ.
    #[target_feature(enable = "avx512f")]
    unsafe fn multiply(&self, v: &[f32], m: &mut [f32]) {
        let blocks = self.out_channels.div_ceil(ROWS);
        let vectors = self.tiles_padded / LANES;
        for xi in 0..XI {
            for block in 0..blocks {
                let mut first = 0;
                while first + 3 <= vectors {
                    // SAFETY: as `image`.
                    unsafe { self.product::<3>(v, m, xi, block, first) };
                    first += 3;
                }
                // SAFETY: as `image`.
                match vectors - first {
                    2 => unsafe { self.product::<2>(v, m, xi, block, first) },
                    1 => unsafe { self.product::<1>(v, m, xi, block, first) },
                    _ => {}
                }
            }
        }
    }

    /// Output channels 8 · block … 8 · block + 7 of M[ξ], at tile vectors first … first + N − 1.
    #[target_feature(enable = "avx512f")]
    unsafe fn product<const N: usize>(
        &self,
        v: &[f32],
        m: &mut [f32],
        xi: usize,
        block: usize,
        first: usize,
    ) {
        let (c_in, tiles) = (self.channels, self.tiles_padded);
        let blocks = self.out_channels.div_ceil(ROWS);
        let u = &self.packed[(xi * blocks + block) * c_in * ROWS..][..c_in * ROWS];
        let v = &v[xi * self.v_stride()..][..c_in * tiles];
        assert!(
            (first + N) * LANES <= tiles,
            "Winograd: a product past the tiles"
        );
        let mut sums = [[_mm512_setzero_ps(); N]; ROWS];
        for (c, u) in u.chunks_exact(ROWS).enumerate() {
            // SAFETY: row c of V[ξ] holds `tiles` floats, and (first + N) · 16 ≤ tiles.
            let x: [__m512; N] = std::array::from_fn(|k| unsafe {
                _mm512_loadu_ps(v.as_ptr().add(c * tiles + (first + k) * LANES))
            });
            for (sum, &u) in sums.iter_mut().zip(u) {
                let u = _mm512_set1_ps(u);
                for (s, &x) in sum.iter_mut().zip(&x) {
                    *s = _mm512_fmadd_ps(u, x, *s);
                }
            }
        }
        let out = &mut m[xi * self.m_stride() + block * ROWS * tiles..][..ROWS * tiles];
        for (row, sum) in sums.iter().enumerate() {
            for (k, &s) in sum.iter().enumerate() {
                let at = row * tiles + (first + k) * LANES;
                // SAFETY: inside `out`, which holds 8 rows of `tiles` floats.
                unsafe { _mm512_storeu_ps(out[at..at + LANES].as_mut_ptr(), s) };
            }
        }
    }

    /// Y = Aᵀ M A + bias for every output channel and tile, written to the image's outputs,
    /// 16 tiles of a tile row at a time.
    #[target_feature(enable = "avx512f")]
    unsafe fn transform_output(&self, m: &[f32], y: *mut f32) {
        let ([th, tw], tiles) = (self.tiles, self.tiles_padded);
        let xi_stride = self.m_stride();
        let [oh, ow] = self.output;
        assert!(m.len() >= XI * xi_stride, "Winograd: M too small");
        // SAFETY: 16 i32s from arrays of 16.
        let (low, high) = unsafe {
            (
                _mm512_loadu_si512(LOW.as_ptr().cast()),
                _mm512_loadu_si512(HIGH.as_ptr().cast()),
            )
        };
        for o in 0..self.out_channels {
            let bias = _mm512_set1_ps(self.bias[o]);
            for ti in 0..th {
                for first in (0..tw).step_by(LANES) {
                    let mask = lanes(tw - first);
                    let at = o * tiles + ti * tw + first;
                    // SAFETY: masked to tiles first … tw − 1 of tile row ti, all inside M[ξ].
                    let mm: [[__m512; 4]; 4] = std::array::from_fn(|r| {
                        std::array::from_fn(|s| unsafe {
                            _mm512_maskz_loadu_ps(
                                mask,
                                m.as_ptr().add((4 * r + s) * xi_stride + at),
                            )
                        })
                    });
                    for a in 0..2 {
                        let row = 2 * ti + a;
                        if row >= oh {
                            break;
                        }
                        // Row a of Aᵀ M, then its two columns (Aᵀ M) A, plus the bias.
                        let p: [__m512; 4] = std::array::from_fn(|s| {
                            if a == 0 {
                                _mm512_add_ps(_mm512_add_ps(mm[0][s], mm[1][s]), mm[2][s])
                            } else {
                                _mm512_sub_ps(_mm512_sub_ps(mm[1][s], mm[2][s]), mm[3][s])
                            }
                        });
                        let left = _mm512_add_ps(_mm512_add_ps(p[0], p[1]), p[2]);
                        let right = _mm512_sub_ps(_mm512_sub_ps(p[1], p[2]), p[3]);
                        let (left, right) = (_mm512_add_ps(left, bias), _mm512_add_ps(right, bias));
                        // Output columns from 2 · first: left and right interleaved.
                        for (half, index) in [low, high].into_iter().enumerate() {
                            let column = 2 * first + half * LANES;
                            if column >= ow {
                                break;
                            }
                            let value = _mm512_permutex2var_ps(left, index, right);
                            // SAFETY: row < oh, and the mask keeps columns below ow: inside the
                            // caller's c_out · oh · ow floats.
                            unsafe {
                                _mm512_mask_storeu_ps(
                                    y.add((o * oh + row) * ow + column),
                                    lanes(ow - column),
                                    value,
                                )
                            };
                        }
                    }
                }
            }
        }
    }
}

/// Bᵀ applied to four values (of 16 tiles each): (d₀ − d₂, d₁ + d₂, d₂ − d₁, d₁ − d₃).
#[target_feature(enable = "avx512f")]
#[inline]
fn input_transform([d0, d1, d2, d3]: [__m512; 4]) -> [__m512; 4] {
    [
        _mm512_sub_ps(d0, d2),
        _mm512_add_ps(d1, d2),
        _mm512_sub_ps(d2, d1),
        _mm512_sub_ps(d1, d3),
    ]
}

/// Lanes 0 … n − 1 (all 16 when n ≥ 16).
fn lanes(n: usize) -> __mmask16 {
    if n >= LANES { !0 } else { (1 << n) - 1 }
}

/// Lane k ← float 2k (EVEN) or 2k + 1 (ODD) of two registers side by side.
const EVEN: [i32; LANES] = pick(0);
const ODD: [i32; LANES] = pick(1);

const fn pick(parity: usize) -> [i32; LANES] {
    let mut index = [0; LANES];
    let mut k = 0;
    while k < LANES {
        index[k] = (2 * k + parity) as i32;
        k += 1;
    }
    index
}

/// Lane 2k ← lane k of the first register and lane 2k + 1 ← lane k of the second, for the k
/// of the low half (LOW) or the high half (HIGH).
const LOW: [i32; LANES] = interleave(0);
const HIGH: [i32; LANES] = interleave(LANES / 2);

const fn interleave(from: usize) -> [i32; LANES] {
    let mut index = [0; LANES];
    let mut k = 0;
    while k < LANES {
        index[k] = (from + k / 2 + (k % 2) * LANES) as i32;
        k += 1;
    }
    index
}

/// U = G g Gᵀ for every kernel g, packed [ξ][block of 8 output channels][c_in][8].
fn transform_kernels(weight: ArrayView4<f32>) -> Vec<f32> {
    let (c_out, c_in, _, _) = weight.dim();
    let blocks = c_out.div_ceil(ROWS);
    let mut packed = vec![0.0; XI * blocks * c_in * ROWS];
    for o in 0..c_out {
        for c in 0..c_in {
            let g = |r: usize, s: usize| weight[[o, c, r, s]];
            // G g: four rows from three.
            let gg: [[f32; 3]; 4] = std::array::from_fn(|r| {
                std::array::from_fn(|s| match r {
                    0 => g(0, s),
                    1 => (g(0, s) + g(1, s) + g(2, s)) / 2.0,
                    2 => (g(0, s) - g(1, s) + g(2, s)) / 2.0,
                    _ => g(2, s),
                })
            });
            for (r, row) in gg.iter().enumerate() {
                // (G g) Gᵀ: four columns from three.
                let u = [
                    row[0],
                    (row[0] + row[1] + row[2]) / 2.0,
                    (row[0] - row[1] + row[2]) / 2.0,
                    row[2],
                ];
                for (s, value) in u.into_iter().enumerate() {
                    let xi = 4 * r + s;
                    packed[((xi * blocks + o / ROWS) * c_in + c) * ROWS + o % ROWS] = value;
                }
            }
        }
    }
    packed
}
