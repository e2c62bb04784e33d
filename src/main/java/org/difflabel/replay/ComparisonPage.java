package org.difflabel.replay;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison report as one self-contained HTML page (no scripts, no external files): the flip
 * matrix as a heat map, confidence histograms of both models and of the change, and the Markdown
 * figures as text. People look at these rather than read them.
 */
public final class ComparisonPage {
    private ComparisonPage() {
    }

    public static String render(ComparisonReport report, String title) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title><style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
                        + "table.heat{border-collapse:collapse;margin:1em 0}table.heat td,table.heat th{width:3.2em;height:2.2em;"
                        + "text-align:center;border:1px solid #ddd;font-size:.9em}table.heat th{background:#f4f4f4}"
                        + ".diag{box-shadow:inset 0 0 0 2px #2a7}.figs{display:flex;gap:2em;flex-wrap:wrap}"
                        + "figure{margin:0}figcaption{font-size:.85em;color:#555}ul{line-height:1.6}</style></head><body>");
        b.append("<h1>").append(esc(title)).append("</h1>");
        if (report.sections().isEmpty()) {
            b.append("<p id=\"empty\">No comparisons found.</p>");
        }
        int n = 0;
        for (ComparisonReport.Section s : report.sections()) {
            n++;
            b.append("<section class=\"pair\"><h2>").append(esc(s.champion())).append(" (champion) vs ")
                    .append(esc(s.challenger())).append(" (challenger)</h2><ul>");
            b.append(String.format(Locale.ROOT, "<li>events compared: <b class=\"compared\">%d</b>; without a champion result: %d</li>",
                    s.compared().size(), s.noChampion()));
            if (!s.compared().isEmpty()) {
                b.append(String.format(Locale.ROOT, "<li>agreement: <b class=\"agreement\">%.2f%%</b> (%d agree, %d flips)</li>",
                        100 * s.agreement(), s.agree(), s.flips()));
                int h = s.withHuman().size();
                if (h > 0) {
                    b.append(String.format(Locale.ROOT, "<li>against %d human labels: champion %.2f%% right, challenger %.2f%%"
                                    + " right; fixed <b class=\"fixed\">%d</b>, broken <b class=\"broken\">%d</b>, both wrong %d</li>",
                            h, 100.0 * s.championRight() / h, 100.0 * s.challengerRight() / h, s.fixed(), s.broken(),
                            s.bothWrong()));
                }
            }
            b.append("</ul>");
            if (s.compared().isEmpty()) {
                b.append("</section>");
                continue;
            }
            heatMap(b, s, "flip-matrix-" + n);
            b.append("<div class=\"figs\">");
            histogram(b, "Champion confidence", s.confidences(false), tenths(), "#888");
            histogram(b, "Challenger confidence", s.confidences(true), tenths(), "#2a7");
            String[] change = new String[ComparisonReport.CHANGE_BINS.length - 1];
            for (int i = 0; i < change.length; i++) {
                change[i] = ComparisonReport.binLabel(i);
            }
            histogram(b, "Confidence change (challenger - champion)", s.confidenceChanges(), change, "#47c");
            b.append("</div></section>");
        }
        return b.append("</body></html>").toString();
    }

    private static void heatMap(StringBuilder b, ComparisonReport.Section s, String id) {
        List<String> labels = s.labels();
        Map<String, Map<String, Integer>> m = s.matrix();
        int max = m.values().stream().flatMap(r -> r.values().stream()).mapToInt(Integer::intValue).max().orElse(1);
        b.append("<table class=\"heat\" id=\"").append(id).append("\"><caption>Flip matrix: rows are the champion's label,"
                + " columns the challenger's; off-diagonal cells are flips</caption><tr><th></th>");
        labels.forEach(l -> b.append("<th>").append(esc(l)).append("</th>"));
        b.append("</tr>");
        for (String row : labels) {
            b.append("<tr><th>").append(esc(row)).append("</th>");
            for (String col : labels) {
                int c = m.getOrDefault(row, Map.of()).getOrDefault(col, 0);
                // square root scaling keeps single flips visible next to a large diagonal
                double a = c == 0 ? 0 : 0.12 + 0.88 * Math.sqrt((double) c / max);
                String colour = row.equals(col) ? "42,170,119" : "214,69,65";
                b.append(String.format(Locale.ROOT, "<td data-count=\"%d\"%s style=\"background:rgba(%s,%.2f)\">%s</td>", c,
                        row.equals(col) ? " class=\"diag\"" : "", colour, a, c == 0 ? "" : String.valueOf(c)));
            }
            b.append("</tr>");
        }
        b.append("</table>");
    }

    private static void histogram(StringBuilder b, String title, int[] counts, String[] labels, String colour) {
        int w = 36;
        int height = 140;
        int max = Math.max(1, java.util.Arrays.stream(counts).max().orElse(1));
        int width = counts.length * w + 20;
        b.append("<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height + 40).append("\" role=\"img\" aria-label=\"").append(esc(title)).append("\">");
        for (int i = 0; i < counts.length; i++) {
            int h = (int) Math.round((double) counts[i] / max * height);
            int x = 10 + i * w;
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s: %d"
                    + "</title></rect>", x, height - h + 10, w - 4, h, colour, esc(labels[i]), counts[i]));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%d</text>",
                    x + (w - 4) / 2, height - h + 7, counts[i]));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-size=\"10\">%s</text><text x=\"%d\" y=\"%d\""
                        + " font-size=\"10\" text-anchor=\"end\">%s</text>", height + 26, esc(labels[0]), width - 10,
                height + 26, esc(labels[labels.length - 1])));
        b.append("</svg><figcaption>").append(esc(title)).append("</figcaption></figure>");
    }

    private static String[] tenths() {
        String[] s = new String[10];
        for (int i = 0; i < 10; i++) {
            s[i] = String.format(Locale.ROOT, "%.1f-%.1f", i / 10.0, (i + 1) / 10.0);
        }
        return s;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
