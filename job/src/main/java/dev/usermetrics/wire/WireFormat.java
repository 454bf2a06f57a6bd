package dev.usermetrics.wire;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The field encodings of the wire serializers: nullable strings and longs, exact decimals
 * (scale + unscaled two's-complement bytes), enums by ordinal, and the maps the records carry.
 * Maps are written as a count (-1 for null) followed by their entries.
 */
final class WireFormat {
    private WireFormat() {}

    /** Length (-1 for null) and UTF-8 bytes: any length (writeUTF stops at 64 KiB), fast for ASCII. */
    static void writeString(DataOutputView out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static void writeNullableLong(DataOutputView out, Long v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }

    static Long readNullableLong(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    static void writeDecimal(DataOutputView out, BigDecimal d) throws IOException {
        out.writeBoolean(d != null);
        if (d != null) {
            byte[] unscaled = d.unscaledValue().toByteArray();
            out.writeInt(d.scale());
            out.writeInt(unscaled.length);
            out.write(unscaled);
        }
    }

    static BigDecimal readDecimal(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int scale = in.readInt();
        byte[] unscaled = new byte[in.readInt()];
        in.readFully(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    static <E extends Enum<E>> void writeEnum(DataOutputView out, E e) throws IOException {
        out.writeByte(e == null ? -1 : e.ordinal());
    }

    static <E extends Enum<E>> E readEnum(DataInputView in, E[] values) throws IOException {
        byte b = in.readByte();
        return b < 0 ? null : values[b];
    }

    @FunctionalInterface
    interface Writer<T> {
        void write(DataOutputView out, T value) throws IOException;
    }

    @FunctionalInterface
    interface Reader<T> {
        T read(DataInputView in) throws IOException;
    }

    static <K, V> void writeMap(DataOutputView out, Map<K, V> map, Writer<K> key, Writer<V> value) throws IOException {
        if (map == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(map.size());
        for (Map.Entry<K, V> e : map.entrySet()) {
            key.write(out, e.getKey());
            value.write(out, e.getValue());
        }
    }

    static <K, V> Map<K, V> readMap(DataInputView in, Reader<K> key, Reader<V> value) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        Map<K, V> map = new HashMap<>(Math.max(4, n * 4 / 3 + 1));
        for (int i = 0; i < n; i++) {
            map.put(key.read(in), value.read(in));
        }
        return map;
    }

    static final Writer<String> STRING = WireFormat::writeString;
    static final Reader<String> READ_STRING = WireFormat::readString;
    static final Writer<Long> LONG = DataOutputView::writeLong;
    static final Reader<Long> READ_LONG = DataInputView::readLong;
    static final Writer<BigDecimal> DECIMAL = WireFormat::writeDecimal;
    static final Reader<BigDecimal> READ_DECIMAL = WireFormat::readDecimal;
}
