//! Least-significant-digit radix sort on a 32-bit key: one pass that counts all four
//! byte digits, then one stable scatter per byte, a pass skipped when every key has the
//! same byte there. For the thousands to millions of samples a forecast or a driver
//! analysis sorts, several times faster than a comparison sort, whose branches
//! mispredict on random data.

/// Sorts `v` by `key`, stably, with `tmp` as scratch. Fewer than 512 items go to the
/// standard (stable) sort: too few to repay four 256-entry histograms.
pub(crate) fn sort_by_key<T: Copy + Default>(
    v: &mut Vec<T>,
    tmp: &mut Vec<T>,
    key: impl Fn(T) -> u32,
) {
    let n = v.len();
    if n < 512 {
        v.sort_by_key(|&x| key(x));
        return;
    }
    let mut count = [[0u32; 256]; 4];
    for &x in v.iter() {
        let k = key(x);
        count[0][(k & 0xff) as usize] += 1;
        count[1][((k >> 8) & 0xff) as usize] += 1;
        count[2][((k >> 16) & 0xff) as usize] += 1;
        count[3][(k >> 24) as usize] += 1;
    }
    tmp.clear();
    tmp.resize(n, T::default());
    for (d, c) in count.iter_mut().enumerate() {
        if c.iter().any(|&x| x as usize == n) {
            continue;
        }
        let mut sum = 0;
        for x in c.iter_mut() {
            (*x, sum) = (sum, sum + *x);
        }
        let shift = 8 * d;
        for &x in v.iter() {
            let b = ((key(x) >> shift) & 0xff) as usize;
            tmp[c[b] as usize] = x;
            c[b] += 1;
        }
        std::mem::swap(v, tmp);
    }
}

/// Sorts `v` ascending in the order of `f32::total_cmp`, bit for bit what
/// `v.sort_unstable_by(f32::total_cmp)` gives (items of equal key have equal bits).
pub fn sort_f32(v: &mut Vec<f32>) {
    let mut tmp = Vec::new();
    sort_by_key(v, &mut tmp, order_key);
}

/// An order-preserving map of a float to u32, in the order of `f32::total_cmp`: `a < b`
/// ⇔ `order_key(a) < order_key(b)`, −0 just below +0, NaNs at the ends by sign. Integer
/// keys sort much faster.
#[inline(always)]
pub(crate) fn order_key(x: f32) -> u32 {
    let b = x.to_bits();
    if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_total_cmp_bit_for_bit() {
        let mut next = crate::lanes::rng::test_sequence(5);
        let special = [
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
        ];
        for n in [0, 1, 7, 511, 512, 513, 3000, 20_000] {
            let mut v: Vec<f32> = (0..n)
                .map(|i| match next() % 8 {
                    // Many ties and the special values; a few constant high bytes.
                    0 => special[i % special.len()],
                    1 => (next() % 5) as f32,
                    2 => -((next() % 1000) as f32) / 7.0,
                    _ => f32::from_bits(next() as u32),
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable_by(f32::total_cmp);
            sort_f32(&mut v);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&v), bits(&want), "n = {n}");
        }
    }

    #[test]
    fn sorting_by_key_is_stable() {
        let mut next = crate::lanes::rng::test_sequence(9);
        let mut v: Vec<(u32, u32)> = (0..5000)
            .map(|i| ((next() % 300) as u32 * 0x0001_0101, i))
            .collect();
        let mut want = v.clone();
        want.sort_by_key(|p| p.0);
        sort_by_key(&mut v, &mut Vec::new(), |p| p.0);
        assert_eq!(v, want);
    }
}
