package org.difflabel.cli;

import org.difflabel.classifier.LabelScore;
import org.difflabel.classifier.Posterior;
import org.difflabel.classifier.Stage;

import java.util.Locale;

/**
 * One image's result as a JSON line for {@code accuracy --output}: what a {@code LabelPosterior}
 * record carries (probability, mean error, samples per label) plus each label's mean error after
 * every stage it took part in ({@code stageMeans}), which a record does not carry. With those the
 * staged posterior can be recomputed exactly at any temperature (calibration studies, tests).
 */
final class ResultLine {
    private ResultLine() {
    }

    static String json(String id, String truth, Posterior p) {
        StringBuilder b = new StringBuilder(1024);
        b.append("{\"id\":").append(quote(id)).append(",\"truth\":").append(quote(truth))
                .append(",\"temperature\":").append(num(p.temperature())).append(",\"stages\":[");
        for (int s = 0; s < p.stages().size(); s++) {
            Stage st = p.stages().get(s);
            b.append(s == 0 ? "" : ",").append('[').append(st.samples()).append(',').append(st.keep()).append(']');
        }
        b.append("],\"labels\":[");
        boolean first = true;
        for (LabelScore s : p.scores()) {
            b.append(first ? "" : ",").append("{\"label\":").append(quote(s.label()))
                    .append(",\"probability\":").append(num(s.probability()))
                    .append(",\"meanError\":").append(num(s.meanError()))
                    .append(",\"samples\":").append(s.samples()).append(",\"stageMeans\":[");
            boolean firstStage = true;
            for (Stage st : p.stages()) {
                if (st.samples() > s.samples()) {
                    break;
                }
                // the (weighted) mean the classifier compared at that stage
                double sum = 0;
                double weights = 0;
                for (int j = 0; j < st.samples(); j++) {
                    sum += p.sampleWeight(j) * s.sampleErrors()[j];
                    weights += p.sampleWeight(j);
                }
                b.append(firstStage ? "" : ",").append(num(sum / weights));
                firstStage = false;
            }
            b.append("]}");
            first = false;
        }
        return b.append("]}").toString();
    }

    private static String num(double v) {
        // shortest repr that round-trips: Double.toString; JSON has no NaN/Infinity
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("not a finite number: " + v);
        }
        return Double.toString(v).toLowerCase(Locale.ROOT);
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
