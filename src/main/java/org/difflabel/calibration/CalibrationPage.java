package org.difflabel.calibration;

import java.util.List;
import java.util.Locale;

/**
 * The calibration outcome as one self-contained HTML page (inline SVG, no scripts): reliability
 * diagrams before and after the temperature re-fit, the risk-coverage curve of the candidate
 * thresholds with alpha and the certified point, and the key figures.
 */
public final class CalibrationPage {
    private static final int W = 360;
    private static final int H = 300;
    private static final int PAD = 58;

    private CalibrationPage() {
    }

    public static String render(String modelId, String modelVersion, ReviewEvidence e, CalibrationResult r,
                                Calibrator.Options o) {
        RiskControl.Certification c = r.certification();
        StringBuilder b = new StringBuilder();
        String title = "Calibration of " + modelId + " " + modelVersion;
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title><style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
                        + ".figs{display:flex;gap:2em;flex-wrap:wrap}figure{margin:0}figcaption{font-size:.85em;color:#555;"
                        + "max-width:360px}ul{line-height:1.6}.none{color:#b32}svg text{font-size:11px;fill:#444}</style>"
                        + "</head><body>");
        b.append("<h1>").append(esc(title)).append("</h1><ul>");
        b.append(f("<li>calibration set: <b class=\"items\">%d</b> results, <b class=\"labelled\">%d</b> labelled; "
                + "held out: %d (%d labelled)</li>", e.items().size(), e.labelled(), r.holdoutItems(), r.holdoutLabelled()));
        b.append(f("<li>temperature: %.6g on the records, <b class=\"temperature\">%.6g</b> fitted</li>",
                r.recordTemperature(), r.temperature()));
        b.append(f("<li>held-out NLL %.4f &rarr; <b class=\"nll-after\">%.4f</b>, ECE %.4f &rarr; <b class=\"ece-after\">%.4f"
                + "</b></li>", r.before().nll(), r.after().nll(), r.before().ece(), r.after().ece()));
        if (c.certified()) {
            b.append(f("<li>certified threshold (alpha %.4g, delta %.4g, %s): confidence &ge; <b class=\"threshold\">%s</b>,"
                            + " coverage <b class=\"coverage\">%.2f%%</b>, upper bound on the error %.4f</li>", o.alpha(),
                    o.delta(), esc(c.method()), CalibrationReport.fmt(c.threshold()), 100 * c.coverage(), c.upperBound()));
        } else {
            b.append(f("<li class=\"none\">too few reviews to certify any threshold at alpha %.4g, delta %.4g</li>",
                    o.alpha(), o.delta()));
        }
        b.append("</ul><div class=\"figs\">");
        reliability(b, "reliability-before", f("Before: temperature %.4g (on the records)", r.recordTemperature()),
                r.before().reliability());
        reliability(b, "reliability-after", f("After: temperature %.4g (fitted)", r.temperature()), r.after().reliability());
        riskCoverage(b, c);
        b.append("</div></body></html>\n");
        return b.toString();
    }

    private static void reliability(StringBuilder b, String id, String caption, List<Metrics.Bin> bins) {
        b.append("<figure><svg id=\"").append(id).append(f("\" width=\"%d\" height=\"%d\" role=\"img\">", W, H));
        axes(b, "confidence", "accuracy", 0, 1);
        b.append(f("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
                x(0), y(0, 0, 1), x(1), y(1, 0, 1)));
        for (Metrics.Bin bin : bins) {
            if (bin.count() == 0) {
                continue;
            }
            double x0 = x(bin.lo()) + 1;
            double w = x(bin.hi()) - x(bin.lo()) - 2;
            b.append(f("<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#47c\">"
                            + "<title>(%.3f, %.3f]: %d results, accuracy %.3f, mean confidence %.3f</title></rect>",
                    x0, y(bin.accuracy(), 0, 1), w, y(0, 0, 1) - y(bin.accuracy(), 0, 1), bin.lo(), bin.hi(), bin.count(),
                    bin.accuracy(), bin.meanConfidence()));
            b.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#d60\"/>", x(bin.meanConfidence()),
                    y(bin.meanConfidence(), 0, 1)));
        }
        b.append("</svg><figcaption>").append(esc(caption)).append(": accuracy per confidence bin (bars), mean confidence "
                + "(dots), perfect calibration (dashed). Held-out part.</figcaption></figure>");
    }

    private static void riskCoverage(StringBuilder b, RiskControl.Certification c) {
        double maxRisk = Math.max(2 * c.alpha(), c.curve().stream().mapToDouble(RiskControl.Step::risk).max().orElse(0));
        b.append(f("<figure><svg id=\"risk-coverage\" width=\"%d\" height=\"%d\" role=\"img\">", W, H));
        axes(b, "coverage", "error among accepted", 0, maxRisk);
        StringBuilder path = new StringBuilder();
        for (RiskControl.Step s : c.curve()) {
            if (s.accepted() == 0) {
                continue;
            }
            double cov = (double) s.accepted() / c.items();
            path.append(path.length() == 0 ? "M" : " L").append(f("%.1f %.1f", x(cov), y(s.risk(), 0, maxRisk)));
        }
        b.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#47c\" stroke-width=\"2\"/>");
        b.append(f("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b32\" stroke-dasharray=\"5 3\"/>"
                + "<text x=\"%.1f\" y=\"%.1f\">alpha %.3g</text>", x(0), y(c.alpha(), 0, maxRisk), x(1),
                y(c.alpha(), 0, maxRisk), x(0) + 4, y(c.alpha(), 0, maxRisk) - 4, c.alpha()));
        if (c.certified()) {
            b.append(f("<circle id=\"chosen\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" stroke=\"#2a7\" stroke-width=\"3\">"
                            + "<title>certified: confidence >= %s, coverage %.3f, error %.4f (bound %.4f)</title></circle>",
                    x(c.coverage()), y(c.risk(), 0, maxRisk), CalibrationReport.fmt(c.threshold()), c.coverage(), c.risk(),
                    c.upperBound()));
        }
        b.append("</svg><figcaption>Risk-coverage curve of the candidate thresholds on the held-out part (fitted "
                + "temperature); the circle is the certified threshold, the dashed line alpha.</figcaption></figure>");
    }

    private static void axes(StringBuilder b, String xLabel, String yLabel, double yMin, double yMax) {
        b.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", PAD, H - PAD, W - 20, H - PAD));
        b.append(f("<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", PAD, PAD, H - PAD));
        for (int i = 0; i <= 4; i++) {
            double v = i / 4.0;
            b.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.2f</text>", x(v), H - PAD + 14, v));
            double yv = yMin + v * (yMax - yMin);
            b.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>", PAD - 4, y(yv, yMin, yMax) + 4, yv));
        }
        b.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", (PAD + W) / 2, H - 8, esc(xLabel)));
        b.append(f("<text x=\"12\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\">%s</text>", H / 2, H / 2,
                esc(yLabel)));
    }

    private static double x(double v) {
        return PAD + v * (W - 20 - PAD);
    }

    private static double y(double v, double min, double max) {
        return H - PAD - (v - min) / (max - min) * (H - PAD - 10);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
