package dev.usermetrics.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.Formatter;
import org.apache.flink.configuration.description.TextElement;
import org.apache.flink.util.TimeUtils;

/** Renders {@link ConfigOption}s as command-line help: plain-text descriptions, compact defaults, wrapped lines. */
final class OptionHelp {
    /** Column where descriptions start, and the width they wrap at. */
    static final int INDENT = 38;
    static final int WIDTH = 110;

    private OptionHelp() {}

    static String describe(ConfigOption<?> option) {
        return new PlainText().format(option.description());
    }

    /** What the option takes, by the type of its value: {@code <duration>}, {@code <n>}, {@code <key=value>}, {@code <value>}. */
    static String valueHint(ConfigOption<?> option) {
        Object d = option.defaultValue();
        return d instanceof Duration ? "<duration>" : d instanceof Integer ? "<n>"
                : d instanceof List<?> ? "<key=value>" : "<value>";
    }

    /** The default as a user would type it ("" when there is none worth showing). */
    static String defaultShown(ConfigOption<?> option) {
        return option.hasDefaultValue() ? valueShown(option.defaultValue()) : "";
    }

    static String valueShown(Object value) {
        if (value instanceof Duration d) {
            // Flink writes "7 d"; the form a user types is "7d" (both parse).
            return d.isZero() ? "0" : TimeUtils.formatWithHighestUnit(d).replace(" ", "");
        }
        if (value instanceof List<?> l) {
            return String.join(",", l.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    /** {@code left} padded to {@link #INDENT}, then {@code text} wrapped at {@link #WIDTH}, continuation lines indented. */
    static String wrap(String left, String text) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(left);
        if (line.length() >= INDENT) {
            out.append(line).append('\n');
            line.setLength(0);
        }
        pad(line);
        boolean first = true;
        for (String word : text.split(" ")) {
            if (!first && line.length() + 1 + word.length() > WIDTH) {
                out.append(line).append('\n');
                line.setLength(0);
                pad(line);
                first = true;
            }
            line.append(first ? "" : " ").append(word);
            first = false;
        }
        return out.append(line).append('\n').toString();
    }

    private static void pad(StringBuilder line) {
        while (line.length() < INDENT) {
            line.append(' ');
        }
    }

    /** Flink ships an HTML formatter for option descriptions; help output wants them as plain text. */
    private static final class PlainText extends Formatter {
        @Override
        protected void formatLink(StringBuilder state, String link, String description) {
            state.append(description.isEmpty() ? link : description + " (" + link + ")");
        }

        @Override
        protected void formatLineBreak(StringBuilder state) {
            state.append(' ');
        }

        @Override
        protected void formatText(StringBuilder state, String format, String[] elements,
                EnumSet<TextElement.TextStyle> styles) {
            state.append(String.format(format, (Object[]) elements));
        }

        @Override
        protected void formatList(StringBuilder state, String[] entries) {
            state.append(String.join("; ", entries));
        }

        @Override
        protected Formatter newInstance() {
            return new PlainText();
        }
    }
}
