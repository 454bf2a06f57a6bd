package dev.usermetrics.localcluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws bin/bench's plot as a dependency-free SVG: throughput bars (ceiling, job, Flink SQL,
 * scaling runs) on the left, the freshness distribution (share of probes visible after t seconds)
 * on the right with the target as a dashed line.
 *
 * <pre>BenchPlot BARS_TSV DELAYS_FILE TARGET_S TITLE OUTPUT.svg</pre>
 * BARS_TSV: one {@code label<TAB>events per second} per line; DELAYS_FILE: one delay (s) per line.
 */
public final class BenchPlot {
    private static final int W = 980, H = 420, PANEL_TOP = 60, PANEL_H = 310;

    private BenchPlot() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: BenchPlot BARS_TSV DELAYS_FILE TARGET_S TITLE OUTPUT.svg");
            System.exit(2);
        }
        Map<String, Double> bars = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split("\t");
            if (f.length == 2 && !f[1].isBlank()) {
                bars.put(f[0], Double.parseDouble(f[1]));
            }
        }
        List<Double> delays = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            if (!line.isBlank()) {
                delays.add(Double.parseDouble(line));
            }
        }
        Files.writeString(Path.of(args[4]), svg(bars, delays, Double.parseDouble(args[2]), args[3]));
    }

    static String svg(Map<String, Double> bars, List<Double> delays, double target, String title) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", W, H));
        s.append(text(20, 25, esc(title), "font-size=\"15\" font-weight=\"bold\""));
        throughput(s, bars);
        freshness(s, delays, target);
        return s.append("</svg>\n").toString();
    }

    private static void throughput(StringBuilder s, Map<String, Double> bars) {
        int x0 = 190, width = 280;
        s.append(text(20, PANEL_TOP - 10, "Throughput (events/s, bounded runs)", "font-weight=\"bold\""));
        double max = bars.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int row = bars.isEmpty() ? 20 : Math.min(28, PANEL_H / bars.size());
        int y = PANEL_TOP;
        for (Map.Entry<String, Double> b : bars.entrySet()) {
            double w = width * b.getValue() / max;
            s.append(text(x0 - 8, y + row / 2 + 4, esc(b.getKey()), "text-anchor=\"end\""));
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                    x0, y + 3, w, row - 6, b.getKey().startsWith("ceiling") ? "#999" : b.getKey().startsWith("Flink SQL") ? "#d08a2c" : "#3a6fb0"));
            s.append(text((int) (x0 + w + 4), y + row / 2 + 4, String.format(Locale.ROOT, "%,.0f", b.getValue()), ""));
            y += row;
        }
    }

    private static void freshness(StringBuilder s, List<Double> delays, double target) {
        int x0 = 580, y0 = PANEL_TOP + PANEL_H - 20, width = 360, height = PANEL_H - 40;
        s.append(text(x0 - 30, PANEL_TOP - 10, "Freshness: share of probe rows visible after t", "font-weight=\"bold\""));
        List<Double> finite = delays.stream().filter(d -> !d.isInfinite()).sorted().toList();
        double maxT = Math.max(target * 1.2, finite.isEmpty() ? 1 : finite.get(finite.size() - 1) * 1.05);
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, y0, x0 + width, y0));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, y0, x0, y0 - height));
        for (int i = 0; i <= 4; i++) {
            double t = maxT * i / 4;
            s.append(text(x0 + width * i / 4, y0 + 15, String.format(Locale.ROOT, "%.1f s", t), "text-anchor=\"middle\""));
            s.append(text(x0 - 5, y0 - height * i / 4 + 4, (25 * i) + "%", "text-anchor=\"end\""));
        }
        double tx = x0 + width * target / maxT;
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>%n",
                tx, y0, tx, y0 - height));
        s.append(text((int) tx + 4, y0 - height + 12, String.format(Locale.ROOT, "target %.1f s", target), "fill=\"#c33\""));
        if (delays.isEmpty()) {
            return;
        }
        // A step line: at each delay the share rises by one probe (unseen probes never rise).
        StringBuilder path = new StringBuilder();
        double share = y0;
        for (int i = 0; i < finite.size(); i++) {
            double x = x0 + width * finite.get(i) / maxT;
            double next = y0 - height * (i + 1.0) / delays.size();
            path.append(String.format(Locale.ROOT, "%s%.1f %.1f L%.1f %.1f ", i == 0 ? "M" : "L", x, share, x, next));
            share = next;
        }
        s.append("<path d=\"").append(path.toString().trim()).append("\" fill=\"none\" stroke=\"#3a6fb0\" stroke-width=\"2\"/>\n");
    }

    private static String text(int x, int y, String body, String attrs) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" %s>%s</text>%n", x, y, attrs, body);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
