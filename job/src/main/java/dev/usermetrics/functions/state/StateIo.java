package dev.usermetrics.functions.state;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The primitives of the compact state formats: variable-length integers (small values in one
 * byte), zigzag for signed deltas, event ids (a canonical lowercase UUID, what the Langfuse SDKs
 * send, in 16 bytes), strings and the usage and cost maps. Every encoding round-trips every
 * value, null included.
 */
final class StateIo {
    private static final int NULL_ID = 0;
    private static final int UUID_ID = 1;
    private static final int TEXT_ID = 2;

    private StateIo() {}

    static void writeVarLong(DataOutputView out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long readVarLong(DataInputView in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("malformed variable-length integer");
    }

    static void writeVarInt(DataOutputView out, int v) throws IOException {
        writeVarLong(out, v & 0xFFFFFFFFL);
    }

    static int readVarInt(DataInputView in) throws IOException {
        return (int) readVarLong(in);
    }

    /** A signed value, small in magnitude either way (a delta between two timestamps). */
    static void writeSigned(DataOutputView out, long v) throws IOException {
        writeVarLong(out, (v << 1) ^ (v >> 63));
    }

    static long readSigned(DataInputView in) throws IOException {
        long z = readVarLong(in);
        return (z >>> 1) ^ -(z & 1);
    }

    static void writeString(DataOutputView out, String s) throws IOException {
        StringValue.writeString(s, out);
    }

    static String readString(DataInputView in) throws IOException {
        return StringValue.readString(in);
    }

    static void writeId(DataOutputView out, String id) throws IOException {
        if (id == null) {
            out.writeByte(NULL_ID);
        } else if (isCanonicalUuid(id)) {
            out.writeByte(UUID_ID);
            out.writeLong(hex(id, 0, 8) << 32 | hex(id, 9, 13) << 16 | hex(id, 14, 18));
            out.writeLong(hex(id, 19, 23) << 48 | hex(id, 24, 36));
        } else {
            out.writeByte(TEXT_ID);
            writeString(out, id);
        }
    }

    static String readId(DataInputView in) throws IOException {
        int kind = in.readUnsignedByte();
        switch (kind) {
            case NULL_ID:
                return null;
            case UUID_ID: {
                long hi = in.readLong();
                long lo = in.readLong();
                char[] c = new char[36];
                putHex(c, 0, 8, hi >>> 32);
                c[8] = '-';
                putHex(c, 9, 13, hi >>> 16);
                c[13] = '-';
                putHex(c, 14, 18, hi);
                c[18] = '-';
                putHex(c, 19, 23, lo >>> 48);
                c[23] = '-';
                putHex(c, 24, 36, lo);
                return new String(c);
            }
            case TEXT_ID:
                return readString(in);
            default:
                throw new IOException("unknown id encoding " + kind);
        }
    }

    /** 8-4-4-4-12 lowercase hex digits: exactly the strings the 16-byte form gives back. */
    static boolean isCanonicalUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char ch = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static long hex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            v = v << 4 | Character.digit(s.charAt(i), 16);
        }
        return v;
    }

    private static void putHex(char[] c, int from, int to, long v) {
        for (int i = to - 1; i >= from; i--) {
            c[i] = Character.forDigit((int) (v & 0xF), 16);
            v >>>= 4;
        }
    }

    static void writeDecimal(DataOutputView out, BigDecimal d) throws IOException {
        writeSigned(out, d.scale());
        byte[] unscaled = d.unscaledValue().toByteArray();
        writeVarInt(out, unscaled.length);
        out.write(unscaled);
    }

    static BigDecimal readDecimal(DataInputView in) throws IOException {
        int scale = (int) readSigned(in);
        byte[] unscaled = new byte[readVarInt(in)];
        in.readFully(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    /**
     * A map that is not null starts with its size times two, plus one when a value is null (then
     * each value has a presence byte). Returns whether one is.
     */
    private static boolean writeMapHeader(DataOutputView out, Map<String, ?> m) throws IOException {
        boolean nulls = false;
        for (Object v : m.values()) {
            nulls |= v == null;
        }
        writeVarInt(out, m.size() << 1 | (nulls ? 1 : 0));
        return nulls;
    }

    static void writeLongMap(DataOutputView out, Map<String, Long> m) throws IOException {
        writeMap(out, m, StateIo::writeSigned);
    }

    static Map<String, Long> readLongMap(DataInputView in) throws IOException {
        return readMap(in, StateIo::readSigned);
    }

    static void writeDecimalMap(DataOutputView out, Map<String, BigDecimal> m) throws IOException {
        writeMap(out, m, StateIo::writeDecimal);
    }

    static Map<String, BigDecimal> readDecimalMap(DataInputView in) throws IOException {
        return readMap(in, StateIo::readDecimal);
    }

    private interface ValueWriter<V> {
        void write(DataOutputView out, V v) throws IOException;
    }

    private interface ValueReader<V> {
        V read(DataInputView in) throws IOException;
    }

    private static <V> void writeMap(DataOutputView out, Map<String, V> m, ValueWriter<V> values) throws IOException {
        boolean nulls = writeMapHeader(out, m);
        for (Map.Entry<String, V> e : m.entrySet()) {
            writeString(out, e.getKey());
            if (nulls) {
                out.writeBoolean(e.getValue() != null);
            }
            if (e.getValue() != null) {
                values.write(out, e.getValue());
            }
        }
    }

    private static <V> Map<String, V> readMap(DataInputView in, ValueReader<V> values) throws IOException {
        int header = readVarInt(in);
        int size = header >>> 1;
        boolean nulls = (header & 1) != 0;
        Map<String, V> m = new HashMap<>(capacity(size));
        for (int i = 0; i < size; i++) {
            String k = readString(in);
            m.put(k, !nulls || in.readBoolean() ? values.read(in) : null);
        }
        return m;
    }

    private static int capacity(int size) {
        return Math.max(4, (int) (size / 0.75f) + 1);
    }
}
