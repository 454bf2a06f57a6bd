package dev.usermetrics.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BoundedNumbersTest {

    @Test
    void exponentComesFromPrecisionAndScale() {
        assertThat(BoundedNumbers.exponent(new BigDecimal("1e10000000"))).isEqualTo(10_000_000L);
        assertThat(BoundedNumbers.exponent(new BigDecimal("1e-10000000"))).isEqualTo(-10_000_000L);
        assertThat(BoundedNumbers.exponent(new BigDecimal("9999"))).isEqualTo(3);
        assertThat(BoundedNumbers.exponent(new BigDecimal("0.05"))).isEqualTo(-2);
        assertThat(BoundedNumbers.exponent(new BigDecimal("1e2147483647"))).isEqualTo(2_147_483_647L);
    }

    @Test
    void integersAreExactWithinTheirBoundAndNeverExpandedBeyondIt() {
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("1.0e2"), 16)).isEqualTo(BigInteger.valueOf(100));
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("9007199254740992"), 16)).isEqualTo(BigInteger.ONE.shiftLeft(53));
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("0E-10000000"), 16)).isEqualTo(BigInteger.ZERO);
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("1e16"), 16)).isNull();
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("1e10000000"), 16)).isNull();
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("1e-10000000"), 16)).isNull();
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("1" + "0".repeat(900) + "e-10000000"), 16)).isNull();
        assertThat(BoundedNumbers.integerOrNull(new BigDecimal("2.5"), 16)).isNull();
    }

    @Test
    void canonicalFormDropsTrailingZerosAndBoundsTheScale() {
        assertThat(BoundedNumbers.canonicalOrNull(new BigDecimal("1.2300"), 20)).isEqualTo(new BigDecimal("1.23"));
        assertThat(BoundedNumbers.canonicalOrNull(new BigDecimal("1.5e3"), 20)).isEqualTo(new BigDecimal("1500"));
        assertThat(BoundedNumbers.canonicalOrNull(new BigDecimal("0.000000000000000000001"), 20)).isNull();
        assertThat(BoundedNumbers.canonicalOrNull(new BigDecimal("1e-10000000"), 20)).isNull();
        assertThat(BoundedNumbers.canonicalOrNull(new BigDecimal("0E-10000000"), 20)).isEqualTo(BigDecimal.ZERO);
        assertThat(BoundedNumbers.absBelowPowerOfTen(new BigDecimal("999999999999.9"), 12)).isTrue();
        assertThat(BoundedNumbers.absBelowPowerOfTen(new BigDecimal("1e12"), 12)).isFalse();
    }

    @Test
    void textIsLengthBoundedBeforeParsing() {
        assertThat(BoundedNumbers.parseOrNull(" 12.5 ")).isEqualTo(new BigDecimal("12.5"));
        assertThat(BoundedNumbers.parseOrNull("1".repeat(BoundedNumbers.MAX_NUMBER_CHARS + 1))).isNull();
        assertThat(BoundedNumbers.parseOrNull("twelve")).isNull();
        assertThat(BoundedNumbers.parseOrNull("")).isNull();
    }

    @Test
    void keyLimitsFitOnePostgresIndexRowInTheWorstCase() {
        // Per column: 4 bytes of varlena header and up to 3 of alignment; 8 bytes of tuple header.
        int overhead = 8;
        int perColumn = 7;
        int modelDaily = KeyLimits.PROJECT_ID_MAX_BYTES + KeyLimits.USER_ID_MAX_BYTES + KeyLimits.ENVIRONMENT_MAX_BYTES
                + 8 + KeyLimits.MODEL_MAX_BYTES + overhead + 5 * perColumn;
        int scores = KeyLimits.PROJECT_ID_MAX_BYTES + KeyLimits.USER_ID_MAX_BYTES + KeyLimits.SCORE_NAME_MAX_BYTES
                + "CATEGORICAL".length() + overhead + 4 * perColumn;
        assertThat(modelDaily).isLessThan(KeyLimits.POSTGRES_BTREE_MAX_ROW_BYTES);
        assertThat(scores).isLessThan(KeyLimits.POSTGRES_BTREE_MAX_ROW_BYTES);
    }

    @Test
    void utf8LengthMatchesTheEncoder() {
        Random r = new Random(3);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < 20; k++) {
                int cp = switch (r.nextInt(4)) {
                    case 0 -> r.nextInt(0x80);
                    case 1 -> 0x80 + r.nextInt(0x780);
                    case 2 -> 0x800 + r.nextInt(0xD000 - 0x800);
                    default -> 0x10000 + r.nextInt(0x10FFFF - 0x10000);
                };
                b.appendCodePoint(cp);
            }
            String s = b.toString();
            assertThat(KeyLimits.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
