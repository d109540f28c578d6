/* test_crypto_gf256.c: GF(2^8) arithmetic (AES polynomial 0x11b) against a
 * straightforward reference, over all 65536 products. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

/* Schoolbook: carry-less product of two polynomials, then reduce mod 0x11b. */
static uint8_t ref_mul(uint8_t a, uint8_t b)
{
    unsigned p = 0;
    for (int i = 0; i < 8; i++)
        if (b & (1u << i))
            p ^= (unsigned)a << i;
    for (int i = 14; i >= 8; i--)
        if (p & (1u << i))
            p ^= 0x11bu << (i - 8);
    return (uint8_t)p;
}

static void test_reference_is_right(void **state)
{
    (void)state;
    /* FIPS-197 section 4.2: {57} x {83} = {c1}, {57} x {13} = {fe} */
    assert_int_equal(ref_mul(0x57, 0x83), 0xc1);
    assert_int_equal(ref_mul(0x57, 0x13), 0xfe);
}

static void test_mul_spot_checks(void **state)
{
    (void)state;
    assert_int_equal(mns_gf256_mul(0x57, 0x83), 0xc1);
    assert_int_equal(mns_gf256_mul(0x57, 0x13), 0xfe);
    assert_int_equal(mns_gf256_mul(0x53, 0xca), 0x01); /* inverses in the AES S-box derivation */
    assert_int_equal(mns_gf256_mul(0x80, 0x02), 0x1b); /* x^7 * x wraps */
    assert_int_equal(mns_gf256_mul(0xff, 0x00), 0x00);
    assert_int_equal(mns_gf256_mul(0x01, 0xab), 0xab);
}

static void test_mul_all_products(void **state)
{
    unsigned mismatches = 0;
    (void)state;
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            if (mns_gf256_mul((uint8_t)a, (uint8_t)b) != ref_mul((uint8_t)a, (uint8_t)b))
                mismatches++;
    assert_int_equal(mismatches, 0);
}

static void test_inverse(void **state)
{
    (void)state;
    assert_int_equal(mns_gf256_inv(0), 0);
    assert_int_equal(mns_gf256_inv(1), 1);
    assert_int_equal(mns_gf256_inv(0x53), 0xca);
    for (unsigned a = 1; a < 256; a++) {
        uint8_t inv = mns_gf256_inv((uint8_t)a);
        assert_int_equal(mns_gf256_mul((uint8_t)a, inv), 1);
        assert_int_equal(ref_mul((uint8_t)a, inv), 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_is_right),
        cmocka_unit_test(test_mul_spot_checks),
        cmocka_unit_test(test_mul_all_products),
        cmocka_unit_test(test_inverse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
