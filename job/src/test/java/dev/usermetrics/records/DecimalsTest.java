package dev.usermetrics.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class DecimalsTest {

    private static final String[] VALUES = {"0", "0.000", "0E+5", "0E-30", "-0.0", "1", "1.0", "1.50", "0.5", "10", "100",
            "1E+2", "1.5E+3", "1500.000", "-2.50", "-1E+3", "0.000000000100", "1E-10", "123456789012.12345678901234567890",
            "999999999999.99999999999999999999", "3.1415926535897932384626433832795028841971"};

    @Test
    void theSameValueIsTheSameDecimalAndTheSameText() {
        assertThat(Decimals.canonical(new BigDecimal("1.50"))).isEqualTo(new BigDecimal("1.5"));
        assertThat(Decimals.canonical(new BigDecimal("1.5E+3"))).isEqualTo(new BigDecimal("1500"));
        assertThat(Decimals.canonical(new BigDecimal("0E-7"))).isSameAs(BigDecimal.ZERO);
        assertThat(Decimals.text(new BigDecimal("0.000000000100"))).isEqualTo("0.0000000001");
        assertThat(Decimals.text(new BigDecimal("-1E+3"))).isEqualTo("-1000");
        assertThat(Decimals.text(null)).isNull();
        for (String v : VALUES) {
            BigDecimal d = new BigDecimal(v);
            BigDecimal c = Decimals.canonical(d);
            assertThat(c.compareTo(d)).as(v).isZero();
            assertThat(c.scale()).as(v).isNotNegative();
            assertThat(Decimals.canonical(c)).as(v).isEqualTo(c);
            assertThat(Decimals.text(d)).as(v).isEqualTo(c.toPlainString());
        }
    }

    @Test
    void theTextIsWhatEachOfTheFormerCopiesWrote() {
        // SinkStatements, PriceSnapshot, PriceCheck and TableDiff each wrote the form out
        // themselves; the tables, fingerprints and reports must not change by a byte.
        for (String v : VALUES) {
            BigDecimal d = new BigDecimal(v);
            String sink = (d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros()).toPlainString();
            String fingerprint = d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
            String report = d.stripTrailingZeros().toPlainString();
            assertThat(Decimals.text(d)).as(v).isEqualTo(sink).isEqualTo(fingerprint).isEqualTo(report);
        }
    }
}
