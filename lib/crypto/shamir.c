/*
 * shamir.c: Shamir secret sharing of a 32-byte key over GF(2^8).
 *
 * Each byte of the secret is the constant term of its own random polynomial
 * of degree k-1; share x holds the 32 values at x (x = 1..n). Any k shares
 * give the polynomials back by Lagrange interpolation at 0; k-1 shares say
 * nothing about the secret.
 *
 * The field is GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1
 * (0x11b). Secret bytes flow through the multiplication, so it is written in
 * constant time: a fixed number of shift-and-xor steps where each
 * "if bit set" is a mask, no branch and no table indexed by data. The inverse
 * is a^254 (Fermat), by a fixed chain of squarings and multiplications, which
 * also gives inv(0) = 0.
 */
#include "mnsafe/crypto.h"

/* All ones if the low bit of v is set, else zero. */
static uint8_t bit_mask(unsigned v)
{
    return (uint8_t)(0u - (v & 1u));
}

uint8_t mns_gf256_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;

    for (int i = 0; i < 8; i++) {
        r ^= (uint8_t)(bit_mask(b) & a);
        /* a *= x, reducing by 0x11b when the top bit falls out */
        uint8_t carry = bit_mask((unsigned)a >> 7);
        a = (uint8_t)((a << 1) ^ (carry & 0x1b));
        b >>= 1;
    }
    return r;
}

uint8_t mns_gf256_inv(uint8_t a)
{
    /* 254 = 0b11111110: a^254 = a^2 * a^4 * ... * a^128. */
    uint8_t sq = a, r = 1;

    for (int i = 1; i < 8; i++) {
        sq = mns_gf256_mul(sq, sq); /* a^(2^i) */
        r = mns_gf256_mul(r, sq);
    }
    return r;
}

mns_err mns_shamir_split(struct mns_share *shares, unsigned n, unsigned k,
                         const uint8_t secret[MNS_KEY_LEN])
{
    /* coef[0] is the secret byte, coef[1..k-1] random. */
    uint8_t coef[MNS_SHARES_MAX];
    uint32_t set_id = 0;
    mns_err r;

    if (shares == NULL || secret == NULL || k < 2 || k > n || n > MNS_SHARES_MAX)
        return MNS_ERR_INVALID;

    do {
        if ((r = mns_random(&set_id, sizeof(set_id))) != MNS_OK)
            goto out;
    } while (set_id == 0);

    for (unsigned s = 0; s < n; s++) {
        shares[s].threshold = (uint8_t)k;
        shares[s].set_id = set_id;
        shares[s].x = (uint8_t)(s + 1);
    }
    for (size_t j = 0; j < MNS_KEY_LEN; j++) {
        coef[0] = secret[j];
        if ((r = mns_random(coef + 1, k - 1)) != MNS_OK)
            goto out;
        for (unsigned s = 0; s < n; s++) {
            /* Horner: y = (...(c[k-1] x + c[k-2]) x + ...) x + c[0] */
            uint8_t x = shares[s].x, y = coef[k - 1];
            for (unsigned d = k - 1; d-- > 0;)
                y = (uint8_t)(mns_gf256_mul(y, x) ^ coef[d]);
            shares[s].y[j] = y;
        }
    }
    r = MNS_OK;
out:
    mns_wipe(coef, sizeof(coef));
    if (r != MNS_OK)
        mns_wipe(shares, n * sizeof(*shares));
    return r;
}

/* Checks the shares fit together; names the first one that does not. */
static mns_err check_shares(const struct mns_share *shares, size_t count, mns_errmsg *em)
{
    if (count == 0)
        return mns_fail(em, MNS_ERR_BAD_SHARE, "no shares given / シェアが入力されていません");
    if (count > MNS_SHARES_MAX)
        return mns_fail(em, MNS_ERR_BAD_SHARE,
                        "too many shares given (at most %d) / シェアが多すぎます（最大%d）",
                        MNS_SHARES_MAX, MNS_SHARES_MAX);
    for (size_t i = 0; i < count; i++) {
        const struct mns_share *s = &shares[i];
        if (s->x == 0)
            return mns_fail(em, MNS_ERR_BAD_SHARE,
                            "share %zu has no valid x coordinate / シェア%zuの番号が不正です",
                            i + 1, i + 1);
        if (s->threshold < 2)
            return mns_fail(em, MNS_ERR_BAD_SHARE,
                            "share %zu has an invalid threshold / シェア%zuのしきい値が不正です",
                            i + 1, i + 1);
        if (i == 0)
            continue;
        if (s->set_id != shares[0].set_id)
            return mns_fail(em, MNS_ERR_BAD_SHARE,
                            "share %zu belongs to another set (another init) / "
                            "シェア%zuは別の初期化のものです",
                            i + 1, i + 1);
        if (s->threshold != shares[0].threshold)
            return mns_fail(em, MNS_ERR_BAD_SHARE,
                            "share %zu disagrees with share 1 on the threshold / "
                            "シェア%zuのしきい値がシェア1と一致しません",
                            i + 1, i + 1);
        for (size_t j = 0; j < i; j++)
            if (shares[j].x == s->x)
                return mns_fail(em, MNS_ERR_BAD_SHARE,
                                "share %zu repeats share %zu / シェア%zuはシェア%zuと重複しています",
                                i + 1, j + 1, i + 1, j + 1);
    }
    if (count < shares[0].threshold)
        return mns_fail(em, MNS_ERR_BAD_SHARE,
                        "%zu shares given, %u needed / シェアが不足しています（%zu/%u）", count,
                        (unsigned)shares[0].threshold, count, (unsigned)shares[0].threshold);
    return MNS_OK;
}

mns_err mns_shamir_combine(uint8_t secret[MNS_KEY_LEN], const struct mns_share *shares,
                           size_t count, mns_errmsg *em)
{
    uint8_t acc[MNS_KEY_LEN] = {0};
    uint8_t basis = 0;
    mns_err r;

    if (secret == NULL || (shares == NULL && count > 0))
        return MNS_ERR_INVALID;
    if ((r = check_shares(shares, count, em)) != MNS_OK)
        return r;

    /* secret = sum_i y_i * l_i(0), l_i(0) = prod_{j != i} x_j / (x_j - x_i);
     * in GF(2^8) subtraction is xor. The x are distinct, so x_j ^ x_i != 0. */
    for (size_t i = 0; i < count; i++) {
        uint8_t num = 1, den = 1;
        for (size_t j = 0; j < count; j++) {
            if (j == i)
                continue;
            num = mns_gf256_mul(num, shares[j].x);
            den = mns_gf256_mul(den, (uint8_t)(shares[j].x ^ shares[i].x));
        }
        basis = mns_gf256_mul(num, mns_gf256_inv(den));
        for (size_t b = 0; b < MNS_KEY_LEN; b++)
            acc[b] ^= mns_gf256_mul(shares[i].y[b], basis);
    }
    memcpy(secret, acc, MNS_KEY_LEN);
    mns_wipe(acc, sizeof(acc));
    mns_wipe(&basis, sizeof(basis));
    return MNS_OK;
}
